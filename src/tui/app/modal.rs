//! The modal stack's entries: preview, confirmation, message, help, re-run progress, export.

use std::path::PathBuf;

use crate::diagnosis::{Fix, Scope};
use crate::workflow::journal::JournalEntry;
use crate::workflow::{FixPlan, JobProgress};

/// One modal; the top of the stack gets the keys.
#[derive(Debug, Clone)]
pub enum Modal {
    /// The fix preview.
    Preview(PreviewModal),
    /// A confirmation of a write.
    Confirm(ConfirmModal),
    /// A message or an error.
    Message(MessageModal),
    /// The key help.
    Help {
        /// The search text.
        search: String,
        /// Typing the search.
        editing: bool,
        /// Scroll offset.
        scroll: usize,
    },
    /// A re-run's live progress.
    Progress(ProgressModal),
    /// The export chooser and its result.
    Export(ExportModal),
}

/// Where a preview is.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewState {
    /// Waiting for IAM.
    Loading,
    /// The plan.
    Ready(Box<FixPlan>),
    /// No plan, and why.
    Failed(String),
    /// The confirmed plan is being written.
    Applying(Box<FixPlan>),
}

/// The fix preview.
#[derive(Debug, Clone)]
pub struct PreviewModal {
    /// The job's ID.
    pub job_id: String,
    /// The job's token.
    pub token: Option<String>,
    /// The scope previewed.
    pub scope: Scope,
    /// The plan or its state.
    pub state: PreviewState,
    /// Scroll offset of the document.
    pub scroll: usize,
}

/// A write waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingWrite {
    /// Apply exactly this previewed plan.
    Apply {
        /// The plan as previewed.
        plan: Box<FixPlan>,
        /// Its token.
        token: Option<String>,
    },
    /// Re-run this job's restore.
    Rerun {
        /// The failed job.
        job_id: String,
    },
    /// Undo this journal entry.
    Undo(Box<JournalEntry>),
}

/// A confirmation: names the action, target and account; Cancel is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmModal {
    /// What will be done (`Apply fix`, `Re-run restore`, `Undo fix`).
    pub action: String,
    /// What it is done to.
    pub target: String,
    /// The account it happens in.
    pub account: String,
    /// Extra lines (what will be written).
    pub details: Vec<String>,
    /// What runs on `y`.
    pub pending: PendingWrite,
}

/// A dismissable message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageModal {
    /// The title.
    pub title: String,
    /// The lines.
    pub lines: Vec<String>,
    /// A one-line remedy, for errors.
    pub remedy: Option<String>,
    /// An error (drawn red).
    pub error: bool,
    /// `r` re-runs the restore from here (after a fix was applied).
    pub offers_rerun: bool,
}

impl MessageModal {
    /// An error with its one-line remedy.
    pub fn error(title: &str, message: &str) -> MessageModal {
        MessageModal {
            title: title.into(),
            lines: Vec::new(),
            remedy: Some(message.into()),
            error: true,
            offers_rerun: false,
        }
    }

    /// An informational message.
    pub fn info(title: &str, lines: Vec<String>) -> MessageModal {
        MessageModal {
            title: title.into(),
            lines,
            remedy: None,
            error: false,
            offers_rerun: false,
        }
    }
}

/// A re-run followed live.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressModal {
    /// The failed job re-run.
    pub source_job: String,
    /// The new job, once started.
    pub new_job: Option<String>,
    /// The latest status.
    pub progress: Option<JobProgress>,
    /// Why it stopped, if it failed to start or follow.
    pub error: Option<String>,
    /// The new failure's token, diagnosed in place.
    pub failure_token: Option<String>,
}

/// The export chooser, then the path written.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportModal {
    /// The fix exported.
    pub fix: Box<Fix>,
    /// The job it is for.
    pub job_id: String,
    /// Writing.
    pub writing: bool,
    /// The path written, or why not.
    pub result: Option<Result<PathBuf, String>>,
}
