//! Everything that can change the app's state ([`Action`]) and every piece of work the app
//! asks the runtime to do ([`Effect`]). Key events become actions through the keymap; work
//! results come back as actions over the runtime's channel.

use std::path::PathBuf;

use crate::diagnosis::{DecodedMessage, Scope, Token};
use crate::workflow::journal::JournalEntry;
use crate::workflow::{ApplyOutcome, FixPlan, JobProgress, JobSummary, Reconciled, SharedError};

/// A decoded message with its diagnosis, shared between rows with the same token.
pub type Decoded = crate::workflow::Decoded;

/// One thing that happened: a key the user pressed (already interpreted by the keymap), or the
/// result of background work.
#[derive(Debug, Clone)]
pub enum Action {
    /// Leave the app (`q`, Ctrl-c). While a write is in flight the first one only warns.
    Quit,
    /// A signal ends the app now, even with a write in flight (its journal entry stays
    /// `pending` for the next run to reconcile).
    ForceQuit,
    /// Move the selection (or scroll the modal) one line up.
    MoveUp,
    /// Move the selection (or scroll the modal) one line down.
    MoveDown,
    /// Move one page up.
    PageUp,
    /// Move one page down.
    PageDown,
    /// Go to the first line.
    First,
    /// Go to the last line.
    Last,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// Open or close the selected tree node.
    ToggleNode,
    /// Open the selected tree node.
    OpenNode,
    /// Close the selected tree node (or go to its parent).
    CloseNode,
    /// Start typing a filter (the focused pane's) or a help search.
    StartFilter,
    /// Sort the jobs table by the next column.
    CycleSort,
    /// Open the `:` command palette.
    OpenPalette,
    /// In the palette: take the highlighted completion.
    Complete,
    /// A typed character while a text field has focus.
    InputChar(char),
    /// Delete the last typed character.
    InputBackspace,
    /// Finish typing and keep the text.
    InputSubmit,
    /// Stop typing and clear the text.
    InputCancel,
    /// List the jobs again.
    Refresh,
    /// Turn auto-refresh on or off.
    ToggleWatch,
    /// An AWS call was throttled and the SDK retries it.
    Retrying(crate::aws::retries::RetryNotice),
    /// The profiles named in the AWS config and credentials files (for completion).
    ProfilesLoaded(Vec<String>),
    /// The session for another region or profile is open and answered, or why not.
    SessionSwitched {
        /// Which switch this answers (older ones are ignored).
        request: u64,
        /// The new session and who it is, or the one-line reason it cannot be used.
        result: Result<Box<SessionSwitch>, SharedError>,
    },
    /// Open the describe view of the selected job.
    Describe,
    /// The journal entries for a described job, or why they could not be read.
    JobJournal {
        /// The job.
        job_id: String,
        /// Its entries (final state of each), oldest first.
        result: Result<Vec<JournalEntry>, SharedError>,
    },
    /// Open the fix preview for the selected job.
    Preview,
    /// In the preview: switch between exact and account scope and preview again.
    CycleScope,
    /// In the preview: ask to apply the previewed fix.
    AskApply,
    /// Ask to re-run the selected job's restore.
    AskRerun,
    /// On a re-run confirmation: ask to re-run WITHOUT the instance profile instead.
    AskRerunWithoutInstanceProfile,
    /// Ask to undo the last applied fix.
    AskUndo,
    /// Open the export viewer for the selected job's fix (or the open preview's plan).
    Export,
    /// In the export viewer: show the next format.
    NextFormat,
    /// In the export viewer: show the previous format.
    PrevFormat,
    /// In the export viewer: ask for a path to save the text to.
    StartSave,
    /// Copy the selected value, the previewed policy or the decoded JSON (OSC 52).
    Copy,
    /// Show the key help.
    Help,
    /// On a confirmation: go ahead (only `y`).
    Confirm,
    /// On a confirmation: do nothing.
    Cancel,
    /// Close the top modal.
    CloseModal,
    /// The terminal was resized to (width, height).
    Resize(u16, u16),
    /// Timer tick (expires the status line and notices).
    Tick,
    /// A spinner frame, sent only while an operation runs.
    Spin,
    /// The mouse clicked at (column, row).
    Click(u16, u16),
    /// Who we are: (account, caller ARN), or why we cannot tell.
    IdentityLoaded(Result<(String, String), SharedError>),
    /// The failed jobs of listing `generation`.
    JobsLoaded {
        /// Which listing this answers (older ones are ignored).
        generation: u64,
        /// The jobs, or the one-line error.
        result: Result<Vec<JobSummary>, SharedError>,
    },
    /// One token decoded (or not).
    TokenDecoded {
        /// Which listing asked (older ones are ignored).
        generation: u64,
        /// The encoded message.
        token: Token,
        /// The decoded message and diagnosis, or why it failed.
        result: Result<Decoded, SharedError>,
    },
    /// A job's case was built (its policy layers read and judged), or why it could not be.
    CaseBuilt {
        /// Which listing asked (older ones are ignored).
        generation: u64,
        /// The job.
        key: crate::workflow::JobKey,
        /// The case, or the one-line reason it could not be built.
        result: Result<std::sync::Arc<crate::workflow::Case>, SharedError>,
    },
    /// A fix preview finished.
    PreviewReady {
        /// Which preview request this answers (older ones are ignored).
        request: u64,
        /// The plan, or why there is none.
        result: Result<Box<FixPlan>, SharedError>,
    },
    /// The confirmed fix was applied (and verified), or failed.
    Applied {
        /// The plan that was applied.
        plan: Box<FixPlan>,
        /// The token it answers.
        token: Option<Token>,
        /// The outcome, or why it failed.
        result: Result<ApplyOutcome, SharedError>,
    },
    /// The re-run started a new restore job, or failed to.
    RerunStarted {
        /// The failed job re-run.
        job_id: String,
        /// The new job, or why none started.
        result: Result<String, SharedError>,
    },
    /// A re-run began (`waiting`) or ended waiting for IAM to allow the request its job failed
    /// on, before it starts the restore.
    RerunPhase {
        /// The failed job re-run.
        job_id: String,
        /// Waiting for IAM's propagation now.
        waiting: bool,
    },
    /// The new restore job's status changed.
    RerunProgress {
        /// The failed job re-run.
        job_id: String,
        /// The new job's status.
        progress: JobProgress,
    },
    /// Following the new restore job ended.
    RerunFinished {
        /// The failed job re-run.
        job_id: String,
        /// The new job's last status, or why following it stopped.
        result: Result<JobProgress, SharedError>,
    },
    /// The journal was reconciled with IAM at start-up: the entries it settled, or why not.
    JournalReconciled(Result<Vec<Reconciled>, SharedError>),
    /// The journal entry `u` would undo, or why there is none.
    UndoTargetFound(Result<Box<JournalEntry>, SharedError>),
    /// The undo finished (its journal entry ID), or failed.
    Undone(Result<String, SharedError>),
    /// Saving the export to `path` finished.
    ExportSaved {
        /// Where.
        path: PathBuf,
        /// Written, or why not.
        result: Result<(), SaveFailure>,
    },
}

