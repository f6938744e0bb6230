//! IAM's policy grammar as `PutRolePolicy`/`PutUserPolicy` enforce it, with IAM's own wording
//! (`MalformedPolicyDocument`, 400), and the inline-policy size quotas (`LimitExceeded`, 409).
//!
//! Wording, as IAM answers (seen in public reports of real IAM responses):
//! - "Policy statement must contain resources." (hashicorp/terraform#9002,
//!   trussworks/terraform-aws-s3-anti-virus#28)
//! - "The policy failed legacy parsing" for a Version IAM does not know (99designs/iamy#65)
//! - "Syntax errors in policy." for JSON or element errors; "Actions/Conditions must be
//!   prefaced by a vendor, e.g., iam, sdb, ec2, etc."; "Statement IDs (SID) in a single policy
//!   must be unique."; "Policy document should not specify a principal."
//!
//! Quotas (IAM User Guide, "IAM and AWS STS quotas"): a role's inline policies together may hold
//! 10,240 characters, a user's 2,048, a managed policy 6,144; IAM does not count white space.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::sandbox::wire::AwsError;

/// IAM's quota on a role's inline policies (non-whitespace characters, all policies together).
pub const ROLE_INLINE_QUOTA: usize = 10_240;
/// IAM's quota on a user's inline policies.
pub const USER_INLINE_QUOTA: usize = 2_048;
/// IAM's quota on one managed policy version (non-whitespace characters).
pub const MANAGED_POLICY_QUOTA: usize = 6_144;

const SYNTAX: &str = "Syntax errors in policy.";
const TOP_LEVEL: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// `MalformedPolicyDocument` with IAM's message.
pub fn malformed(message: &str) -> AwsError {
    AwsError::new(400, "MalformedPolicyDocument", message)
}

/// Characters IAM counts towards the size quotas.
pub fn non_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Parses an identity policy and checks it as IAM does; the parsed document on success.
pub fn check_identity_policy(text: &str) -> Result<Value, AwsError> {
    let document: Value = serde_json::from_str(text).map_err(|_| malformed(SYNTAX))?;
    let Some(top) = document.as_object() else {
        return Err(malformed(SYNTAX));
    };
    if top.keys().any(|k| !TOP_LEVEL.contains(&k.as_str())) {
        return Err(malformed(SYNTAX));
    }
    match top.get("Version") {
        None => {}
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(_) => return Err(malformed("The policy failed legacy parsing")),
    }
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => return Err(malformed(SYNTAX)),
    };
    let mut sids = BTreeSet::new();
    for statement in statements {
        let Some(statement) = statement.as_object() else {
            return Err(malformed(SYNTAX));
        };
        if statement.keys().any(|k| !STATEMENT.contains(&k.as_str())) {
            return Err(malformed(SYNTAX));
        }
        if statement.contains_key("Principal") || statement.contains_key("NotPrincipal") {
            return Err(malformed("Policy document should not specify a principal."));
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            _ => return Err(malformed(SYNTAX)),
        }
        if let Some(sid) = statement.get("Sid") {
            let Some(sid) = sid.as_str() else {
                return Err(malformed(SYNTAX));
            };
            if !sid.is_empty() && !sids.insert(sid.to_string()) {
                return Err(malformed(
                    "Statement IDs (SID) in a single policy must be unique.",
                ));
            }
        }
        let actions = statement
            .get("Action")
            .or_else(|| statement.get("NotAction"));
        let Some(actions) = actions else {
            return Err(malformed("Policy statement must contain actions."));
        };
        let actions = strings(actions).ok_or_else(|| malformed(SYNTAX))?;
        if actions.iter().any(|a| *a != "*" && !a.contains(':')) {
            return Err(malformed(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            ));
        }
        let resources = statement
            .get("Resource")
            .or_else(|| statement.get("NotResource"));
        let Some(resources) = resources else {
            return Err(malformed("Policy statement must contain resources."));
        };
        strings(resources).ok_or_else(|| malformed(SYNTAX))?;
        if let Some(condition) = statement.get("Condition")
            && !condition.is_object()
        {
            return Err(malformed(SYNTAX));
        }
    }
    // The evaluator must be able to read what IAM accepted.
    crate::diagnosis::evaluate::validate_policy(&document).map_err(|_| malformed(SYNTAX))?;
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        check_identity_policy(text).unwrap_err().message
    }

    #[test]
    fn each_grammar_error_has_iams_wording() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(check_identity_policy(ok).is_ok());
        assert_eq!(
            message(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject"}}"#
            ),
            "Policy statement must contain resources."
        );
        assert!(
            message(r#"{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#)
                .starts_with("Actions/Conditions must be prefaced")
        );
        assert_eq!(
            message(
                r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:a","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:b","Resource":"*"}]}"#
            ),
            "Statement IDs (SID) in a single policy must be unique."
        );
        assert_eq!(message(r#"{"Statement":[],"Extra":1}"#), SYNTAX);
        assert_eq!(
            message(r#"{"Statement":{"Effect":"Allow","Action":"s3:a","Resource":"*","Foo":1}}"#),
            SYNTAX
        );
        assert_eq!(
            message(r#"{"Statement":{"Effect":"Maybe","Action":"s3:a","Resource":"*"}}"#),
            SYNTAX
        );
        assert_eq!(
            message(
                r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:a","Resource":"*"}}"#
            ),
            "The policy failed legacy parsing"
        );
        assert_eq!(message("not json"), SYNTAX);
        assert_eq!(non_whitespace(" a b\n"), 2);
    }
}
