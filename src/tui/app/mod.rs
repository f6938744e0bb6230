//! The app's state. [`App::update`] (in `update.rs`) is the only place it changes; it does no
//! I/O and returns the [`Effect`]s the runtime should run.

mod badge;
mod cases;
mod confirmations;
mod export;
mod extras;
#[cfg(test)]
pub(crate) mod fixtures;
mod input;
mod labels;
mod modal;
mod operations;
mod palette;
mod panes;
mod ranks;
mod resident;
mod row_search;
mod rows;
mod session;
mod shown;
mod token_rows;
pub mod tree;
mod update;
mod writes;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_confirm;
#[cfg(test)]
mod tests_export;
#[cfg(test)]
mod tests_flight;
#[cfg(test)]
mod tests_palette;
#[cfg(test)]
mod tests_resident;
#[cfg(test)]
mod tests_rows;
#[cfg(test)]
mod tests_session;

use std::collections::{HashMap, HashSet};

use super::action::{Action, Decoded, Effect};
use super::keymap::Context;
use crate::diagnosis::Token;
use crate::workflow::JobSummary;

pub use crate::workflow::JobKey;
pub use badge::Badge;
pub use cases::{CASE_BUDGET, CaseState, Cases, RECENT_CASES, case_badge, job_key};
pub use confirmations::{plan_grant, scope_text};
pub use export::{ExportModal, ExportSource, FORMATS, SavePrompt, export_file_name, format_name};
pub use labels::BadgeLabels;
pub use modal::{
    CONFIRM_LABEL_WIDTH, ConfirmField, ConfirmModal, ConfirmRow, DescribeModal, MessageModal,
    Modal, PendingWrite, PreviewModal, PreviewState, ProgressModal, failure_text,
};
pub use operations::{
    NOTICE_LIFE, Notice, Operation, OperationKind, QUIT_WARNING, elapsed_text, reconcile_sentence,
};
pub use palette::{COMMANDS, PaletteModal, candidates};
pub use panes::DiagnosisLine;
pub use ranks::RowOrder;
pub use resident::{RECENT_DECODES, RESIDENT_DECODES};
pub use rows::{RowText, SortColumn};
pub use session::{DEFAULT_WATCH, Watch, watch_text};
pub use shown::ShownRows;

/// The smallest terminal the layout is drawn in; below it only the "too small" screen shows.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Which pane has the keys when no modal is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The jobs table.
    Jobs,
    /// The context tree.
    Tree,
}

/// What the header shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderInfo {
    /// The account, once STS answered.
    pub account: Option<String>,
    /// The caller's ARN.
    pub caller_arn: Option<String>,
    /// The region.
    pub region: String,
    /// The profile, if named.
    pub profile: Option<String>,
    /// Talking to the embedded sandbox.
    pub sandbox: bool,
    /// Opened read-only.
    pub read_only: bool,
}

/// The decode state of one token.
#[derive(Debug, Clone)]
pub enum DecodeState {
    /// STS has not answered yet.
    Pending,
    /// Decoded and diagnosed.
    Done(Decoded),
    /// Could not be decoded, and why.
    Failed(String),
    /// Decoded, but only the badge it gave is kept (at most [`RESIDENT_DECODES`] full results
    /// are); decoded again when its job is selected.
    Evicted(Badge),
}

/// Whether the job list is loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum ListState {
    /// Listing.
    Loading,
    /// Listed.
    Loaded,
    /// The listing failed, and why.
    Failed(String),
}

