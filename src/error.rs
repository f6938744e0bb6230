//! The app's error type at the edge: a one-line message and the documented exit code.

use std::fmt;

use crate::workflow::{WorkflowError, WorkflowErrorKind};

/// The documented exit codes (also in `--help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: AWS or network failure.
    Aws = 1,
    /// 2: invalid input or usage.
    BadInput = 2,
    /// 3: nothing applied because a guard refused or the user declined.
    Refused = 3,
    /// 4: a partial result: some rows could not be decoded (they are printed with the reason).
    Partial = 4,
    /// 5: the fix was written but IAM's simulator still denies the request (undo offered).
    StillDenied = 5,
}

/// The exit-code table printed in `--help`.
pub const EXIT_CODES_HELP: &str = "Exit codes:\n  0  success (a diagnosis was printed, whatever the verdict)\n  1  AWS or network failure\n  2  invalid input or usage\n  3  nothing applied: a guard refused or the user declined\n  4  partial: `list --decode` printed every row, but some could not be decoded\n  5  written, but IAM's simulator still denies the request (`undo --last` puts it back)";

/// A failure to report to the user: one line saying what to do, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// Which exit code.
    pub kind: ExitKind,
    /// One line, no trailing newline.
    pub message: String,
}

impl AppError {
    /// Bad input or usage (exit 2).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            kind: ExitKind::BadInput,
            message: message.into(),
        }
    }
    /// AWS or network failure (exit 1).
    pub fn aws(message: impl Into<String>) -> Self {
        Self {
            kind: ExitKind::Aws,
            message: message.into(),
        }
    }
    /// A guard refused or the user declined (exit 3).
    pub fn refused(message: impl Into<String>) -> Self {
        Self {
            kind: ExitKind::Refused,
            message: message.into(),
        }
    }
    /// A partial result (exit 4).
    pub fn partial(message: impl Into<String>) -> Self {
        Self {
            kind: ExitKind::Partial,
            message: message.into(),
        }
    }
    /// Written but still denied (exit 5).
    pub fn still_denied(message: impl Into<String>) -> Self {
        Self {
            kind: ExitKind::StillDenied,
            message: message.into(),
        }
    }
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.kind as i32
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep it to one line whatever the source said.
        let one_line: String = self
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        f.write_str(&one_line)
    }
}

impl std::error::Error for AppError {}

impl From<WorkflowError> for AppError {
    /// The exit code of a workflow failure is decided here, at the edge.
    fn from(error: WorkflowError) -> Self {
        let kind = match error.kind() {
            WorkflowErrorKind::Aws | WorkflowErrorKind::Journal => ExitKind::Aws,
            WorkflowErrorKind::BadInput => ExitKind::BadInput,
            WorkflowErrorKind::Refused => ExitKind::Refused,
        };
        AppError {
            kind,
            message: error.to_string(),
        }
    }
}
