//! The read-only AWS calls restore-doctor makes.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_backup::primitives::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::Value;

use super::Session;
use super::document::url_decoded_json;
use super::error::{AwsError, AwsErrorKind, classify};
use super::layers::context_entries;
use crate::diagnosis::evaluate::Decision;
use crate::diagnosis::site::Site;
use crate::diagnosis::{RestoreJobStatus, StatusMessage, TargetType, TextInterner};

/// A role as IAM describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    /// The role's ARN, with its path.
    pub arn: String,
    /// The role name.
    pub name: String,
    /// The role's IAM path (`/`, `/service-role/`, `/aws-reserved/sso.amazonaws.com/`, …).
    pub path: String,
    /// The ARN of its permissions boundary's managed policy, if it has one.
    pub permissions_boundary: Option<String>,
}

/// IAM `SimulatePrincipalPolicy`'s answer for one action and resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationResult {
    /// Allowed, explicit deny or implicit deny.
    pub decision: Decision,
    /// Context keys the simulation lacked.
    pub missing_context_values: Vec<String>,
}

/// A restore job as AWS Backup describes it (what `ListRestoreJobs` and `DescribeRestoreJob`
/// return, untouched: the workflow decides what it means).
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreJob {
    /// The restore job ID.
    pub restore_job_id: String,
    /// Its status.
    pub status: RestoreJobStatus,
    /// Creation time, RFC 3339 at millisecond precision (empty when AWS sent none).
    pub created: String,
    /// `EC2`, `EBS`, `EFS`, …
    pub resource_type: Option<Arc<str>>,
    /// The recovery point restored from.
    pub recovery_point_arn: Option<String>,
    /// The vault holding the recovery point (`BackupVaultArn`).
    pub backup_vault_arn: Option<Arc<str>>,
    /// The role the restore ran as.
    pub iam_role_arn: Option<Arc<str>>,
    /// AWS's status message (its words shared with other jobs of the same listing).
    pub status_message: Option<StatusMessage>,
    /// The resource a completed restore created.
    pub created_resource_arn: Option<String>,
    /// Percent done, when AWS reports it.
    pub percent_done: Option<String>,
    /// The account the job ran in (`AccountId`; a delegated administrator lists other
    /// accounts' jobs), shared by the jobs of one listing.
    pub account_id: Option<Arc<str>>,
}

fn status_of(status: Option<&aws_sdk_backup::types::RestoreJobStatus>) -> RestoreJobStatus {
    RestoreJobStatus::parse(status.map(|s| s.as_str()).unwrap_or_default())
}

/// RFC 3339 at millisecond precision: AWS sends epoch seconds with at most three decimals,
/// which a float turns into `…58.737999Z`; rounding to the millisecond gives back `…58.738Z`.
fn rfc3339(date: Option<&DateTime>) -> String {
    date.and_then(|d| {
        let millis = d
            .secs()
            .checked_mul(1000)?
            .checked_add(i64::from((d.subsec_nanos() + 500_000) / 1_000_000))?;
        DateTime::from_millis(millis).fmt(Format::DateTime).ok()
    })
    .unwrap_or_default()
}

impl Session {
    /// Failed restore jobs created after `created_after`, newest first, at most `limit`.
    pub async fn list_failed_restore_jobs(
        &self,
        created_after: Option<std::time::SystemTime>,
        limit: Option<usize>,
    ) -> Result<Vec<RestoreJob>, AwsError> {
        self.list_restore_jobs(Some(&RestoreJobStatus::Failed), created_after, limit)
            .await
    }

