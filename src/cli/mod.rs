//! Command-line definitions (clap) and subcommand dispatch. Uses `aws`, `workflow` and
//! `diagnosis`, never `tui`: the binary (`main.rs`) picks the terminal UI or a subcommand.

mod confirm;
mod connect;
mod explain;
mod fix;
mod input;
mod journal_cmd;
mod list;
mod misc;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnosis::Scope;
use crate::error::{AppError, EXIT_CODES_HELP};

pub use connect::{Connection, connect, journal, sandbox_options};
pub use explain::{ExplainArgs, read_input};

/// Output format of the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    #[default]
    Text,
    /// JSON (a public interface for scripts).
    Json,
}

/// How wide the fix's resource is (`--scope`); the diagnosis core's [`Scope`] without clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ScopeArg {
    /// Exactly the decoded resource (least privilege; the default).
    #[default]
    Exact,
    /// Every resource of that type in the account (wider; only on request).
    Account,
}

impl From<ScopeArg> for Scope {
    fn from(scope: ScopeArg) -> Scope {
        match scope {
            ScopeArg::Exact => Scope::Exact,
            ScopeArg::Account => Scope::Account,
        }
    }
}

/// restore-doctor: diagnose and fix AWS Backup restore jobs that fail with an encoded
/// authorization failure message. Without a subcommand it opens the terminal UI.
#[derive(Debug, Parser)]
#[command(name = "restore-doctor", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Options that apply to every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do (none: open the terminal UI).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options valid before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Run against the embedded sandbox (no AWS account needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Never write: no IAM change, no restore started.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Terminal UI: capture the mouse (a click selects a job, the wheel scrolls); this takes
    /// text selection away from the terminal, so it is off by default.
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Terminal UI: list the jobs again this often (e.g. 30s, 5m) and mark failures that are
    /// new since the previous list; `w` turns it on and off.
    #[arg(long, global = true, value_parser = parse_watch)]
    pub watch: Option<std::time::Duration>,
    /// AWS profile to use.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region to use.
    #[arg(long, global = true, value_parser = parse_region)]
    pub region: Option<String>,
    /// Endpoint for every AWS service (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> work too).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// Journal of IAM writes [default: $XDG_STATE_HOME/restore-doctor/journal.jsonl].
    #[arg(long, global = true)]
    pub journal: Option<PathBuf>,
    /// Log file for the terminal UI [default: $XDG_STATE_HOME/restore-doctor/restore-doctor.log].
    #[arg(long, global = true)]
    pub log_file: Option<PathBuf>,
    /// Let RUST_LOG=debug/trace reach the AWS SDK's own logs, which carry decoded messages,
    /// policy documents and the access key ID (off by default).
    #[arg(long, global = true)]
    pub log_sensitive: bool,
    /// How far back to list failed restore jobs (e.g. 30d, 12h, 90m).
    #[arg(long, global = true, default_value = "30d", value_parser = parse_since)]
    pub since: std::time::Duration,
}

