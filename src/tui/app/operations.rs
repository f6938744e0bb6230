//! Work in flight and what the user is told about it: each running operation with the time it
//! started (the spinner and elapsed time), whether a write is among them (the quit guard), and
//! notices that outlive the modal or key that caused them (a re-run that ended after its
//! window was closed, journal entries an earlier run left unresolved).

use std::time::Duration;

use super::App;
use crate::workflow::journal::Phase;
use crate::workflow::{Reconciled, Resolution};

/// What the first `q` says while a write is in flight.
pub const QUIT_WARNING: &str =
    "a write is in flight: wait, or press q again to quit and leave it to reconcile";

/// How long a throttled retry stays on the spinner's line (the SDK's backoff is at most 5 s).
const RETRY_SHOWN: Duration = Duration::from_secs(6);

/// How long a notice stays.
pub const NOTICE_LIFE: Duration = Duration::from_secs(20);

/// The spinner's frames.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// What is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Listing the failed jobs.
    Listing,
    /// Building a fix preview.
    Preview,
    /// Writing (and verifying) a fix: an IAM write.
    Apply,
    /// Starting a restore again: a write.
    RerunStart,
    /// Following a re-run's new restore job.
    RerunFollow,
    /// Reading the journal for the entry to undo.
    FindUndo,
    /// Putting a policy back: an IAM write.
    Undo,
    /// Opening a session for another region or profile.
    SwitchSession,
    /// A re-run waits for IAM's simulator to allow the request its job failed on.
    Propagation,
}

impl OperationKind {
    /// A write to IAM or Backup: quitting while it runs leaves it to reconcile.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            OperationKind::Apply | OperationKind::RerunStart | OperationKind::Undo
        )
    }

    /// What the footer says it is doing.
    pub fn label(self) -> &'static str {
        match self {
            OperationKind::Listing => "listing restore jobs",
            OperationKind::Preview => "previewing the fix",
            OperationKind::Apply => "applying the fix",
            OperationKind::RerunStart => "starting the restore",
            OperationKind::RerunFollow => "following the re-run",
            OperationKind::FindUndo => "reading the journal",
            OperationKind::Undo => "undoing the fix",
            OperationKind::SwitchSession => "switching the session",
            OperationKind::Propagation => "waiting for IAM to propagate the fix",
        }
    }
}

/// One operation in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// What it is.
    pub kind: OperationKind,
    /// The job it is for, when it is for one.
    pub job_id: Option<String>,
    /// When it started (the app's clock).
    pub started: Duration,
}

/// A line that stays on screen for [`NOTICE_LIFE`], whatever modal or key comes next.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// What it says.
    pub text: String,
    /// Drawn red.
    pub error: bool,
    /// When it appeared (the app's clock).
    pub at: Duration,
}