/// A session the runtime should use from now on; equal only to itself.
#[derive(Debug, Clone)]
pub struct SessionHandle(pub std::sync::Arc<crate::aws::Session>);

impl PartialEq for SessionHandle {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A session opened for another region or profile, proven by asking STS who it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSwitch {
    /// The session.
    pub session: SessionHandle,
    /// Its region.
    pub region: String,
    /// Its profile, if named.
    pub profile: Option<String>,
    /// The account STS named.
    pub account: String,
    /// The caller STS named.
    pub caller_arn: String,
}

/// A job whose case is to be built, with its decoded message.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRequest {
    /// The job.
    pub job: Box<JobSummary>,
    /// Its decoded (or plain-text) message.
    pub message: Box<DecodedMessage>,
}

/// Why an export was not saved.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveFailure {
    /// The file exists and overwriting was not confirmed: nothing was written.
    Exists,
    /// The write failed, with a one-line reason.
    Failed(String),
}

impl Action {
    /// This action starts a new event for the user (a key, a click, or a result that opens a
    /// modal), so the status line left by the previous one goes. Ticks, resizes and
    /// background progress (listing, decoding, a re-run's status) leave it.
    pub fn replaces_status(&self) -> bool {
        !matches!(
            self,
            Action::Tick
                | Action::Spin
                | Action::Resize(..)
                | Action::IdentityLoaded(_)
                | Action::JobsLoaded { .. }
                | Action::TokenDecoded { .. }
                | Action::PreviewReady { .. }
                | Action::CaseBuilt { .. }
                | Action::JobJournal { .. }
                | Action::RerunStarted { .. }
                | Action::RerunProgress { .. }
                | Action::RerunPhase { .. }
                | Action::RerunFinished { .. }
                | Action::JournalReconciled(_)
                | Action::ProfilesLoaded(_)
                | Action::Retrying(_)
        )
    }
}