/// Parses `30d`, `12h`, `90m`, `45s`.
pub fn parse_since(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30d, 12h or 90m"))?;
    let secs = match unit {
        "d" => n.checked_mul(86_400),
        "h" => n.checked_mul(3_600),
        "m" => n.checked_mul(60),
        "s" | "" => Some(n),
        _ => None,
    }
    .ok_or_else(|| format!("{text:?} is not a duration like 30d, 12h or 90m"))?;
    if secs > MAX_SINCE_SECS {
        return Err(format!(
            "{text:?} reaches back more than 100 years (36500d); AWS keeps nothing that old"
        ));
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Parses `--watch`: a duration like `--since`'s, from 1 s to 1 day.
pub fn parse_watch(text: &str) -> Result<std::time::Duration, String> {
    let every = parse_since(text)?;
    if every < std::time::Duration::from_secs(1) || every > std::time::Duration::from_secs(86_400) {
        return Err(format!("{text:?}: watch every 1s to 1d (e.g. 30s, 5m)"));
    }
    Ok(every)
}

/// The longest `--since` (100 years): anything longer cannot be a date AWS accepts.
const MAX_SINCE_SECS: u64 = 36_500 * 86_400;

/// A region name as AWS spells them (`us-east-1`): lowercase letters, digits and dashes.
pub fn parse_region(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-');
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not an AWS region name such as us-east-1 or eu-west-2"
        ))
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List failed restore jobs (newest first), optionally decoding their messages.
    #[command(after_help = EXIT_CODES_HELP)]
    List(list::ListArgs),
    /// Decode an encoded authorization message through STS.
    #[command(after_help = EXIT_CODES_HELP)]
    Decode(list::DecodeArgs),
    /// Diagnose a decoded authorization message (a file, or stdin) and propose the fix.
    #[command(after_help = EXIT_CODES_HELP)]
    Explain(ExplainArgs),
    /// Preview the least-privilege fix and, after confirmation, apply and verify it.
    #[command(after_help = EXIT_CODES_HELP)]
    Fix(fix::FixArgs),
    /// Start a failed restore job again with the same recovery point, role and metadata.
    #[command(after_help = EXIT_CODES_HELP)]
    Rerun(misc::RerunArgs),
    /// Put a policy back exactly as it was before a journalled write.
    #[command(after_help = EXIT_CODES_HELP)]
    Undo(misc::UndoArgs),
    /// List journalled writes, settling with IAM those a crash or a lost reply left unresolved.
    #[command(after_help = EXIT_CODES_HELP)]
    Journal(journal_cmd::JournalArgs),
    /// Print the fix as Terraform, CloudFormation, an AWS CLI command or policy JSON.
    #[command(after_help = EXIT_CODES_HELP)]
    Export(misc::ExportArgs),
    /// Serve the embedded AWS emulator (Backup, STS, IAM, Organizations, KMS, Access Analyzer) on 127.0.0.1 until Ctrl-C.
    #[command(after_help = EXIT_CODES_HELP)]
    Sandbox(misc::SandboxArgs),
}

/// Runs a subcommand (the binary opens the terminal UI when there is none).
pub fn run(command: Command, global: GlobalArgs) -> Result<(), AppError> {
    if let Command::Explain(args) = &command {
        return explain::run(args, global.output);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::aws(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(command, global))
}

async fn run_async(command: Command, global: GlobalArgs) -> Result<(), AppError> {
    match command {
        Command::Sandbox(args) => misc::sandbox(args).await,
        Command::Explain(args) => explain::run(&args, global.output),
        Command::Export(args) if args.decoded.is_some() => misc::export(args, None, &global).await,
        command => {
            let connection = connect(&global).await?;
            let result = match command {
                Command::List(args) => list::list(args, &connection, &global).await,
                Command::Decode(args) => list::decode(args, &connection, &global).await,
                Command::Fix(args) => fix::fix(args, &connection, &global).await,
                Command::Rerun(args) => misc::rerun(args, &connection, &global).await,
                Command::Undo(args) => misc::undo(args, &connection, &global).await,
                Command::Journal(args) => journal_cmd::run(args, &connection, &global).await,
                Command::Export(args) => misc::export(args, Some(&connection), &global).await,
                Command::Sandbox(_) | Command::Explain(_) => Ok(()),
            };
            connection.close().await;
            result
        }
    }
}

/// `text` with every control character other than newline and tab written as an escape
/// (`\x1b`), so decoded content or a policy document cannot drive the terminal (retitle it,
/// move the cursor, hide text) when printed.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            let code = u32::from(c);
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            printable("role/\u{1b}]0;owned\u{7}x"),
            "role/\\x1b]0;owned\\x07x"
        );
        assert_eq!(printable("a\u{9b}b\r"), "a\\x9bb\\x0d");
    }
}
