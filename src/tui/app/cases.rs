//! Each listed job's case, built in the background as soon as its message is decoded (the
//! runtime reads its policy layers, bounded), and read by every view: the row's badge, the
//! tree's verdict, the diagnosis pane, the footer's keys, the export viewer and the re-run
//! confirmation. Until a job's layers are read its pane says so and offers no fix. A write
//! rebuilds the case of every job whose fix goes to the same target at once.
//!
//! Memory stays bounded with 100,000 jobs: cases are built for the first [`CASE_BUDGET`] jobs
//! whose decoded messages are kept in full (the newest) and for every job the user selects;
//! the badge of another job is its decoded message's until it is selected.

use std::sync::Arc;

use super::{App, Badge, DecodeState};
use crate::diagnosis::Site;
use crate::diagnosis::judge::{Refusal, Remedy};
use crate::tui::action::{CaseRequest, Effect};
use crate::workflow::{Case, JobKey, JobSummary};

/// Cases built without the job being selected, per listing: the newest jobs, a tall
/// terminal's first screen of rows and some. Each case holds its plan (documents, diff,
/// checks) and reading its layers costs some twenty requests: with 100,000 jobs, 300 cases
/// took the UI from 136 to 178 MiB and doubled its CPU (`scripts/bench.py tui100k`).
pub const CASE_BUDGET: usize = 40;

/// Cases kept for jobs the user selected beyond the budget, the newest.
pub const RECENT_CASES: usize = 100;

/// The cases asked for, by site and job ID (looked up without copying a key: the badge of
/// every row asks, 100,000 times on a new listing).
#[derive(Debug, Default)]
pub struct Cases {
    by_site: std::collections::HashMap<Arc<Site>, std::collections::HashMap<String, CaseState>>,
}

impl Cases {
    /// The case of `job`.
    pub fn get(&self, job: &JobSummary) -> Option<&CaseState> {
        self.by_site
            .get(&*job.site)?
            .get(job.restore_job_id.as_str())
    }

    /// True when a case is asked for or built for `job`.
    pub fn contains(&self, job: &JobSummary) -> bool {
        self.get(job).is_some()
    }

    /// Records `state` for the job `key`.
    pub fn insert(&mut self, key: JobKey, state: CaseState) {
        self.by_site.entry(key.0).or_default().insert(key.1, state);
    }

    /// Forgets the case of `job`.
    pub fn remove(&mut self, job: &JobSummary) {
        if let Some(jobs) = self.by_site.get_mut(&*job.site) {
            jobs.remove(job.restore_job_id.as_str());
        }
    }

    /// Forgets every case (a new listing reads the layers again).
    pub fn clear(&mut self) {
        self.by_site.clear();
    }
}

/// Where a job's case stands.
#[derive(Debug, Clone)]
pub enum CaseState {
    /// Its policy layers are being read.
    Reading,
    /// Built.
    Ready(Arc<Case>),
    /// It could not be built (a read failed), and why.
    Failed(crate::workflow::SharedError),
}

/// The key of `job`.
pub fn job_key(job: &JobSummary) -> JobKey {
    job.key()
}

/// The badge a built case gives its row.
pub fn case_badge(case: &Case) -> Badge {
    let action: Arc<str> = case.diagnosis.action.as_str().into();
    match &case.remedy {
        Remedy::Identity if case.fixed() => Badge::Fixed,
        Remedy::Identity => Badge::MissingAllow(action),
        Remedy::Blocked(blocked) => Badge::Blocked {
            layer: blocked
                .blockers
                .first()
                .map_or("another layer", |b| b.layer_name()),
            action,
        },
        Remedy::PermissionSet { .. } => Badge::PermissionSet(action),
        Remedy::Refused(Refusal::ExplicitDeny { .. }) => Badge::ExplicitDeny,
        Remedy::Refused(Refusal::Allowed) => Badge::Allowed,
        Remedy::Refused(_) => Badge::NoFix(action),
    }
}

impl App {
    /// The status message of the job holding `token`, when it says more than the token (a
    /// hybrid: IAM's sentence beside it).
    pub(super) fn hybrid_text_of(&self, token: &str) -> Option<String> {
        let index = *self.rows_by_token.get(token)?.indices().first()?;
        let message = self.jobs.get(index)?.job.status_message.as_ref()?;
        // Only a message with IAM's words beside the token is worth reading again (most are
        // Backup's sentence and the token alone).
        let words = message.words();
        (words.contains("is not authorized to perform") || words.contains("explicit deny"))
            .then(|| message.text().into_owned())
    }

