//! A backup vault's access policy over the caller's `StartRestoreJob`: a resource-based policy
//! on the vault and its recovery points, evaluated with the caller's identity policies by the one
//! evaluator; its deny refuses the call with `AccessDeniedException`
//! (<https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html>).

use crate::diagnosis::evaluate::{Decision, NamedPolicy, RequestContext};
use crate::diagnosis::layered::{
    Blocker, PolicyLayers, ResourcePolicy, ResourcePolicyKind, evaluate_layers,
};
use crate::sandbox::state::State;
use crate::sandbox::wire::AwsError;

/// Refuses `backup:StartRestoreJob` by `caller` on a recovery point of `vault` when the vault's
/// access policy denies it.
pub fn check_start_restore(
    state: &State,
    caller: &str,
    vault: &str,
    recovery_point_arn: &str,
) -> Result<(), AwsError> {
    let Some(policy) = state.vaults.get(vault).and_then(|v| {
        v.access_policy.as_ref().map(|p| NamedPolicy {
            name: v.arn.clone(),
            document: p.clone(),
        })
    }) else {
        return Ok(());
    };
    let identity = state
        .users
        .values()
        .find(|u| u.arn == caller)
        .map(|u| state.user_policies(u))
        .unwrap_or_default();
    let layers = PolicyLayers {
        identity,
        resource: Some(ResourcePolicy {
            kind: ResourcePolicyKind::VaultAccessPolicy,
            policy,
        }),
        ..Default::default()
    };
    let action = "backup:StartRestoreJob";
    let request = RequestContext {
        principal_arn: caller.into(),
        action: action.into(),
        resource: recovery_point_arn.into(),
        conditions: [
            ("aws:PrincipalArn".to_string(), vec![caller.to_string()]),
            (
                "aws:PrincipalAccount".to_string(),
                vec![state.account_id.clone()],
            ),
        ]
        .into_iter()
        .collect(),
    };
    let evaluation = evaluate_layers(&layers, &request)
        .map_err(|e| AwsError::new(500, "ServiceUnavailableException", e.to_string()))?;
    let denied_by_vault = evaluation.decision == Decision::ExplicitDeny
        && evaluation
            .blockers
            .iter()
            .any(|b| matches!(b, Blocker::ResourceDeny { .. }));
    if denied_by_vault {
        return Err(AwsError::new(
            403,
            "AccessDeniedException",
            format!(
                "User: {caller} is not authorized to perform: {action} on resource: {recovery_point_arn} with an explicit deny in a resource-based policy"
            ),
        ));
    }
    Ok(())
}
