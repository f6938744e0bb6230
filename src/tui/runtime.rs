//! Runs effects as tokio tasks that send their results back as actions over a channel. Stale
//! work is aborted (a new listing aborts the old listing and its decodes; a new preview aborts
//! the old one); decoding goes through the workflow's one decode pipeline, bounded to
//! [`DECODE_CONCURRENCY`] requests at a time.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::action::{Action, Effect, SaveFailure, SessionHandle, SessionSwitch};
use crate::aws::Session;
use crate::workflow::{self, Journal};

/// At most this many STS decode calls run at once.
pub const DECODE_CONCURRENCY: usize = 8;

/// At most this many cases read their policy layers at once (each reads several layers
/// concurrently itself).
pub const CASE_CONCURRENCY: usize = 2;

/// At most this many decode results wait in the channel for the app: the decode tasks pause
/// until the app has taken some, so when the app falls behind (a loaded machine, 100,000 jobs)
/// results (each a decoded message and its diagnosis, ~20 KB) do not pile up in memory.
pub const DECODES_QUEUED: usize = 256;

/// How often a re-run job is polled.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(700);
/// When following a re-run gives up.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Groups of tasks aborted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Group {
    Listing,
    Preview,
    Session,
    Other,
}

/// Where copied text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clipboard {
    /// Write an OSC 52 sequence to stdout (the real terminal).
    Osc52,
    /// Keep it (the headless driver).
    Record,
}

/// Executes effects.
pub struct Runtime {
    session: Session,
    /// Sessions by site, for work on a job (its case, its preview): the current session's
    /// credentials, in the job's region.
    pool: crate::aws::SessionPool,
    journal: Journal,
    since: Duration,
    limit: Option<usize>,
    actions: UnboundedSender<Action>,
    tasks: HashMap<Group, Vec<AbortHandle>>,
    clipboard: Clipboard,
    read_only: bool,
    /// Text copied while recording.
    pub copied: Vec<String>,
    /// Forwards the session's retry notices as actions.
    retry_forwarder: Option<AbortHandle>,
    /// Room for decode results in the channel ([`DECODES_QUEUED`]): a decode task takes a
    /// permit per result it sends, [`Runtime::apply`] gives it back when the app takes it.
    decode_room: Arc<Semaphore>,
}

impl Runtime {
    /// A runtime sending results on `actions`.
    pub fn new(
        session: Session,
        options: &super::TuiOptions,
        actions: UnboundedSender<Action>,
        clipboard: Clipboard,
    ) -> Runtime {
        Runtime {
            pool: crate::aws::SessionPool::new(session.clone()),
            session,
            journal: options.journal.clone(),
            since: options.since,
            limit: options.limit,
            actions,
            tasks: HashMap::new(),
            clipboard,
            read_only: options.read_only,
            copied: Vec::new(),
            retry_forwarder: None,
            decode_room: Arc::new(Semaphore::new(DECODES_QUEUED)),
        }
        .forwarding_retries()
    }

    /// Gives `action` to the app at `at` and starts the work it asks for (the event loop's
    /// and the headless driver's one way of applying an action).
    pub fn apply(&mut self, app: &mut super::app::App, action: Action, at: Duration) {
        if matches!(action, Action::TokenDecoded { .. }) {
            self.decode_room.add_permits(1);
        }
        // A write of ours changed IAM: the cases read again from IAM, not from the cache.
        if matches!(action, Action::Applied { .. } | Action::Undone(_)) {
            self.forget_reads();
        }
        for effect in app.update_at(action, at) {
            self.execute(effect);
        }
    }

    /// Forgets every session's cached reads (a write of ours, a refresh, a preview).
    fn forget_reads(&self) {
        self.pool.forget_reads();
    }

    /// Forwards the current session's throttled-retry notices to the app (replacing the old
    /// session's forwarder).
    fn forwarding_retries(mut self) -> Runtime {
        self.forward_retries();
        self
    }

    fn forward_retries(&mut self) {
        if let Some(old) = self.retry_forwarder.take() {
            old.abort();
        }
        let mut notices = self.session.retry_notices();
        let actions = self.actions.clone();
        // Outside a tokio runtime (never in the app or the driver) nothing is forwarded.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let task = handle.spawn(async move {
                loop {
                    match notices.recv().await {
                        Ok(notice) => {
                            if actions.send(Action::Retrying(notice)).is_err() {
                                return;
                            }
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            });
            self.retry_forwarder = Some(task.abort_handle());
        }
    }

