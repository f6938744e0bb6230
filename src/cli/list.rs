//! `list` and `decode`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Connection, GlobalArgs, OutputFormat};
use crate::diagnosis::token;
use crate::diagnosis::{DecodedMessage, Scope, diagnose};
use crate::error::AppError;
use crate::workflow::{self, DecodedJob};

/// Arguments of `list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// At most this many jobs (the newest).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Decode each job's message through STS and diagnose it.
    #[arg(long)]
    pub decode: bool,
    /// How many messages to decode at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// Arguments of `decode`.
#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// The encoded message, text containing it, or `-`/nothing for stdin.
    pub token: Option<String>,
}

fn badge(job: &DecodedJob) -> String {
    match (&job.diagnosis, &job.decode_error, &job.job.encoded_message) {
        (Some(d), _, _) => format!("{} {}", d.verdict.as_str(), d.action),
        (None, Some(e), _) => format!("decode failed: {e}"),
        (None, None, None) => "no encoded message".into(),
        (None, None, Some(_)) => "not decoded".into(),
    }
}

/// Runs `list`.
pub async fn list(
    args: ListArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let jobs = workflow::list_failed_jobs(&connection.session, global.since, args.limit).await?;
    let rows: Vec<DecodedJob> = if args.decode {
        workflow::decode_jobs(&connection.session, jobs, usize::from(args.concurrency)).await
    } else {
        jobs.into_iter()
            .map(|job| DecodedJob {
                job,
                diagnosis: None,
                decode_error: None,
            })
            .collect()
    };
    match global.output {
        OutputFormat::Json => {
            // Streamed: 10,000 decoded jobs are tens of megabytes of JSON, never held twice.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &rows)
                .map_err(|e| AppError::aws(format!("cannot write the output: {e}")))?;
            writeln!(out)
                .and_then(|()| out.flush())
                .map_err(|e| AppError::aws(format!("cannot write the output: {e}")))?;
        }
        OutputFormat::Text => {
            if rows.is_empty() {
                println!("No failed restore jobs in the period.");
            }
            for row in &rows {
                let role = row
                    .job
                    .iam_role_arn
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .unwrap_or("-");
                let status = if args.decode {
                    badge(row)
                } else if row.job.encoded_message.is_some() {
                    "encoded message".into()
                } else {
                    "no encoded message".into()
                };
                println!(
                    "{}  {}  {:<5}  {:<32}  {}",
                    row.job.created,
                    row.job.restore_job_id,
                    row.job.resource_type.as_deref().unwrap_or("-"),
                    role,
                    status
                );
            }
        }
    }
    Ok(())
}

/// Runs `decode`.
pub async fn decode(
    args: DecodeArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let text = match args.token.as_deref() {
        None | Some("-") => {
            let stdin_path: Option<PathBuf> = None;
            super::read_input(stdin_path.as_ref(), 1 << 20)?
        }
        Some(t) => t.to_string(),
    };
    let token = token::extract_token(&text).map_err(|e| AppError::bad_input(e.to_string()))?;
    let decoded = connection
        .session
        .decode_authorization_message(&token)
        .await
        .map_err(|e| AppError::aws(e.to_string()))?;
    match global.output {
        OutputFormat::Text => {
            let value: serde_json::Value = serde_json::from_str(&decoded).map_err(|e| {
                AppError::aws(format!(
                    "STS returned a decoded message that is not JSON: {e}"
                ))
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or(decoded)
            );
        }
        OutputFormat::Json => {
            let message = DecodedMessage::parse(&decoded).map_err(|e| {
                AppError::aws(format!("STS returned an unexpected decoded message: {e}"))
            })?;
            let diagnosis = diagnose(&message, Scope::Exact);
            println!(
                "{}",
                serde_json::to_string_pretty(&diagnosis)
                    .map_err(|e| AppError::aws(e.to_string()))?
            );
        }
    }
    Ok(())
}
