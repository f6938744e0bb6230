//! Asking before a write: `--yes`, or an interactive `y` when stdin is a terminal. Anything
//! else is a refusal (exit 3), so nothing is written by accident.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::AppError;

/// Returns Ok when the user confirmed `question`; otherwise the refusal to report.
pub fn confirm(question: &str, yes: bool) -> Result<(), AppError> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(AppError::refused(
            "not confirmed: stdin is not a terminal; pass --yes to apply without asking (nothing was written)",
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| {
        AppError::refused(format!(
            "could not read the answer ({e}); nothing was written"
        ))
    })?;
    if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(AppError::refused("declined: nothing was written"))
    }
}
