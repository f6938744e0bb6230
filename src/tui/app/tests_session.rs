//! `:status`, `:region`/`:profile` and auto-refresh, headless: what each asks the runtime for,
//! what lands (and what is ignored as stale), and what the screen then says.

use std::collections::HashSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixtures::{app, job};
use super::*;
use crate::diagnosis::RestoreJobStatus;
use crate::tui::action::{Action, Effect};
use crate::tui::keymap::{self, Context};
use crate::workflow::StatusFilter;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    keymap::action_for(app.context(), event)
        .map(|a| app.update(a))
        .unwrap_or_default()
}

fn run(app: &mut App, command: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(':'));
    assert_eq!(app.context(), Context::Palette);
    for ch in command.chars() {
        press(app, KeyCode::Char(ch));
    }
    press(app, KeyCode::Enter)
}

fn listing(effects: &[Effect]) -> Option<(u64, StatusFilter)> {
    effects.iter().find_map(|e| match e {
        Effect::LoadJobs { generation, status } => Some((*generation, status.clone())),
        _ => None,
    })
}

fn with_status(id: &str, status: RestoreJobStatus) -> crate::workflow::JobSummary {
    let mut job = job(id, "2026-11-28T10:00:00Z", "EBS", None);
    job.status = status;
    job.status_message = None;
    job
}

#[test]
fn status_all_lists_every_status_and_a_completed_job_offers_neither_fix_nor_rerun() {
    let mut app = app(false, (160, 45));
    let effects = run(&mut app, "status all");
    let (generation, status) = listing(&effects).expect("a new listing");
    assert_eq!(status, StatusFilter::All);
    assert!(app.jobs.is_empty(), "the failed rows do not linger");
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(vec![
            with_status("RUNNING-1", RestoreJobStatus::Running),
            with_status("COMPLETED-1", RestoreJobStatus::Completed),
        ]),
    });
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("All restore jobs (2)"), "{screen}");
    assert!(screen.contains("did not fail"), "{screen}");
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(
        app.selected_row().map(|r| r.job.status.clone()),
        Some(RestoreJobStatus::Completed)
    );
    for action in [Action::Preview, Action::AskRerun, Action::Export] {
        assert!(!app.offers(Context::Jobs, &action), "{action:?}");
    }
    let footer = crate::tui::ui::tests::draw(&app);
    let footer = footer.lines().last().unwrap_or_default();
    assert!(
        !footer.contains("re-run") && !footer.contains("preview"),
        "{footer}"
    );
    // `r` on it says why, and asks nothing.
    press(&mut app, KeyCode::Char('r'));
    assert!(app.modals.is_empty());
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("COMPLETED: only a failed job is re-run")),
        "{:?}",
        app.status
    );
    // A refresh keeps the status shown.
    let (_, status) = listing(&app.update(Action::Refresh)).expect("listing");
    assert_eq!(status, StatusFilter::All);
    // Back to the default.
    let (_, status) = listing(&run(&mut app, "status failed")).expect("listing");
    assert_eq!(status, StatusFilter::default());
    assert!(run(&mut app, "status nope").is_empty());
    assert!(
        matches!(app.modals.last(), Some(Modal::Palette(p)) if p.error.as_deref().is_some_and(|e| e.contains("failed, running, completed")))
    );
}

fn switched(
    app: &App,
    region: &str,
    profile: Option<&str>,
) -> Box<crate::tui::action::SessionSwitch> {
    let session = crate::aws::Session::for_tests(region, profile);
    let _ = app;
    Box::new(crate::tui::action::SessionSwitch {
        session: crate::tui::action::SessionHandle(std::sync::Arc::new(session)),
        region: region.into(),
        profile: profile.map(str::to_string),
        account: "111122223333".into(),
        caller_arn: "arn:aws:iam::111122223333:user/demo".into(),
    })
}

#[test]
fn region_switch_rebuilds_the_session_and_drops_the_old_sessions_work() {
    let mut app = app(false, (160, 45));
    let old_generation = app.generation;
    let effects = run(&mut app, "region us-west-2");
    let request = match effects.as_slice() {
        [
            Effect::SwitchSession {
                request,
                region,
                profile,
            },
        ] => {
            assert_eq!(region.as_deref(), Some("us-west-2"));
            assert_eq!(*profile, None);
            *request
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        app.header.region, "us-east-1",
        "the old session stays until the new one answers"
    );
    assert_eq!(app.jobs.len(), 4);
    let effects = app.update(Action::SessionSwitched {
        request,
        result: Ok(switched(&app, "us-west-2", None)),
    });
    assert!(
        matches!(effects.first(), Some(Effect::UseSession(_))),
        "{effects:?}"
    );
    let (generation, _) = listing(&effects).expect("the list reloads");
    assert!(generation > old_generation);
    assert_eq!(app.header.region, "us-west-2");
    assert!(
        app.jobs.is_empty(),
        "no us-east-1 row under the us-west-2 header"
    );
    // The old session's listing and decodes arrive late: ignored.
    app.update(Action::JobsLoaded {
        generation: old_generation,
        result: Ok(vec![job(
            "EAST-1",
            "2026-11-28T10:00:00Z",
            "EC2",
            Some("tok-east"),
        )]),
    });
    app.update(Action::TokenDecoded {
        generation: old_generation,
        token: "tok-east".into(),
        result: Err(crate::tui::app::fixtures::failure("late")),
    });
    assert!(app.jobs.is_empty() && !app.decodes.contains_key("tok-east"));
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(vec![job("WEST-1", "2026-11-28T10:00:00Z", "EBS", None)]),
    });
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("region us-west-2"), "{screen}");
    assert!(
        screen.contains("WEST-1") && !screen.contains("EAST-1"),
        "{screen}"
    );
}

