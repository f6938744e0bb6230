//! `App::update`: the only place the state changes. No I/O: work is returned as effects.

use super::tree::{self, Node};
use super::{
    App, ConfirmModal, DecodeState, ExportModal, JobRow, ListState, MessageModal, Modal, Pane,
    PendingWrite, PreviewModal, PreviewState, ProgressModal,
};
use crate::diagnosis::Scope;
use crate::tui::action::{Action, Effect};
use crate::tui::keymap::Context;
use crate::workflow::{ApplyOutcome, Verification, encoded_message_in};

const READ_ONLY_REMEDY: &str = "this session is read-only (--read-only): nothing can be written; restart without --read-only to apply, re-run or undo";

impl App {
    /// Applies one action and returns the work it asks for.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        let context = self.context();
        match action {
            Action::Quit => {
                self.should_quit = true;
                Vec::new()
            }
            Action::MoveUp => self.move_by(context, -1),
            Action::MoveDown => self.move_by(context, 1),
            Action::PageUp => self.move_by(context, -(self.page_size() as isize)),
            Action::PageDown => self.move_by(context, self.page_size() as isize),
            Action::First => self.move_by(context, isize::MIN / 2),
            Action::Last => self.move_by(context, isize::MAX / 2),
            Action::FocusNext | Action::FocusPrev => {
                self.focus = match self.focus {
                    Pane::Jobs => Pane::Tree,
                    Pane::Tree => Pane::Jobs,
                };
                if self.focus == Pane::Tree && self.tree_selected.is_empty() {
                    self.tree_selected = vec!["verdict".into()];
                }
                Vec::new()
            }
            Action::ToggleNode => {
                let path = self.tree_selected.clone();
                if !self.tree_opened.remove(&path) && !path.is_empty() {
                    self.tree_opened.insert(path);
                }
                Vec::new()
            }
            Action::OpenNode => {
                if !self.tree_selected.is_empty() {
                    self.tree_opened.insert(self.tree_selected.clone());
                }
                Vec::new()
            }
            Action::CloseNode => {
                if !self.tree_opened.remove(&self.tree_selected) && self.tree_selected.len() > 1 {
                    self.tree_selected.pop();
                }
                Vec::new()
            }
            Action::StartFilter => {
                match self.modals.last_mut() {
                    Some(Modal::Help { editing, .. }) => *editing = true,
                    None => self.filter_editing = true,
                    _ => {}
                }
                Vec::new()
            }
            Action::InputChar(ch) => self.edit_text(context, |text| text.push(ch)),
            Action::InputBackspace => self.edit_text(context, |text| {
                text.pop();
            }),
            Action::InputSubmit => {
                self.filter_editing = false;
                if let Some(Modal::Help { editing, .. }) = self.modals.last_mut() {
                    *editing = false;
                }
                Vec::new()
            }
            Action::InputCancel => {
                let effects = self.edit_text(context, String::clear);
                self.filter_editing = false;
                if let Some(Modal::Help { editing, .. }) = self.modals.last_mut() {
                    *editing = false;
                }
                effects
            }
            Action::Refresh => {
                self.generation += 1;
                self.list_state = ListState::Loading;
                // Decodes in flight are aborted with the old listing; forget them.
                self.decodes
                    .retain(|_, state| matches!(state, DecodeState::Done(_)));
                vec![Effect::LoadJobs {
                    generation: self.generation,
                }]
            }
            Action::JobsLoaded { generation, result } => {
                if generation != self.generation {
                    self.dirty = false;
                    return Vec::new();
                }
                self.jobs_loaded(result)
            }
            Action::TokenDecoded {
                generation,
                token,
                result,
            } => {
                if generation != self.generation {
                    self.dirty = false;
                    return Vec::new();
                }
                let state = match result {
                    Ok(decoded) => DecodeState::Done(decoded),
                    Err(reason) => DecodeState::Failed(reason),
                };
                self.decodes.insert(token, state);
                if !self.filter.is_empty() {
                    self.refilter();
                }
                Vec::new()
            }
            Action::IdentityLoaded(result) => {
                match result {
                    Ok((account, arn)) => {
                        self.header.account = Some(account);
                        self.header.caller_arn = Some(arn);
                    }
                    Err(reason) => self.status = Some(format!("caller identity: {reason}")),
                }
                Vec::new()
            }
            Action::Preview => self.open_preview(),
            Action::CycleScope => self.cycle_scope(),
            Action::PreviewReady { request, result } => {
                if request != self.preview_request {
                    self.dirty = false;
                    return Vec::new();
                }
                if let Some(preview) = self.preview_mut() {
                    preview.state = match result {
                        Ok(plan) => PreviewState::Ready(plan),
                        Err(reason) => PreviewState::Failed(reason),
                    };
                }
                Vec::new()
            }
            Action::AskApply => self.ask_apply(),
            Action::AskRerun => self.ask_rerun(context),
            Action::AskUndo => {
                if self.header.read_only {
                    self.read_only_refusal("Undo");
                    return Vec::new();
                }
                vec![Effect::FindUndo]
            }
            Action::UndoTargetFound(result) => {
                match result {
                    Ok(entry) => self.modals.push(Modal::Confirm(ConfirmModal {
                        action: "Undo fix".into(),
                        target: entry.target_arn.clone(),
                        account: entry.account.clone(),
                        details: vec![
                            format!("inline policy {}", entry.policy_name),
                            format!("put back as it was before journal entry {}", entry.id),
                        ],
                        pending: PendingWrite::Undo(entry),
                    })),
                    Err(reason) => self.modals.push(Modal::Message(MessageModal::error(
                        "Nothing to undo",
                        &reason,
                    ))),
                }
                Vec::new()
            }
            Action::Confirm => self.confirm(),
            Action::Cancel => {
                if matches!(self.modals.last(), Some(Modal::Confirm(_))) {
                    self.modals.pop();
                    self.status = Some("cancelled: nothing was written".into());
                }
                Vec::new()
            }
            Action::CloseModal => {
                self.modals.pop();
                Vec::new()
            }
            Action::Applied(result) => self.applied(result),
            Action::RerunStarted(result) => {
                if let Some(progress) = self.progress_mut() {
                    match result {
                        Ok(job) => progress.new_job = Some(job),
                        Err(reason) => progress.error = Some(reason),
                    }
                }
                Vec::new()
            }
            Action::RerunProgress(update) => {
                if let Some(progress) = self.progress_mut() {
                    progress.progress = Some(update);
                }
                Vec::new()
            }
            Action::RerunFinished(result) => self.rerun_finished(result),
            Action::Undone(result) => {
                let modal = match result {
                    Ok(entry) => MessageModal::info(
                        "Fix undone",
                        vec![format!(
                            "The policy is back as it was (journal entry {entry})."
                        )],
                    ),
                    Err(reason) => MessageModal::error("Undo failed", &reason),
                };
                self.modals.push(Modal::Message(modal));
                Vec::new()
            }
            Action::Export => self.open_export(),
            Action::ExportAs(format) => match self.modals.last_mut() {
                Some(Modal::Export(export)) if !export.writing => {
                    export.writing = true;
                    export.result = None;
                    vec![Effect::Export {
                        fix: export.fix.clone(),
                        format,
                        job_id: export.job_id.clone(),
                    }]
                }
                _ => Vec::new(),
            },
            Action::Exported(result) => {
                if let Some(Modal::Export(export)) = self.modals.last_mut() {
                    export.writing = false;
                    export.result = Some(result);
                }
                Vec::new()
            }
            Action::Copy => self.copy(context),
            Action::Help => {
                self.modals.push(Modal::Help {
                    search: String::new(),
                    editing: false,
                    scroll: 0,
                });
                Vec::new()
            }
            Action::Resize(width, height) => {
                self.size = (width, height);
                Vec::new()
            }
            Action::Tick => {
                self.frame = self.frame.wrapping_add(1);
                // Only animations need a redraw on a tick.
                self.dirty = self.list_state == ListState::Loading
                    || self
                        .decodes
                        .values()
                        .any(|d| matches!(d, DecodeState::Pending));
                Vec::new()
            }
            Action::Click(column, row) => {
                self.click(column, row);
                Vec::new()
            }
        }
    }

    fn move_by(&mut self, context: Context, delta: isize) -> Vec<Effect> {
        match context {
            Context::Jobs => {
                let last = self.visible.len().saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(delta).min(last);
            }
            Context::Tree => {
                if let Some(nodes) = self.tree_nodes() {
                    let visible = tree::visible(&nodes, &self.tree_opened);
                    let here = visible
                        .iter()
                        .position(|p| *p == self.tree_selected)
                        .unwrap_or(0);
                    let last = visible.len().saturating_sub(1);
                    let next = here.saturating_add_signed(delta).min(last);
                    if let Some(path) = visible.get(next) {
                        self.tree_selected = path.clone();
                    }
                }
            }
            Context::Preview => {
                if let Some(preview) = self.preview_mut() {
                    preview.scroll = preview.scroll.saturating_add_signed(delta).min(10_000);
                }
            }
            Context::Help => {
                if let Some(Modal::Help { scroll, .. }) = self.modals.last_mut() {
                    *scroll = scroll.saturating_add_signed(delta).min(500);
                }
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    fn edit_text(&mut self, context: Context, edit: impl FnOnce(&mut String)) -> Vec<Effect> {
        match context {
            Context::Filter | Context::Jobs | Context::Tree => {
                edit(&mut self.filter);
                self.refilter();
            }
            Context::HelpFilter => {
                if let Some(Modal::Help { search, scroll, .. }) = self.modals.last_mut() {
                    edit(search);
                    *scroll = 0;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn jobs_loaded(
        &mut self,
        result: Result<Vec<crate::workflow::JobSummary>, String>,
    ) -> Vec<Effect> {
        let jobs = match result {
            Ok(jobs) => jobs,
            Err(reason) => {
                self.list_state = ListState::Failed(reason.clone());
                self.modals.push(Modal::Message(MessageModal::error(
                    "Cannot list restore jobs",
                    &reason,
                )));
                return Vec::new();
            }
        };
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
        self.refilter();
        let mut effects = Vec::new();
        for token in self
            .jobs
            .iter()
            .filter_map(|r| r.job.encoded_message.clone())
        {
            if !self.decodes.contains_key(&token) {
                self.decodes.insert(token.clone(), DecodeState::Pending);
                effects.push(Effect::Decode {
                    generation: self.generation,
                    token,
                });
            }
        }
        effects
    }

    /// The tree nodes of the selected job, when decoded.
    pub fn tree_nodes(&self) -> Option<Vec<Node>> {
        self.selected_decoded()
            .map(|decoded| tree::nodes(&decoded.0, &decoded.1))
    }

    fn preview_mut(&mut self) -> Option<&mut PreviewModal> {
        self.modals.iter_mut().rev().find_map(|m| match m {
            Modal::Preview(p) => Some(p),
            _ => None,
        })
    }

    fn progress_mut(&mut self) -> Option<&mut ProgressModal> {
        self.modals.iter_mut().rev().find_map(|m| match m {
            Modal::Progress(p) => Some(p),
            _ => None,
        })
    }

    fn preview_effect(&mut self, job_id: &str, scope: Scope) -> Option<Effect> {
        let row = self.jobs.iter().find(|r| r.job.restore_job_id == job_id)?;
        let Some(DecodeState::Done(decoded)) = self.decode_of(&row.job) else {
            return None;
        };
        let effect = Effect::Preview {
            request: self.preview_request + 1,
            message: Box::new(decoded.0.clone()),
            scope,
            job: Box::new(row.job.clone()),
        };
        self.preview_request += 1;
        Some(effect)
    }

    fn open_preview(&mut self) -> Vec<Effect> {
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
            Some(DecodeState::Pending) => {
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

    fn cycle_scope(&mut self) -> Vec<Effect> {
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
        self.preview_effect(&job_id, scope).into_iter().collect()
    }

    fn read_only_refusal(&mut self, what: &str) {
        self.modals.push(Modal::Message(MessageModal::error(
            &format!("{what} is disabled"),
            READ_ONLY_REMEDY,
        )));
    }

    fn ask_apply(&mut self) -> Vec<Effect> {
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
        self.modals.push(Modal::Confirm(ConfirmModal {
            action: "Apply fix".into(),
            target: plan.target_arn.clone(),
            account: plan.account.clone(),
            details: vec![
                format!(
                    "write inline policy {} ({} scope)",
                    plan.policy_name,
                    plan.scope.as_str()
                ),
                format!("{} of {} characters", plan.size, plan.quota),
            ],
            pending: PendingWrite::Apply { plan, token },
        }));
        Vec::new()
    }

    fn ask_rerun(&mut self, context: Context) -> Vec<Effect> {
        if context == Context::Message {
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
        let job = &row.job;
        let modal = ConfirmModal {
            action: "Re-run restore".into(),
            target: format!("restore job {}", job.restore_job_id),
            account: self
                .header
                .account
                .clone()
                .unwrap_or_else(|| "unknown".into()),
            details: vec![
                format!(
                    "recovery point {}",
                    job.recovery_point_arn.as_deref().unwrap_or("?")
                ),
                format!("as role {}", job.iam_role_arn.as_deref().unwrap_or("?")),
            ],
            pending: PendingWrite::Rerun {
                job_id: job.restore_job_id.clone(),
            },
        };
        self.modals.push(Modal::Confirm(modal));
        Vec::new()
    }

    fn confirm(&mut self) -> Vec<Effect> {
        let Some(Modal::Confirm(confirm)) = self.modals.last().cloned() else {
            return Vec::new();
        };
        self.modals.pop();
        match confirm.pending {
            PendingWrite::Apply { plan, token } => {
                if let Some(preview) = self.preview_mut() {
                    preview.state = PreviewState::Applying(plan.clone());
                }
                vec![Effect::Apply { plan, token }]
            }
            PendingWrite::Rerun { job_id } => {
                self.modals.push(Modal::Progress(ProgressModal {
                    source_job: job_id.clone(),
                    new_job: None,
                    progress: None,
                    error: None,
                    failure_token: None,
                }));
                vec![Effect::Rerun { job_id }]
            }
            PendingWrite::Undo(entry) => {
                self.status = Some("undoing…".into());
                vec![Effect::Undo(entry)]
            }
        }
    }

    fn applied(&mut self, result: Result<ApplyOutcome, String>) -> Vec<Effect> {
        let preview = match self.modals.last() {
            Some(Modal::Preview(p)) => Some(p.clone()),
            _ => None,
        };
        if preview.is_some() {
            self.modals.pop();
        }
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(reason) => {
                self.modals
                    .push(Modal::Message(MessageModal::error("Apply failed", &reason)));
                return Vec::new();
            }
        };
        let plan = preview.as_ref().and_then(|p| match &p.state {
            PreviewState::Applying(plan) | PreviewState::Ready(plan) => Some(plan.clone()),
            _ => None,
        });
        let token = preview.as_ref().and_then(|p| p.token.clone());
        for row in &mut self.jobs {
            if token.is_some() && row.job.encoded_message == token {
                row.fixed = true;
            }
        }
        let mut lines = Vec::new();
        if let Some(plan) = &plan {
            lines.push(if outcome.written {
                format!(
                    "Wrote inline policy {} to {}.",
                    plan.policy_name, plan.target_arn
                )
            } else {
                "The fix was already in place: nothing was written.".into()
            });
        }
        lines.push(match &outcome.verification {
            Verification::Allowed => "IAM SimulatePrincipalPolicy: allowed (verified).".into(),
            Verification::Denied {
                decision,
                missing_context_values,
            } => format!(
                "IAM SimulatePrincipalPolicy: {decision} (missing context: {})",
                missing_context_values.join(", ")
            ),
            Verification::Unavailable { reason } => {
                format!("IAM SimulatePrincipalPolicy unavailable: {reason}")
            }
        });
        if let Some(id) = &outcome.journal_entry {
            lines.push(format!("Journal entry {id} (u undoes it)."));
        }
        lines.push("Press r to re-run the restore, Esc to close.".into());
        self.modals
            .push(Modal::Message(MessageModal::info("Fix applied", lines)));
        Vec::new()
    }

    fn rerun_finished(
        &mut self,
        result: Result<crate::workflow::JobProgress, String>,
    ) -> Vec<Effect> {
        let generation = self.generation;
        let mut effects = Vec::new();
        let mut new_token = None;
        if let Some(progress) = self.progress_mut() {
            match result {
                Ok(done) => {
                    if done.status == "FAILED" {
                        progress.failure_token = encoded_message_in(done.status_message.as_deref());
                        new_token = progress.failure_token.clone();
                    }
                    progress.progress = Some(done);
                }
                Err(reason) => progress.error = Some(reason),
            }
        }
        if let Some(token) = new_token
            && !self.decodes.contains_key(&token)
        {
            self.decodes.insert(token.clone(), DecodeState::Pending);
            effects.push(Effect::Decode { generation, token });
        }
        effects
    }

    fn open_export(&mut self) -> Vec<Effect> {
        let from_preview = self.modals.iter().rev().find_map(|m| match m {
            Modal::Preview(PreviewModal {
                state: PreviewState::Ready(plan),
                job_id,
                ..
            }) => Some((plan.diagnosis.clone(), job_id.clone())),
            _ => None,
        });
        let source = from_preview.or_else(|| {
            let row = self.selected_row()?;
            self.selected_decoded()
                .map(|d| (d.1.clone(), row.job.restore_job_id.clone()))
        });
        let Some((diagnosis, job_id)) = source else {
            self.status = Some("select a decoded job to export its fix".into());
            return Vec::new();
        };
        match diagnosis.fix {
            Some(report) => self.modals.push(Modal::Export(ExportModal {
                fix: Box::new(report.fix),
                job_id,
                writing: false,
                result: None,
            })),
            None => {
                let reason = diagnosis
                    .no_fix_reason
                    .unwrap_or_else(|| "no fix is proposed for this verdict".into());
                self.modals.push(Modal::Message(MessageModal::error(
                    "No fix to export",
                    &reason,
                )));
            }
        }
        Vec::new()
    }

    fn copy(&mut self, context: Context) -> Vec<Effect> {
        let text = match context {
            Context::Preview => self.preview_mut().and_then(|p| match &p.state {
                PreviewState::Ready(plan) => Some(plan.proposed_text.clone()),
                _ => None,
            }),
            Context::Tree => self
                .tree_nodes()
                .and_then(|nodes| tree::find(&nodes, &self.tree_selected).map(|n| n.value.clone())),
            _ => self
                .selected_decoded()
                .map(|d| serde_json::to_string_pretty(&d.0.raw).unwrap_or_default()),
        };
        match text {
            Some(text) if !text.is_empty() => {
                self.status = Some(format!(
                    "copied {} characters to the clipboard (OSC 52)",
                    text.chars().count()
                ));
                vec![Effect::Copy(text)]
            }
            _ => {
                self.status = Some("nothing to copy here".into());
                Vec::new()
            }
        }
    }

    /// The first table row shown when `rows` rows fit (keeps the selection in view).
    pub fn jobs_offset(&self, rows: usize) -> usize {
        self.selected.saturating_sub(rows.saturating_sub(1))
    }

    fn click(&mut self, column: u16, row: u16) {
        if !self.modals.is_empty() {
            return;
        }
        let (width, _) = self.size;
        let table_width = u32::from(width) * 60 / 100;
        // Header line, table border and column titles come before the first row.
        if u32::from(column) < table_width && row >= 3 {
            let rows = self.page_size();
            let index = self.jobs_offset(rows) + usize::from(row - 3);
            if index < self.visible.len() {
                self.selected = index;
                self.focus = Pane::Jobs;
            }
        }
    }
}
