//! One round of fixes per restore: a restore that failed on one action fails again on the next
//! one it lacks, so a fix for a restore job also covers the other actions that restore type
//! needs on the same resource (the catalogue's restore list), where IAM says they are denied
//! today. Each is its own least-privilege statement: that action, that resource, its catalogue
//! condition. The wider alternative, attaching the AWS managed restore policy, is offered
//! beside it, never instead of it.

use serde::Serialize;
use serde_json::Value;

use super::catalogue;
use super::decoded::DecodedMessage;
use super::fix::{self, Scope};
use super::report::request_context;

/// The label every such statement carries in the preview and the diagnosis.
pub const ALSO_NEEDED_LABEL: &str = "also needed by this restore";

/// One more statement a restore needs on the denied resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlsoNeeded {
    /// `service:Action`.
    pub action: String,
    /// The resource (the denied one; account-wide at account scope).
    pub resource: String,
    /// The restore type that needs it (`EBS`).
    pub restore_type: String,
    /// The statement added for it (its catalogue condition included).
    pub statement: Value,
    /// [`ALSO_NEEDED_LABEL`].
    pub label: String,
}

/// A wider way to give a restore role everything its restore type needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WiderAlternative {
    /// `attach_managed_policy`.
    pub kind: &'static str,
    /// The AWS managed policy to attach.
    pub policy_arn: String,
    /// Always true: it grants far more than the failed restore needs.
    pub wider: bool,
    /// What it is and why it is wider.
    pub sentence: String,
}

/// The actions to check for a restore of `restore_type` denied `message.action` on
/// `message.resource`.
pub fn candidates(message: &DecodedMessage, restore_type: &str) -> Vec<&'static str> {
    catalogue::also_needed_actions(restore_type, &message.action, &message.resource)
}

/// `message` as if it had been denied `action` on the same resource, with the same context.
fn as_action(message: &DecodedMessage, action: &str) -> DecodedMessage {
    DecodedMessage {
        action: action.to_string(),
        ..message.clone()
    }
}

/// The context keys to simulate `actions` with: what the message shows, plus for each action
/// the keys IAM would set (the catalogue's hidden keys) and, for a plain-text message, the
/// recommended keys the statements would be conditioned on.
pub fn simulation_context(
    message: &DecodedMessage,
    actions: &[&str],
) -> Vec<(String, Vec<String>)> {
    let mut context = std::collections::BTreeMap::new();
    for action in actions {
        for (key, values) in request_context(&as_action(message, action)).conditions {
            context.entry(key).or_insert(values);
        }
    }
    context.into_iter().collect()
}

/// The statements for the actions IAM denies today (`denied`, a subset of [`candidates`]), each
/// synthesised as the fix for that action alone would be.
pub fn also_needed(
    message: &DecodedMessage,
    restore_type: &str,
    scope: Scope,
    denied: &[String],
) -> Vec<AlsoNeeded> {
    candidates(message, restore_type)
        .into_iter()
        .filter(|action| denied.iter().any(|d| d.eq_ignore_ascii_case(action)))
        .filter_map(|action| {
            let fix = fix::synthesize(&as_action(message, action), scope).ok()?;
            Some(AlsoNeeded {
                action: action.to_string(),
                resource: fix.statement["Resource"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                restore_type: restore_type.to_string(),
                statement: fix.statement,
                label: ALSO_NEEDED_LABEL.to_string(),
            })
        })
        .collect()
}

/// Attaching the AWS managed restore policy for `restore_type`, for a role that has not got it
/// (`attached`: the ARNs of its attached managed policies).
pub fn managed_policy_alternative(
    restore_type: &str,
    attached: &[String],
) -> Option<WiderAlternative> {
    let needs = catalogue::restore_needs(restore_type)?;
    let arn = needs.managed_policy_arn;
    let name = arn.rsplit('/').next().unwrap_or(arn);
    if attached.iter().any(|a| a.rsplit('/').next() == Some(name)) {
        return None;
    }
    Some(WiderAlternative {
        kind: "attach_managed_policy",
        policy_arn: arn.to_string(),
        wider: true,
        sentence: format!(
            "WIDER alternative: attach the AWS managed policy {arn} (aws iam attach-role-policy --policy-arn {arn}); it grants what every {restore_type} restore needs on every resource of the account, far more than this restore; restore-doctor does not apply it"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";

    fn grant_denied() -> DecodedMessage {
        DecodedMessage::parse(&format!(
            r#"{{"allowed":false,"explicitDeny":false,"context":{{"principal":{{"arn":"arn:aws:sts::111122223333:assumed-role/R/AWSBackup-R"}},"action":"kms:CreateGrant","resource":"{KEY}","conditions":{{"items":[
            {{"key":"kms:ViaService","values":{{"items":[{{"value":"ec2.us-east-1.amazonaws.com"}}]}}}},
            {{"key":"kms:GrantIsForAWSResource","values":{{"items":[{{"value":"true"}}]}}}}]}}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn only_the_denied_actions_get_a_statement_each_with_its_condition() {
        let message = grant_denied();
        let denied = [
            "kms:Decrypt".to_string(),
            "kms:GenerateDataKeyWithoutPlaintext".into(),
        ];
        let added = also_needed(&message, "EBS", Scope::Exact, &denied);
        let actions: Vec<&str> = added.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"]
        );
        for added in &added {
            assert_eq!(added.label, ALSO_NEEDED_LABEL);
            assert_eq!(added.statement["Resource"], KEY, "exactly the key");
            assert_eq!(added.statement["Action"], added.action.as_str());
            assert_eq!(
                added.statement["Condition"]["StringEquals"]["kms:ViaService"],
                "ec2.us-east-1.amazonaws.com"
            );
        }
        // A denied action the restore type does not list is never added.
        let other = also_needed(&message, "EBS", Scope::Exact, &["kms:Encrypt".to_string()]);
        assert!(other.is_empty());
    }

    #[test]
    fn the_simulation_sees_the_keys_the_statements_are_conditioned_on() {
        let message = grant_denied();
        let context = simulation_context(&message, &candidates(&message, "EBS"));
        let via = context.iter().find(|(k, _)| k == "kms:ViaService").unwrap();
        assert_eq!(via.1, ["ec2.us-east-1.amazonaws.com"]);
    }

    #[test]
    fn the_managed_policy_is_offered_only_to_a_role_without_it() {
        let offered = managed_policy_alternative("EBS", &[]).unwrap();
        assert!(offered.wider);
        assert_eq!(
            offered.policy_arn,
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
        );
        assert!(offered.sentence.starts_with("WIDER"));
        assert!(
            managed_policy_alternative("EBS", std::slice::from_ref(&offered.policy_arn)).is_none(),
            "already attached"
        );
        assert_eq!(
            managed_policy_alternative("S3", &[offered.policy_arn])
                .unwrap()
                .policy_arn,
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"
        );
        assert!(managed_policy_alternative("Timestream", &[]).is_none());
    }
}
