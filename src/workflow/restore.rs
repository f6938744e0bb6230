//! Re-running a restore job with the same recovery point, role and metadata, planned: only a
//! FAILED job (unless forced), metadata normalised per resource type and shown before the
//! start, an idempotency token derived from the job and the fix (a repeated re-run after a lost
//! reply finds the restore it started), a bounded wait for IAM's propagation; then following
//! the new job.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Serialize;

use super::{JobProgress, WorkflowError, decode_token, sha256_hex};
use crate::aws::{Session, Writer};
use crate::diagnosis::evaluate::Decision;
use crate::diagnosis::report::diagnosis_request_context;
use crate::diagnosis::{RestoreJobStatus, TargetType};

/// How to plan a re-run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RerunOptions {
    /// Re-run a job that did not fail, and start a fresh restore even if this re-run was
    /// started before (a new idempotency token).
    pub force: bool,
    /// The Knowledge Center's alternative for an instance-profile PassRole failure: restore the
    /// instance without its instance profile (changes what is restored).
    pub without_instance_profile: bool,
}

/// A metadata key the re-run changes, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataChange {
    /// The key.
    pub key: String,
    /// What happens to it and why.
    pub reason: String,
}

/// Everything a re-run will send, shown in the confirmation before anything starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RerunPlan {
    /// The failed job.
    pub source_job_id: String,
    /// The recovery point restored from.
    pub recovery_point_arn: String,
    /// The role the restore runs as.
    pub iam_role_arn: String,
    /// EC2, EBS, …
    pub resource_type: Option<String>,
    /// The metadata sent, after normalisation.
    pub metadata: BTreeMap<String, String>,
    /// Keys dropped or changed from the failed job's metadata.
    pub changes: Vec<MetadataChange>,
    /// Derived from the job, the role's fix and the metadata: the same re-run asked twice
    /// (after a lost reply) finds the restore it started instead of starting another.
    pub idempotency_token: String,
}

/// Plans a re-run of `job_id`: refuses a job that did not fail (unless forced), normalises the
/// metadata per resource type and derives the idempotency token.
pub async fn plan_rerun(
    session: &Session,
    job_id: &str,
    options: RerunOptions,
) -> Result<RerunPlan, WorkflowError> {
    let detail = session.describe_restore_job(job_id).await?;
    if detail.status != RestoreJobStatus::Failed && !options.force {
        return Err(WorkflowError::Refused(format!(
            "restore job {job_id} is {}, not FAILED: nothing to re-run (--force starts it again anyway)",
            detail.status
        )));
    }
    let original = session.restore_job_metadata(job_id).await?;
    let recovery_point_arn = detail.recovery_point_arn.ok_or_else(|| {
        WorkflowError::BadInput(format!(
            "restore job {job_id} names no recovery point; cannot re-run it"
        ))
    })?;
    let iam_role_arn = detail.iam_role_arn.ok_or_else(|| {
        WorkflowError::BadInput(format!(
            "restore job {job_id} names no IAM role; cannot re-run it"
        ))
    })?;
    let (metadata, changes) =
        normalise_metadata(detail.resource_type.as_deref(), original, options);
    let role_name = iam_role_arn.rsplit('/').next().unwrap_or_default();
    // The fix the re-run follows: the role's inline policy as it is now.
    let fix = session
        .get_inline_policy(TargetType::Role, role_name, crate::diagnosis::POLICY_NAME)
        .await
        .ok()
        .flatten()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let mut seed = format!("{job_id}\n{recovery_point_arn}\n{iam_role_arn}\n{fix}\n");
    for (key, value) in &metadata {
        seed.push_str(&format!("{key}={value}\n"));
    }
    if options.force {
        seed.push_str(&format!("{:016x}", rand::random::<u64>()));
    }
    let idempotency_token = format!("restore-doctor-{}", &sha256_hex(&seed)[..32]);
    Ok(RerunPlan {
        source_job_id: job_id.to_string(),
        recovery_point_arn,
        iam_role_arn: iam_role_arn.to_string(),
        resource_type: detail.resource_type.map(|t| t.to_string()),
        metadata,
        changes,
        idempotency_token,
    })
}