    /// The write capability, unless the session or the options are read-only.
    fn writer(&self) -> Option<crate::aws::Writer> {
        if self.read_only {
            None
        } else {
            self.session.writer()
        }
    }

    fn spawn<F>(&mut self, group: Group, work: F)
    where
        F: Future<Output = Option<Action>> + Send + 'static,
    {
        let actions = self.actions.clone();
        let task = tokio::spawn(async move {
            if let Some(action) = work.await {
                log_outcome(&action);
                // The receiver is gone only when the app is quitting.
                let _ = actions.send(action);
            }
        });
        let handles = self.tasks.entry(group).or_default();
        handles.retain(|h| !h.is_finished());
        handles.push(task.abort_handle());
    }

    fn abort(&mut self, group: Group) {
        for handle in self.tasks.remove(&group).unwrap_or_default() {
            handle.abort();
        }
    }

    /// Aborts everything still running.
    pub fn shutdown(&mut self) {
        for group in [Group::Listing, Group::Preview, Group::Session, Group::Other] {
            self.abort(group);
        }
        if let Some(forwarder) = self.retry_forwarder.take() {
            forwarder.abort();
        }
    }

    /// Starts the work for `effect`.
    pub fn execute(&mut self, effect: Effect) {
        let session = self.session.clone();
        match effect {
            Effect::LoadIdentity => self.spawn(Group::Other, async move {
                let result = session.caller_identity().await.map_err(shared);
                Some(Action::IdentityLoaded(result))
            }),
            Effect::ReconcileJournal => {
                let journal = self.journal.clone();
                self.spawn(Group::Other, async move {
                    let result = workflow::reconcile(&session, &journal)
                        .await
                        .map_err(shared);
                    Some(Action::JournalReconciled(result))
                });
            }
            Effect::LoadJobs { generation, status } => {
                self.abort(Group::Listing);
                // A new listing reads the layers of its jobs' cases afresh.
                self.forget_reads();
                let (since, limit) = (self.since, self.limit);
                self.spawn(Group::Listing, async move {
                    let result = workflow::list_jobs(&session, &status, since, limit)
                        .await
                        .map_err(shared);
                    Some(Action::JobsLoaded { generation, result })
                });
            }
            Effect::LoadProfiles => self.spawn(Group::Other, async move {
                Some(Action::ProfilesLoaded(
                    crate::aws::profiles::profile_names().await,
                ))
            }),
            Effect::SwitchSession {
                request,
                region,
                profile,
            } => {
                self.abort(Group::Session);
                self.spawn(Group::Session, async move {
                    let result = open_session(&session, region, profile).await;
                    Some(Action::SessionSwitched { request, result })
                });
            }
            Effect::UseSession(handle) => {
                // The old session's listing, decodes and preview must not land in the new
                // list; writes and re-runs in flight finish (their results name their job).
                self.abort(Group::Listing);
                self.abort(Group::Preview);
                self.session = (*handle.0).clone();
                self.pool = crate::aws::SessionPool::new(self.session.clone());
                self.forward_retries();
            }
            Effect::Decode { generation, tokens } => {
                let actions = self.actions.clone();
                let room = Arc::clone(&self.decode_room);
                let mut decoded = workflow::decode_tokens(&session, tokens, DECODE_CONCURRENCY);
                self.spawn(Group::Listing, async move {
                    while let Some((token, result)) = decoded.next().await {
                        // Given back when the app takes the result (`apply`); never closed.
                        match room.acquire().await {
                            Ok(permit) => permit.forget(),
                            Err(_) => return None,
                        }
                        let action = Action::TokenDecoded {
                            generation,
                            token,
                            result,
                        };
                        log_outcome(&action);
                        // The receiver is gone only when the app is quitting.
                        let _ = actions.send(action);
                    }
                    None
                });
            }
            Effect::BuildCases {
                generation,
                requests,
            } => {
                let actions = self.actions.clone();
                let pool = self.pool.clone();
                let mut built = futures_util::stream::iter(requests)
                    .map(move |request| {
                        let pool = pool.clone();
                        async move {
                            let key = crate::tui::app::job_key(&request.job);
                            let result = async {
                                let session = pool.session_for(&request.job.site).await?;
                                workflow::build_case(
                                    &session,
                                    &request.message,
                                    crate::diagnosis::Scope::Exact,
                                    Some(&request.job),
                                )
                                .await
                            }
                            .await
                            .map(Arc::new)
                            .map_err(shared);
                            (key, result)
                        }
                    })
                    .buffer_unordered(CASE_CONCURRENCY);
                self.spawn(Group::Listing, async move {
                    while let Some((key, result)) = built.next().await {
                        let action = Action::CaseBuilt {
                            generation,
                            key,
                            result,
                        };
                        log_outcome(&action);
                        // The receiver is gone only when the app is quitting.
                        let _ = actions.send(action);
                    }
                    None
                });
            }
            Effect::Preview {
                request,
                message,
                scope,
                job,
                generation,
            } => {
                self.abort(Group::Preview);
                // A preview reads every layer afresh (what it shows is what apply checks).
                self.forget_reads();
                let actions = self.actions.clone();
                let pool = self.pool.clone();
                self.spawn(Group::Preview, async move {
                    let case = match pool.session_for(&job.site).await {
                        Ok(session) => {
                            workflow::build_case(&session, &message, scope, Some(&job)).await
                        }
                        Err(error) => Err(error.into()),
                    }
                    .map_err(shared);
                    // The exact-scope preview reads every layer afresh: the job's case is this.
                    if scope == crate::diagnosis::Scope::Exact {
                        let _ = actions.send(Action::CaseBuilt {
                            generation,
                            key: crate::tui::app::job_key(&job),
                            result: case.clone().map(Arc::new),
                        });
                    }
                    let result = case
                        .and_then(|case| case.into_plan().map_err(shared))
                        .map(Box::new);
                    Some(Action::PreviewReady { request, result })
                });
            }
            Effect::Apply { plan, token } => {
                let journal = self.journal.clone();
                let writer = self.writer();
                self.spawn(Group::Other, async move {
                    let result = match writer {
                        None => Err(shared(workflow::WorkflowError::Refused(
                            "this session is read-only: nothing was written".into(),
                        ))),
                        Some(writer) => workflow::apply_fix(
                            &session,
                            &writer,
                            &plan,
                            &journal,
                            token.as_deref(),
                        )
                        .await
                        .map_err(shared),
                    };
                    Some(Action::Applied {
                        plan,
                        token,
                        result,
                    })
                });
            }
            Effect::Rerun {
                job_id,
                without_instance_profile,
                wait_for_propagation,
            } => {
                let actions = self.actions.clone();
                let writer = self.writer();
                self.spawn(Group::Other, async move {
                    let Some(writer) = writer else {
                        return Some(Action::RerunStarted {
                            job_id,
                            result: Err(shared(workflow::WorkflowError::Refused(
                                "this session is read-only: no restore was started".into(),
                            ))),
                        });
                    };
                    // The re-run sequence the CLI's `rerun` runs too: plan (refuses a job that
                    // did not fail, normalises the metadata, derives the idempotency token),
                    // wait for IAM only when a fix for the job's cause was written (without the
                    // instance profile no PassRole is needed either), then start.
                    let started = async {
                        let options = workflow::RerunOptions {
                            force: false,
                            without_instance_profile,
                        };
                        let plan = workflow::plan_rerun(&session, &job_id, options).await?;
                        let wait = (wait_for_propagation && !without_instance_profile)
                            .then_some(workflow::PROPAGATION_TIMEOUT);
                        if wait.is_some() {
                            let _ = actions.send(Action::RerunPhase {
                                job_id: job_id.clone(),
                                waiting: true,
                            });
                        }
                        let started =
                            workflow::start_planned(&session, &writer, &plan, wait, |_| {}).await;
                        if wait.is_some() {
                            let _ = actions.send(Action::RerunPhase {
                                job_id: job_id.clone(),
                                waiting: false,
                            });
                        }
                        let (id, waited) = started?;
                        if let Some(workflow::Propagation::Unavailable { reason }) = waited {
                            tracing::warn!(
                                "not waiting for IAM: the simulator could not be asked ({reason})"
                            );
                        }
                        Ok::<_, workflow::WorkflowError>(id)
                    };
                    let new_job = match started.await {
                        Ok(id) => id,
                        Err(e) => {
                            return Some(Action::RerunStarted {
                                job_id,
                                result: Err(shared(e)),
                            });
                        }
                    };
                    let started = Action::RerunStarted {
                        job_id: job_id.clone(),
                        result: Ok(new_job.clone()),
                    };
                    log_outcome(&started);
                    let _ = actions.send(started);
                    let result = workflow::follow_job(
                        &session,
                        &new_job,
                        FOLLOW_INTERVAL,
                        FOLLOW_TIMEOUT,
                        |progress| {
                            let _ = actions.send(Action::RerunProgress {
                                job_id: job_id.clone(),
                                progress: progress.clone(),
                            });
                        },
                    )
                    .await
                    .map_err(shared);
                    Some(Action::RerunFinished { job_id, result })
                });
            }
            Effect::LoadJobJournal { job_id } => {
                let journal = self.journal.clone();
                self.spawn(Group::Other, async move {
                    let wanted = job_id.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        journal
                            .entries()
                            .map(|entries| {
                                entries
                                    .into_iter()
                                    .filter(|e| e.job_id.as_deref() == Some(wanted.as_str()))
                                    .collect()
                            })
                            .map_err(shared)
                    })
                    .await
                    .unwrap_or_else(|e| {
                        Err(shared(workflow::WorkflowError::BadInput(format!(
                            "reading the journal failed: {e}"
                        ))))
                    });
                    Some(Action::JobJournal { job_id, result })
                });
            }
            Effect::FindUndo {
                account,
                job_id,
                role,
            } => {
                let journal = self.journal.clone();
                self.spawn(Group::Other, async move {
                    // Settle writes a crash or a lost reply left unresolved, so they can be undone.
                    if let Err(error) = workflow::reconcile(&session, &journal).await {
                        tracing::warn!("reconciling the journal failed: {error}");
                    }
                    let account = match account {
                        Some(account) => account,
                        None => match session.caller_identity().await {
                            Ok((account, _)) => account,
                            Err(error) => {
                                return Some(Action::UndoTargetFound(Err(shared(error))));
                            }
                        },
                    };
                    let result = tokio::task::spawn_blocking(move || {
                        find_undo(&journal, &account, job_id.as_deref(), role.as_deref())
                            .map(Box::new)
                            .map_err(shared)
                    })
                    .await
                    .unwrap_or_else(|e| {
                        Err(shared(workflow::WorkflowError::BadInput(format!(
                            "reading the journal failed: {e}"
                        ))))
                    });
                    Some(Action::UndoTargetFound(result))
                });
            }
            Effect::Undo(entry) => {
                let journal = self.journal.clone();
                let writer = self.writer();
                self.spawn(Group::Other, async move {
                    let Some(writer) = writer else {
                        return Some(Action::Undone(Err(shared(
                            workflow::WorkflowError::Refused(
                                "this session is read-only: nothing was written".into(),
                            ),
                        ))));
                    };
                    let result = workflow::undo(&session, &writer, &journal, &entry)
                        .await
                        .map_err(shared);
                    Some(Action::Undone(result))
                });
            }
            Effect::SaveExport {
                path,
                text,
                overwrite,
            } => self.spawn(Group::Other, async move {
                let target = path.clone();
                let result = tokio::task::spawn_blocking(move || save(&target, &text, overwrite))
                    .await
                    .unwrap_or_else(|e| Err(SaveFailure::Failed(format!("saving failed: {e}"))));
                Some(Action::ExportSaved { path, result })
            }),
            Effect::Copy(text) => match self.clipboard {
                Clipboard::Record => self.copied.push(text),
                Clipboard::Osc52 => {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                    let mut stdout = std::io::stdout();
                    // A terminal without OSC 52 ignores the sequence; nothing to report.
                    let _ = write!(stdout, "\x1b]52;c;{encoded}\x07");
                    let _ = stdout.flush();
                }
            },
        }
    }
}

