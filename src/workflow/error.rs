//! Workflow errors: each one line with the remedy, and a kind that the binary's edge
//! (`crate::error`) maps to an exit code.

use crate::aws::AwsError;

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
    /// The target is a role IAM refuses to change (an IAM Identity Center or service-linked
    /// role); nothing was written (exit 3). `change` is the fix where it belongs, if anywhere.
    #[error("not fixing: {sentence}")]
    Protected {
        /// Why nothing is written, naming the permission set or the service-linked role.
        sentence: String,
        /// The change in the permission set (AWS CLI commands), for an Identity Center role.
        change: Option<String>,
    },
    /// A layer other than the identity policies blocks the request (an SCP, an RCP, the
    /// boundary, a key or vault policy): no identity statement can fix it, so nothing is
    /// written (exit 3).
    #[error("{sentence}")]
    Blocked {
        /// One sentence naming the layer, its policy and statement, and who must change what.
        sentence: String,
        /// Every blocking layer.
        blockers: Vec<crate::diagnosis::layered::Blocker>,
        /// The change the layer's owner must make.
        owner_change: String,
        /// The layers read.
        layers_read: Vec<String>,
        /// The layers that could not be read, and why.
        layers_unreadable: Vec<String>,
    },
    /// The journal could not be written, so nothing was written to IAM (exit 1).
    #[error("{0}; nothing was written to IAM")]
    Journal(#[from] JournalError),
    /// IAM was changed but the journal could not record it (exit 1).
    #[error(
        "IAM WAS changed; the journal could not record it: {path}, {error}; the before-image is {before}"
    )]
    JournalAfterWrite {
        /// The journal file.
        path: String,
        /// Why it could not be appended.
        error: String,
        /// The document as it was before the write (to put back by hand).
        before: String,
    },
    /// A write's outcome is not known (exit 1); it is journalled as `unknown`.
    #[error(
        "the outcome of {what} is unknown ({cause}); it is journalled as unknown in {journal}: `restore-doctor journal` checks IAM and records what happened"
    )]
    Unknown {
        /// The write.
        what: String,
        /// Why no answer came.
        cause: String,
        /// The journal file.
        journal: String,
    },
}

/// A workflow error shared by whoever shows it (the UI's actions are cloned): typed across the
/// boundary, rendered to a sentence only where it is drawn.
pub type SharedError = std::sync::Arc<WorkflowError>;

/// What kind of failure a [`WorkflowError`] is, for whoever decides exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowErrorKind {
    /// AWS or the network failed.
    Aws,
    /// The input was unusable.
    BadInput,
    /// A guard refused or the user declined; nothing was written.
    Refused,
    /// The journal could not be written.
    Journal,
}

impl WorkflowError {
    /// The kind of failure.
    pub fn kind(&self) -> WorkflowErrorKind {
        match self {
            WorkflowError::Aws(_) => WorkflowErrorKind::Aws,
            WorkflowError::BadInput(_) => WorkflowErrorKind::BadInput,
            WorkflowError::Refused(_)
            | WorkflowError::Protected { .. }
            | WorkflowError::Blocked { .. } => WorkflowErrorKind::Refused,
            WorkflowError::Journal(_) | WorkflowError::JournalAfterWrite { .. } => {
                WorkflowErrorKind::Journal
            }
            WorkflowError::Unknown { .. } => WorkflowErrorKind::Aws,
        }
    }
}
