//! Workflow errors: each one line with the remedy, and the exit code it maps to.

use crate::aws::AwsError;
use crate::error::{AppError, ExitKind};

use super::journal::JournalError;

/// Why a workflow step stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// An AWS call failed (exit 1).
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The input was unusable (exit 2).
    #[error("{0}")]
    BadInput(String),
    /// A guard refused or the user declined; nothing was written (exit 3).
    #[error("{0}")]
    Refused(String),
    /// The journal could not be written, so nothing was written to IAM (exit 1).
    #[error("{0}; nothing was written to IAM")]
    Journal(#[from] JournalError),
}

impl WorkflowError {
    /// The documented exit code class.
    pub fn exit_kind(&self) -> ExitKind {
        match self {
            WorkflowError::Aws(_) | WorkflowError::Journal(_) => ExitKind::Aws,
            WorkflowError::BadInput(_) => ExitKind::BadInput,
            WorkflowError::Refused(_) => ExitKind::Refused,
        }
    }
}

impl From<WorkflowError> for AppError {
    fn from(error: WorkflowError) -> Self {
        AppError {
            kind: error.exit_kind(),
            message: error.to_string(),
        }
    }
}
