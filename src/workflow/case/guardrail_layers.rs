//! Gathering the layers outside the principal's IAM policies that IAM evaluates for one request:
//! the SCPs and RCPs at every level of the organization above the principal's account, and the
//! resource's own policy when the action needs one (a KMS key policy for `kms:*` on a key, the
//! vault access policy for `backup:StartRestoreJob`). Read-only, concurrent, each once.
//!
//! SCPs and RCPs never apply to the organization's management account nor to service-linked
//! roles (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html),
//! so for those principals none are gathered and the reason is said. A layer that cannot be read
//! is listed as unreadable with the reason, never treated as checked.

use futures_util::future::join_all;

use crate::aws::{AwsError, OrgPolicy, OrgPolicyType, Organization, Session};
use crate::diagnosis::evaluate::{NamedPolicy, RequestContext};
use crate::diagnosis::evidence::{Evidence, ForeignKey, vault_of};
use crate::diagnosis::layered::{OrgLevel, ResourcePolicy, ResourcePolicyKind};

/// The account of an ARN (`arn:aws:kms:us-east-1:111122223333:key/…`).
fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// True for a service-linked role's principal (path `/aws-service-role/`, names
/// `AWSServiceRoleFor…`): SCPs do not apply to it.
fn is_service_linked(principal_arn: &str) -> bool {
    principal_arn.contains("/aws-service-role/")
        || principal_arn
            .split([':', '/'])
            .any(|part| part.starts_with("AWSServiceRoleFor"))
}

/// The guardrails of `request` by a principal of `account`, read by the caller
/// (`caller_account`): the organization's SCP and RCP levels and the resource's policy, read
/// concurrently.
pub async fn guardrail_layers(
    session: &Session,
    account: &str,
    caller_account: &str,
    request: &RequestContext,
) -> Evidence {
    let mut organization = Evidence::default();
    let mut resource = Evidence::default();
    tokio::join!(
        organization_layers(
            session,
            &mut organization,
            account,
            caller_account,
            &request.principal_arn
        ),
        resource_layer(
            session,
            &mut resource,
            account,
            &request.action,
            &request.resource
        )
    );
    organization.read.append(&mut resource.read);
    organization.unreadable.append(&mut resource.unreadable);
    organization.layers.resource = resource.layers.resource;
    organization.facts.foreign_key = resource.facts.foreign_key;
    organization
}

