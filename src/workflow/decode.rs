//! Listing failed restore jobs and decoding their messages through STS (never locally).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;

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
    Ok(session
        .list_failed_restore_jobs(after, limit)
        .await?
        .into_iter()
        .map(JobSummary::from)
        .collect())
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

/// Decodes every job's token, each distinct token once, at most `concurrency` at a time, and
/// collects the results (in the jobs' order).
pub async fn decode_jobs(
    session: &Session,
    jobs: Vec<JobSummary>,
    concurrency: usize,
) -> Vec<DecodedJob> {
    let mut decoded = Vec::with_capacity(jobs.len());
    decode_jobs_each(session, jobs, concurrency, |job| decoded.push(job)).await;
    decoded
}

/// Decodes every job's token, each distinct token once, at most `concurrency` at a time, and
/// hands each job to `each` in the jobs' order as soon as it and all before it are decoded.
///
/// Memory stays flat however many jobs there are: only `concurrency` requests exist at once (an
/// SDK call's future is tens of kilobytes), a job is handed over and dropped as soon as it can
/// be, and a diagnosis is kept only until the last job sharing its token has been handed over.
pub async fn decode_jobs_each(
    session: &Session,
    jobs: Vec<JobSummary>,
    concurrency: usize,
    mut each: impl FnMut(DecodedJob),
) {
    let concurrency = concurrency.max(1);
    // For each job, the index of the first job with the same token; and how many share it.
    let (first_of, mut sharing) = {
        let mut first_by_token: HashMap<&str, usize> = HashMap::new();
        let mut sharing: HashMap<usize, usize> = HashMap::new();
        let first_of: Vec<Option<usize>> = jobs
            .iter()
            .enumerate()
            .map(|(i, job)| {
                let token = job.encoded_message.as_deref()?;
                let first = *first_by_token.entry(token).or_insert(i);
                *sharing.entry(first).or_default() += 1;
                Some(first)
            })
            .collect();
        (first_of, sharing)
    };
    let mut jobs: Vec<Option<JobSummary>> = jobs.into_iter().map(Some).collect();
    let mut running = JoinSet::new();
    let mut results: HashMap<usize, Result<Diagnosis, String>> = HashMap::new();
    let mut task_of = HashMap::new();
    let mut next_to_start = 0;
    for index in 0..jobs.len() {
        let Some(first) = first_of[index] else {
            if let Some(job) = jobs[index].take() {
                each(DecodedJob {
                    job,
                    diagnosis: None,
                    decode_error: None,
                });
            }
            continue;
        };
        while !results.contains_key(&first) {
            while running.len() < concurrency && next_to_start < jobs.len() {
                let candidate = next_to_start;
                next_to_start += 1;
                if first_of[candidate] != Some(candidate) {
                    continue;
                }
                let Some(token) = jobs[candidate]
                    .as_ref()
                    .and_then(|j| j.encoded_message.clone())
                else {
                    continue;
                };
                let session = session.clone();
                let handle = running.spawn(async move {
                    let result = decode_with_retries(&session, &token)
                        .await
                        .map(|(_, d)| d)
                        .map_err(|e| e.to_string());
                    (candidate, result)
                });
                task_of.insert(handle.id(), candidate);
            }
            match running.join_next().await {
                Some(Ok((candidate, result))) => {
                    results.insert(candidate, result);
                }
                // A decode task ends abnormally only if it panicked; say so on its jobs.
                Some(Err(error)) => {
                    tracing::warn!(%error, "decode task failed");
                    let failed = task_of.get(&error.id()).copied().unwrap_or(first);
                    results.insert(failed, Err("decode task failed (see the log)".into()));
                }
                None => {
                    results.insert(first, Err("decode was never started".into()));
                }
            }
        }
        let left = sharing.get_mut(&first).map_or(0, |n| {
            *n = n.saturating_sub(1);
            *n
        });
        let result = if left == 0 {
            results.remove(&first)
        } else {
            results.get(&first).cloned()
        };
        let (diagnosis, decode_error) = match result {
            Some(Ok(d)) => (Some(d), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        if let Some(job) = jobs[index].take() {
            each(DecodedJob {
                job,
                diagnosis,
                decode_error,
            });
        }
    }
}
