//! The write flows of `update`: preview, apply, re-run and undo, each behind a confirmation
//! (and refused with a reason in read-only mode).

use super::{
    App, DecodeState, MessageModal, Modal, OperationKind, PendingWrite, PreviewModal, PreviewState,
    ProgressModal,
};
use crate::diagnosis::{Scope, Token};
use crate::tui::action::Effect;
use crate::tui::keymap::Context;
use crate::workflow::{ApplyOutcome, FixPlan, encoded_message_in};

/// What read-only mode answers to apply, re-run and undo.
pub(super) const READ_ONLY_REMEDY: &str = "this session is read-only (--read-only): nothing can be written; restart without --read-only to apply, re-run or undo";

impl App {
    pub(super) fn preview_mut(&mut self) -> Option<&mut PreviewModal> {
        self.modals.iter_mut().rev().find_map(|m| match m {
            Modal::Preview(p) => Some(p),
            _ => None,
        })
    }

    /// The progress modal of the re-run of `job_id`, while it is open.
    pub(super) fn progress_for(&mut self, job_id: &str) -> Option<&mut ProgressModal> {
        self.modals.iter_mut().rev().find_map(|m| match m {
            Modal::Progress(p) if p.source_job == job_id => Some(p),
            _ => None,
        })
    }

    pub(super) fn preview_effect(&mut self, job_id: &str, scope: Scope) -> Option<Effect> {
        let row = self.jobs.iter().find(|r| r.job.restore_job_id == job_id)?;
        let Some(DecodeState::Done(decoded)) = self.decode_of(&row.job) else {
            return None;
        };
        let effect = Effect::Preview {
            request: self.preview_request + 1,
            generation: self.generation,
            message: Box::new(decoded.0.clone()),
            scope,
            job: Box::new(row.job.clone()),
        };
        self.preview_request += 1;
        Some(effect)
    }

