//! Listing failed restore jobs and decoding their messages through STS (never locally).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;

use super::{DecodedJob, JobSummary, WorkflowError};
use crate::aws::Session;
use crate::diagnosis::{DecodedMessage, Diagnosis, Scope, diagnose};

/// Failed restore jobs created within `since`, newest first.
pub async fn list_failed_jobs(
    session: &Session,
    since: Duration,
    limit: Option<usize>,
) -> Result<Vec<JobSummary>, WorkflowError> {
    let after = SystemTime::now().checked_sub(since);
    Ok(session.list_failed_restore_jobs(after, limit).await?)
}

/// Decodes one token through STS and diagnoses it.
pub async fn decode_token(
    session: &Session,
    token: &str,
) -> Result<(DecodedMessage, Diagnosis), WorkflowError> {
    let text = session.decode_authorization_message(token).await?;
    let message = DecodedMessage::parse(&text).map_err(|e| {
        WorkflowError::BadInput(format!("STS returned an unexpected decoded message: {e}"))
    })?;
    let diagnosis = diagnose(&message, Scope::Exact);
    Ok((message, diagnosis))
}

/// Extra rounds after the SDK's own retries, for a storm of throttling or resets.
const DECODE_ROUNDS: u32 = 4;

/// [`decode_token`], tried again (with a growing pause) while the failure is transient.
async fn decode_with_retries(
    session: &Session,
    token: &str,
) -> Result<(DecodedMessage, Diagnosis), WorkflowError> {
    let mut round = 1;
    loop {
        match decode_token(session, token).await {
            Err(WorkflowError::Aws(e)) if e.is_transient() && round < DECODE_ROUNDS => {
                tracing::debug!(round, error = %e, "decode failed transiently; trying again");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(round))).await;
                round += 1;
            }
            other => return other,
        }
    }
}

/// Decodes every job's token, each distinct token once, at most `concurrency` at a time.
pub async fn decode_jobs(
    session: &Session,
    jobs: Vec<JobSummary>,
    concurrency: usize,
) -> Vec<DecodedJob> {
    let semaphore = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = HashMap::new();
    for token in jobs.iter().filter_map(|j| j.encoded_message.clone()) {
        if tasks.contains_key(&token) {
            continue;
        }
        let session = session.clone();
        let semaphore = semaphore.clone();
        let key = token.clone();
        tasks.insert(
            key,
            tokio::spawn(async move {
                // The semaphore is never closed, so acquire only fails if it were.
                let _permit = semaphore.acquire_owned().await.ok();
                decode_with_retries(&session, &token)
                    .await
                    .map(|(_, d)| d)
                    .map_err(|e| e.to_string())
            }),
        );
    }
    let mut results: HashMap<String, Result<Diagnosis, String>> = HashMap::new();
    for (token, task) in tasks {
        let result = task
            .await
            .unwrap_or_else(|e| Err(format!("decode task failed: {e}")));
        results.insert(token, result);
    }
    jobs.into_iter()
        .map(|job| {
            let (diagnosis, decode_error) =
                match job.encoded_message.as_ref().and_then(|t| results.get(t)) {
                    Some(Ok(d)) => (Some(d.clone()), None),
                    Some(Err(e)) => (None, Some(e.clone())),
                    None => (None, None),
                };
            DecodedJob {
                job,
                diagnosis,
                decode_error,
            }
        })
        .collect()
}
