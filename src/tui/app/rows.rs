//! The jobs table's rows: a new listing, the filter, the sort order, and the decode results
//! that change one row's badge.

use super::{App, DecodeState, JobRow, ListState, MessageModal, Modal};
use crate::tui::action::Effect;

impl App {
    pub(super) fn jobs_loaded(
        &mut self,
        result: Result<Vec<crate::workflow::JobSummary>, String>,
    ) -> Vec<Effect> {
        let jobs = match result {
            Ok(jobs) => jobs,
            Err(reason) => {
                self.list_state = ListState::Failed(reason.clone());
                // The old rows stay, marked with when they stopped being current.
                if !self.jobs.is_empty() && self.stale_since.is_none() {
                    self.stale_since = Some(
                        self.wall_time()
                            .unwrap_or_else(|| "the last refresh".into()),
                    );
                }
                self.modals.push(Modal::Message(MessageModal::error(
                    "Cannot list restore jobs",
                    &reason,
                )));
                return Vec::new();
            }
        };
        let keep = self.selected_row().map(|r| r.job.restore_job_id.clone());
        let fixed: Vec<String> = self
            .jobs
            .iter()
            .filter(|r| r.fixed)
            .map(|r| r.job.restore_job_id.clone())
            .collect();
        self.jobs = jobs
            .into_iter()
            .map(|job| JobRow {
                fixed: fixed.contains(&job.restore_job_id),
                job,
            })
            .collect();
        self.list_state = ListState::Loaded;
        self.stale_since = None;
        // Row indices changed with the new listing: keep the selected job by its ID.
        self.visible.clear();
        self.refilter();
        if let Some(id) = keep {
            self.selected = self
                .visible
                .iter()
                .position(|&i| self.jobs[i].job.restore_job_id == id)
                .unwrap_or(0);
        }
        let mut tokens = Vec::new();
        for token in self
            .jobs
            .iter()
            .filter_map(|r| r.job.encoded_message.clone())
        {
            if !self.decodes.contains_key(&token) {
                self.decodes.insert(token.clone(), DecodeState::Pending);
                tokens.push(token);
            }
        }
        if tokens.is_empty() {
            Vec::new()
        } else {
            vec![Effect::Decode {
                generation: self.generation,
                tokens,
            }]
        }
    }

}