    pub(super) fn open_preview(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            self.status = Some("no job selected".into());
            return Vec::new();
        };
        let job_id = row.job.restore_job_id.clone();
        let token = row.job.encoded_message.clone();
        match self.decode_of(&row.job) {
            None => {
                self.modals.push(Modal::Message(MessageModal::error(
                    "Nothing to preview",
                    "this job's status message holds no encoded authorization message; see its status in the table",
                )));
                Vec::new()
            }
            // Evicted: its message is being decoded again, as the job is selected.
            Some(DecodeState::Pending | DecodeState::Evicted(_)) => {
                self.status =
                    Some("still decoding this job's message; try again in a moment".into());
                Vec::new()
            }
            Some(DecodeState::Failed(reason)) => {
                let reason = format!("the message could not be decoded: {reason}");
                self.modals.push(Modal::Message(MessageModal::error(
                    "Nothing to preview",
                    &reason,
                )));
                Vec::new()
            }
            Some(DecodeState::Done(_)) => {
                let effect = self.preview_effect(&job_id, Scope::Exact);
                if effect.is_some() {
                    self.begin(OperationKind::Preview, Some(&job_id));
                }
                self.modals.push(Modal::Preview(PreviewModal {
                    job_id,
                    token,
                    scope: Scope::Exact,
                    state: PreviewState::Loading,
                    scroll: 0,
                }));
                effect.into_iter().collect()
            }
        }
    }

    pub(super) fn cycle_scope(&mut self) -> Vec<Effect> {
        let Some(preview) = self.preview_mut() else {
            return Vec::new();
        };
        if matches!(preview.state, PreviewState::Applying(_)) {
            return Vec::new();
        }
        let scope = preview.scope.next();
        preview.scope = scope;
        preview.state = PreviewState::Loading;
        preview.scroll = 0;
        let job_id = preview.job_id.clone();
        let effect = self.preview_effect(&job_id, scope);
        match effect {
            Some(effect) => {
                self.begin(OperationKind::Preview, Some(&job_id));
                vec![effect]
            }
            None => {
                if let Some(preview) = self.preview_mut() {
                    preview.state = PreviewState::Failed(
                        "the job is no longer listed or decoded; close the preview and select it again"
                            .into(),
                    );
                }
                Vec::new()
            }
        }
    }

    /// True while `job`'s case is read again after a fix was written to the principal its
    /// message names, in this session: that fix is what its re-run waits for.
    fn wrote_for(&self, job: &crate::workflow::JobSummary) -> bool {
        matches!(self.case_of(job), Some(super::CaseState::Reading))
            && matches!(self.decode_of(job), Some(super::DecodeState::Done(d))
            if d.1.principal.name.as_ref().is_some_and(|name| {
                self.written.contains(&(job.site.account.clone(), name.clone()))
            }))
    }

    /// True when a fix for `job`'s cause was written in this session (to the target its case
    /// names): only then has IAM something to propagate before a re-run.
    pub(super) fn fix_written_for(&self, job: &crate::workflow::JobSummary) -> bool {
        match self.case_of(job) {
            Some(super::CaseState::Ready(case)) => case.plan.as_ref().is_some_and(|plan| {
                self.written
                    .contains(&(plan.site.account.clone(), plan.target_name.clone()))
            }),
            _ => false,
        }
    }

    pub(super) fn read_only_refusal(&mut self, what: &str) {
        self.modals.push(Modal::Message(MessageModal::error(
            &format!("{what} is disabled"),
            READ_ONLY_REMEDY,
        )));
    }

    pub(super) fn ask_apply(&mut self) -> Vec<Effect> {
        if self.header.read_only {
            self.read_only_refusal("Apply");
            return Vec::new();
        }
        let Some(preview) = self.preview_mut() else {
            return Vec::new();
        };
        let token = preview.token.clone();
        let plan = match &preview.state {
            PreviewState::Ready(plan) => plan.clone(),
            _ => {
                self.status = Some("wait for the preview to finish".into());
                return Vec::new();
            }
        };
        if plan.already_in_place {
            self.modals.push(Modal::Message(MessageModal::info(
                "Nothing to apply",
                vec!["The fix is already in place; nothing would be written.".into()],
            )));
            return Vec::new();
        }
        self.modals
            .push(Modal::Confirm(super::confirmations::apply(plan, token)));
        Vec::new()
    }

    pub(super) fn ask_rerun(&mut self, context: Context) -> Vec<Effect> {
        if context == Context::Applied {
            self.modals.pop();
        }
        if self.header.read_only {
            self.read_only_refusal("Re-run");
            return Vec::new();
        }
        let Some(row) = self.selected_row() else {
            self.status = Some("no job selected".into());
            return Vec::new();
        };
        if row.job.status != crate::diagnosis::RestoreJobStatus::Failed {
            self.status = Some(format!(
                "restore job {} is {}: only a failed job is re-run",
                row.job.restore_job_id,
                row.job.status.as_str()
            ));
            return Vec::new();
        }
        // The job's case says whether a re-run can succeed: not while another layer (or a
        // deny) blocks, nor before its layers are read.
        // Right after a fix was applied its case is read again; the fix is what the re-run
        // waits for.
        let just_applied = context == Context::Applied || self.wrote_for(&row.job);
        if self.decode_of(&row.job).is_some() && !just_applied {
            match self.case_of(&row.job) {
                Some(super::CaseState::Ready(case)) if case.rerun_may_help() => {}
                Some(super::CaseState::Ready(case)) => {
                    let why = case.refusal_sentence().unwrap_or_default();
                    self.modals.push(Modal::Message(MessageModal::error(
                        "Not re-running",
                        &format!(
                            "a re-run would fail again the same way: {why}; once that is changed, C-r lists the jobs again and r re-runs"
                        ),
                    )));
                    return Vec::new();
                }
                Some(super::CaseState::Failed(reason)) => {
                    self.status = Some(format!(
                        "not re-running: this job's policy layers could not be read ({reason})"
                    ));
                    return Vec::new();
                }
                _ => {
                    self.status = Some(
                        "reading this job's policy layers; r re-runs once they are read".into(),
                    );
                    return Vec::new();
                }
            }
        }
        let account = row.job.site.account.clone();
        // The Knowledge Center's alternative applies to an EC2 restore denied iam:PassRole.
        let passrole = row.job.resource_type.as_deref() == Some("EC2")
            && matches!(self.decode_of(&row.job), Some(super::DecodeState::Done(d)) if d.1.action == "iam:PassRole");
        let wait = just_applied || self.fix_written_for(&row.job);
        let modal = super::confirmations::rerun(&row.job, &account, passrole, wait);
        self.modals.push(Modal::Confirm(modal));
        Vec::new()
    }

    /// `i` on a re-run confirmation that offers it: the same re-run WITHOUT the instance
    /// profile, confirmed on its own (still only by `y`).
    pub(super) fn ask_rerun_without_instance_profile(&mut self, context: Context) -> Vec<Effect> {
        let offered = matches!(
            self.modals.last(),
            Some(Modal::Confirm(super::ConfirmModal {
                pending: PendingWrite::Rerun {
                    offers_without_instance_profile: true,
                    ..
                },
                ..
            }))
        );
        if context != Context::Confirm || !offered {
            self.dirty = false;
            return Vec::new();
        }
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let account = row.job.site.account.clone();
        let modal = super::confirmations::rerun_without_instance_profile(&row.job, &account);
        self.modals.pop();
        self.modals.push(Modal::Confirm(modal));
        Vec::new()
    }

    /// `y` on a confirmation. Only a confirmation fully on screen is answered (the keymap
    /// does not even map `y` otherwise; this is the second lock).
    pub(super) fn confirm(&mut self, context: Context) -> Vec<Effect> {
        if context != Context::Confirm {
            self.dirty = false;
            return Vec::new();
        }
        let Some(Modal::Confirm(confirm)) = self.modals.last().cloned() else {
            return Vec::new();
        };
        self.modals.pop();
        match confirm.pending {
            PendingWrite::Apply { plan, token } => {
                self.begin(OperationKind::Apply, plan.job_id.as_deref());
                if let Some(preview) = self.preview_mut() {
                    preview.state = PreviewState::Applying(plan.clone());
                }
                vec![Effect::Apply { plan, token }]
            }
            PendingWrite::Rerun {
                job_id,
                without_instance_profile,
                wait_for_propagation,
                ..
            } => {
                self.begin(OperationKind::RerunStart, Some(&job_id));
                self.modals.push(Modal::Progress(ProgressModal {
                    source_job: job_id.clone(),
                    new_job: None,
                    progress: None,
                    error: None,
                    failure_token: None,
                }));
                vec![Effect::Rerun {
                    job_id,
                    without_instance_profile,
                    wait_for_propagation,
                }]
            }
            PendingWrite::Undo(entry) => {
                self.begin(OperationKind::Undo, None);
                self.undoing = Some(entry.clone());
                vec![Effect::Undo(entry)]
            }
        }
    }

    pub(super) fn applied(
        &mut self,
        plan: &FixPlan,
        token: Option<Token>,
        result: Result<ApplyOutcome, crate::workflow::SharedError>,
    ) -> Vec<Effect> {
        self.end(OperationKind::Apply, None);
        // The preview may have been closed while the write ran; the result still lands.
        if matches!(self.modals.last(), Some(Modal::Preview(_))) {
            self.modals.pop();
        }
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(reason) => {
                self.modals.push(Modal::Message(MessageModal::error(
                    "Apply failed",
                    &reason.to_string(),
                )));
                return Vec::new();
            }
        };
        let _ = token;
        // The policy changed: every job whose fix goes to that target (this one, and every
        // other with the same cause) has its case read again, and shows fixed once IAM holds it.
        let effects = self.rebuild_cases_of(&plan.site.account, &plan.target_name);
        self.written
            .insert((plan.site.account.clone(), plan.target_name.clone()));
        let mut lines = vec![super::confirmations::applied(plan, &outcome)];
        if let Some(id) = &outcome.journal_entry {
            lines.push(format!(
                "r re-runs the restore; u undoes the fix (journal entry {id}); Esc closes."
            ));
        } else {
            lines.push("r re-runs the restore; Esc closes.".into());
        }
        let mut message = MessageModal::info("Fix applied", lines);
        message.offers_rerun = true;
        self.modals.push(Modal::Message(message));
        effects
    }

    pub(super) fn rerun_finished(
        &mut self,
        job_id: &str,
        result: Result<crate::workflow::JobProgress, crate::workflow::SharedError>,
    ) -> Vec<Effect> {
        let generation = self.generation;
        let mut effects = Vec::new();
        let new_token = match &result {
            Ok(done) if done.status == crate::diagnosis::RestoreJobStatus::Failed => {
                encoded_message_in(done.status_message.as_deref()).map(Token::from)
            }
            _ => None,
        };
        match self.progress_for(job_id) {
            Some(progress) => match result {
                Ok(done) => {
                    progress.failure_token = new_token.clone();
                    progress.progress = Some(done);
                }
                Err(reason) => progress.error = Some(reason.to_string()),
            },
            // Its window was closed: say how it ended wherever the user is now.
            None => match result {
                Ok(done) => {
                    let failed = done.status != crate::diagnosis::RestoreJobStatus::Completed;
                    self.notify(super::confirmations::rerun_ended(job_id, &done), failed);
                }
                Err(reason) => self.notify(
                    format!("re-run of restore job {job_id}: following it stopped: {reason}"),
                    true,
                ),
            },
        }
        if let Some(token) = new_token
            && !self.decodes.contains_key(&token)
        {
            self.decodes.insert(token.clone(), DecodeState::Pending);
            effects.push(Effect::Decode {
                generation,
                tokens: vec![token],
            });
        }
        effects
    }
}
