//! The diagnosis of one decoded message: verdict, fix and a sentence a person can act on.
//! Its JSON form is the public `explain` contract (add fields, never rename).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::catalogue;
use super::decoded::DecodedMessage;
use super::evaluate::{self, Decision, NamedPolicy, RequestContext};
use super::fix::{self, Fix, Scope};
use super::kinds::{DenialSource, LocalVerification};
use super::layers;
use super::plain::PolicyType;
use super::principal::{Principal, PrincipalType, redacted_account};
use super::protected::{self, ProtectedRole};
use super::restore_round::{AlsoNeeded, WiderAlternative};

mod text;
pub use text::render_text;

/// IAM's answer as the decoded message gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No policy allowed the request.
    MissingAllow,
    /// A policy denied it.
    ExplicitDeny,
    /// It was allowed.
    Allowed,
}

impl Verdict {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::MissingAllow => "missing_allow",
            Verdict::ExplicitDeny => "explicit_deny",
            Verdict::Allowed => "allowed",
        }
    }
}

/// A deny statement visible in the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DenyStatement {
    /// Its Sid, if it has one.
    pub sid: Option<String>,
    /// Its actions.
    pub actions: Vec<String>,
    /// Its resources.
    pub resources: Vec<String>,
}

/// A proposed fix and whether local evaluation says it works.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixReport {
    /// The fix itself.
    #[serde(flatten)]
    pub fix: Fix,
    /// The decoded request would be allowed by the fixed policy; null when it could not be
    /// evaluated (a redacted account ID): not done, never `false`.
    pub verified: Option<bool>,
    /// The local verification in full: allowed, not allowed, or not done (and why), so a
    /// request that cannot be evaluated is not reported as one the fix does not allow.
    pub local_verification: LocalVerification,
}

/// The diagnosis (the `explain --output json` contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// missing_allow, explicit_deny or allowed.
    pub verdict: Verdict,
    /// Who asked.
    pub principal: Principal,
    /// `service:Action`.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Condition keys and values.
    pub conditions: Map<String, Value>,
    /// Deny statements that matched (empty when the deny is invisible).
    pub deny_statements: Vec<DenyStatement>,
    /// The fix, for `missing_allow` on a role or user.
    pub fix: Option<FixReport>,
    /// Why there is no fix, when there is none.
    pub no_fix_reason: Option<String>,
    /// One sentence a person can act on.
    pub summary: String,
    /// Which text the diagnosis was made from: `encoded`, `decoded` or `plain_text`.
    pub source: DenialSource,
    /// The policy type the denial names (plain text or a hybrid), when it names one.
    pub policy_type: Option<PolicyType>,
    /// The denying policy's ARN, when AWS gave it.
    pub denying_policy_arn: Option<String>,
    /// The IAM Access Troubleshooter authorization ID, when the text carries one (kept, never
    /// looked up).
    pub authorization_id: Option<String>,
    /// The SDK/CLI error code around a plain-text denial (`AccessDenied`, …).
    pub error_code: Option<String>,
    /// The API operation the SDK/CLI wrapper names.
    pub operation: Option<String>,
    /// False when the message shows no condition keys (plain text): `conditions` is then
    /// unknown, not empty.
    pub conditions_known: bool,
    /// Condition keys the fix recommends whose value the message does not show.
    pub unknown_condition_keys: Vec<String>,
    /// Further sentences: guardrails, conditions that could not be set, where the full
    /// evaluation can be read.
    pub notes: Vec<String>,
    /// The principal is a role restore-doctor must not write to (an IAM Identity Center role,
    /// whose permission set takes the change, or a service-linked role), known from its name.
    pub protected_target: Option<ProtectedRole>,
    /// Further statements the restore needs on the same resource that IAM denies today, each
    /// labelled "also needed by this restore" (filled by a fix preview for a restore job).
    pub also_needed: Vec<AlsoNeeded>,
    /// Wider ways to fix it, offered beside the exact statement, never applied by
    /// restore-doctor (attaching the AWS managed restore policy to a role that lacks it).
    pub wider_alternatives: Vec<WiderAlternative>,
}

/// Decides the verdict: explicit deny (flag or a visible deny statement: a deny always wins,
/// even in a message that says `allowed: true`), else allowed, else missing allow.
pub fn verdict(message: &DecodedMessage) -> Verdict {
    if message.explicit_deny == Some(true) || message.matched_statements.iter().any(|s| s.is_deny())
    {
        Verdict::ExplicitDeny
    } else if message.allowed == Some(true) {
        Verdict::Allowed
    } else {
        Verdict::MissingAllow
    }
}

/// The request as IAM evaluates it: the decoded context plus the keys IAM sets for the action that
/// the decoded message does not show (the action catalogue's hidden keys: `iam:PassedToService`
/// for PassRole from `aws:Service`; `kms:GrantIsForAWSResource` for a grant made through an AWS
/// service).
pub fn request_context(message: &DecodedMessage) -> RequestContext {
    build_request(
        &message.principal,
        &message.action,
        &message.resource,
        message.conditions.iter().cloned().collect(),
        message.source != DenialSource::PlainText,
    )
}