/// `1.2s` under a minute, `3m04s` after.
pub fn elapsed_text(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{:.1}s", elapsed.as_secs_f64())
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

impl App {
    /// Records that `kind` started now (for `job_id`). A listing or a preview replaces the one
    /// before it: the runtime aborts the older one.
    pub(super) fn begin(&mut self, kind: OperationKind, job_id: Option<&str>) {
        if matches!(kind, OperationKind::Listing | OperationKind::Preview) {
            self.operations.retain(|op| op.kind != kind);
        }
        self.operations.push(Operation {
            kind,
            job_id: job_id.map(str::to_string),
            started: self.clock,
        });
    }

    /// Records that the oldest `kind` (for `job_id`, when given) ended.
    pub(super) fn end(&mut self, kind: OperationKind, job_id: Option<&str>) {
        if let Some(index) = self
            .operations
            .iter()
            .position(|op| op.kind == kind && (job_id.is_none() || op.job_id.as_deref() == job_id))
        {
            self.operations.remove(index);
        }
    }

    /// Something is running: the spinner turns.
    pub fn busy(&self) -> bool {
        !self.operations.is_empty()
    }

    /// An IAM write or a restore start is running.
    pub fn write_in_flight(&self) -> bool {
        self.operations.iter().any(|op| op.kind.is_write())
    }

    /// The spinner's current frame.
    pub fn spinner(&self) -> char {
        SPINNER[self.frame % SPINNER.len()]
    }

    /// `⠋ 1.2s` for the newest `kind` (for `job_id`, when given), if it runs.
    pub fn running(&self, kind: OperationKind, job_id: Option<&str>) -> Option<String> {
        self.operations
            .iter()
            .rev()
            .find(|op| op.kind == kind && (job_id.is_none() || op.job_id.as_deref() == job_id))
            .map(|op| self.spin_text(op))
    }

    /// `⠋ applying the fix 1.2s` for each operation, oldest first; while they run, a throttled
    /// attempt the SDK retries (in the last few seconds) adds `throttled, retry 2 of 5`.
    pub fn operation_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .operations
            .iter()
            .map(|op| {
                format!(
                    "{} {} {}",
                    self.spinner(),
                    op.kind.label(),
                    elapsed_text(self.clock.saturating_sub(op.started))
                )
            })
            .collect();
        if let Some((notice, at)) = &self.retry
            && !lines.is_empty()
            && self.clock.saturating_sub(*at) < RETRY_SHOWN
        {
            lines.push(notice.to_string());
        }
        lines
    }

    fn spin_text(&self, op: &Operation) -> String {
        format!(
            "{} {}",
            self.spinner(),
            elapsed_text(self.clock.saturating_sub(op.started))
        )
    }

    /// The wall-clock time now as `HH:MM:SS UTC`, when the start time is known.
    pub fn wall_time(&self) -> Option<String> {
        let format = time::macros::format_description!("[hour]:[minute]:[second] UTC");
        let now = self.wall_start? + self.clock;
        now.format(&format).ok()
    }

    /// Shows `text` as a notice.
    pub(super) fn notify(&mut self, text: String, error: bool) {
        self.notices.push(Notice {
            text,
            error,
            at: self.clock,
        });
    }

    /// Drops notices older than [`NOTICE_LIFE`]; true when one went.
    pub(super) fn expire_notices(&mut self) -> bool {
        let before = self.notices.len();
        let clock = self.clock;
        self.notices
            .retain(|notice| clock.saturating_sub(notice.at) < NOTICE_LIFE);
        self.notices.len() != before
    }

    /// `q` or Ctrl-c: quits, unless a write is in flight and this is the first press.
    pub(super) fn quit(&mut self) {
        if self.write_in_flight() && !self.quit_armed {
            self.quit_armed = true;
            self.status = Some(QUIT_WARNING.into());
        } else {
            self.should_quit = true;
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What reconciling the journal at start-up settled, as one sentence (None: nothing to say).
pub fn reconcile_sentence(report: &[Reconciled]) -> Option<String> {
    if report.is_empty() {
        return None;
    }
    let pending = report.iter().all(|r| r.was == Phase::Pending);
    let unknown = report.iter().all(|r| r.was == Phase::Unknown);
    let left = if pending {
        "left pending"
    } else if unknown {
        "left unknown"
    } else {
        "left pending or unknown"
    };
    let applied = report
        .iter()
        .filter(|r| r.resolution == Resolution::Applied)
        .count();
    let not_applied = report
        .iter()
        .filter(|r| r.resolution == Resolution::NotApplied)
        .count();
    let unchecked: Vec<&str> = report
        .iter()
        .filter_map(|r| match &r.resolution {
            Resolution::Unchecked { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let subject = format!(
        "journal: {} {left} by an earlier run",
        plural(report.len(), "write", "writes")
    );
    if report.len() == 1 {
        let what = if applied == 1 {
            "is now recorded as applied".to_string()
        } else if not_applied == 1 {
            "is now recorded as not applied (it did not take effect)".to_string()
        } else {
            format!(
                "could not be checked ({}); it stays unresolved",
                unchecked.first().copied().unwrap_or("?")
            )
        };
        return Some(format!("{subject} {what}"));
    }
    let mut parts = Vec::new();
    if applied > 0 {
        parts.push(format!("{applied} now recorded as applied"));
    }
    if not_applied > 0 {
        parts.push(format!("{not_applied} as not applied"));
    }
    if let Some(first) = unchecked.first() {
        parts.push(format!(
            "{} could not be checked ({first})",
            unchecked.len()
        ));
    }
    Some(format!("{subject}: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(was: Phase, resolution: Resolution) -> Reconciled {
        Reconciled {
            id: "e1".into(),
            was,
            resolution,
        }
    }

    #[test]
    fn one_settled_write_is_one_sentence() {
        assert_eq!(reconcile_sentence(&[]), None);
        assert_eq!(
            reconcile_sentence(&[entry(Phase::Pending, Resolution::Applied)]).as_deref(),
            Some("journal: 1 write left pending by an earlier run is now recorded as applied")
        );
        let mixed = reconcile_sentence(&[
            entry(Phase::Pending, Resolution::Applied),
            entry(Phase::Unknown, Resolution::NotApplied),
            entry(
                Phase::Unknown,
                Resolution::Unchecked {
                    reason: "AccessDenied".into(),
                },
            ),
        ]);
        assert_eq!(
            mixed.as_deref(),
            Some(
                "journal: 3 writes left pending or unknown by an earlier run: 1 now recorded as applied, 1 as not applied, 1 could not be checked (AccessDenied)"
            )
        );
    }

    #[test]
    fn elapsed_reads_as_seconds_then_minutes() {
        assert_eq!(elapsed_text(Duration::from_millis(1234)), "1.2s");
        assert_eq!(elapsed_text(Duration::from_secs(184)), "3m04s");
    }
}
