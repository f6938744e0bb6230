//! Reading the layers outside the principal's own IAM policies, read-only: the organization and
//! its service and resource control policies at every level above an account (AWS
//! Organizations), a KMS key's policy and a Backup vault's access policy.
//!
//! AWS references: Organizations `DescribeOrganization`, `ListParents`, `ListPoliciesForTarget`
//! and `DescribePolicy` (https://docs.aws.amazon.com/organizations/latest/APIReference/);
//! KMS `GetKeyPolicy` (policy name `default`) and `DescribeKey`
//! (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html); Backup
//! `GetBackupVaultAccessPolicy`
//! (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupVaultAccessPolicy.html).

use aws_config::Region;
use aws_sdk_organizations::types::PolicyType;
use serde_json::Value;

use super::Session;
use super::error::{AwsError, AwsErrorKind, classify};

/// The organization the caller's account belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account's ID (SCPs and RCPs never apply to it).
    pub management_account: String,
}

/// Which organization policy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgPolicyType {
    /// Service control policies (`SERVICE_CONTROL_POLICY`).
    ServiceControl,
    /// Resource control policies (`RESOURCE_CONTROL_POLICY`).
    ResourceControl,
}

impl OrgPolicyType {
    fn filter(self) -> PolicyType {
        match self {
            OrgPolicyType::ServiceControl => PolicyType::ServiceControlPolicy,
            OrgPolicyType::ResourceControl => PolicyType::ResourceControlPolicy,
        }
    }
}

/// One SCP or RCP with its content.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPolicy {
    /// `p-…`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The policy document.
    pub document: Value,
}

/// A KMS key's policy and who owns the key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPolicy {
    /// The key's ARN.
    pub key_arn: String,
    /// The account that owns the key.
    pub account: String,
    /// `AWS` or `CUSTOMER`, when `DescribeKey` said.
    pub manager: Option<String>,
    /// The `default` key policy.
    pub document: Value,
}

fn policy_json(text: &str, what: &str) -> Result<Value, AwsError> {
    serde_json::from_str(text).map_err(|e| {
        AwsError::new(
            AwsErrorKind::Other,
            format!("{what} is not a JSON policy document: {e}"),
        )
    })
}

impl Session {
    /// The caller's organization, or `None` when its account is in none
    /// (`AWSOrganizationsNotInUseException`).
    pub async fn organization(&self) -> Result<Option<Organization>, AwsError> {
        match self
            .clients()
            .organizations
            .describe_organization()
            .send()
            .await
        {
            Ok(out) => Ok(out.organization().map(|o| Organization {
                id: o.id().unwrap_or_default().to_string(),
                management_account: o.master_account_id().unwrap_or_default().to_string(),
            })),
            Err(error) => {
                let error = classify("DescribeOrganization", error);
                if error.code.as_deref() == Some("AWSOrganizationsNotInUseException") {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// The levels above `account`, the root first and the account's own OU last
    /// (`ListParents` from the account up to the root).
    pub async fn organization_levels(&self, account: &str) -> Result<Vec<String>, AwsError> {
        let mut levels = Vec::new();
        let mut child = account.to_string();
        // An organization nests OUs at most five deep; the bound keeps a bad answer from looping.
        for _ in 0..8 {
            let out = self
                .clients()
                .organizations
                .list_parents()
                .child_id(&child)
                .send()
                .await
                .map_err(|e| classify("ListParents", e))?;
            let Some(parent) = out.parents().first() else {
                break;
            };
            let id = parent.id().unwrap_or_default().to_string();
            levels.push(id.clone());
            if parent.r#type() == Some(&aws_sdk_organizations::types::ParentType::Root) {
                break;
            }
            child = id;
        }
        levels.reverse();
        Ok(levels)
    }

    /// The policies of `kind` attached directly to `target` (a root, an OU or an account), each
    /// with its content (`ListPoliciesForTarget`, every page, then `DescribePolicy`).
    pub async fn organization_policies(
        &self,
        target: &str,
        kind: OrgPolicyType,
    ) -> Result<Vec<OrgPolicy>, AwsError> {
        let organizations = &self.clients().organizations;
        let mut ids = Vec::new();
        let mut pages = organizations
            .list_policies_for_target()
            .target_id(target)
            .filter(kind.filter())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("ListPoliciesForTarget", e))?;
            ids.extend(
                page.policies()
                    .iter()
                    .filter_map(|p| p.id().map(str::to_string)),
            );
        }
        let mut policies = Vec::new();
        for id in ids {
            let out = organizations
                .describe_policy()
                .policy_id(&id)
                .send()
                .await
                .map_err(|e| classify("DescribePolicy", e))?;
            let policy = out.policy();
            let summary = policy.and_then(|p| p.policy_summary());
            let content = policy.and_then(|p| p.content()).unwrap_or_default();
            policies.push(OrgPolicy {
                name: summary
                    .and_then(|s| s.name())
                    .unwrap_or_default()
                    .to_string(),
                arn: summary
                    .and_then(|s| s.arn())
                    .unwrap_or_default()
                    .to_string(),
                document: policy_json(content, &format!("the content of {id}"))?,
                id,
            });
        }
        Ok(policies)
    }

    /// The `default` key policy of `key_arn`, asked in the key's own region, and the key's
    /// account and manager (`DescribeKey`).
    pub async fn key_policy(&self, key_arn: &str) -> Result<KeyPolicy, AwsError> {
        let region = key_arn.split(':').nth(3).unwrap_or_default();
        let kms = if region.is_empty() || region == self.region() {
            self.clients().kms.clone()
        } else {
            aws_sdk_kms::Client::from_conf(
                self.clients()
                    .kms
                    .config()
                    .to_builder()
                    .region(Region::new(region.to_string()))
                    .build(),
            )
        };
        let described = kms
            .describe_key()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| classify("DescribeKey", e))?;
        let metadata = described.key_metadata();
        let account = metadata
            .and_then(|m| m.aws_account_id())
            .map(str::to_string)
            .unwrap_or_else(|| key_arn.split(':').nth(4).unwrap_or_default().to_string());
        let manager = metadata
            .and_then(|m| m.key_manager())
            .map(|m| m.as_str().to_string());
        let out = kms
            .get_key_policy()
            .key_id(key_arn)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| classify("GetKeyPolicy", e))?;
        Ok(KeyPolicy {
            key_arn: key_arn.to_string(),
            account,
            manager,
            document: policy_json(
                out.policy().unwrap_or_default(),
                &format!("the key policy of {key_arn}"),
            )?,
        })
    }

    /// A Backup vault's access policy, or `None` when it has none
    /// (`ResourceNotFoundException`).
    pub async fn vault_access_policy(&self, vault: &str) -> Result<Option<Value>, AwsError> {
        match self
            .clients()
            .backup
            .get_backup_vault_access_policy()
            .backup_vault_name(vault)
            .send()
            .await
        {
            Ok(out) => out
                .policy()
                .map(|p| policy_json(p, &format!("the access policy of vault {vault}")))
                .transpose(),
            Err(error) => {
                let error = classify("GetBackupVaultAccessPolicy", error);
                if error.kind == AwsErrorKind::NoSuchEntity {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }
}