/// The same request, rebuilt from a diagnosis (for IAM's simulation after a write).
pub fn diagnosis_request_context(d: &Diagnosis) -> RequestContext {
    let conditions = d
        .conditions
        .iter()
        .map(|(k, v)| (k.clone(), evaluate::string_list(Some(v))))
        .collect();
    build_request(
        &d.principal,
        &d.action,
        &d.resource,
        conditions,
        d.conditions_known,
    )
}

/// The request to evaluate. When the message showed no conditions (plain text), the
/// recommended condition keys are assumed to hold, so a fix that carries them is judged on its
/// action and resource rather than refused for keys the text could not show.
fn build_request(
    principal: &Principal,
    action: &str,
    resource: &str,
    mut conditions: std::collections::BTreeMap<String, Vec<String>>,
    conditions_known: bool,
) -> RequestContext {
    let partition = principal.partition.as_deref().unwrap_or("aws");
    if !conditions_known {
        for (key, value) in catalogue::assumed_keys(action, &conditions, partition) {
            conditions.insert(key, vec![value]);
        }
    }
    for (key, value) in catalogue::hidden_keys(action, &conditions, partition) {
        conditions.insert(key, vec![value]);
    }
    RequestContext {
        principal_arn: principal.arn.clone(),
        action: action.to_string(),
        resource: resource.to_string(),
        conditions,
    }
}

/// Whether `document` would allow the decoded request (the local verification).
pub fn verify(message: &DecodedMessage, documents: &[NamedPolicy]) -> bool {
    local_verification(message, documents) == LocalVerification::Allowed
}

/// The local verification: allowed, not allowed, or not done when the request cannot be
/// evaluated (an account ID that is not twelve digits, as in a redacted paste, or anything
/// else the evaluator refuses).
pub fn local_verification(
    message: &DecodedMessage,
    documents: &[NamedPolicy],
) -> LocalVerification {
    let request = request_context(message);
    if let Some(account) = [&request.principal_arn, &request.resource]
        .into_iter()
        .find_map(|arn| redacted_account(arn))
    {
        return LocalVerification::NotDone {
            reason: format!(
                "the message's account ID {account:?} is not a 12-digit account ID (a redacted paste?), so the request cannot be evaluated; verify with the unredacted message"
            ),
        };
    }
    match evaluate::evaluate(documents, &request) {
        Ok(evaluation) if evaluation.decision == Decision::Allowed => LocalVerification::Allowed,
        Ok(_) => LocalVerification::NotAllowed,
        Err(error) => LocalVerification::NotDone {
            reason: error.to_string(),
        },
    }
}

