//! Every policy layer that applies to one request in the sandbox, gathered as IAM would, for the
//! one evaluator (`diagnosis::layered::evaluate_layers`): identity policies, the permissions
//! boundary, the SCPs and RCPs of each level from the root to the account (none for the
//! management account, none for service-linked roles; a role's legacy `guardrails` as one more
//! SCP at the account level), and the resource's policy (the KMS key policy for `kms:*` on a
//! key ARN). AWS's rules: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>
//! ("SCPs don't affect … service-linked roles" nor the management account).

use serde_json::json;

use super::organization::{FULL_AWS_ACCESS, PolicyKind, RCP_FULL_AWS_ACCESS};
use super::resources::KmsKey;
use super::state::{Role, State};
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::layered::{OrgLevel, PolicyLayers, ResourcePolicy, ResourcePolicyKind};

/// The path of service-linked roles.
const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

/// The SCP (or RCP) levels of the sandbox account, root first; empty when the account is in no
/// organization or is its management account.
pub fn org_levels(state: &State, kind: PolicyKind) -> Vec<OrgLevel> {
    let Some(org) = &state.organization else {
        return Vec::new();
    };
    if org.management_account_id == state.account_id {
        return Vec::new();
    }
    org.levels_of(&state.account_id)
        .unwrap_or_default()
        .into_iter()
        .map(|node| OrgLevel {
            target: node.id.clone(),
            policies: org
                .policies_for(&node.id, kind)
                .into_iter()
                .map(|p| NamedPolicy {
                    name: p.arn.clone(),
                    document: p.document.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The SCP levels that apply to `role`: the organization's (not for a service-linked role), and
/// the role's guardrails as deny statements at the account level (an allow-all beside them when
/// there is no organization, so they only deny, as before organizations existed).
pub fn role_scps(state: &State, role: &Role) -> Vec<OrgLevel> {
    let mut levels = if role.path.starts_with(SERVICE_LINKED_PATH) {
        Vec::new()
    } else {
        org_levels(state, PolicyKind::ServiceControl)
    };
    if role.guardrails.is_empty() {
        return levels;
    }
    let guardrails = role
        .guardrails
        .iter()
        .enumerate()
        .map(|(i, document)| NamedPolicy {
            name: format!("guardrail-{i}"),
            document: document.clone(),
        });
    match levels.last_mut() {
        Some(account) => account.policies.extend(guardrails),
        None => levels.push(OrgLevel {
            target: state.account_id.clone(),
            policies: std::iter::once(NamedPolicy {
                name: "guardrail-allow-all".into(),
                document: json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            })
            .chain(guardrails)
            .collect(),
        }),
    }
    levels
}

/// Drops the levels whose only policy is the AWS-managed allow-all (`FullAWSAccess`,
/// `RCPFullAWSAccess`): such a level neither denies nor lacks an allow, so the evaluation is the
/// same without it, and a restore's start-up replay evaluates fewer documents per request.
fn without_allow_all_levels(levels: Vec<OrgLevel>) -> Vec<OrgLevel> {
    let allow_all = |name: &str| {
        name.ends_with(&format!("/{FULL_AWS_ACCESS}"))
            || name.ends_with(&format!("/{RCP_FULL_AWS_ACCESS}"))
    };
    levels
        .into_iter()
        .filter(|level| {
            !level.policies.iter().all(|p| allow_all(&p.name)) || level.policies.is_empty()
        })
        .collect()
}

/// The layers of a request by `role` (no resource policy yet), for the restore engine.
pub fn role_layers(state: &State, role: &Role) -> PolicyLayers {
    let rcps = if role.path.starts_with(SERVICE_LINKED_PATH) {
        Vec::new()
    } else {
        org_levels(state, PolicyKind::ResourceControl)
    };
    PolicyLayers {
        identity: state.role_policies(role),
        boundary: state.role_boundary(role),
        scps: without_allow_all_levels(role_scps(state, role)),
        rcps: without_allow_all_levels(rcps),
        session: None,
        resource: None,
    }
}

/// The KMS key an ARN names, if the sandbox holds it.
pub fn key_for<'a>(state: &'a State, resource: &str) -> Option<&'a KmsKey> {
    state.keys.iter().find(|k| k.arn == resource)
}

/// The resource policy of a request: the key policy of a `kms:*` request on a known key.
pub fn resource_policy(state: &State, action: &str, resource: &str) -> Option<ResourcePolicy> {
    if !action.starts_with("kms:") {
        return None;
    }
    key_for(state, resource).map(|key| ResourcePolicy {
        kind: ResourcePolicyKind::KeyPolicy,
        policy: NamedPolicy {
            name: key.arn.clone(),
            document: key.policy.clone(),
        },
    })
}

/// True when the resource is a key of another account (cross-account access needs both the key
/// policy and an identity allow in the caller's account).
pub fn is_cross_account(state: &State, resource: &str) -> bool {
    key_for(state, resource).is_some_and(|k| k.account_id != state.account_id)
}