/// The entry `u` undoes: the newest fix in `account` for restore job `job_id` or role `role`
/// (the selected job's), or the newest in `account` when no job is selected.
fn find_undo(
    journal: &Journal,
    account: &str,
    job_id: Option<&str>,
    role: Option<&str>,
) -> Result<crate::workflow::journal::JournalEntry, workflow::WorkflowError> {
    if job_id.is_none() && role.is_none() {
        return workflow::undo_target(journal, None, account);
    }
    let nothing = format!(
        "no fix restore-doctor applied for restore job {} or role {} in account {account} is in the journal ({}); nothing to undo for this job",
        job_id.unwrap_or("-"),
        role.unwrap_or("-"),
        journal.path().display()
    );
    workflow::undo_target_where(
        journal,
        account,
        |entry| {
            job_id.is_some_and(|id| entry.job_id.as_deref() == Some(id))
                || role.is_some_and(|role| entry.target_name == role)
        },
        &nothing,
    )
}

/// A workflow error as the app's actions carry it (typed; drawn as a sentence by the UI).
fn shared(error: impl Into<workflow::WorkflowError>) -> workflow::SharedError {
    Arc::new(error.into())
}

/// Opens the session for `region`/`profile` and proves it usable: STS says who it is and
/// Backup answers a listing in its region. Any failure is one line naming what was asked for.
async fn open_session(
    current: &Session,
    region: Option<String>,
    profile: Option<String>,
) -> Result<Box<SessionSwitch>, workflow::SharedError> {
    let asked = match (&region, &profile) {
        (Some(region), _) => format!("region {region}"),
        (None, Some(profile)) => format!("profile {profile}"),
        (None, None) => "the session".to_string(),
    };
    let cannot = |e: &crate::aws::AwsError| {
        shared(crate::aws::AwsError::new(
            e.kind,
            format!("cannot use {asked}: {e}"),
        ))
    };
    let session = current
        .reconnect(region.as_deref(), profile.as_deref())
        .await
        .map_err(|e| cannot(&e))?;
    let (account, caller_arn) = session.caller_identity().await.map_err(|e| cannot(&e))?;
    session
        .list_restore_jobs(None, Some(std::time::SystemTime::now()), Some(1))
        .await
        .map_err(|e| cannot(&e))?;
    Ok(Box::new(SessionSwitch {
        region: session.region().to_string(),
        profile: session.profile().map(str::to_string),
        session: SessionHandle(std::sync::Arc::new(session)),
        account,
        caller_arn,
    }))
}