/// Diagnoses a decoded message.
pub fn diagnose(message: &DecodedMessage, scope: Scope) -> Diagnosis {
    let verdict = verdict(message);
    let deny_statements: Vec<DenyStatement> = message
        .matched_statements
        .iter()
        .filter(|s| s.is_deny())
        .map(|s| DenyStatement {
            sid: s.sid.clone(),
            actions: s.actions.clone(),
            resources: s.resources.clone(),
        })
        .collect();
    let (fix, no_fix_reason) = match verdict {
        Verdict::Allowed => (None, Some(fix::NoFix::Allowed.to_string())),
        Verdict::ExplicitDeny => (None, Some(fix::NoFix::ExplicitDeny.to_string())),
        Verdict::MissingAllow => match layers::blocking_reason(message) {
            Some(reason) => (None, Some(reason)),
            None => match fix::synthesize(message, scope) {
                Ok(fix) => {
                    let document =
                        json!({"Version": "2012-10-17", "Statement": [fix.statement.clone()]});
                    let local_verification = local_verification(
                        message,
                        &[NamedPolicy {
                            name: fix.policy_name.clone(),
                            document,
                        }],
                    );
                    let verified = match local_verification {
                        LocalVerification::Allowed => Some(true),
                        LocalVerification::NotAllowed => Some(false),
                        LocalVerification::NotDone { .. } => None,
                    };
                    (
                        Some(FixReport {
                            fix,
                            verified,
                            local_verification,
                        }),
                        None,
                    )
                }
                Err(reason) => (None, Some(reason.to_string())),
            },
        },
    };
    let text = message.text.as_ref();
    let partition = message.principal.partition.as_deref().unwrap_or("aws");
    let unknown_condition_keys = if fix.is_some() {
        catalogue::unknown_recommended(&message.action, message.conditions.as_slice(), partition)
            .into_iter()
            .map(|(key, _)| key.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let mut notes = layers::notes(message, fix.is_some());
    let protected_target = match message.principal.kind {
        PrincipalType::AssumedRole | PrincipalType::Role => message
            .principal
            .name
            .as_deref()
            .and_then(|name| protected::classify_role(name, message.principal.path.as_deref())),
        _ => None,
    };
    // A service-linked role cannot be changed at all; an Identity Center role's fix is kept (it
    // is the statement for the permission set) and the summary says where it goes.
    let (fix, no_fix_reason) = match &protected_target {
        Some(role @ ProtectedRole::ServiceLinked { .. }) if fix.is_some() => {
            (None, Some(role.sentence()))
        }
        // The statement is the permission set's: its target is the permission set, and
        // the role provisioned from it is named beside it.
        Some(
            role @ ProtectedRole::IdentityCenter {
                role: name,
                permission_set,
            },
        ) if fix.is_some() => {
            notes.push(format!("{}.", capitalise(&role.sentence())));
            let fix = fix.map(|mut report| {
                report.fix.target = fix::FixTarget {
                    kind: fix::FixTargetKind::PermissionSet,
                    name: permission_set.clone(),
                    role: Some(name.clone()),
                };
                report
            });
            (fix, no_fix_reason)
        }
        _ => (fix, no_fix_reason),
    };
    let conditions = message
        .conditions
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut diagnosis = Diagnosis {
        verdict,
        principal: message.principal.clone(),
        action: message.action.clone(),
        resource: message.resource.clone(),
        conditions,
        deny_statements,
        fix,
        no_fix_reason,
        summary: String::new(),
        source: message.source,
        policy_type: text.and_then(|t| t.policy_type),
        denying_policy_arn: text.and_then(|t| t.denying_policy_arn.clone()),
        authorization_id: text.and_then(|t| t.authorization_id.clone()),
        error_code: text.and_then(|t| t.error_code.clone()),
        operation: text.and_then(|t| t.operation.clone()),
        conditions_known: message.source != DenialSource::PlainText,
        unknown_condition_keys,
        notes,
        protected_target,
        also_needed: Vec::new(),
        wider_alternatives: Vec::new(),
    };
    diagnosis.summary = capitalise(&summary(&diagnosis));
    diagnosis
}

fn capitalise(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn who(principal: &Principal) -> String {
    let name = principal.name.as_deref().unwrap_or(&principal.arn);
    match principal.kind {
        PrincipalType::AssumedRole | PrincipalType::Role => format!("role {name}"),
        PrincipalType::User => format!("user {name}"),
        PrincipalType::FederatedUser => format!("federated user {name}"),
        PrincipalType::Root => "the account root user".to_string(),
        PrincipalType::Service => format!("service {name}"),
        PrincipalType::Unknown if principal.arn.is_empty() => "the caller".to_string(),
        PrincipalType::Unknown => principal.arn.clone(),
    }
}

fn summary(d: &Diagnosis) -> String {
    let who = who(&d.principal);
    let what = if d.resource.is_empty() {
        d.action.clone()
    } else {
        format!("{} on {}", d.action, d.resource)
    };
    match d.verdict {
        Verdict::Allowed => {
            format!("The request by {who} for {what} was allowed; nothing needs fixing.")
        }
        Verdict::ExplicitDeny if d.policy_type.is_some() && d.deny_statements.is_empty() => {
            let kind = d.policy_type.unwrap_or(PolicyType::IdentityBased);
            let arn = d
                .denying_policy_arn
                .as_deref()
                .map(|arn| format!(" {arn}"))
                .unwrap_or_default();
            format!(
                "{who} is explicitly denied {what} by a {}{arn}; no allow statement can fix it, so {} must change that deny.",
                kind.describe(),
                layers::deny_owner(kind)
            )
        }
        Verdict::ExplicitDeny if d.deny_statements.is_empty() => format!(
            "{who} is explicitly denied {what} by a policy the caller cannot see, such as a service control policy or a permissions boundary; no allow statement can fix it, so ask whoever manages that policy to change it."
        ),
        Verdict::ExplicitDeny => {
            let sids: Vec<&str> = d
                .deny_statements
                .iter()
                .map(|s| s.sid.as_deref().unwrap_or("(no Sid)"))
                .collect();
            format!(
                "{who} is explicitly denied {what} by statement {}; no allow statement can fix it, so that deny must be changed or removed.",
                sids.join(", ")
            )
        }
        Verdict::MissingAllow => match (&d.fix, &d.no_fix_reason) {
            (Some(_), _) if d.protected_target.is_some() => {
                let set = d
                    .protected_target
                    .as_ref()
                    .and_then(ProtectedRole::permission_set)
                    .unwrap_or_default();
                format!(
                    "No policy allows {who} to perform {what}; add an Allow for exactly that to IAM Identity Center permission set {set} (IAM refuses changes to the role itself; Identity Center administrator rights are needed)."
                )
            }
            (Some(report), _) => {
                let kind = report.fix.target.kind;
                let wider = if report.fix.wider {
                    " (wider than the request: account scope)"
                } else {
                    ""
                };
                format!(
                    "No policy allows {who} to perform {what}; add an Allow for exactly that{wider} to the {kind}'s inline policy {}.",
                    report.fix.policy_name
                )
            }
            (None, Some(reason)) => {
                format!("{who} is not allowed {what}: {reason}.")
            }
            (None, None) => format!("No policy allows {who} to perform {what}."),
        },
    }
}

#[cfg(test)]
mod tests;