    /// The case of `job`, if one was asked for.
    pub fn case_of(&self, job: &JobSummary) -> Option<&CaseState> {
        self.cases.get(job)
    }

    /// The selected job's case, when built.
    pub fn selected_case(&self) -> Option<&Arc<Case>> {
        match self.case_of(&self.selected_row()?.job)? {
            CaseState::Ready(case) => Some(case),
            _ => None,
        }
    }

    /// The request that builds the case of row `index`, when its message is decoded and no
    /// case is built or being built for it.
    fn case_request(&self, index: usize) -> Option<CaseRequest> {
        let job = &self.jobs.get(index)?.job;
        if self.cases.contains(job) {
            return None;
        }
        let Some(DecodeState::Done(decoded)) = self.decode_of(job) else {
            return None;
        };
        Some(CaseRequest {
            job: Box::new(job.clone()),
            message: Box::new(decoded.0.clone()),
        })
    }

    /// Asks for the cases of `rows` (within the budget unless `selected`), marking them
    /// as being read.
    pub(super) fn want_cases(&mut self, rows: &[usize], selected: bool) -> Vec<Effect> {
        let mut requests = Vec::new();
        for &index in rows {
            if !selected && self.cases_asked >= CASE_BUDGET {
                break;
            }
            if let Some(request) = self.case_request(index) {
                self.cases.insert(job_key(&request.job), CaseState::Reading);
                if !selected {
                    self.cases_asked += 1;
                }
                requests.push(request);
            }
        }
        if requests.is_empty() {
            return Vec::new();
        }
        vec![Effect::BuildCases {
            generation: self.generation,
            requests,
        }]
    }

    /// Forgets the oldest cases asked for by selection beyond [`RECENT_CASES`] (their jobs
    /// read their layers again when selected again), so scrolling through 100,000 jobs keeps
    /// memory bounded.
    fn forget_old_selected_cases(&mut self) {
        while self.recent_cases.len() > RECENT_CASES {
            let Some((site, id)) = self.recent_cases.pop_front() else {
                break;
            };
            let selected = self
                .selected_row()
                .is_some_and(|row| *row.job.site == *site && row.job.restore_job_id == id);
            if selected {
                self.recent_cases.push_back((site, id));
                continue;
            }
            if let Some(index) = self
                .jobs
                .iter()
                .position(|row| *row.job.site == *site && row.job.restore_job_id == id)
            {
                let job = self.jobs[index].job.clone();
                self.cases.remove(&job);
                self.row_changed(index);
            }
        }
    }

    /// The selected job's case, when its message is decoded and none is asked for yet.
    pub(super) fn case_for_selected(&mut self) -> Vec<Effect> {
        // While a listing runs the rows are the old listing's: the new one asks.
        if self.list_state == super::ListState::Loading {
            return Vec::new();
        }
        let Some(index) = self.visible.get(self.selected) else {
            return Vec::new();
        };
        let effects = self.want_cases(&[index], true);
        if !effects.is_empty()
            && let Some(row) = self.jobs.get(index)
        {
            self.recent_cases.push_back(job_key(&row.job));
            self.forget_old_selected_cases();
        }
        effects
    }

    /// A case arrived: the row's badge, filter text and place follow it.
    pub(super) fn case_built(&mut self, key: JobKey, state: CaseState) -> Vec<Effect> {
        let Some(index) = self
            .jobs
            .iter()
            .position(|row| *row.job.site == *key.0 && row.job.restore_job_id == key.1)
        else {
            return Vec::new();
        };
        self.cases.insert(key, state);
        self.row_changed(index);
        Vec::new()
    }

    /// A write changed `account`'s `target` (a role or user name): every case whose fix goes
    /// there, or whose job ran as it, is read again, at once.
    pub(super) fn rebuild_cases_of(&mut self, account: &str, target: &str) -> Vec<Effect> {
        let mut rows = Vec::new();
        for (index, row) in self.jobs.iter().enumerate() {
            let touched = match self.cases.get(&row.job) {
                Some(CaseState::Ready(case)) => {
                    case.site.account == account
                        && (case
                            .plan
                            .as_ref()
                            .is_some_and(|plan| plan.target_name == target)
                            || case
                                .diagnosis
                                .principal
                                .name
                                .as_deref()
                                .is_some_and(|name| name == target))
                }
                Some(CaseState::Failed(_)) => true,
                _ => false,
            };
            if touched {
                rows.push(index);
            }
        }
        for &index in &rows {
            if let Some(row) = self.jobs.get(index) {
                self.cases.remove(&row.job);
            }
        }
        let effects = self.want_cases(&rows, true);
        for &index in &rows {
            self.row_changed(index);
        }
        effects
    }
}