/// The failed job's metadata made fit to send again. AWS's restore docs say the metadata
/// `GetRestoreJobMetadata` returns may need values changed before a new restore
/// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-a-backup.html); for EC2,
/// `RunInstances` refuses network interfaces together with an instance-level subnet or
/// security groups, and the recorded interfaces name the original instance's.
pub fn normalise_metadata(
    resource_type: Option<&str>,
    original: HashMap<String, String>,
    options: RerunOptions,
) -> (BTreeMap<String, String>, Vec<MetadataChange>) {
    let mut metadata: BTreeMap<String, String> = original.into_iter().collect();
    let mut changes = Vec::new();
    let is_ec2 = resource_type.is_some_and(|t| t.eq_ignore_ascii_case("EC2"));
    if is_ec2 {
        let has = |m: &BTreeMap<String, String>, key: &str| {
            m.get(key)
                .is_some_and(|v| !v.trim().is_empty() && v.trim() != "[]")
        };
        if has(&metadata, "NetworkInterfaces")
            && (has(&metadata, "SubnetId") || has(&metadata, "SecurityGroupIds"))
        {
            metadata.remove("NetworkInterfaces");
            changes.push(MetadataChange {
                key: "NetworkInterfaces".into(),
                reason: "dropped: EC2 refuses network interfaces together with SubnetId/SecurityGroupIds, and the recorded interfaces belong to the original instance".into(),
            });
        }
        if options.without_instance_profile && metadata.remove("IamInstanceProfileName").is_some() {
            changes.push(MetadataChange {
                key: "IamInstanceProfileName".into(),
                reason: "dropped on request: the instance is restored WITHOUT its instance profile (attach one afterwards if it needs it)".into(),
            });
        }
    }
    (metadata, changes)
}

/// Starts the planned restore; returns the new job's ID (the same one again when this re-run
/// was already started: the idempotency token is the plan's).
pub async fn start_rerun(writer: &Writer, plan: &RerunPlan) -> Result<String, WorkflowError> {
    Ok(writer
        .start_restore_job(
            &plan.recovery_point_arn,
            &plan.iam_role_arn,
            plan.resource_type.as_deref(),
            plan.metadata.clone().into_iter().collect(),
            &plan.idempotency_token,
        )
        .await?)
}

/// The re-run sequence once it is planned and confirmed, for the CLI and the UI alike: wait
/// (bounded by `wait`) until IAM's simulator allows the request the job failed on, but only
/// when a fix for the job's cause was written (otherwise IAM has nothing to propagate and
/// `wait` is None), then start the restore. `on_wait` hears each poll's elapsed time. Returns
/// the new job's ID and what the wait found.
pub async fn start_planned(
    session: &Session,
    writer: &Writer,
    plan: &RerunPlan,
    wait: Option<Duration>,
    on_wait: impl FnMut(Duration),
) -> Result<(String, Option<Propagation>), WorkflowError> {
    let waited = match wait {
        Some(timeout) => {
            Some(wait_until_allowed(session, &plan.source_job_id, timeout, on_wait).await?)
        }
        None => None,
    };
    Ok((start_rerun(writer, plan).await?, waited))
}

/// True when the journal holds a fix, applied and not undone, for restore job `job_id` or for
/// role `role_arn` in `account`: a re-run then waits for IAM to propagate it.
pub fn fix_written_for(
    journal: &super::Journal,
    account: &str,
    job_id: &str,
    role_arn: &str,
) -> Result<bool, WorkflowError> {
    let role = role_arn.rsplit('/').next().unwrap_or_default();
    Ok(journal
        .last_undoable_where(|entry| {
            entry.site.account == account
                && (entry.job_id.as_deref() == Some(job_id) || entry.target_name == role)
        })?
        .is_some())
}

