//! `restore-doctor explain [FILE|-]`: diagnose a decoded message without touching AWS.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::Args;

use super::OutputFormat;
use super::input::{HYBRID_OFFLINE_NOTE, resolve_offline};
use crate::diagnosis::decoded::MAX_DECODED_LEN;
use crate::diagnosis::{diagnose, report};
use crate::error::AppError;

/// Arguments of `explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The denial: a decoded message (JSON, the AWS CLI's `{"DecodedMessage": …}` or its
    /// `--query DecodedMessage --output json` string), or a plain-text access-denied message;
    /// `-` or none for stdin.
    pub file: Option<PathBuf>,
    /// How wide the proposed fix is: `exact` (least privilege) or `account` (wider).
    #[arg(long, value_enum, default_value_t = super::ScopeArg::Exact)]
    pub scope: super::ScopeArg,
}

/// Reads a file or stdin, refusing more than `limit` bytes without reading it all.
pub fn read_input(file: Option<&PathBuf>, limit: usize) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    let from_stdin = file.is_none_or(|f| f.as_os_str() == "-");
    if from_stdin {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(AppError::bad_input(
                "no input: give a FILE or pipe the message on stdin",
            ));
        }
        stdin
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AppError::bad_input(format!("cannot read stdin: {e}")))?;
    } else if let Some(path) = file {
        let f = std::fs::File::open(path)
            .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", path.display())))?;
        f.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    }
    if bytes.len() > limit {
        return Err(AppError::bad_input(format!(
            "input is larger than {limit} bytes; a decoded authorization message is a few kilobytes"
        )));
    }
    String::from_utf8(bytes).map_err(|_| AppError::bad_input("input is not UTF-8 text"))
}

/// Runs `explain` (offline: a decoded message, a plain-text denial, or a hybrid's text).
pub fn run(args: &ExplainArgs, output: OutputFormat) -> Result<(), AppError> {
    let text = read_input(args.file.as_ref(), MAX_DECODED_LEN)?;
    let resolved = resolve_offline(&text)?;
    let mut diagnosis = diagnose(&resolved.message, args.scope.into());
    if resolved.token_not_decoded {
        diagnosis.notes.push(HYBRID_OFFLINE_NOTE.into());
    }
    match output {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&diagnosis)
                .map_err(|e| AppError::bad_input(format!("cannot render JSON: {e}")))?;
            println!("{json}");
        }
        OutputFormat::Text => print!("{}", super::printable(&report::render_text(&diagnosis))),
    }
    Ok(())
}
