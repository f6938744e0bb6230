//! Plain-text access-denied messages: IAM's documented sentences ("User: … is not authorized to
//! perform: … on resource: … because no … policy allows …" / "… with an explicit deny in a …
//! policy[: ARN]"), AWS Backup's own "Insufficient privileges to perform this action", and the
//! SDK/CLI/Terraform wrappers they arrive in. Pure and total: any text gives an answer.
//!
//! Formats followed (checked against AWS documentation, not copied):
//! - IAM user guide, "Troubleshoot access denied error messages":
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>
//! - the policy ARN and the Access Troubleshooter authorization ID suffix:
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied-authorization-id.html>
//! - S3's form (the resource in quotes):
//!   <https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html>
//! - AWS Backup's EFS wording:
//!   <https://repost.aws/knowledge-center/backup-insufficient-privileges-efs>

use serde::Serialize;

/// The kind of policy a plain-text denial names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyType {
    /// An identity-based policy of the principal.
    IdentityBased,
    /// A resource-based policy (bucket policy, KMS key policy, vault access policy, …).
    ResourceBased,
    /// The principal's permissions boundary.
    PermissionsBoundary,
    /// A session policy passed when the role was assumed.
    Session,
    /// An AWS Organizations service control policy.
    ServiceControl,
    /// An AWS Organizations resource control policy.
    ResourceControl,
    /// A VPC endpoint policy.
    VpcEndpoint,
}

impl PolicyType {
    /// The words a sentence uses for it.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyType::IdentityBased => "identity-based policy",
            PolicyType::ResourceBased => "resource-based policy",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::ServiceControl => "service control policy",
            PolicyType::ResourceControl => "resource control policy",
            PolicyType::VpcEndpoint => "VPC endpoint policy",
        }
    }

    /// Recognises the words IAM puts between "no"/"in a" and "allows"/"policy".
    fn from_words(words: &str) -> Option<PolicyType> {
        let w = words.to_ascii_lowercase();
        [
            ("identity-based", PolicyType::IdentityBased),
            ("identity based", PolicyType::IdentityBased),
            ("resource-based", PolicyType::ResourceBased),
            ("resource based", PolicyType::ResourceBased),
            ("permissions boundary", PolicyType::PermissionsBoundary),
            ("permission boundary", PolicyType::PermissionsBoundary),
            ("service control", PolicyType::ServiceControl),
            ("resource control", PolicyType::ResourceControl),
            ("vpc endpoint", PolicyType::VpcEndpoint),
            ("session", PolicyType::Session),
        ]
        .into_iter()
        .find(|(needle, _)| w.contains(needle))
        .map(|(_, kind)| kind)
    }
}

/// What a plain-text denial says (every part optional: real messages leave parts out).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PlainDenial {
    /// The denied principal's ARN (`User: <ARN> is not authorized …`).
    pub principal: Option<String>,
    /// `service:Action`.
    pub action: Option<String>,
    /// The resource ARN (quotes removed).
    pub resource: Option<String>,
    /// `Some(true)` for "with an explicit deny", `Some(false)` for "because no … allows",
    /// `None` when the message does not say.
    pub explicit: Option<bool>,
    /// The policy type the message names.
    pub policy_type: Option<PolicyType>,
    /// The denying policy's ARN, when AWS appends it.
    pub denying_policy_arn: Option<String>,
    /// The IAM Access Troubleshooter authorization ID, when present (kept, never looked up).
    pub authorization_id: Option<String>,
    /// The SDK/CLI error code around the text (`AccessDenied`, `UnauthorizedOperation`, …).
    pub error_code: Option<String>,
    /// The API operation the wrapper names (`when calling the PutRolePolicy operation`).
    pub operation: Option<String>,
    /// AWS Backup's "Insufficient privileges to perform this action" (no action named).
    pub backup_insufficient_privileges: bool,
}

const NOT_AUTHORIZED: &str = " is not authorized to perform";
const BACKUP_INSUFFICIENT: &str = "insufficient privileges to perform this action";

/// Error codes that mean "access denied" in SDK, CLI and Terraform wrappers.
const DENIAL_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "Forbidden",
];

/// Collapses every run of whitespace (line breaks of a terminal or a log viewer) to one space
/// and drops JSON escapes of quotes, so a sentence split over lines reads as one.
fn normalise(text: &str) -> String {
    let unescaped = text
        .replace("\\\"", "\"")
        .replace("\\n", " ")
        .replace("\\r", " ");
    unescaped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims quotes and trailing sentence punctuation from a word of the message.
fn clean_word(word: &str) -> &str {
    word.trim_matches(|c| matches!(c, '"' | '\'' | '`'))
        .trim_end_matches(['.', ',', ';', ')', '"', '\''])
        .trim_start_matches('(')
}

/// Finds `needle` case-insensitively in `hay` (ASCII lower-casing keeps byte offsets).
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.to_ascii_lowercase().find(&needle.to_ascii_lowercase())
}

/// The first whitespace-separated word of `text` after skipping `:` and spaces.
fn first_word(text: &str) -> &str {
    let text = text.trim_start_matches([':', ' ']);
    text.split(' ').next().unwrap_or("")
}