#[test]
fn a_session_that_cannot_be_used_keeps_the_old_one_with_one_line() {
    let mut app = app(false, (160, 45));
    app.profiles = vec!["broken".into()];
    assert!(
        run(&mut app, "profile nope").is_empty(),
        "not in the config files"
    );
    assert!(
        matches!(app.modals.last(), Some(Modal::Palette(p)) if p.error.as_deref().is_some_and(|e| e.contains("no profile \"nope\"")))
    );
    press(&mut app, KeyCode::Esc);
    let request = match run(&mut app, "profile broken").as_slice() {
        [
            Effect::SwitchSession {
                request, profile, ..
            },
        ] => {
            assert_eq!(profile.as_deref(), Some("broken"));
            *request
        }
        other => panic!("{other:?}"),
    };
    let effects = app.update(Action::SessionSwitched {
        request,
        result: Err(crate::tui::app::fixtures::failure(
            "cannot use profile broken: InvalidClientTokenId: the key is unknown",
        )),
    });
    assert!(effects.is_empty());
    assert_eq!(app.header.profile, None);
    assert_eq!(app.jobs.len(), 4, "the old rows stay");
    let screen = crate::tui::ui::tests::draw(&app);
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains(
            "cannot use profile broken (still on region us-east-1, profile default): InvalidClientTokenId"
        ),
        "{status}"
    );
    // A newer switch makes an older answer stale.
    let first = match run(&mut app, "region eu-west-1").as_slice() {
        [Effect::SwitchSession { request, .. }] => *request,
        other => panic!("{other:?}"),
    };
    let _ = run(&mut app, "region us-west-2");
    assert!(
        app.update(Action::SessionSwitched {
            request: first,
            result: Ok(switched(&app, "eu-west-1", None))
        })
        .is_empty()
    );
    assert_eq!(app.header.region, "us-east-1");
    assert!(run(&mut app, "region Not_A_Region").is_empty());
}

#[test]
fn watch_refreshes_on_ticks_marks_new_failures_and_never_while_a_modal_is_open() {
    let mut app = app(false, (160, 45));
    app.watch = Some(Watch {
        every: Duration::from_secs(30),
        enabled: true,
        next: Duration::from_secs(30),
    });
    // The fixture's listing was the first: it marks nothing.
    assert!(app.new_failures.is_empty());
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("watching every 30s"),
        "{screen}"
    );
    assert!(
        app.update_at(Action::Tick, Duration::from_secs(10))
            .is_empty(),
        "not due yet"
    );
    // Due while a modal is open: nothing steals the focus.
    press(&mut app, KeyCode::Char('?'));
    assert!(
        app.update_at(Action::Tick, Duration::from_secs(31))
            .is_empty()
    );
    press(&mut app, KeyCode::Esc);
    let effects = app.update_at(Action::Tick, Duration::from_secs(32));
    let (generation, _) = listing(&effects).expect("due and free: a refresh");
    assert!(
        app.update_at(Action::Tick, Duration::from_secs(33))
            .is_empty(),
        "one at a time"
    );
    let mut jobs: Vec<_> = app.jobs.iter().map(|r| r.job.clone()).collect();
    jobs.insert(
        0,
        job("NEW-FAIL", "2026-11-29T10:00:00Z", "EC2", Some("tok-new")),
    );
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs.clone()),
    });
    assert_eq!(app.new_failures, HashSet::from(["NEW-FAIL".to_string()]));
    let screen = crate::tui::ui::tests::draw(&app);
    let row = screen
        .lines()
        .find(|l| l.contains("NEW-FAIL"))
        .unwrap_or_default();
    assert!(row.contains("● new"), "{row}");
    // The selection stayed on its job (now second); selecting the new row clears the mark.
    assert_eq!(app.selected, 1);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.new_failures.len(), 1, "moving elsewhere keeps it");
    // The next listing keeps an unseen mark (a short interval must not hide it).
    let (generation, _) =
        listing(&app.update_at(Action::Tick, Duration::from_secs(70))).expect("due");
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs.clone()),
    });
    assert_eq!(
        app.new_failures.len(),
        1,
        "a refresh keeps it until selected"
    );
    press(&mut app, KeyCode::Char('g'));
    assert!(app.new_failures.is_empty());
    // The next listing with nothing new marks nothing.
    let (generation, _) =
        listing(&app.update_at(Action::Tick, Duration::from_secs(140))).expect("due");
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    assert!(app.new_failures.is_empty());
    // `w` turns it off (and on).
    press(&mut app, KeyCode::Char('w'));
    assert!(
        app.update_at(Action::Tick, Duration::from_secs(500))
            .is_empty()
    );
    assert!(app.watch_label().is_none());
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.watch_label().as_deref(), Some("watching every 30s"));
}

