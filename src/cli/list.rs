//! `list` and `decode`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use futures_util::StreamExt;

use super::{Connection, GlobalArgs, OutputFormat};
use crate::diagnosis::denial::FailureKind;
use crate::error::AppError;
use crate::workflow::{self, DecodedJob, StatusFilter};

/// Arguments of `list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// At most this many jobs (the newest).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Which jobs: failed, running, completed, pending, aborted or all.
    #[arg(long, default_value = "failed", value_parser = parse_status)]
    pub status: StatusFilter,
    /// Decode each job's message through STS and diagnose it.
    #[arg(long)]
    pub decode: bool,
    /// How many messages to decode at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// `--status`: a restore job status, or `all`.
fn parse_status(text: &str) -> Result<StatusFilter, String> {
    text.parse()
}

/// Arguments of `decode`.
#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// The encoded message, text containing it (a plain-text denial is read without STS), or
    /// `-`/nothing for stdin.
    pub token: Option<String>,
}

fn badge(job: &DecodedJob) -> String {
    match (&job.diagnosis, &job.decode_error, &job.job.encoded_message) {
        (Some(d), _, _) if d.action.is_empty() => {
            format!("{} (action not named)", d.verdict.as_str())
        }
        (Some(d), _, _) => format!("{} {}", d.verdict.as_str(), d.action),
        (None, Some(e), _) => format!("decode failed: {e}"),
        (None, None, None) => failure_badge(job),
        (None, None, Some(_)) => "not decoded".into(),
    }
}

/// The status column of a job without a decoded diagnosis: the permission failure and its
/// action, or the sentence saying it is not a permissions problem.
fn failure_badge(job: &DecodedJob) -> String {
    match (job.failure.kind, &job.failure.action) {
        (FailureKind::EncodedDenial, _) => "encoded message".into(),
        (FailureKind::PlainTextDenial, Some(action)) => format!("permission denied: {action}"),
        (FailureKind::PlainTextDenial, None) => {
            "permission denied (AWS Backup names no action)".into()
        }
        (FailureKind::NotPermissions | FailureKind::NoMessage, _) => job
            .failure
            .explanation
            .clone()
            .unwrap_or_else(|| "not a permissions problem".into()),
    }
}

/// Runs `list`. Jobs are printed as they are decoded, in order, and then dropped, so memory
/// stays flat with thousands of jobs.
pub async fn list(
    args: ListArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let jobs =
        workflow::list_jobs(&connection.session, &args.status, global.since, args.limit).await?;
    let mut printer = Printer::new(global.output, args.decode);
    if args.decode {
        let mut rows = std::pin::pin!(workflow::decode_jobs_in_order(
            &connection.session,
            jobs,
            usize::from(args.concurrency),
        ));
        while let Some(row) = rows.next().await {
            printer.row(&row);
        }
    } else {
        for job in jobs {
            printer.row(&DecodedJob::undecoded(job));
        }
    }
    printer.finish()
}

/// Writes rows to stdout as text lines or as one JSON array, element by element.
struct Printer {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    format: OutputFormat,
    decode: bool,
    rows: usize,
    undecoded: usize,
    error: Option<std::io::Error>,
}

impl Printer {
    fn new(format: OutputFormat, decode: bool) -> Self {
        Self {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            format,
            decode,
            rows: 0,
            undecoded: 0,
            error: None,
        }
    }

    fn row(&mut self, row: &DecodedJob) {
        if self.error.is_some() {
            return;
        }
        let written = match self.format {
            OutputFormat::Json => self.json_row(row),
            OutputFormat::Text => self.text_row(row),
        };
        self.rows += 1;
        if row.decode_error.is_some() {
            self.undecoded += 1;
        }
        if let Err(error) = written {
            self.error = Some(error);
        }
    }

    fn json_row(&mut self, row: &DecodedJob) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(row).map_err(std::io::Error::other)?;
        self.out
            .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
        for (n, line) in text.lines().enumerate() {
            if n > 0 {
                self.out.write_all(b"\n")?;
            }
            write!(self.out, "  {line}")?;
        }
        Ok(())
    }

    fn text_row(&mut self, row: &DecodedJob) -> std::io::Result<()> {
        let role = row
            .job
            .iam_role_arn
            .as_deref()
            .and_then(|r| r.rsplit('/').next())
            .unwrap_or("-");
        let status = if self.decode {
            badge(row)
        } else {
            failure_badge(row)
        };
        let line = format!(
            "{}  {}  {:<5}  {:<32}  {}",
            row.job.created,
            row.job.restore_job_id,
            row.job.resource_type.as_deref().unwrap_or("-"),
            role,
            status
        );
        writeln!(self.out, "{}", super::printable(&line))
    }

    fn finish(mut self) -> Result<(), AppError> {
        if self.error.is_none() {
            let closing = match (self.format, self.rows) {
                (OutputFormat::Json, 0) => writeln!(self.out, "[]"),
                (OutputFormat::Json, _) => writeln!(self.out, "\n]"),
                (OutputFormat::Text, 0) => {
                    writeln!(self.out, "No failed restore jobs in the period.")
                }
                (OutputFormat::Text, _) => Ok(()),
            };
            if let Err(error) = closing.and_then(|()| self.out.flush()) {
                self.error = Some(error);
            }
        }
        match self.error {
            None if self.undecoded > 0 => Err(AppError::partial(format!(
                "{} of {} jobs could not be decoded (each says why in decode_error); the others are listed",
                self.undecoded, self.rows
            ))),
            None => Ok(()),
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(AppError::aws(format!("cannot write the output: {e}"))),
        }
    }
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
    let resolved = super::input::resolve_text(connection, &text).await?;
    let message = resolved.message;
    let diagnosis = crate::diagnosis::diagnose(&message, crate::diagnosis::Scope::Exact);
    let shown = match global.output {
        // What `aws sts decode-authorization-message … | jq '.DecodedMessage | fromjson'` shows.
        OutputFormat::Text => serde_json::to_string_pretty(&message.raw),
        OutputFormat::Json => serde_json::to_string_pretty(&diagnosis),
    };
    println!("{}", shown.map_err(|e| AppError::aws(e.to_string()))?);
    Ok(())
}