/// Work for the runtime; `update` never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Ask STS who we are.
    LoadIdentity,
    /// Settle journal entries an earlier run left `pending` or `unknown` with IAM.
    ReconcileJournal,
    /// List jobs (aborts any listing and decoding still running).
    LoadJobs {
        /// The listing's generation.
        generation: u64,
        /// Which status (or all).
        status: crate::workflow::StatusFilter,
    },
    /// Read the profile names in the AWS config files.
    LoadProfiles,
    /// Open a session for `region` and/or `profile` (None keeps the current one's) and ask STS
    /// who it is; the current session stays until the app says to use the new one.
    SwitchSession {
        /// The switch's number.
        request: u64,
        /// The region.
        region: Option<String>,
        /// The profile.
        profile: Option<String>,
    },
    /// Use this session from now on; work still running for the old one is aborted.
    UseSession(SessionHandle),
    /// Decode these tokens through the decode pipeline (each once, bounded concurrency); one
    /// [`Action::TokenDecoded`] comes back per token as it is done.
    Decode {
        /// The listing's generation.
        generation: u64,
        /// The encoded messages.
        tokens: Vec<Token>,
    },
    /// Build the cases of these jobs (their policy layers read, bounded, and judged); one
    /// [`Action::CaseBuilt`] comes back per job.
    BuildCases {
        /// The listing's generation.
        generation: u64,
        /// The jobs and their decoded messages.
        requests: Vec<CaseRequest>,
    },
    /// Build the fix plan (aborts an older preview); an exact-scope preview also renews the
    /// job's case.
    Preview {
        /// The request number.
        request: u64,
        /// The listing's generation (for the renewed case).
        generation: u64,
        /// The decoded message to fix.
        message: Box<DecodedMessage>,
        /// Exact or account.
        scope: Scope,
        /// The job it is for.
        job: Box<JobSummary>,
    },
    /// Apply exactly this previewed plan, then verify it.
    Apply {
        /// The plan shown in the preview.
        plan: Box<FixPlan>,
        /// The token it answers (journalled by hash).
        token: Option<Token>,
    },
    /// Start the job's restore again (the CLI's `rerun` path) and follow the new job.
    Rerun {
        /// The failed job.
        job_id: String,
        /// Drop the instance profile from the metadata (and do not wait for IAM: nothing to
        /// propagate), as `rerun --without-instance-profile`.
        without_instance_profile: bool,
        /// Wait for IAM to allow the request the job failed on first: only when a fix for the
        /// job's cause was written (in this session), else there is nothing to propagate.
        wait_for_propagation: bool,
    },
    /// Read the journal entries for one job (for the describe view).
    LoadJobJournal {
        /// The job.
        job_id: String,
    },
    /// Find the journal entry to undo: the newest fix in `account` (None: the session's) for
    /// restore job `job_id` or role `role`, or any when neither is given.
    FindUndo {
        /// The account of the selected job.
        account: Option<String>,
        /// The selected job.
        job_id: Option<String>,
        /// The role the selected job ran as (its fixes may have been made for another job).
        role: Option<String>,
    },
    /// Undo this journal entry.
    Undo(Box<JournalEntry>),
    /// Save exported text to a file; without `overwrite`, an existing file is left as it is
    /// and [`SaveFailure::Exists`] comes back.
    SaveExport {
        /// The file.
        path: PathBuf,
        /// What to write.
        text: String,
        /// Replace an existing file (the user confirmed it).
        overwrite: bool,
    },
    /// Put the text on the clipboard (OSC 52).
    Copy(String),
}