/// Adds to `gathered` the SCP and RCP levels above `account` (the principal's), read through
/// AWS Organizations by the caller (`caller_account`).
pub async fn organization_layers(
    session: &Session,
    gathered: &mut Evidence,
    account: &str,
    caller_account: &str,
    principal_arn: &str,
) {
    let organization = match session
        .cached("DescribeOrganization".into(), session.organization())
        .await
    {
        Ok(Some(organization)) => organization,
        Ok(None) => {
            gathered
                .read
                .push("SCPs and RCPs (none: the account is in no organization)".into());
            return;
        }
        Err(error) => {
            gathered.unreadable.push(format!(
                "SCPs and RCPs: DescribeOrganization failed: {}",
                error.unreadable_reason()
            ));
            return;
        }
    };
    if organization.management_account == account {
        let sentence = format!(
            "SCPs and RCPs do not apply to account {account}: it is the management account of organization {}",
            organization.id
        );
        gathered.read.push(format!("SCPs and RCPs ({sentence})"));
        gathered.facts.scps_do_not_apply = Some(sentence);
        return;
    }
    if is_service_linked(principal_arn) {
        let sentence = format!("SCPs do not apply to the service-linked role {principal_arn}");
        gathered.read.push(format!("SCPs ({sentence})"));
        gathered.facts.scps_do_not_apply = Some(sentence);
        return;
    }
    let not_admin = |error: &AwsError| {
        if caller_account == organization.management_account {
            error.unreadable_reason()
        } else {
            format!(
                "this account ({caller_account}) is not the organization's management account ({}) or a delegated administrator, so AWS Organizations does not show its policies ({}); ask the management account's administrator to check them",
                organization.management_account,
                error.unreadable_reason()
            )
        }
    };
    let levels = match session
        .cached(
            format!("ListParents {account}"),
            session.organization_levels(account),
        )
        .await
    {
        Ok(mut levels) => {
            levels.push(account.to_string());
            levels
        }
        Err(error) => {
            gathered.unreadable.push(format!(
                "SCPs and RCPs of account {account}: {}",
                not_admin(&error)
            ));
            return;
        }
    };
    for (kind, label) in [
        (OrgPolicyType::ServiceControl, "SCPs"),
        (OrgPolicyType::ResourceControl, "RCPs"),
    ] {
        let read = join_all(levels.iter().map(|level| {
            session.cached(
                format!("ListPoliciesForTarget {level} {kind:?}"),
                session.organization_policies(level, kind),
            )
        }))
        .await;
        let mut org_levels = Vec::new();
        let mut failure = None;
        for (level, policies) in levels.iter().zip(read) {
            match policies {
                Ok(policies) => org_levels.push(OrgLevel {
                    target: level.clone(),
                    policies: policies
                        .into_iter()
                        .map(|p| named(p, &mut gathered.facts.policy_labels))
                        .collect(),
                }),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        match failure {
            // An allow-list needs every level: a partial read would blame the unread ones.
            Some(error) => gathered.unreadable.push(format!(
                "{label} of account {account}: {}",
                not_admin(&error)
            )),
            None => {
                let count: usize = org_levels.iter().map(|l| l.policies.len()).sum();
                gathered.read.push(format!(
                    "{label} of organization {} at {} ({count} policies)",
                    organization_label(&organization),
                    levels.join(" > ")
                ));
                match kind {
                    OrgPolicyType::ServiceControl => gathered.layers.scps = org_levels,
                    OrgPolicyType::ResourceControl => gathered.layers.rcps = org_levels,
                }
            }
        }
    }
}

fn organization_label(organization: &Organization) -> String {
    format!(
        "{} (management account {})",
        organization.id, organization.management_account
    )
}

fn named(
    policy: OrgPolicy,
    labels: &mut std::collections::BTreeMap<String, String>,
) -> NamedPolicy {
    labels.insert(
        policy.id.clone(),
        format!("{} ({}, {})", policy.arn, policy.id, policy.name),
    );
    NamedPolicy {
        name: policy.id,
        document: policy.document,
    }
}

/// Adds the resource's own policy when the action needs one: the key policy for `kms:*` on a
/// key ARN, the vault access policy for a `backup:` action on a vault.
pub async fn resource_layer(
    session: &Session,
    gathered: &mut Evidence,
    principal_account: &str,
    action: &str,
    resource: &str,
) {
    if action.starts_with("kms:") && resource.contains(":key/") {
        let key_account = arn_account(resource);
        if !key_account.is_empty() && key_account != principal_account {
            gathered.unreadable.push(format!(
                "key policy of {resource}: the key belongs to account {key_account}, whose key policy cannot be read from account {principal_account} (GetKeyPolicy is not cross-account)"
            ));
            gathered.facts.foreign_key = Some(ForeignKey {
                key_arn: resource.to_string(),
                account: key_account.to_string(),
            });
            return;
        }
        match session
            .cached(format!("GetKeyPolicy {resource}"), session.key_policy(resource))
            .await
        {
            // An AWS managed key's policy is AWS's: it allows the account's principals through
            // the service that uses the key (kms:CallerAccount, kms:ViaService), never a layer
            // an owner can change (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key).
            Ok(key) if key.manager.as_deref() == Some("AWS") => gathered.read.push(format!(
                "key policy of {} (AWS managed: it allows account {}'s principals through the service that uses it)",
                key.key_arn, key.account
            )),
            Ok(key) => {
                gathered.read.push(format!(
                    "key policy of {} (account {}{})",
                    key.key_arn,
                    key.account,
                    key.manager
                        .as_deref()
                        .map(|m| format!(", {m} managed"))
                        .unwrap_or_default()
                ));
                gathered.layers.resource = Some(ResourcePolicy {
                    kind: ResourcePolicyKind::KeyPolicy,
                    policy: NamedPolicy {
                        name: key.key_arn,
                        document: key.document,
                    },
                });
            }
            Err(error) => gathered
                .unreadable
                .push(format!("key policy of {resource}: {}", error.unreadable_reason())),
        }
    } else if action.starts_with("backup:")
        && let Some(vault) = vault_of(resource)
    {
        match session
            .cached(
                format!("GetBackupVaultAccessPolicy {vault}"),
                session.vault_access_policy(vault),
            )
            .await
        {
            Ok(None) => gathered
                .read
                .push(format!("vault access policy of {vault} (none set)")),
            Ok(Some(document)) => {
                gathered
                    .read
                    .push(format!("vault access policy of {vault}"));
                gathered.layers.resource = Some(ResourcePolicy {
                    kind: ResourcePolicyKind::VaultAccessPolicy,
                    policy: NamedPolicy {
                        name: resource.to_string(),
                        document,
                    },
                });
            }
            Err(error) => gathered.unreadable.push(format!(
                "vault access policy of {vault}: {}",
                error.unreadable_reason()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaults_and_service_linked_roles_are_recognised() {
        assert_eq!(
            vault_of("arn:aws:backup:us-east-1:111122223333:backup-vault:Main"),
            Some("Main")
        );
        assert_eq!(
            vault_of("arn:aws:backup:us-east-1:111122223333:recovery-point:1"),
            None
        );
        assert!(is_service_linked(
            "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForBackup/s"
        ));
        assert!(!is_service_linked(
            "arn:aws:sts::111122223333:assumed-role/RestoreRole/s"
        ));
    }
}