/// One row of the jobs table: the job as listed, and nothing else, so a listing of 100,000
/// jobs becomes rows in place (whether a fix was applied is in [`App::fixed`]).
#[derive(Debug, Clone)]
pub struct JobRow {
    /// The job as listed.
    pub job: JobSummary,
}

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    /// Header facts.
    pub header: HeaderInfo,
    /// Every listed job, newest first.
    pub jobs: Vec<JobRow>,
    /// Decode state per token.
    pub decodes: HashMap<Token, DecodeState>,
    /// The listing state.
    pub list_state: ListState,
    /// The current listing's generation; results of older ones are stale.
    pub generation: u64,
    /// The jobs filter text.
    pub filter: String,
    /// `filter` in lowercase, as the last [`App::refilter`] matched it.
    pub filter_needle: String,
    /// Typing the filter.
    pub filter_editing: bool,
    /// Indices into `jobs` that pass the filter, in the sort's order (held by sort key).
    pub visible: ShownRows,
    /// The selected position in `visible`.
    pub selected: usize,
    /// The focused pane.
    pub focus: Pane,
    /// Opened tree nodes.
    pub tree_opened: HashSet<Vec<String>>,
    /// The selected tree node.
    pub tree_selected: Vec<String>,
    /// Modals, top last.
    pub modals: Vec<Modal>,
    /// The latest preview request number.
    pub preview_request: u64,
    /// The terminal size.
    pub size: (u16, u16),
    /// A one-line status shown in the footer (e.g. "copied").
    pub status: Option<String>,
    /// Set when the app should exit.
    pub should_quit: bool,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    /// Animation frame for `decoding…` spinners.
    pub frame: usize,
    /// Ticks since the last user action; the status line clears after a few.
    pub status_ticks: u8,
    /// The journal entry being undone (its job's row loses `fixed` when the undo lands).
    pub undoing: Option<Box<crate::workflow::journal::JournalEntry>>,
    /// The app's clock: time since it started, as the event loop last said ([`App::update_at`]).
    pub clock: std::time::Duration,
    /// The wall-clock time (UTC) at which `clock` was zero, when known.
    pub wall_start: Option<time::OffsetDateTime>,
    /// Work in flight, oldest first.
    pub operations: Vec<Operation>,
    /// Notices on screen, oldest first.
    pub notices: Vec<Notice>,
    /// `q` was pressed once while a write was in flight: the next `q` quits.
    pub quit_armed: bool,
    /// The rows are from an earlier listing: the last refresh failed at this time.
    pub stale_since: Option<String>,
    /// The jobs table's sort column.
    pub sort: SortColumn,
    /// Per row of `jobs`: the lowercase text the filter matches, its badge part updated for
    /// one row when its token is decoded.
    pub row_texts: Vec<RowText>,
    /// The rows (indices into `jobs`) holding each encoded message.
    pub rows_by_token: HashMap<Token, token_rows::TokenRows>,
    /// The rows' sort ranks and what `visible` was last built for.
    pub order: RowOrder,
    /// The rows' distinct badge labels, matched against the filter once each.
    pub badge_labels: BadgeLabels,
    /// Full decode results kept from the first decodes (at most `RESIDENT_DECODES`).
    pub resident: usize,
    /// Tokens of selected jobs whose full results are kept, oldest first.
    pub recent: std::collections::VecDeque<Token>,
    /// Evicted tokens being decoded again for a selected job.
    pub refetching: HashSet<Token>,
    /// The context tree's filter text.
    pub tree_filter: String,
    /// Each job's case (its layers read and judged), by site and job ID: what every view says
    /// about the job.
    pub cases: Cases,
    /// Cases asked for in this listing without their job being selected ([`CASE_BUDGET`]).
    pub cases_asked: usize,
    /// Cases asked for because their job was selected, oldest first ([`RECENT_CASES`] kept).
    pub recent_cases: std::collections::VecDeque<crate::workflow::JobKey>,
    /// The targets (account, role or user name) a fix was written to in this session: a re-run
    /// of a job whose fix went there waits for IAM's propagation, no other.
    pub written: HashSet<(String, String)>,
    /// Where the export viewer proposes to save.
    pub export_dir: std::path::PathBuf,
    /// Which jobs the list shows (`:status`).
    pub job_status: crate::workflow::StatusFilter,
    /// The profiles `:profile` completes to.
    pub profiles: Vec<String>,
    /// The latest session switch's number; older answers are ignored.
    pub session_request: u64,
    /// Auto-refresh, when `--watch` or `w` turned it on.
    pub watch: Option<Watch>,
    /// Failed jobs that were not in a previous listing (marked until selected).
    pub new_failures: HashSet<String>,
    /// The failed jobs of the previous listing, by a fingerprint of their IDs (None before
    /// the first one).
    pub seen_failures: Option<HashSet<u64>>,
    /// The denied actions evicted badges name, one copy each.
    pub action_names: crate::diagnosis::TextInterner,
    /// The last throttled attempt the SDK retries, and when it came (the app's clock).
    pub retry: Option<(crate::aws::retries::RetryNotice, std::time::Duration)>,
}

impl App {
    /// A new app; call [`App::start`] for the first effects.
    pub fn new(header: HeaderInfo, size: (u16, u16)) -> App {
        App {
            header,
            jobs: Vec::new(),
            decodes: HashMap::new(),
            list_state: ListState::Loading,
            generation: 0,
            filter: String::new(),
            filter_needle: String::new(),
            filter_editing: false,
            visible: ShownRows::default(),
            selected: 0,
            focus: Pane::Jobs,
            tree_opened: tree::default_opened(),
            tree_selected: Vec::new(),
            modals: Vec::new(),
            preview_request: 0,
            size,
            status: None,
            should_quit: false,
            dirty: true,
            frame: 0,
            undoing: None,
            status_ticks: 0,
            clock: std::time::Duration::ZERO,
            wall_start: None,
            operations: Vec::new(),
            notices: Vec::new(),
            quit_armed: false,
            stale_since: None,
            sort: SortColumn::Created,
            row_texts: Vec::new(),
            rows_by_token: HashMap::new(),
            order: RowOrder::default(),
            badge_labels: BadgeLabels::default(),
            resident: 0,
            recent: std::collections::VecDeque::new(),
            refetching: HashSet::new(),
            tree_filter: String::new(),
            cases: Cases::default(),
            cases_asked: 0,
            recent_cases: std::collections::VecDeque::new(),
            written: HashSet::new(),
            export_dir: std::path::PathBuf::from("."),
            job_status: crate::workflow::StatusFilter::default(),
            profiles: Vec::new(),
            session_request: 0,
            watch: None,
            new_failures: HashSet::new(),
            seen_failures: None,
            action_names: Default::default(),
            retry: None,
        }
    }

