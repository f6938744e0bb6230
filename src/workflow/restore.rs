//! Re-running a restore job with the same recovery point, role and metadata, and following it.

use std::time::Duration;

use super::{JobProgress, WorkflowError};
use crate::aws::{Session, Writer};

/// Starts a new restore with the failed job's recovery point, role, resource type and metadata.
pub async fn rerun(
    session: &Session,
    writer: &Writer,
    job_id: &str,
) -> Result<String, WorkflowError> {
    let detail = session.describe_restore_job(job_id).await?;
    let metadata = session.restore_job_metadata(job_id).await?;
    let recovery_point = detail.recovery_point_arn.ok_or_else(|| {
        WorkflowError::BadInput(format!(
            "restore job {job_id} names no recovery point; cannot re-run it"
        ))
    })?;
    let role = detail.iam_role_arn.ok_or_else(|| {
        WorkflowError::BadInput(format!(
            "restore job {job_id} names no IAM role; cannot re-run it"
        ))
    })?;
    // One token per invocation: the SDK's retries of this call reuse it, so a retried request
    // never starts a second restore.
    let token = format!("restore-doctor-{job_id}-{:016x}", rand::random::<u64>());
    Ok(writer
        .start_restore_job(
            &recovery_point,
            &role,
            detail.resource_type.as_deref(),
            metadata,
            &token,
        )
        .await?)
}

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