/// Parses a plain-text denial; `None` when the text holds none of the documented forms.
pub fn parse_plain(text: &str) -> Option<PlainDenial> {
    let text = normalise(text);
    let lower = text.to_ascii_lowercase();
    let mut denial = PlainDenial {
        backup_insufficient_privileges: lower.contains(BACKUP_INSUFFICIENT),
        ..PlainDenial::default()
    };
    let found = find_ci(&text, NOT_AUTHORIZED);
    if let Some(at) = found {
        let before = &text[..at];
        let principal = clean_word(before.rsplit(' ').next().unwrap_or(""));
        if !principal.is_empty() && !principal.ends_with(':') {
            denial.principal = Some(principal.to_string());
        }
        let after = &text[at + NOT_AUTHORIZED.len()..];
        let action = clean_word(first_word(after));
        if action.contains(':') && !action.starts_with("arn:") {
            denial.action = Some(action.to_string());
        }
        // Only the sentence of this denial: up to the next one, if several are pasted.
        let after = match find_ci(after, NOT_AUTHORIZED) {
            Some(next) => &after[..next],
            None => after,
        };
        // `on resource: ARN`, `on resource: "ARN"` (S3) or `on "ARN"`.
        let rest = find_ci(after, " on resource")
            .map(|on| &after[on + " on resource".len()..])
            .or_else(|| find_ci(after, " on ").map(|on| &after[on + " on ".len()..]));
        if let Some(rest) = rest {
            let resource = clean_word(first_word(rest));
            if resource.starts_with("arn:") || resource == "*" {
                denial.resource = Some(resource.to_string());
            }
        }
        reason(after, &mut denial);
    }
    if found.is_none() && !denial.backup_insufficient_privileges {
        return None;
    }
    denial.authorization_id = authorization_id(&text);
    wrapper(&text, &mut denial);
    Some(denial)
}

/// "because no <type> allows" (implicit) or "with an explicit deny in a <type> policy[: ARN]".
fn reason(sentence: &str, denial: &mut PlainDenial) {
    if let Some(at) = find_ci(sentence, "because no ") {
        let rest = &sentence[at + "because no ".len()..];
        let words = match find_ci(rest, " allow") {
            Some(end) => &rest[..end],
            None => rest,
        };
        denial.explicit = Some(false);
        denial.policy_type = PolicyType::from_words(words);
    } else if let Some(at) = find_ci(sentence, "with an explicit deny") {
        denial.explicit = Some(true);
        let rest = &sentence[at + "with an explicit deny".len()..];
        // The clause ends at the first "policy" or "boundary" (an ARN after it may hold both).
        let clause = ["policy", "boundary"]
            .iter()
            .filter_map(|word| find_ci(rest, word).map(|end| end + word.len()))
            .min()
            .map_or("", |end| &rest[..end]);
        denial.policy_type = PolicyType::from_words(clause);
        let tail = &rest[clause.len()..];
        if let Some(arn_text) = tail.strip_prefix(':') {
            let arn = clean_word(first_word(arn_text));
            if arn.starts_with("arn:") {
                denial.denying_policy_arn = Some(arn.to_string());
            }
        }
    }
}

/// The Access Troubleshooter authorization ID: `authorization id: <id>` or the console link's
/// `#/authorization-details/<id>`.
fn authorization_id(text: &str) -> Option<String> {
    for marker in [
        "authorization id: ",
        "authorization id:",
        "#/authorization-details/",
    ] {
        if let Some(at) = find_ci(text, marker) {
            let id: String = text[at + marker.len()..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if !id.is_empty() {
                return Some(id);
            }
        }
    }
    None
}

/// The error code and operation of the SDK/CLI/Terraform wrapper, when there is one.
fn wrapper(text: &str, denial: &mut PlainDenial) {
    // AWS CLI: "An error occurred (AccessDenied) when calling the AssumeRole operation: …".
    if let Some(at) = find_ci(text, "an error occurred (") {
        let rest = &text[at + "an error occurred (".len()..];
        if let Some(end) = rest.find(')') {
            denial.error_code = Some(rest[..end].to_string());
        }
        if let Some(call) = find_ci(rest, "when calling the ") {
            let op = first_word(&rest[call + "when calling the ".len()..]);
            if !op.is_empty() {
                denial.operation = Some(op.to_string());
            }
        }
    }
    // Go SDK v2 / Terraform: "operation error IAM: PutRolePolicy, … api error AccessDenied: …".
    if denial.operation.is_none()
        && let Some(at) = find_ci(text, "operation error ")
    {
        let rest = &text[at + "operation error ".len()..];
        if let Some(colon) = rest.find(": ") {
            let op = clean_word(first_word(&rest[colon + 2..]));
            if !op.is_empty() {
                denial.operation = Some(op.to_string());
            }
        }
    }
    if denial.error_code.is_none() {
        // Java SDK: "(Service: …; Status Code: 403; Error Code: AccessDenied; …)"; Go: "api error X:".
        for marker in ["error code: ", "api error "] {
            if let Some(at) = find_ci(text, marker) {
                let code = clean_word(first_word(&text[at + marker.len()..]));
                let code = code.trim_end_matches(':');
                if !code.is_empty() {
                    denial.error_code = Some(code.to_string());
                    return;
                }
            }
        }
        denial.error_code = DENIAL_CODES
            .iter()
            .find(|code| {
                text.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == **code)
            })
            .map(|code| (*code).to_string());
    }
}

#[cfg(test)]
mod tests;
