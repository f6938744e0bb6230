//! The re-run a fix is for must itself be allowed: `backup:StartRestoreJob` is called by whoever
//! re-runs the restore (the caller), and the access policy of the vault holding the recovery
//! point can deny it
//! (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html).
//! When it does, fixing the role would not let the restore run again: nothing is written and the
//! vault's policy, its statement and its owner's change are named.

use serde_json::json;

use super::WorkflowError;
use super::gather::Gathered;
use super::guardrails::vault_of;
use crate::aws::Session;
use crate::diagnosis::evaluate::{NamedPolicy, RequestContext};
use crate::diagnosis::layered::{Blocker, ResourcePolicy, ResourcePolicyKind, evaluate_layers};
use crate::diagnosis::principal::Principal;

/// The role an assumed-role session belongs to, as `aws:PrincipalArn` gives it.
fn principal_arn_key(caller_arn: &str) -> String {
    Principal::parse(caller_arn).policy_arn()
}

/// Refuses when the vault access policy of `vault_arn` denies `backup:StartRestoreJob` on
/// `recovery_point` to `caller_arn`; adds what was read to `gathered`.
pub async fn check_rerun(
    session: &Session,
    gathered: &mut Gathered,
    vault_arn: &str,
    recovery_point: &str,
    caller_arn: &str,
) -> Result<(), WorkflowError> {
    let Some(vault) = vault_of(vault_arn) else {
        return Ok(());
    };
    let document = match session.vault_access_policy(vault).await {
        Ok(Some(document)) => document,
        Ok(None) => {
            gathered.read.push(format!(
                "vault access policy of {vault}, for the re-run (none set)"
            ));
            return Ok(());
        }
        Err(error) => {
            gathered.unreadable.push(format!(
                "vault access policy of {vault}, for the re-run: {}",
                super::guardrails::reason(&error)
            ));
            return Ok(());
        }
    };
    gathered
        .read
        .push(format!("vault access policy of {vault}, for the re-run"));
    let request = RequestContext {
        principal_arn: caller_arn.to_string(),
        action: "backup:StartRestoreJob".into(),
        resource: recovery_point.to_string(),
        conditions: [(
            "aws:PrincipalArn".to_string(),
            vec![principal_arn_key(caller_arn)],
        )]
        .into_iter()
        .collect(),
    };
    let mut layers = gathered.layers.clone();
    layers.identity = vec![NamedPolicy {
        name: "identity (assumed to allow)".into(),
        document: json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "backup:StartRestoreJob", "Resource": "*"}
        ]}),
    }];
    layers.boundary = None;
    layers.resource = Some(ResourcePolicy {
        kind: ResourcePolicyKind::VaultAccessPolicy,
        policy: NamedPolicy {
            name: vault_arn.to_string(),
            document,
        },
    });
    // A malformed policy read from AWS: nothing is claimed about it.
    let Ok(evaluation) = evaluate_layers(&layers, &request) else {
        return Ok(());
    };
    let denies: Vec<Blocker> = evaluation
        .blockers
        .into_iter()
        .filter(|b| matches!(b, Blocker::ResourceDeny { .. }))
        .collect();
    let Some(Blocker::ResourceDeny { sid, .. }) = denies.first() else {
        return Ok(());
    };
    let statement = match sid {
        Some(sid) => format!("an explicit deny in statement \"{sid}\" (Effect Deny)"),
        None => "an explicit deny in a statement without a Sid (Effect Deny)".into(),
    };
    let caller = principal_arn_key(caller_arn);
    Err(WorkflowError::Blocked {
        sentence: format!(
            "not writing: the access policy of vault {vault_arn} denies backup:StartRestoreJob on {recovery_point} to {caller} (who would re-run the restore) with {statement}, so fixing the role would not let this restore run again; the vault's owner must change that policy, or the restore must be re-run by a principal it allows"
        ),
        blockers: denies.clone(),
        owner_change: format!(
            "in the access policy of vault {vault} (PutBackupVaultAccessPolicy), remove that statement or exempt {caller} from it"
        ),
        layers_read: gathered.read.clone(),
        layers_unreadable: gathered.unreadable.clone(),
    })
}
