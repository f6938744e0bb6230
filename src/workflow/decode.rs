//! Listing failed restore jobs and decoding their messages through STS (never locally): the
//! one decode pipeline, used by `list --decode`, `decode` and the TUI. Bounded, ordered and
//! unordered streams come from `futures-util` (`buffered`/`buffer_unordered`, `Shared` for a
//! token several jobs carry) rather than a hand-written scheduler.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use futures_util::stream::{self, Stream, StreamExt};

use super::{DecodedJob, JobSummary, WorkflowError};
use crate::aws::Session;
use crate::diagnosis::denial::{self, Denial};
use crate::diagnosis::{DecodedMessage, Diagnosis, Scope, Token, diagnose};

/// Failed restore jobs created within `since`, newest first.
pub async fn list_failed_jobs(
    session: &Session,
    since: Duration,
    limit: Option<usize>,
) -> Result<Vec<JobSummary>, WorkflowError> {
    super::list_jobs(session, &super::StatusFilter::default(), since, limit).await
}

/// Decodes one token through STS and diagnoses it, once.
async fn decode_attempt(
    session: &Session,
    token: &str,
) -> Result<(DecodedMessage, Diagnosis), WorkflowError> {
    let text = session.decode_authorization_message(token).await?;
    let message = DecodedMessage::parse(&text)
        .map_err(|e| {
            WorkflowError::BadInput(format!("STS returned an unexpected decoded message: {e}"))
        })?
        .decoded_from_token(None);
    let diagnosis = diagnose(&message, Scope::Exact);
    Ok((message, diagnosis))
}

/// Extra rounds after the SDK's own retries, for a storm of throttling or resets.
const DECODE_ROUNDS: u32 = 4;

/// Decodes one token through STS and diagnoses it; tried again (with a growing pause) while the
/// failure is transient. Every decode, single or in a pipeline, goes through here.
pub async fn decode_token(
    session: &Session,
    token: &str,
) -> Result<(DecodedMessage, Diagnosis), WorkflowError> {
    let mut round = 1;
    loop {
        match decode_attempt(session, token).await {
            Err(WorkflowError::Aws(e)) if e.is_transient() && round < DECODE_ROUNDS => {
                tracing::debug!(round, error = %e, "decode failed transiently; trying again");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(round))).await;
                round += 1;
            }
            other => return other,
        }
    }
}

/// A decoded message and its diagnosis, shared by every job that carries the same token.
pub type Decoded = Arc<(DecodedMessage, Diagnosis)>;

/// One token's outcome: the decoded message, or why it did not decode.
pub type DecodeOutcome = Result<Decoded, super::SharedError>;

/// One decode, with the transient-failure rounds, as a shareable future.
fn decode_once(session: &Session, token: Token) -> Shared<BoxFuture<'static, DecodeOutcome>> {
    let session = session.clone();
    async move {
        decode_token(&session, &token)
            .await
            .map(Arc::new)
            .map_err(Arc::new)
    }
    .boxed()
    .shared()
}

/// The decode pipeline, as results arrive (the TUI): each distinct token in `tokens` is decoded
/// once, with at most `concurrency` STS calls alive at a time, and yielded with its outcome as
/// soon as it is done.
pub fn decode_tokens(
    session: &Session,
    tokens: impl IntoIterator<Item = Token>,
    concurrency: usize,
) -> impl Stream<Item = (Token, DecodeOutcome)> + Send + 'static {
    let mut seen = HashSet::new();
    let distinct: Vec<Token> = tokens
        .into_iter()
        .filter(|token| seen.insert(token.clone()))
        .collect();
    let session = session.clone();
    stream::iter(distinct)
        .map(move |token| {
            let decode = decode_once(&session, token.clone());
            async move { (token, decode.await) }
        })
        .buffer_unordered(concurrency.max(1))
}

/// The decode pipeline, in the jobs' order (`list --decode`): each distinct token once, at most
/// `concurrency` STS calls alive at a time, and each job yielded as soon as it and every job
/// before it are done.
///
/// Memory stays flat however many jobs there are: only `concurrency` jobs are in flight, a job
/// is yielded and dropped as soon as it can be, and a shared decode is forgotten once the last
/// job carrying its token has taken it.
pub fn decode_jobs_in_order(
    session: &Session,
    jobs: Vec<JobSummary>,
    concurrency: usize,
) -> impl Stream<Item = DecodedJob> + Send + 'static {
    let mut left: HashMap<Token, usize> = HashMap::new();
    for token in jobs.iter().filter_map(|job| job.encoded_message.as_ref()) {
        *left.entry(token.clone()).or_default() += 1;
    }
    let mut decoding: HashMap<Token, Shared<BoxFuture<'static, DecodeOutcome>>> = HashMap::new();
    let session = session.clone();
    stream::iter(jobs)
        .map(move |job| {
            let decode = job.encoded_message.clone().map(|token| {
                let decode = decoding
                    .entry(token.clone())
                    .or_insert_with(|| decode_once(&session, token.clone()))
                    .clone();
                if let Some(count) = left.get_mut(&token) {
                    *count -= 1;
                    if *count == 0 {
                        left.remove(&token);
                        decoding.remove(&token);
                    }
                }
                decode
            });
            async move {
                let outcome = match decode {
                    Some(decode) => Some(decode.await),
                    None => None,
                };
                let mut row = DecodedJob::undecoded(job);
                let status = row.job.status_message.as_ref().map(|m| m.text());
                match outcome {
                    Some(Ok(decoded)) => {
                        let decoded =
                            with_status_text(&decoded, status.as_deref()).unwrap_or(decoded);
                        row.diagnosis = Some(decoded.1.clone());
                    }
                    Some(Err(reason)) => row.decode_error = Some(reason.to_string()),
                    // No token: a plain-text denial is diagnosed without STS.
                    None => {
                        if let Some(Ok(Denial::PlainText(message))) =
                            status.as_deref().map(denial::parse_denial)
                        {
                            row.diagnosis = Some(diagnose(&message, Scope::Exact));
                        }
                    }
                }
                row
            }
        })
        .buffered(concurrency.max(1))
}

/// A decoded token's message merged with the words around it in its job's status message,
/// when that message is a hybrid (IAM's sentence and the token): the token gives the context,
/// the text the policy type and the denying policy's ARN. None when the status message holds
/// the token alone. Every view of a job (`list --decode`, `fix --job`, the UI) reads the merge.
pub fn with_status_text(decoded: &Decoded, status_message: Option<&str>) -> Option<Decoded> {
    let Ok(Denial::Encoded {
        text: Some(text), ..
    }) = denial::parse_denial(status_message?)
    else {
        return None;
    };
    let message = decoded.0.clone().decoded_from_token(Some(text));
    let diagnosis = diagnose(&message, Scope::Exact);
    Some(Arc::new((message, diagnosis)))
}

/// [`decode_jobs_in_order`], collected.
pub async fn decode_jobs(
    session: &Session,
    jobs: Vec<JobSummary>,
    concurrency: usize,
) -> Vec<DecodedJob> {
    decode_jobs_in_order(session, jobs, concurrency)
        .collect()
        .await
}
