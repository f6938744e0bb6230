//! Which policy layer a denial came from, and the sentences that say so: why an identity
//! statement cannot fix a guardrail's denial, who owns the denying policy, and what a
//! plain-text message cannot show. Facts from the IAM user guide, "Policy evaluation logic"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>)
//! and "Access denied error messages"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>).

use super::catalogue;
use super::decoded::DecodedMessage;
use super::kinds::DenialSource;
use super::plain::PolicyType;

/// Why an allow in the principal's identity policy cannot fix this missing-allow denial, if it
/// cannot: an allow already matched (a guardrail denied it), the text names a guardrail's
/// implicit deny, or AWS Backup did not say which action was denied.
pub fn blocking_reason(message: &DecodedMessage) -> Option<String> {
    let allows: Vec<&str> = message
        .matched_statements
        .iter()
        .filter(|s| {
            s.effect
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("allow"))
        })
        .map(|s| s.sid.as_deref().unwrap_or("(no Sid)"))
        .collect();
    if !allows.is_empty() {
        return Some(format!(
            "an Allow statement ({}) already matched the request, so a guardrail denied it (a permissions boundary, a service control policy or a session policy that does not allow it); another copy of that allow would change nothing",
            allows.join(", ")
        ));
    }
    let text = message.text.as_ref()?;
    if text.explicit == Some(false)
        && let Some(kind) = text.policy_type
        && kind != PolicyType::IdentityBased
    {
        return Some(implicit_guardrail(kind, &message.action));
    }
    if text.backup_insufficient_privileges && message.action.is_empty() {
        return Some(
            "AWS Backup did not name the denied action (\"Insufficient privileges to perform this action\"), so no exact statement can be written: the restore role needs what AWS's managed policy AWSBackupServiceRolePolicyForRestores grants for this restore type"
                .into(),
        );
    }
    None
}

/// The sentence for an implicit deny by a layer other than the identity policy.
fn implicit_guardrail(kind: PolicyType, action: &str) -> String {
    match kind {
        PolicyType::PermissionsBoundary => format!(
            "the principal's permissions boundary does not allow {action}; the effective permissions are the intersection of the identity policies and the boundary, so the boundary itself must allow it"
        ),
        PolicyType::ResourceBased => format!(
            "the resource's own policy (a KMS key policy, bucket policy or vault access policy) does not allow {action} for this principal; that resource policy must allow it"
        ),
        PolicyType::Session => format!(
            "the session policy passed when the role was assumed does not allow {action}; whoever assumes the role must pass a session policy that allows it (a session policy cannot be seen after the fact)"
        ),
        PolicyType::ServiceControl | PolicyType::ResourceControl => format!(
            "a {} of AWS Organizations does not allow {action} (an allow is needed at every level from the root to the account); ask the organization's administrator to allow it",
            kind.describe()
        ),
        PolicyType::VpcEndpoint => format!(
            "the VPC endpoint policy the request went through does not allow {action}; that endpoint's policy must allow it"
        ),
        PolicyType::IdentityBased => format!("no identity-based policy allows {action}"),
    }
}

/// Who can change an explicit deny of this kind.
pub fn deny_owner(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::ServiceControl | PolicyType::ResourceControl => {
            "the AWS Organizations administrator (management or delegated administrator account)"
        }
        PolicyType::PermissionsBoundary => "whoever manages the principal's permissions boundary",
        PolicyType::ResourceBased => "the resource's owner (its key, bucket or vault policy)",
        PolicyType::Session => "whoever assumes the role with that session policy",
        PolicyType::VpcEndpoint => "the owner of the VPC endpoint",
        PolicyType::IdentityBased => "whoever manages the principal's identity policies",
    }
}

/// Further sentences for a diagnosis: conditions a fix could not set, what a plain-text
/// message cannot show, the Access Troubleshooter ID.
pub fn notes(message: &DecodedMessage, has_fix: bool) -> Vec<String> {
    let mut notes = Vec::new();
    let partition = message.principal.partition.as_deref().unwrap_or("aws");
    if has_fix {
        for (key, missing) in catalogue::unknown_recommended(
            &message.action,
            message.conditions.as_slice(),
            partition,
        ) {
            notes.push(format!(
                "{key} could not be set: the message does not show {missing}, so the statement has no such condition; add one naming the service that uses it."
            ));
        }
        if message.source == DenialSource::PlainText {
            notes.push(
                "A plain-text message shows no condition keys: the conditions are unknown (not absent), and local verification assumed the recommended ones hold."
                    .into(),
            );
        }
    }
    if let Some(text) = &message.text {
        if text.explicit.is_none() && text.action.is_some() {
            notes.push(
                "The message does not say whether a missing allow or an explicit deny caused it; the fix assumes a missing allow in the identity policy."
                    .into(),
            );
        }
        if let Some(id) = &text.authorization_id {
            notes.push(format!(
                "IAM Access Troubleshooter (preview) holds the full evaluation: `aws iam-toolbox get-request-authorization-details --authorization-id {id}` (restore-doctor does not call it)."
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::plain::parse_plain;

    fn plain(text: &str) -> DecodedMessage {
        DecodedMessage::from_plain(&parse_plain(text).unwrap())
    }

    #[test]
    fn every_guardrail_implicit_deny_blocks_the_identity_fix() {
        for (words, needle) in [
            ("permissions boundary", "boundary itself must allow"),
            ("resource-based policy", "resource policy must allow"),
            ("session policy", "session policy that allows"),
            ("service control policy", "organization's administrator"),
            ("resource control policy", "organization's administrator"),
            ("VPC endpoint policy", "endpoint's policy"),
        ] {
            let m = plain(&format!(
                "User: arn:aws:iam::1:role/R is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no {words} allows the s3:GetObject action"
            ));
            let reason = blocking_reason(&m).unwrap_or_default();
            assert!(reason.contains(needle), "{words}: {reason}");
        }
        let identity = plain(
            "User: arn:aws:iam::1:role/R is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action",
        );
        assert_eq!(blocking_reason(&identity), None);
    }

    #[test]
    fn a_matched_allow_means_a_guardrail_denied() {
        let m = DecodedMessage::parse(r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[{"statementId":"AllowPass","effect":"ALLOW","actions":{"items":[{"value":"iam:PassRole"}]}}]},"context":{"principal":{"arn":"arn:aws:iam::1:role/R"},"action":"iam:PassRole","resource":"arn:aws:iam::1:role/X"}}"#).unwrap();
        let reason = blocking_reason(&m).unwrap();
        assert!(
            reason.contains("AllowPass") && reason.contains("guardrail"),
            "{reason}"
        );
    }
}