/// What waiting for IAM's propagation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Propagation {
    /// IAM's simulator allows the request that failed.
    Allowed,
    /// Nothing to wait for (the job's failure carries no decodable request).
    NotApplicable {
        /// Why.
        reason: String,
    },
    /// The simulator could not be asked; the restore is started without waiting.
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// Waits (polling, at most `timeout`) until IAM's simulator allows the request the job failed
/// on, so a fix that IAM has not propagated yet does not fail the re-run again. Refuses when it
/// is still denied at the end.
pub async fn wait_until_allowed(
    session: &Session,
    job_id: &str,
    timeout: Duration,
    mut on_wait: impl FnMut(Duration),
) -> Result<Propagation, WorkflowError> {
    let detail = session.describe_restore_job(job_id).await?;
    let Some(token) = detail
        .status_message
        .as_ref()
        .and_then(|m| m.token())
        .map(|t| t.to_string())
    else {
        return Ok(Propagation::NotApplicable {
            reason: "the job's status message carries no encoded authorization message".into(),
        });
    };
    let Some(role_arn) = detail.iam_role_arn else {
        return Ok(Propagation::NotApplicable {
            reason: "the job names no role".into(),
        });
    };
    let (_, diagnosis) = decode_token(session, &token).await?;
    let request = diagnosis_request_context(&diagnosis);
    let context: Vec<(String, Vec<String>)> = request.conditions.into_iter().collect();
    let started = tokio::time::Instant::now();
    loop {
        match session
            .simulate_principal_policy(&role_arn, &request.action, &request.resource, &context)
            .await
        {
            Ok(result) if result.decision == Decision::Allowed => return Ok(Propagation::Allowed),
            Ok(result) if started.elapsed() >= timeout => {
                return Err(WorkflowError::Refused(format!(
                    "IAM still answers {} for {} on {} after {}s although a fix was written: no restore started; preview the job's fix again (`restore-doctor fix --job {job_id}`) to see which layer still denies it",
                    result.decision,
                    request.action,
                    request.resource,
                    timeout.as_secs()
                )));
            }
            Ok(_) => {
                on_wait(started.elapsed());
                tokio::time::sleep(PROPAGATION_POLL).await;
            }
            Err(error) => {
                return Ok(Propagation::Unavailable {
                    reason: error.to_string(),
                });
            }
        }
    }
}

/// How often the simulator is asked while waiting for IAM's propagation.
const PROPAGATION_POLL: Duration = Duration::from_secs(2);

/// How long a re-run waits by default for IAM to allow the failed request (the CLI's
/// `--propagation-timeout` default and the TUI's wait).
pub const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The job's current status.
pub async fn job_progress(session: &Session, job_id: &str) -> Result<JobProgress, WorkflowError> {
    Ok(session.describe_restore_job(job_id).await?.into())
}

/// Polls until the job ends, calling `on_progress` on each change; gives up after `timeout`.
pub async fn follow_job(
    session: &Session,
    job_id: &str,
    interval: Duration,
    timeout: Duration,
    mut on_progress: impl FnMut(&JobProgress),
) -> Result<JobProgress, WorkflowError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last: Option<JobProgress> = None;
    loop {
        let progress = job_progress(session, job_id).await?;
        if last.as_ref() != Some(&progress) {
            on_progress(&progress);
        }
        if progress.is_terminal() {
            return Ok(progress);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(WorkflowError::Refused(format!(
                "restore job {job_id} is still {} after {}s; follow it with `restore-doctor list` or the console",
                progress.status,
                timeout.as_secs()
            )));
        }
        last = Some(progress);
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ec2_network_interfaces_do_not_go_with_a_subnet() {
        let original = metadata(&[
            ("SubnetId", "subnet-1"),
            (
                "NetworkInterfaces",
                "[{\"DeviceIndex\":0,\"NetworkInterfaceId\":\"eni-1\"}]",
            ),
            ("IamInstanceProfileName", "Profile"),
        ]);
        let (kept, changes) =
            normalise_metadata(Some("EC2"), original.clone(), RerunOptions::default());
        assert!(!kept.contains_key("NetworkInterfaces"));
        assert_eq!(kept["SubnetId"], "subnet-1");
        assert_eq!(kept["IamInstanceProfileName"], "Profile");
        assert_eq!(changes.len(), 1);
        let without = RerunOptions {
            without_instance_profile: true,
            ..RerunOptions::default()
        };
        let (kept, changes) = normalise_metadata(Some("EC2"), original.clone(), without);
        assert!(!kept.contains_key("IamInstanceProfileName"));
        assert!(changes.iter().any(|c| c.reason.contains("WITHOUT")));
        // Other resource types are sent as they were.
        let (kept, changes) = normalise_metadata(Some("EBS"), original, without);
        assert_eq!(kept.len(), 3);
        assert!(changes.is_empty());
    }
}
