//! Reading the policy layers beyond a principal's inline policies: attached managed policies,
//! the permissions boundary, and IAM's simulator with proposed documents and a boundary given
//! (`PolicyInputList`, `PermissionsBoundaryPolicyInputList`) so a fix is proven before it is
//! written. Read-only calls.

use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use serde_json::Value;

use super::Session;
use super::document::url_decoded_json;
use super::error::{AwsError, AwsErrorKind, classify};
use crate::diagnosis::TargetType;
use crate::diagnosis::evaluate::Decision;

/// What IAM's simulator said, layer by layer where it says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayeredSimulation {
    /// The overall decision.
    pub decision: Decision,
    /// `PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary`, when a boundary applied.
    pub allowed_by_boundary: Option<bool>,
    /// `OrganizationsDecisionDetail.AllowedByOrganizations`, when SCPs applied.
    pub allowed_by_organizations: Option<bool>,
    /// Context keys the simulation lacked.
    pub missing_context_values: Vec<String>,
}

/// A simulation's context keys, typed as the values read (`true`/`false` as booleans).
pub(super) fn context_entries(context: &[(String, Vec<String>)]) -> Vec<ContextEntry> {
    context
        .iter()
        .map(|(key, values)| {
            let boolean = values.len() == 1 && (values[0] == "true" || values[0] == "false");
            let kind = match (boolean, values.len()) {
                (true, _) => ContextKeyTypeEnum::Boolean,
                (false, 1) => ContextKeyTypeEnum::String,
                _ => ContextKeyTypeEnum::StringList,
            };
            ContextEntry::builder()
                .context_key_name(key)
                .set_context_key_values(Some(values.clone()))
                .context_key_type(kind)
                .build()
        })
        .collect()
}

impl Session {
    /// The ARNs of the managed policies attached to a role or user (every page).
    pub async fn list_attached_policies(
        &self,
        target: TargetType,
        name: &str,
    ) -> Result<Vec<String>, AwsError> {
        let iam = &self.clients().iam;
        let mut arns = Vec::new();
        match target {
            TargetType::Role => {
                let mut pages = iam
                    .list_attached_role_policies()
                    .role_name(name)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify("ListAttachedRolePolicies", e))?;
                    arns.extend(
                        page.attached_policies()
                            .iter()
                            .filter_map(|p| p.policy_arn().map(str::to_string)),
                    );
                }
            }
            TargetType::User => {
                let mut pages = iam
                    .list_attached_user_policies()
                    .user_name(name)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify("ListAttachedUserPolicies", e))?;
                    arns.extend(
                        page.attached_policies()
                            .iter()
                            .filter_map(|p| p.policy_arn().map(str::to_string)),
                    );
                }
            }
        }
        Ok(arns)
    }

    /// A managed policy's default version document (`GetPolicy`, then `GetPolicyVersion`).
    pub async fn managed_policy_document(&self, arn: &str) -> Result<Value, AwsError> {
        let iam = &self.clients().iam;
        let policy = iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify("GetPolicy", e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_string();
        let out = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| classify("GetPolicyVersion", e))?;
        let document = out
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| {
                AwsError::new(
                    AwsErrorKind::Other,
                    format!("IAM returned no document for {arn}"),
                )
            })?;
        url_decoded_json(document)
    }

    /// A user's permissions boundary ARN, if it has one (`GetUser`).
    pub async fn user_permissions_boundary(&self, name: &str) -> Result<Option<String>, AwsError> {
        let out = self
            .clients()
            .iam
            .get_user()
            .user_name(name)
            .send()
            .await
            .map_err(|e| classify("GetUser", e))?;
        Ok(out
            .user()
            .and_then(|u| u.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string))
    }

    /// IAM's simulator for one action on one resource by `source_arn`, with `extra` documents
    /// added to the principal's policies and `boundary` simulated instead of its own.
    pub async fn simulate_with(
        &self,
        source_arn: &str,
        action: &str,
        resource: &str,
        context: &[(String, Vec<String>)],
        extra: &[String],
        boundary: Option<&str>,
    ) -> Result<LayeredSimulation, AwsError> {
        let mut request = self
            .clients()
            .iam
            .simulate_principal_policy()
            .policy_source_arn(source_arn)
            .action_names(action)
            .resource_arns(resource);
        for document in extra {
            request = request.policy_input_list(document);
        }
        if let Some(boundary) = boundary {
            request = request.permissions_boundary_policy_input_list(boundary);
        }
        request = request.set_context_entries(Some(context_entries(context)));
        let out = request
            .send()
            .await
            .map_err(|e| classify("SimulatePrincipalPolicy", e))?;
        let result = out.evaluation_results().first().ok_or_else(|| {
            AwsError::new(
                AwsErrorKind::Other,
                "SimulatePrincipalPolicy returned no result",
            )
        })?;
        let decision = match result.eval_decision() {
            PolicyEvaluationDecisionType::Allowed => Decision::Allowed,
            PolicyEvaluationDecisionType::ExplicitDeny => Decision::ExplicitDeny,
            _ => Decision::ImplicitDeny,
        };
        Ok(LayeredSimulation {
            decision,
            allowed_by_boundary: result
                .permissions_boundary_decision_detail()
                .map(|d| d.allowed_by_permissions_boundary()),
            allowed_by_organizations: result
                .organizations_decision_detail()
                .map(|d| d.allowed_by_organizations()),
            missing_context_values: result.missing_context_values().to_vec(),
        })
    }
}
