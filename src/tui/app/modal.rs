//! The modal stack's entries: preview, confirmation, message, help, re-run progress, export.

use crate::diagnosis::{Scope, Token};
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
    /// The export viewer.
    Export(super::ExportModal),
    /// Everything about one job.
    Describe(DescribeModal),
    /// The `:` command palette.
    Palette(super::PaletteModal),
}

/// The describe view of one restore job: every field, the decoded context, the diagnosis and
/// the journal entries for it.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeModal {
    /// The job described.
    pub job_id: String,
    /// Scroll offset.
    pub scroll: usize,
    /// The journal entries for this job (None: still reading the journal), or why not.
    pub journal: Option<Result<Vec<JournalEntry>, String>>,
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
    pub token: Option<Token>,
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
        token: Option<Token>,
    },
    /// Re-run this job's restore.
    Rerun {
        /// The failed job.
        job_id: String,
        /// Restore the instance without its instance profile (the Knowledge Center's
        /// alternative for a PassRole failure on it; changes what is restored).
        without_instance_profile: bool,
        /// `i` offers that alternative (an EC2 restore denied iam:PassRole).
        offers_without_instance_profile: bool,
        /// Wait for IAM's propagation first (a fix for the job's cause was written).
        wait_for_propagation: bool,
    },
    /// Undo this journal entry.
    Undo(Box<JournalEntry>),
}

/// One labelled line of a confirmation (`Write:   inline policy …`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmField {
    /// The label (`Write`, `To`, `Account`, …).
    pub label: &'static str,
    /// What it says.
    pub value: String,
    /// Drawn red and bold (a WIDER scope).
    pub warning: bool,
}

impl ConfirmField {
    /// A plain field.
    pub fn new(label: &'static str, value: impl Into<String>) -> ConfirmField {
        ConfirmField {
            label,
            value: value.into(),
            warning: false,
        }
    }

    /// A field drawn as a warning.
    pub fn warning(label: &'static str, value: impl Into<String>) -> ConfirmField {
        ConfirmField {
            warning: true,
            ..ConfirmField::new(label, value)
        }
    }
}

/// Width of a confirmation's label column.
pub const CONFIRM_LABEL_WIDTH: usize = 10;

/// One screen row of a confirmation: the label (or indent) and the text on that row.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmRow {
    /// The label padded to [`CONFIRM_LABEL_WIDTH`], or spaces on a continuation row.
    pub label: String,
    /// The text on this row.
    pub text: String,
    /// Part of a warning field.
    pub warning: bool,
}

/// A confirmation: says exactly what will be written where; Cancel is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmModal {
    /// What will be done (`Apply fix`, `Re-run restore`, `Undo fix`); the title asks it.
    pub action: String,
    /// What exactly happens, line by line.
    pub fields: Vec<ConfirmField>,
    /// What runs on `y`.
    pub pending: PendingWrite,
}

impl ConfirmModal {
    /// The modal's outer width in a terminal `width` columns wide.
    pub fn width(width: u16) -> u16 {
        width.min(110)
    }

    /// The rows of the body when the inner width is `inner` columns: every field hard-wrapped
    /// by characters (continuation rows indented), so the row count is exact and the render
    /// and the visibility check agree.
    pub fn rows(&self, inner: usize) -> Vec<ConfirmRow> {
        let text_width = inner.saturating_sub(CONFIRM_LABEL_WIDTH).max(1);
        let mut rows = Vec::new();
        for field in &self.fields {
            let chars: Vec<char> = field.value.chars().collect();
            let mut chunks = chars.chunks(text_width);
            let first: String = chunks
                .next()
                .map(|c| c.iter().collect())
                .unwrap_or_default();
            rows.push(ConfirmRow {
                label: format!(
                    "{:<width$}",
                    format!("{}:", field.label),
                    width = CONFIRM_LABEL_WIDTH
                ),
                text: first,
                warning: field.warning,
            });
            for chunk in chunks {
                rows.push(ConfirmRow {
                    label: " ".repeat(CONFIRM_LABEL_WIDTH),
                    text: chunk.iter().collect(),
                    warning: field.warning,
                });
            }
        }
        rows
    }

    /// The modal's outer height in a terminal `width` columns wide: borders, the body, a
    /// blank line and the buttons.
    pub fn height(&self, width: u16) -> usize {
        let inner = usize::from(ConfirmModal::width(width).saturating_sub(2));
        self.rows(inner).len() + 4
    }

    /// The whole modal, buttons included, fits in a terminal of `size`.
    pub fn fits(&self, size: (u16, u16)) -> bool {
        self.height(size.0) <= usize::from(size.1)
    }
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
    pub failure_token: Option<Token>,
}

/// A workflow error as the UI says it: one sentence, and where a permission set's change or a
/// blocking layer's owner's change comes with it, that change below.
pub fn failure_text(error: &crate::workflow::WorkflowError) -> String {
    use crate::workflow::WorkflowError;
    match error {
        WorkflowError::Protected {
            sentence,
            change: Some(change),
        } => {
            format!("{sentence}\n\nThe change, for an IAM Identity Center administrator:\n{change}")
        }
        WorkflowError::Blocked {
            sentence,
            owner_change,
            ..
        } => format!("{sentence}\n\nThe owner's change:\n{owner_change}"),
        other => other.to_string(),
    }
}