    /// [`App::update`] at `clock` (time since the app started): the event loop's entry, so
    /// elapsed times and notices follow real time while tests stay deterministic.
    pub fn update_at(&mut self, action: Action, clock: std::time::Duration) -> Vec<Effect> {
        self.clock = clock;
        self.update(action)
    }

    /// The first effects: who we are, settling what an earlier run left unresolved in the
    /// journal, and the job list.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![
            Effect::LoadIdentity,
            Effect::ReconcileJournal,
            Effect::LoadProfiles,
        ];
        effects.extend(self.update(Action::Refresh));
        effects
    }

    /// The terminal is under [`MIN_SIZE`]: the "too small" screen is all that shows.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    /// Where keys go now. A confirmation that is not fully on screen (the terminal is too
    /// small, or the modal is cut) cannot be answered: only cancelling and quitting work.
    pub fn context(&self) -> Context {
        if let Some(Modal::Confirm(confirm)) = self.modals.last()
            && (self.too_small() || !confirm.fits(self.size))
        {
            return Context::HiddenConfirm;
        }
        if self.too_small() {
            return Context::TooSmall;
        }
        match self.modals.last() {
            Some(Modal::Preview(_)) => Context::Preview,
            Some(Modal::Confirm(_)) => Context::Confirm,
            Some(Modal::Message(m)) if m.offers_rerun => Context::Applied,
            Some(Modal::Message(_)) => Context::Message,
            Some(Modal::Help { editing: true, .. }) => Context::HelpFilter,
            Some(Modal::Help { .. }) => Context::Help,
            Some(Modal::Progress(_)) => Context::Progress,
            Some(Modal::Export(export)) => match &export.save {
                Some(save) if save.confirm_overwrite => Context::ExportOverwrite,
                Some(save) if !save.saving => Context::ExportSave,
                _ => Context::Export,
            },
            Some(Modal::Describe(_)) => Context::Describe,
            Some(Modal::Palette(_)) => Context::Palette,
            None if self.filter_editing => Context::Filter,
            None => match self.focus {
                Pane::Jobs => Context::Jobs,
                Pane::Tree => Context::Tree,
            },
        }
    }

    /// The selected row, if any.
    pub fn selected_row(&self) -> Option<&JobRow> {
        self.visible
            .get(self.selected)
            .and_then(|index| self.jobs.get(index))
    }

    /// The decode state of a job's token, or of its plain-text denial (None: its status
    /// message is neither).
    pub fn decode_of(&self, job: &JobSummary) -> Option<&DecodeState> {
        match &job.encoded_message {
            Some(token) => Some(self.decodes.get(token).unwrap_or(&DecodeState::Pending)),
            None => job
                .status_message
                .as_ref()
                .and_then(|m| m.shared_text())
                .and_then(|text| self.decodes.get(&**text)),
        }
    }

    /// The selected job's decoded message and diagnosis, when decoded.
    pub fn selected_decoded(&self) -> Option<&Decoded> {
        match self.selected_row().and_then(|row| self.decode_of(&row.job)) {
            Some(DecodeState::Done(decoded)) => Some(decoded),
            _ => None,
        }
    }

    /// The badge a row shows: decoding, the denied action, explicit deny, fixed, ….
    pub fn badge(&self, row: &JobRow) -> Badge {
        // What the case found (every layer read) beats what the message alone says.
        if let Some(CaseState::Ready(case)) = self.cases.get(&row.job) {
            return case_badge(case);
        }
        match self.decode_of(&row.job) {
            None if !matches!(
                row.job.status,
                crate::diagnosis::RestoreJobStatus::Failed
                    | crate::diagnosis::RestoreJobStatus::Aborted
            ) =>
            {
                Badge::NotFailed
            }
            None => Badge::NoEncodedMessage,
            Some(DecodeState::Pending) => Badge::Decoding,
            Some(DecodeState::Failed(reason)) => Badge::DecodeFailed(reason.clone()),
            Some(DecodeState::Done(decoded)) => resident::decoded_badge(decoded),
            Some(DecodeState::Evicted(badge)) => badge.clone(),
        }
    }

    /// Rows per page of the jobs table at the current size.
    pub fn page_size(&self) -> usize {
        self.table_rows()
    }
}
