//! Work in flight: `q` and Ctrl-c never abandon a write silently, signals still quit, what
//! reconciling the journal settled is said, and a re-run that ends unseen is notified.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixtures::{self, app};
use super::*;
use crate::tui::action::{Action, Effect};
use crate::tui::keymap;
use crate::workflow::journal::Phase;
use crate::workflow::{JobProgress, Reconciled, Resolution};

/// Presses a key through the keymap, as the event loop does.
fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    let action = keymap::action_for(app.context(), KeyEvent::new(code, modifiers));
    action.map(|a| app.update(a)).unwrap_or_default()
}

fn applying(app: &mut App) {
    app.update(Action::Preview);
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
    app.update(Action::AskApply);
    let effects = app.update(Action::Confirm);
    assert!(matches!(effects.as_slice(), [Effect::Apply { .. }]));
}

fn applied(app: &mut App) {
    app.update(Action::Applied {
        plan: Box::new(fixtures::plan()),
        token: Some("tok-passrole".into()),
        result: Ok(crate::workflow::ApplyOutcome {
            journal_entry: Some("j1".into()),
            written: true,
            verification: crate::workflow::Verification::Allowed,
        }),
    });
}

#[test]
fn q_during_an_apply_warns_and_a_second_q_quits() {
    let mut app = app(false, (160, 45));
    applying(&mut app);
    assert!(app.write_in_flight());
    press(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(!app.should_quit, "the first q does not abandon the write");
    assert_eq!(app.status.as_deref(), Some(QUIT_WARNING));
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("a write is in flight: wait, or press q"),
        "{screen}"
    );
    press(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(app.should_quit, "the second q quits");
}

#[test]
fn ctrl_c_is_guarded_like_q_and_another_key_disarms_it() {
    let mut app = app(false, (160, 45));
    applying(&mut app);
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(!app.should_quit);
    assert_eq!(app.status.as_deref(), Some(QUIT_WARNING));
    // Another key in between: the next Ctrl-c warns again rather than quitting.
    press(&mut app, KeyCode::Char('j'), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.should_quit);
}

#[test]
fn once_the_write_lands_q_quits_at_once() {
    let mut app = app(false, (160, 45));
    applying(&mut app);
    applied(&mut app);
    assert!(!app.write_in_flight());
    app.update(Action::CloseModal);
    press(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(app.should_quit);
}

#[test]
fn without_a_write_q_quits_at_once_and_a_signal_always_does() {
    let mut app = app(false, (160, 45));
    press(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(app.should_quit);

    let mut app = fixtures::app(false, (160, 45));
    applying(&mut app);
    app.update(Action::ForceQuit);
    assert!(
        app.should_quit,
        "SIGINT/SIGTERM/… quit even with a write in flight"
    );
}

#[test]
fn a_rerun_start_and_an_undo_are_writes_but_following_is_not() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    app.update(Action::Confirm);
    assert!(app.write_in_flight(), "StartRestoreJob in flight");
    app.update(Action::RerunStarted {
        job_id: "4A1B2C3D-article".into(),
        result: Ok("new-job".into()),
    });
    assert!(
        !app.write_in_flight(),
        "the restore runs in AWS; nothing is lost"
    );
    assert!(app.busy(), "but it is still followed");

    let mut app = fixtures::app(false, (160, 45));
    app.update(Action::AskUndo);
    app.update(Action::UndoTargetFound(Ok(Box::new(
        fixtures::journal_entry(false),
    ))));
    app.update(Action::Confirm);
    assert!(app.write_in_flight());
    app.update(Action::Quit);
    assert!(!app.should_quit);
    app.update(Action::Undone(Ok("e2".into())));
    assert!(!app.write_in_flight());
}

#[test]
fn start_reconciles_the_journal_and_says_what_it_settled() {
    let mut app = App::new(fixtures::header(false), (160, 45));
    assert!(app.start().contains(&Effect::ReconcileJournal));
    app.update(Action::JournalReconciled(Ok(Vec::new())));
    assert!(app.notices.is_empty(), "nothing settled, nothing said");
    app.update(Action::JournalReconciled(Ok(vec![Reconciled {
        id: "e1".into(),
        was: Phase::Pending,
        resolution: Resolution::Applied,
    }])));
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("journal: 1 write left pending by an earlier run is now"),
        "{screen}"
    );
}

#[test]
fn notices_expire_after_their_life() {
    let mut app = app(false, (160, 45));
    app.update(Action::JournalReconciled(Err(
        crate::tui::app::fixtures::failure("journal unreadable"),
    )));
    assert_eq!(app.notices.len(), 1);
    app.update_at(Action::Tick, NOTICE_LIFE / 2);
    assert_eq!(app.notices.len(), 1);
    app.update_at(Action::Tick, NOTICE_LIFE);
    assert!(app.notices.is_empty());
    assert!(app.dirty, "the expiry redraws");
}

#[test]
fn a_rerun_that_ends_after_its_window_closed_is_notified() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    app.update(Action::Confirm);
    app.update(Action::RerunStarted {
        job_id: "4A1B2C3D-article".into(),
        result: Ok("8E5F6071-rerun".into()),
    });
    app.update(Action::CloseModal);
    assert!(app.notices.is_empty());
    app.update(Action::RerunFinished {
        job_id: "4A1B2C3D-article".into(),
        result: Ok(JobProgress {
            restore_job_id: "8E5F6071-rerun".into(),
            status: crate::diagnosis::RestoreJobStatus::Completed,
            percent_done: None,
            status_message: None,
            created_resource_arn: Some("arn:aws:ec2:us-east-1:111122223333:instance/i-0abc".into()),
        }),
    });
    assert!(!app.busy());
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains(
            "re-run of restore job 4A1B2C3D-article ended: new job 8E5F6071-rerun COMPLETED"
        ),
        "{screen}"
    );
}

#[test]
fn a_failed_refresh_keeps_the_rows_marked_stale_since_when() {
    let mut app = app(false, (160, 45));
    app.wall_start = Some(time::macros::datetime!(2026-11-29 09:00:00 UTC));
    app.update_at(Action::Refresh, std::time::Duration::from_secs(10));
    let generation = app.generation;
    app.update_at(
        Action::JobsLoaded {
            generation,
            result: Err(crate::tui::app::fixtures::failure(
                "connection refused; check the endpoint",
            )),
        },
        std::time::Duration::from_secs(12),
    );
    app.update(Action::CloseModal);
    assert_eq!(app.jobs.len(), 4, "the old rows stay");
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("Failed restore jobs (4) stale since 09:00:12 UTC"),
        "{screen}"
    );
    assert!(screen.contains("4A1B2C3D-article"), "{screen}");
    app.update(Action::Refresh);
    let generation = app.generation;
    let jobs = app.jobs.iter().map(|r| r.job.clone()).collect();
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    assert!(!crate::tui::ui::tests::draw(&app).contains("stale since"));
}

#[test]
fn the_spinner_shows_elapsed_time_in_the_modal_and_the_footer() {
    use std::time::Duration;
    let mut app = app(false, (160, 45));
    app.update_at(Action::Preview, Duration::from_secs(1));
    app.update_at(Action::Spin, Duration::from_millis(3500));
    assert!(app.dirty, "a spin redraws while busy");
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("(exact scope)… ⠙ 2.5s"), "{screen}");
    assert!(screen.contains("⠙ previewing the fix 2.5s"), "{screen}");
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
    assert!(!app.busy());
    app.dirty = false; // drawn
    app.update(Action::Spin);
    assert!(!app.dirty, "an idle spin does not redraw");
}