    /// Restore jobs in `status` (every status when None) created after `created_after`,
    /// newest first, at most `limit`: `ListRestoreJobs` with `ByStatus`.
    pub async fn list_restore_jobs(
        &self,
        status: Option<&RestoreJobStatus>,
        created_after: Option<std::time::SystemTime>,
        limit: Option<usize>,
    ) -> Result<Vec<RestoreJob>, AwsError> {
        let mut request = self
            .clients()
            .backup
            .list_restore_jobs()
            .set_by_status(
                status.map(|s| aws_sdk_backup::types::RestoreJobStatus::from(s.as_str())),
            )
            .max_results(1000);
        if let Some(after) = created_after {
            request = request.by_created_after(DateTime::from(after));
        }
        let mut pages = request.into_paginator().send();
        let mut jobs = Vec::new();
        let mut interner = TextInterner::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("ListRestoreJobs", e))?;
            for job in page.restore_jobs() {
                jobs.push((
                    jobs.len(),
                    job.creation_date()
                        .map(|d| (d.secs(), d.subsec_nanos()))
                        .unwrap_or_default(),
                    RestoreJob {
                        restore_job_id: job.restore_job_id().unwrap_or_default().to_string(),
                        status: status_of(job.status()),
                        created: rfc3339(job.creation_date()),
                        resource_type: job.resource_type().map(|s| interner.intern(s)),
                        recovery_point_arn: job.recovery_point_arn().map(str::to_string),
                        backup_vault_arn: job.backup_vault_arn().map(|s| interner.intern(s)),
                        iam_role_arn: job.iam_role_arn().map(|s| interner.intern(s)),
                        status_message: job
                            .status_message()
                            .map(|m| StatusMessage::new(m, &mut interner)),
                        created_resource_arn: job.created_resource_arn().map(str::to_string),
                        percent_done: job.percent_done().map(str::to_string),
                        account_id: job.account_id().map(|s| interner.intern(s)),
                    },
                ));
            }
            if limit.is_some_and(|l| jobs.len() >= l * 4 + 1000) {
                // Enough pages to pick the newest `limit` jobs from (AWS lists newest first).
                break;
            }
        }
        // Newest first, ties in AWS's order. An unstable sort on (date, position) gives the same
        // order as a stable sort without the stable sort's buffer of half the jobs (~12 MB at
        // 100,000 jobs); AWS already lists newest first, so usually nothing moves.
        if !jobs.is_sorted_by_key(|(n, created, _)| (std::cmp::Reverse(*created), *n)) {
            jobs.sort_unstable_by_key(|(n, created, _)| (std::cmp::Reverse(*created), *n));
        }
        let mut jobs: Vec<RestoreJob> = jobs.into_iter().map(|(_, _, j)| j).collect();
        if let Some(limit) = limit {
            jobs.truncate(limit);
        }
        Ok(jobs)
    }

    /// One restore job's details.
    pub async fn describe_restore_job(&self, job_id: &str) -> Result<RestoreJob, AwsError> {
        let out = self
            .clients()
            .backup
            .describe_restore_job()
            .restore_job_id(job_id)
            .send()
            .await
            .map_err(|e| classify("DescribeRestoreJob", e))?;
        Ok(RestoreJob {
            restore_job_id: out.restore_job_id().unwrap_or(job_id).to_string(),
            status: status_of(out.status()),
            created: rfc3339(out.creation_date()),
            resource_type: out.resource_type().map(Arc::from),
            recovery_point_arn: out.recovery_point_arn().map(str::to_string),
            backup_vault_arn: out.backup_vault_arn().map(Arc::from),
            iam_role_arn: out.iam_role_arn().map(Arc::from),
            status_message: out.status_message().map(StatusMessage::from),
            created_resource_arn: out.created_resource_arn().map(str::to_string),
            percent_done: out.percent_done().map(str::to_string),
            account_id: out.account_id().map(Arc::from),
        })
    }

    /// The metadata a restore job ran with.
    pub async fn restore_job_metadata(
        &self,
        job_id: &str,
    ) -> Result<HashMap<String, String>, AwsError> {
        let out = self
            .clients()
            .backup
            .get_restore_job_metadata()
            .restore_job_id(job_id)
            .send()
            .await
            .map_err(|e| classify("GetRestoreJobMetadata", e))?;
        Ok(out.metadata().cloned().unwrap_or_default())
    }

    /// Decodes an encoded authorization message through STS; returns the decoded JSON text.
    pub async fn decode_authorization_message(&self, encoded: &str) -> Result<String, AwsError> {
        let out = self
            .clients()
            .sts
            .decode_authorization_message()
            .encoded_message(encoded)
            .send()
            .await
            .map_err(|e| classify("DecodeAuthorizationMessage", e))?;
        out.decoded_message()
            .map(str::to_string)
            .ok_or_else(|| AwsError::new(AwsErrorKind::Other, "STS returned no DecodedMessage"))
    }

    /// The caller's account and ARN: `GetCallerIdentity`, asked once per session.
    pub async fn caller_identity(&self) -> Result<(String, String), AwsError> {
        self.identity
            .get_or_try_init(|| async {
                let out = self
                    .clients()
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| classify("GetCallerIdentity", e))?;
                Ok((
                    out.account().unwrap_or_default().to_string(),
                    out.arn().unwrap_or_default().to_string(),
                ))
            })
            .await
            .cloned()
    }

    /// The site of these credentials: their account (STS, once) in the session's region.
    pub async fn site(&self) -> Result<Site, AwsError> {
        let (account, _) = self.caller_identity().await?;
        Ok(Site::new(account, self.region()))
    }

    /// A role by name.
    pub async fn get_role(&self, name: &str) -> Result<RoleInfo, AwsError> {
        let out = self
            .clients()
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| classify("GetRole", e))?;
        let role = out
            .role()
            .ok_or_else(|| AwsError::new(AwsErrorKind::Other, "IAM GetRole returned no role"))?;
        Ok(RoleInfo {
            arn: role.arn().to_string(),
            name: role.role_name().to_string(),
            path: role.path().to_string(),
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
        })
    }

    /// The names of a role's or user's inline policies (every page).
    pub async fn list_inline_policies(
        &self,
        target: TargetType,
        name: &str,
    ) -> Result<Vec<String>, AwsError> {
        let iam = &self.clients().iam;
        let mut names = Vec::new();
        match target {
            TargetType::Role => {
                let mut pages = iam
                    .list_role_policies()
                    .role_name(name)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify("ListRolePolicies", e))?;
                    names.extend(page.policy_names().iter().cloned());
                }
            }
            TargetType::User => {
                let mut pages = iam
                    .list_user_policies()
                    .user_name(name)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify("ListUserPolicies", e))?;
                    names.extend(page.policy_names().iter().cloned());
                }
            }
        }
        Ok(names)
    }

    /// A role's or user's inline policy document (URL-decoded), or None when it does not exist.
    pub async fn get_inline_policy(
        &self,
        target: TargetType,
        name: &str,
        policy: &str,
    ) -> Result<Option<Value>, AwsError> {
        let iam = &self.clients().iam;
        let result = match target {
            TargetType::Role => iam
                .get_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map(|out| out.policy_document().to_string())
                .map_err(|e| classify("GetRolePolicy", e)),
            TargetType::User => iam
                .get_user_policy()
                .user_name(name)
                .policy_name(policy)
                .send()
                .await
                .map(|out| out.policy_document().to_string())
                .map_err(|e| classify("GetUserPolicy", e)),
        };
        match result {
            Ok(document) => url_decoded_json(&document).map(Some),
            Err(error) if error.kind == AwsErrorKind::NoSuchEntity => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// IAM's simulation of one action on one resource by `source_arn`, with context keys.
    pub async fn simulate_principal_policy(
        &self,
        source_arn: &str,
        action: &str,
        resource: &str,
        context: &[(String, Vec<String>)],
    ) -> Result<SimulationResult, AwsError> {
        let results = self
            .simulate_principal_policy_actions(source_arn, &[action], resource, context)
            .await?;
        results.into_iter().next().map(|(_, r)| r).ok_or_else(|| {
            AwsError::new(
                AwsErrorKind::Other,
                "SimulatePrincipalPolicy returned no result",
            )
        })
    }

    /// IAM's simulation of several actions on one resource by `source_arn`, with one set of
    /// context keys: each action with its result, in IAM's order (every page).
    pub async fn simulate_principal_policy_actions(
        &self,
        source_arn: &str,
        actions: &[&str],
        resource: &str,
        context: &[(String, Vec<String>)],
    ) -> Result<Vec<(String, SimulationResult)>, AwsError> {
        let mut request = self
            .clients()
            .iam
            .simulate_principal_policy()
            .policy_source_arn(source_arn)
            .resource_arns(resource);
        for action in actions {
            request = request.action_names(*action);
        }
        request = request.set_context_entries(Some(context_entries(context)));
        use aws_sdk_iam::types::PolicyEvaluationDecisionType as IamDecision;
        let mut results = Vec::new();
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("SimulatePrincipalPolicy", e))?;
            for result in page.evaluation_results() {
                let decision = match result.eval_decision() {
                    IamDecision::Allowed => Decision::Allowed,
                    IamDecision::ExplicitDeny => Decision::ExplicitDeny,
                    // implicitDeny, and anything IAM adds later: not allowed is the safe reading.
                    _ => Decision::ImplicitDeny,
                };
                results.push((
                    result.eval_action_name().to_string(),
                    SimulationResult {
                        decision,
                        missing_context_values: result.missing_context_values().to_vec(),
                    },
                ));
            }
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_is_rounded_to_the_millisecond() {
        let date = DateTime::from_secs_f64(1_795_929_243.738);
        assert_eq!(rfc3339(Some(&date)), "2026-11-29T05:14:03.738Z");
        assert_eq!(
            rfc3339(Some(&DateTime::from_secs(0))),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(rfc3339(None), "");
    }
}
