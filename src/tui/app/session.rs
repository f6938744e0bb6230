//! Which jobs the list shows and from where: the status filter (`:status`), switching the
//! session to another region or profile (`:region`, `:profile`), and auto-refresh (`--watch`,
//! `w`) with the mark on failures that were not in the previous list.

use std::collections::HashSet;
use std::time::Duration;

use super::{App, OperationKind};
use crate::diagnosis::RestoreJobStatus;
use crate::tui::action::{Effect, SessionSwitch};
use crate::workflow::StatusFilter;

/// Auto-refresh: how often, whether it is on, and when it is due next.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// How often the list is read again.
    pub every: Duration,
    /// On (`w` toggles it).
    pub enabled: bool,
    /// The app's clock when the next refresh is due.
    pub next: Duration,
}

impl App {
    /// `:status NAME`: list the jobs in that status (or all), from scratch.
    pub(super) fn show_status(&mut self, status: StatusFilter) -> Vec<Effect> {
        self.job_status = status;
        // Rows of another status must not linger under the new heading while it loads.
        self.clear_jobs();
        self.refresh()
    }

    /// Empties the list (a new status, region or profile); nothing of the old rows stays.
    fn clear_jobs(&mut self) {
        self.new_failures.clear();
        self.seen_failures = None;
        let _ = self.jobs_loaded(Ok(Vec::new()));
        self.decodes.clear();
        self.cases.clear();
        self.stale_since = None;
    }

    /// `:region`/`:profile`: ask the runtime for a session there; until it is proven usable the
    /// old one stays.
    pub(super) fn switch_session(
        &mut self,
        region: Option<String>,
        profile: Option<String>,
    ) -> Vec<Effect> {
        self.session_request += 1;
        self.begin(OperationKind::SwitchSession, None);
        vec![Effect::SwitchSession {
            request: self.session_request,
            region,
            profile,
        }]
    }

    /// The runtime opened (or could not open) the new session.
    pub(super) fn session_switched(
        &mut self,
        request: u64,
        result: Result<Box<SessionSwitch>, crate::workflow::SharedError>,
    ) -> Vec<Effect> {
        if request != self.session_request {
            self.dirty = false;
            return Vec::new();
        }
        self.end(OperationKind::SwitchSession, None);
        let switch = match result {
            Ok(switch) => switch,
            Err(reason) => {
                // What stays comes first, so a long AWS reason cut at the edge loses nothing else.
                let still = format!(
                    "still on region {}, profile {}",
                    self.header.region,
                    self.header.profile.as_deref().unwrap_or("default")
                );
                let reason = reason.to_string();
                self.status = Some(match reason.split_once(": ") {
                    Some((head, why)) => format!("{head} ({still}): {why}"),
                    None => format!("{reason} ({still})"),
                });
                return Vec::new();
            }
        };
        self.header.region = switch.region.clone();
        self.header.profile = switch.profile.clone();
        self.header.account = Some(switch.account.clone());
        self.header.caller_arn = Some(switch.caller_arn.clone());
        // Work of the old session: its listing, decodes and preview are answered by newer
        // generations only, so whatever of it still arrives is ignored.
        self.preview_request += 1;
        self.end(OperationKind::Preview, None);
        self.modals.clear();
        self.clear_jobs();
        let mut effects = vec![Effect::UseSession(switch.session.clone())];
        effects.extend(self.refresh());
        self.status = Some(format!(
            "now on region {}, profile {}",
            switch.region,
            switch.profile.as_deref().unwrap_or("default")
        ));
        effects
    }

    /// `w`: auto-refresh on or off (off when no `--watch` interval was given: it starts at 30 s).
    pub(super) fn toggle_watch(&mut self) -> Vec<Effect> {
        let watch = self.watch.get_or_insert(Watch {
            every: DEFAULT_WATCH,
            enabled: false,
            next: Duration::ZERO,
        });
        watch.enabled = !watch.enabled;
        watch.next = self.clock + watch.every;
        self.status = Some(if watch.enabled {
            format!("watching every {}", watch_text(watch.every))
        } else {
            "auto-refresh off".into()
        });
        Vec::new()
    }

    /// On a tick: the refresh auto-refresh owes, unless one is running or a modal is open (a
    /// refresh never takes the keys from a window the user is reading or answering).
    pub(super) fn watch_due(&mut self) -> Vec<Effect> {
        let clock = self.clock;
        let blocked = !self.modals.is_empty()
            || self.filter_editing
            || self.running(OperationKind::Listing, None).is_some();
        match self.watch.as_mut() {
            Some(watch) if watch.enabled && clock >= watch.next && !blocked => {
                watch.next = clock + watch.every;
                self.refresh()
            }
            _ => Vec::new(),
        }
    }

    /// After a listing: which failed jobs are new since the previous one (marked until
    /// selected). The first listing marks nothing.
    pub(super) fn mark_new_failures(&mut self) {
        // A mark stays until its row is selected (while the job is still listed): with a short
        // `--watch` interval a mark that faded at the next refresh could be gone before anyone
        // looked.
        let mut failed = HashSet::new();
        let mut marked = HashSet::new();
        for row in &self.jobs {
            if row.job.status != RestoreJobStatus::Failed {
                continue;
            }
            let id = &row.job.restore_job_id;
            let hash = id_hash(id);
            failed.insert(hash);
            let unseen = self
                .seen_failures
                .as_ref()
                .is_some_and(|seen| !seen.contains(&hash));
            if unseen || self.new_failures.contains(id) {
                marked.insert(id.clone());
            }
        }
        self.new_failures = marked;
        self.seen_failures = Some(failed);
    }

    /// Selecting a marked row clears its mark.
    pub(super) fn unmark_selected(&mut self) {
        if let Some(id) = self.selected_row().map(|r| r.job.restore_job_id.clone()) {
            self.new_failures.remove(&id);
        }
    }

    /// The header's watch text, when auto-refresh is on.
    pub fn watch_label(&self) -> Option<String> {
        self.watch
            .as_ref()
            .filter(|w| w.enabled)
            .map(|w| format!("watching every {}", watch_text(w.every)))
    }
}

/// A job ID's fingerprint in [`App::seen_failures`]: 8 bytes instead of the ID and its
/// allocation for each of 100,000 failed jobs. SipHash with fixed keys, so two different IDs
/// share one with a chance of about 1 in 3 billion among 100,000 jobs (a missed "new" mark).
fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

/// `w` without `--watch`: every 30 s.
pub const DEFAULT_WATCH: Duration = Duration::from_secs(30);

/// `30s`, `2m`, `1h`.
pub fn watch_text(every: Duration) -> String {
    let secs = every.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}