#[test]
fn a_rerun_says_while_it_waits_for_iam_to_propagate_the_fix() {
    let mut app = app(false, (160, 45));
    // Without a fix written for its cause, nothing is waited for.
    app.update(Action::AskRerun);
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        panic!("a confirmation");
    };
    assert!(
        !confirm.fields.iter().any(|f| f.label == "First"),
        "no wait without a fix"
    );
    assert!(matches!(
        app.update(Action::Confirm).as_slice(),
        [Effect::Rerun {
            wait_for_propagation: false,
            ..
        }]
    ));
    let mut app = fixtures::app(false, (160, 45));
    // A fix for the job's cause was written in this session: the re-run waits for it.
    app.written.insert((
        "111122223333".to_string(),
        "AWSBackupDefaultServiceRole".to_string(),
    ));
    app.update(Action::AskRerun);
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        panic!("a confirmation");
    };
    assert!(
        confirm
            .fields
            .iter()
            .any(|f| f.value.contains("until IAM's simulator allows the request")),
        "the confirmation says it waits first"
    );
    app.update(Action::Confirm);
    assert!(app.write_in_flight());
    let job = "4A1B2C3D-article".to_string();
    app.update(Action::RerunPhase {
        job_id: job.clone(),
        waiting: true,
    });
    assert!(!app.write_in_flight(), "nothing is written while waiting");
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("Waiting for IAM to propagate the fix"),
        "{screen}"
    );
    assert!(
        app.operation_lines()
            .iter()
            .any(|l| l.contains("waiting for IAM to propagate the fix")),
        "{:?}",
        app.operation_lines()
    );
    app.update(Action::RerunPhase {
        job_id: job.clone(),
        waiting: false,
    });
    assert!(app.write_in_flight(), "the start follows");
    app.update(Action::RerunStarted {
        job_id: job,
        result: Ok("NEW-1".into()),
    });
    assert!(!app.write_in_flight());
    assert!(
        !app.operation_lines()
            .iter()
            .any(|l| l.contains("waiting for IAM"))
    );
}

#[test]
fn a_passrole_rerun_offers_the_restore_without_the_instance_profile_as_its_own_confirmation() {
    let mut app = app(false, (160, 45));
    // The article's job: an EC2 restore denied iam:PassRole.
    press(&mut app, KeyCode::Char('r'));
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        panic!("a confirmation");
    };
    assert!(
        confirm
            .fields
            .iter()
            .any(|f| f.label == "Or" && f.value.contains("press i"))
    );
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("without instance profile"),
        "the footer offers i:\n{screen}"
    );
    // `i` is a second question, never an answer.
    assert!(press(&mut app, KeyCode::Char('i')).is_empty());
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        panic!("a second confirmation");
    };
    assert_eq!(
        confirm.action,
        "Re-run restore WITHOUT its instance profile"
    );
    assert!(
        confirm
            .fields
            .iter()
            .any(|f| f.warning && f.value.contains("WITHOUT its instance profile")),
        "the change is said in red"
    );
    assert!(!app.offers(Context::Confirm, &Action::AskRerunWithoutInstanceProfile));
    assert!(
        press(&mut app, KeyCode::Char('i')).is_empty(),
        "no third question"
    );
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::Rerun { without_instance_profile: true, job_id, .. }] if job_id == "4A1B2C3D-article"),
        "{effects:?}"
    );
    // An explicit-deny job is not re-run at all; a job without a PassRole denial gets no `i`.
    let mut app = super::fixtures::app(false, (160, 45));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('r'));
    if let Some(Modal::Confirm(confirm)) = app.modals.last() {
        assert!(
            !confirm.fields.iter().any(|f| f.label == "Or"),
            "{confirm:?}"
        );
        assert!(press(&mut app, KeyCode::Char('i')).is_empty());
        assert!(
            matches!(app.modals.last(), Some(Modal::Confirm(c)) if c.action == "Re-run restore")
        );
    }
}