/// Logs (to the log file, never the screen) what failed and what was written.
fn log_outcome(action: &Action) {
    match action {
        Action::JobsLoaded { result: Err(e), .. } => tracing::warn!("listing failed: {e}"),
        Action::TokenDecoded { result: Err(e), .. } => tracing::warn!("decode failed: {e}"),
        Action::PreviewReady { result: Err(e), .. } => tracing::warn!("preview failed: {e}"),
        Action::Applied {
            result: Ok(outcome),
            ..
        } => tracing::info!(?outcome, "fix applied"),
        Action::Applied { result: Err(e), .. } => tracing::warn!("apply failed: {e}"),
        Action::RerunStarted {
            result: Ok(job), ..
        } => tracing::info!("re-run started restore job {job}"),
        Action::RerunStarted { result: Err(e), .. } => tracing::warn!("re-run failed: {e}"),
        Action::JournalReconciled(Ok(report)) if !report.is_empty() => {
            tracing::info!(?report, "journal reconciled")
        }
        Action::JournalReconciled(Err(e)) => tracing::warn!("reconciling the journal failed: {e}"),
        Action::Undone(Ok(entry)) => tracing::info!("undone, journal entry {entry}"),
        Action::Undone(Err(e)) => tracing::warn!("undo failed: {e}"),
        Action::ExportSaved {
            path,
            result: Ok(()),
        } => tracing::info!("export saved to {}", path.display()),
        Action::ExportSaved {
            result: Err(SaveFailure::Failed(e)),
            ..
        } => tracing::warn!("saving the export failed: {e}"),
        _ => {}
    }
}

/// Writes `text` to `path`; without `overwrite` an existing file is left alone (checked by
/// the create itself, so a file that appears meanwhile is not overwritten either).
fn save(path: &std::path::Path, text: &str, overwrite: bool) -> Result<(), SaveFailure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => SaveFailure::Exists,
        _ => SaveFailure::Failed(format!(
            "cannot write {}: {e}; check the directory exists and is writable",
            path.display()
        )),
    })?;
    file.write_all(text.as_bytes())
        .map_err(|e| SaveFailure::Failed(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_never_overwrites_unless_told() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fix.tf");
        assert_eq!(save(&path, "first", false), Ok(()));
        assert_eq!(save(&path, "second", false), Err(SaveFailure::Exists));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("first")
        );
        assert_eq!(save(&path, "third", true), Ok(()));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("third")
        );
        let missing = dir.path().join("no-such-dir").join("fix.tf");
        assert!(
            matches!(save(&missing, "x", false), Err(SaveFailure::Failed(m)) if m.contains("no-such-dir"))
        );
    }
}
