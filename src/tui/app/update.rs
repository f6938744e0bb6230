//! `App::update`: the only place the state changes. No I/O: work is returned as effects.

use super::PreviewState;
use super::{App, DecodeState, ListState, MessageModal, Modal, OperationKind, Pane};
use crate::tui::action::{Action, Effect};
use crate::tui::keymap::Context;

/// Ticks (seconds) a status line stays after the last user action.
const STATUS_TICKS: u8 = 5;

impl App {
    /// Lists the jobs again (a key, a watch tick, a new status or session).
    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        self.generation += 1;
        self.list_state = ListState::Loading;
        self.begin(OperationKind::Listing, None);
        // Decodes in flight are aborted with the old listing; forget them.
        self.decodes
            .retain(|_, state| matches!(state, DecodeState::Done(_) | DecodeState::Evicted(_)));
        self.refetching.clear();
        // The policy layers are read again for the new listing (cases in flight are aborted
        // with the old one).
        self.cases.clear();
        self.cases_asked = 0;
        self.recent_cases.clear();
        vec![Effect::LoadJobs {
            generation: self.generation,
            status: self.job_status.clone(),
        }]
    }

    /// Moves the selection; the row it lands on loses its "new failure" mark.
    fn move_and_unmark(&mut self, context: Context, delta: isize) -> Vec<Effect> {
        let effects = self.move_by(context, delta);
        if context == Context::Jobs {
            self.unmark_selected();
        }
        effects
    }

    /// Applies one action and returns the work it asks for (with the decode of the selected
    /// job's message when only its badge was kept).
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        // A change not drawn yet (the event loop holds background frames back a little) stays
        // to be drawn, whatever this action decides about its own redraw: a tick or a key that
        // changes nothing must not wipe it (a listing that landed just before the first tick
        // was never drawn until a key was pressed).
        let undrawn = self.dirty;
        let mut effects = self.apply(action);
        effects.extend(self.refetch_selected());
        effects.extend(self.case_for_selected());
        self.dirty |= undrawn;
        effects
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        if !matches!(action, Action::Tick | Action::Spin) {
            self.status_ticks = 0;
        }
        // A status line belongs to the event that caused it: the next key or result replaces it.
        if action.replaces_status() {
            self.status = None;
            // The second `q` must follow the warning directly.
            if !matches!(action, Action::Quit) {
                self.quit_armed = false;
            }
        }
        let context = self.context();
        match action {
            Action::Quit => {
                self.quit();
                Vec::new()
            }
            Action::ForceQuit => {
                self.should_quit = true;
                Vec::new()
            }
            Action::MoveUp => self.move_and_unmark(context, -1),
            Action::MoveDown => self.move_and_unmark(context, 1),
            Action::PageUp => self.move_and_unmark(context, -(self.page_size() as isize)),
            Action::PageDown => self.move_and_unmark(context, self.page_size() as isize),
            Action::First => self.move_and_unmark(context, isize::MIN / 2),
            Action::Last => self.move_and_unmark(context, isize::MAX / 2),
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
            Action::OpenPalette => self.open_palette(),
            Action::Complete => self.complete(),
            Action::InputSubmit if context == Context::Palette => self.run_palette(),
            Action::CycleSort => {
                self.sort_by(self.sort.next());
                Vec::new()
            }
            Action::InputChar(ch) => self.edit_text(context, |text| text.push(ch)),
            Action::InputBackspace => self.edit_text(context, |text| {
                text.pop();
            }),
            Action::InputSubmit if context == Context::ExportSave => self.save_export(false),
            Action::InputCancel if context == Context::ExportSave => {
                if let Some(export) = self.export_mut() {
                    export.save = None;
                }
                Vec::new()
            }
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
            Action::Refresh => self.refresh(),
            Action::ToggleWatch => self.toggle_watch(),
            Action::Retrying(notice) => {
                self.retry = Some((notice, self.clock));
                Vec::new()
            }
            Action::ProfilesLoaded(profiles) => {
                self.profiles = profiles;
                Vec::new()
            }
            Action::SessionSwitched { request, result } => self.session_switched(request, result),
            Action::JobsLoaded { generation, result } => {
                if generation != self.generation {
                    self.dirty = false;
                    return Vec::new();
                }
                self.end(OperationKind::Listing, None);
                let listed = result.is_ok();
                let effects = self.jobs_loaded(result);
                if listed {
                    self.mark_new_failures();
                }
                effects
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
                    // A hybrid status message (IAM's sentence and the token): the job's message
                    // is the merge, as `list --decode` and `fix --job` read it.
                    Ok(decoded) => DecodeState::Done(
                        self.hybrid_text_of(&token)
                            .and_then(|text| {
                                crate::workflow::with_status_text(&decoded, Some(&text))
                            })
                            .unwrap_or(decoded),
                    ),
                    Err(reason) => DecodeState::Failed(reason.to_string()),
                };
                let done = matches!(state, DecodeState::Done(_));
                self.decodes.insert(token.clone(), state);
                self.token_changed(&token);
                if done {
                    self.keep_resident(&token);
                    // Its jobs' cases (for a result kept in full): their layers are read now.
                    let rows = self
                        .rows_by_token
                        .get(token.as_str())
                        .map(super::token_rows::TokenRows::indices)
                        .unwrap_or_default();
                    self.want_cases(&rows, false)
                } else {
                    self.refetching.remove(&token);
                    Vec::new()
                }
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
            Action::Describe => self.open_describe(),
            Action::JobJournal { job_id, result } => {
                for modal in &mut self.modals {
                    if let Modal::Describe(describe) = modal
                        && describe.job_id == job_id
                    {
                        describe.journal = Some(result.clone().map_err(|e| e.to_string()));
                    }
                }
                Vec::new()
            }
            Action::Preview => self.open_preview(),
            Action::CycleScope => self.cycle_scope(),
            Action::CaseBuilt {
                generation,
                key,
                result,
            } => {
                if generation != self.generation {
                    self.dirty = false;
                    return Vec::new();
                }
                let state = match result {
                    Ok(case) => super::CaseState::Ready(case),
                    Err(reason) => super::CaseState::Failed(reason),
                };
                self.case_built(key, state)
            }
            Action::PreviewReady { request, result } => {
                if request != self.preview_request {
                    self.dirty = false;
                    return Vec::new();
                }
                self.end(OperationKind::Preview, None);
                if let Some(preview) = self.preview_mut() {
                    preview.state = match result {
                        Ok(plan) => PreviewState::Ready(plan),
                        Err(reason) => PreviewState::Failed(super::failure_text(&reason)),
                    };
                }
                Vec::new()
            }
            Action::AskApply => self.ask_apply(),
            Action::AskRerun => self.ask_rerun(context),
            Action::AskRerunWithoutInstanceProfile => {
                self.ask_rerun_without_instance_profile(context)
            }
            Action::AskUndo => {
                if self.header.read_only {
                    self.read_only_refusal("Undo");
                    return Vec::new();
                }
                self.begin(OperationKind::FindUndo, None);
                // The selected job's fix: its account, the job or the role it ran as.
                let row = self.selected_row().map(|r| &r.job);
                vec![Effect::FindUndo {
                    account: row
                        .map(|job| job.site.account.clone())
                        .or_else(|| self.header.account.clone()),
                    job_id: row.map(|job| job.restore_job_id.clone()),
                    role: row
                        .and_then(|job| job.iam_role_arn.as_deref())
                        .and_then(|arn| arn.rsplit('/').next())
                        .map(str::to_string),
                }]
            }
            Action::UndoTargetFound(result) => {
                self.end(OperationKind::FindUndo, None);
                match result {
                    Ok(entry) => self
                        .modals
                        .push(Modal::Confirm(super::confirmations::undo(entry))),
                    Err(reason) => self.modals.push(Modal::Message(MessageModal::error(
                        "Nothing to undo",
                        &reason.to_string(),
                    ))),
                }
                Vec::new()
            }
            Action::Confirm if context == Context::ExportOverwrite => self.save_export(true),
            Action::Cancel if context == Context::ExportOverwrite => {
                if let Some(save) = self.export_mut().and_then(|e| e.save.as_mut()) {
                    save.confirm_overwrite = false;
                }
                self.status = Some("the existing file was kept; change the path or Esc".into());
                Vec::new()
            }
            Action::Confirm => self.confirm(context),
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
            Action::Applied {
                plan,
                token,
                result,
            } => self.applied(&plan, token, result),
            Action::RerunStarted { job_id, result } => {
                self.end(OperationKind::RerunStart, Some(&job_id));
                self.end(OperationKind::Propagation, Some(&job_id));
                if result.is_ok() {
                    self.begin(OperationKind::RerunFollow, Some(&job_id));
                }
                match (self.progress_for(&job_id), result) {
                    (Some(progress), Ok(job)) => progress.new_job = Some(job),
                    (Some(progress), Err(reason)) => progress.error = Some(reason.to_string()),
                    (None, Ok(_)) => {}
                    (None, Err(reason)) => self.notify(
                        format!("re-run of restore job {job_id} did not start: {reason}"),
                        true,
                    ),
                }
                Vec::new()
            }
            Action::RerunPhase { job_id, waiting } => {
                // Nothing is written while waiting; the start (a write) follows it.
                if waiting {
                    self.end(OperationKind::RerunStart, Some(&job_id));
                    self.begin(OperationKind::Propagation, Some(&job_id));
                } else if self
                    .running(OperationKind::Propagation, Some(&job_id))
                    .is_some()
                {
                    self.end(OperationKind::Propagation, Some(&job_id));
                    self.begin(OperationKind::RerunStart, Some(&job_id));
                }
                Vec::new()
            }
            Action::RerunProgress { job_id, progress } => {
                if let Some(modal) = self.progress_for(&job_id) {
                    modal.progress = Some(progress);
                }
                Vec::new()
            }
            Action::RerunFinished { job_id, result } => {
                self.end(OperationKind::RerunFollow, Some(&job_id));
                self.rerun_finished(&job_id, result)
            }
            Action::JournalReconciled(result) => {
                match result {
                    Ok(report) => {
                        if let Some(sentence) = super::reconcile_sentence(&report) {
                            self.notify(sentence, false);
                        }
                    }
                    Err(reason) => self.notify(
                        format!("journal: could not reconcile unresolved writes: {reason}"),
                        true,
                    ),
                }
                Vec::new()
            }
            Action::Undone(result) => {
                self.end(OperationKind::Undo, None);
                let entry = self.undoing.take();
                // The policy changed: every case whose fix goes to that target is read again.
                let effects = match (&result, entry.as_deref()) {
                    (Ok(_), Some(entry)) => {
                        self.rebuild_cases_of(&entry.site.account, &entry.target_name)
                    }
                    _ => Vec::new(),
                };
                let modal = match result {
                    Ok(_) => MessageModal::info(
                        "Fix undone",
                        vec![super::confirmations::undone(entry.as_deref())],
                    ),
                    Err(reason) => MessageModal::error("Undo failed", &reason.to_string()),
                };
                self.modals.push(Modal::Message(modal));
                effects
            }
            Action::Export => self.open_export(crate::workflow::ExportFormat::Terraform),
            Action::NextFormat => self.switch_format(1),
            Action::PrevFormat => self.switch_format(-1),
            Action::StartSave => self.start_save(),
            Action::ExportSaved { path, result } => self.export_saved(&path, result),
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
                self.status_ticks = self.status_ticks.saturating_add(1);
                // Redraw only when the status line or a notice expires.
                let status_expired = self.status.is_some() && self.status_ticks >= STATUS_TICKS;
                if status_expired {
                    self.status = None;
                }
                self.dirty = self.expire_notices() || status_expired;
                let effects = self.watch_due();
                if !effects.is_empty() {
                    self.dirty = true;
                }
                effects
            }
            Action::Spin => {
                self.frame = self.frame.wrapping_add(1);
                self.dirty = self.busy();
                Vec::new()
            }
            Action::Click(column, row) => {
                self.click(column, row);
                Vec::new()
            }
        }
    }
}
