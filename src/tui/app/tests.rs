//! `update()` without a terminal: confirmation defaults to Cancel, read-only blocks writes,
//! the filter, scope cycling, stale results ignored, decode fan-out.

use super::fixtures::{self, app};
use super::*;
use crate::diagnosis::Scope;
use crate::tui::action::{Action, Effect};

fn preview_ready(app: &mut App) {
    let effects = app.update(Action::Preview);
    let request = match effects.as_slice() {
        [Effect::Preview { request, scope, .. }] => {
            assert_eq!(*scope, Scope::Exact);
            *request
        }
        other => panic!("expected one preview effect, got {other:?}"),
    };
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
}

#[test]
fn listing_decodes_each_distinct_token_once() {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let effects = app.start();
    assert!(effects.contains(&Effect::LoadIdentity));
    let generation = app.generation;
    let jobs = vec![
        fixtures::job("a", "2026-11-28T00:00:00Z", "EC2", Some("t1")),
        fixtures::job("b", "2026-11-28T00:00:00Z", "EC2", Some("t1")),
        fixtures::job("c", "2026-11-28T00:00:00Z", "EC2", Some("t2")),
        fixtures::job("d", "2026-11-28T00:00:00Z", "EC2", None),
    ];
    let effects = app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    let tokens: Vec<_> = effects
        .iter()
        .flat_map(|e| match e {
            Effect::Decode { tokens, .. } => tokens.iter().map(|t| t.as_str()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(tokens, ["t1", "t2"]);
    assert_eq!(app.badge(&app.jobs[0]), Badge::Decoding);
    assert_eq!(app.badge(&app.jobs[3]), Badge::NoEncodedMessage);
}

#[test]
fn badges_follow_the_decode_results() {
    let mut app = app(false, (160, 45));
    assert_eq!(
        app.badge(&app.jobs[0]),
        Badge::MissingAllow("iam:PassRole".into())
    );
    assert_eq!(app.badge(&app.jobs[1]), Badge::ExplicitDeny);
    assert_eq!(app.badge(&app.jobs[2]), Badge::Decoding);
    let generation = app.generation;
    app.update(Action::TokenDecoded {
        generation,
        token: "tok-pending".into(),
        result: Err(crate::tui::app::fixtures::failure(
            "AccessDenied: grant sts:DecodeAuthorizationMessage",
        )),
    });
    assert_eq!(
        app.badge(&app.jobs[2]),
        Badge::DecodeFailed("AccessDenied: grant sts:DecodeAuthorizationMessage".into())
    );
    assert_eq!(
        app.badge(&app.jobs[2]).label(),
        "decode failed: AccessDenied: grant sts:DecodeAuthorizationMessage"
    );
}

#[test]
fn stale_results_are_ignored() {
    let mut app = app(false, (160, 45));
    let old = app.generation;
    let effects = app.update(Action::Refresh);
    assert_eq!(
        effects,
        vec![Effect::LoadJobs {
            generation: old + 1,
            status: crate::workflow::StatusFilter::default(),
        }]
    );
    app.update(Action::JobsLoaded {
        generation: old,
        result: Ok(Vec::new()),
    });
    assert_eq!(
        app.jobs.len(),
        4,
        "an old listing does not replace the rows"
    );
    app.update(Action::TokenDecoded {
        generation: old,
        token: "tok-pending".into(),
        result: Err(crate::tui::app::fixtures::failure("late")),
    });
    assert!(!matches!(
        app.decodes.get("tok-pending"),
        Some(DecodeState::Failed(_))
    ));

    // An old preview answer does not replace a newer one.
    let mut app = fixtures::app(false, (160, 45));
    app.update(Action::Preview);
    let first = app.preview_request;
    app.update(Action::CycleScope);
    assert_eq!(app.preview_request, first + 1);
    app.update(Action::PreviewReady {
        request: first,
        result: Ok(Box::new(fixtures::plan())),
    });
    assert!(matches!(
        app.modals.last(),
        Some(Modal::Preview(PreviewModal {
            state: PreviewState::Loading,
            ..
        }))
    ));
}

#[test]
fn confirmation_defaults_to_cancel_and_only_y_applies() {
    let mut app = app(false, (160, 45));
    preview_ready(&mut app);
    assert!(app.update(Action::AskApply).is_empty());
    assert!(matches!(app.modals.last(), Some(Modal::Confirm(_))));
    assert_eq!(app.context(), crate::tui::keymap::Context::Confirm);
    // Enter, Esc and n all map to Cancel (see the keymap tests): nothing is emitted.
    assert!(app.update(Action::Cancel).is_empty());
    assert!(matches!(app.modals.last(), Some(Modal::Preview(_))));
    app.update(Action::AskApply);
    let effects = app.update(Action::Confirm);
    match effects.as_slice() {
        [Effect::Apply { plan, token }] => {
            assert_eq!(**plan, fixtures::plan(), "exactly the previewed plan");
            assert_eq!(token.as_deref(), Some("tok-passrole"));
        }
        other => panic!("expected one apply, got {other:?}"),
    }
}

/// The fix lands: the job's case is read again (and every case with the same target), and
/// IAM now holds the fix.
fn applied_and_case_read_again(app: &mut App) {
    let effects = app.update(Action::Applied {
        plan: Box::new(fixtures::plan()),
        token: Some("tok-passrole".into()),
        result: Ok(crate::workflow::ApplyOutcome {
            journal_entry: Some("j1".into()),
            written: true,
            verification: crate::workflow::Verification::Allowed,
        }),
    });
    let [Effect::BuildCases { requests, .. }] = effects.as_slice() else {
        panic!("the written target's cases are read again: {effects:?}");
    };
    assert_eq!(requests[0].job.restore_job_id, "4A1B2C3D-article");
    let job = app.jobs[0].job.clone();
    fixtures::deliver_case(app, &job, fixtures::identity_case(true));
}

#[test]
fn applied_marks_the_job_fixed_and_offers_rerun() {
    let mut app = app(false, (160, 45));
    preview_ready(&mut app);
    app.update(Action::AskApply);
    app.update(Action::Confirm);
    applied_and_case_read_again(&mut app);
    assert_eq!(app.badge(&app.jobs[0]), Badge::Fixed);
    let Some(Modal::Message(message)) = app.modals.last() else {
        panic!("expected the outcome message");
    };
    assert!(
        message
            .lines
            .iter()
            .any(|l| l.contains("now allows the request"))
    );
    app.update(Action::AskRerun);
    assert!(matches!(
        app.modals.last(),
        Some(Modal::Confirm(ConfirmModal {
            pending: PendingWrite::Rerun { .. },
            ..
        }))
    ));
    assert_eq!(
        app.modals.len(),
        1,
        "the message was replaced by the confirmation"
    );
}

#[test]
fn read_only_blocks_every_write_with_a_reason() {
    let mut app = app(true, (160, 45));
    preview_ready(&mut app);
    let mut checked = 0;
    for action in [Action::AskApply, Action::AskRerun, Action::AskUndo] {
        let effects = app.update(action);
        assert!(effects.is_empty());
        let Some(Modal::Message(message)) = app.modals.last() else {
            panic!("expected an explanation");
        };
        assert!(
            message
                .remedy
                .as_deref()
                .unwrap_or("")
                .contains("read-only")
        );
        assert!(!app.modals.iter().any(|m| matches!(m, Modal::Confirm(_))));
        // Every one of the three is checked: close what it opened and go on (an earlier
        // version stopped after the first).
        app.modals.clear();
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn the_filter_narrows_and_clears() {
    let mut app = app(false, (160, 45));
    app.update(Action::StartFilter);
    assert_eq!(app.context(), crate::tui::keymap::Context::Filter);
    for ch in "deny".chars() {
        app.update(Action::InputChar(ch));
    }
    assert_eq!(app.visible.len(), 1);
    assert_eq!(
        app.selected_row().map(|r| r.job.restore_job_id.as_str()),
        Some("5B2C3D4E-deny")
    );
    app.update(Action::InputSubmit);
    assert_eq!(app.context(), crate::tui::keymap::Context::Jobs);
    app.update(Action::InputCancel);
    assert_eq!(app.visible.len(), 4);
    assert_eq!(
        app.selected_row().map(|r| r.job.restore_job_id.as_str()),
        Some("5B2C3D4E-deny")
    );
}

#[test]
fn scope_cycles_and_previews_again() {
    let mut app = app(false, (160, 45));
    preview_ready(&mut app);
    let effects = app.update(Action::CycleScope);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Preview {
            scope: Scope::Account,
            ..
        }]
    ));
    let effects = app.update(Action::CycleScope);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Preview {
            scope: Scope::Exact,
            ..
        }]
    ));
}

#[test]
fn movement_clamps_and_tree_navigation_follows_open_nodes() {
    let mut app = app(false, (160, 45));
    app.update(Action::MoveUp);
    assert_eq!(app.selected, 0);
    app.update(Action::Last);
    assert_eq!(app.selected, 3);
    app.update(Action::First);
    app.update(Action::FocusNext);
    assert_eq!(app.tree_selected, vec!["verdict".to_string()]);
    // Verdict, action and resource come first (the resource shows even at 80x24).
    app.update(Action::MoveDown);
    assert_eq!(app.tree_selected, vec!["action".to_string()]);
    app.update(Action::MoveDown);
    app.update(Action::MoveDown);
    assert_eq!(app.tree_selected, vec!["principal".to_string()]);
    app.update(Action::MoveDown);
    assert_eq!(
        app.tree_selected,
        vec!["principal".to_string(), "id".to_string()]
    );
    let effects = app.update(Action::Copy);
    assert!(matches!(effects.as_slice(), [Effect::Copy(text)] if text.starts_with("AROA")));
    app.update(Action::CloseNode);
    app.update(Action::CloseNode);
    assert_eq!(app.tree_selected, vec!["principal".to_string()]);
    assert!(!app.tree_opened.contains(&vec!["principal".to_string()]));
}

#[test]
fn a_failed_rerun_is_diagnosed_in_place() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    let effects = app.update(Action::Confirm);
    assert!(
        matches!(effects.as_slice(), [Effect::Rerun { job_id, without_instance_profile: false, .. }] if job_id == "4A1B2C3D-article")
    );
    app.update(Action::RerunStarted {
        job_id: "4A1B2C3D-article".into(),
        result: Ok("new-job".into()),
    });
    let effects = app.update(Action::RerunFinished {
        job_id: "4A1B2C3D-article".into(),
        result: Ok(crate::workflow::JobProgress {
        restore_job_id: "new-job".into(),
        status: crate::diagnosis::RestoreJobStatus::Failed,
        percent_done: None,
        status_message: Some("Encoded authorization failure message: AQoDYXdzEJr1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".into()),
        created_resource_arn: None,
    }),
    });
    assert!(
        matches!(effects.as_slice(), [Effect::Decode { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_click_selects_the_row_under_the_mouse_and_the_wheel_moves() {
    let mut app = app(false, (160, 45));
    // Row 3 is the first job (header line, border, column titles above it).
    app.update(Action::Click(10, 5));
    assert_eq!(app.selected, 2);
    app.update(Action::Click(150, 5));
    assert_eq!(
        app.selected, 2,
        "a click in the tree pane does not move the table"
    );
    app.update(Action::Click(10, 40));
    assert_eq!(app.selected, 2, "below the last row");
}

#[test]
fn undo_asks_first_and_clears_the_fixed_mark() {
    let mut app = app(false, (160, 45));
    let job = app.jobs[0].job.clone();
    fixtures::deliver_case(&mut app, &job, fixtures::identity_case(true));
    assert!(matches!(
        app.update(Action::AskUndo).as_slice(),
        [Effect::FindUndo { account: Some(account), job_id: Some(_), role: Some(_) }] if account == "111122223333"
    ));
    let entry = crate::workflow::journal::JournalEntry {
        version: crate::workflow::journal::JOURNAL_VERSION,
        id: "e1".into(),
        time: "2026-11-28T09:20:00Z".into(),
        phase: crate::workflow::journal::Phase::Applied,
        operation: crate::workflow::journal::Operation::Fix,
        site: crate::diagnosis::Site::new("111122223333", "us-east-1"),
        target_type: crate::diagnosis::TargetType::Role,
        target_name: "AWSBackupDefaultServiceRole".into(),
        target_arn: "arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole".into(),
        policy_name: "RestoreDoctorFixes".into(),
        before: None,
        after: None,
        job_id: Some("4A1B2C3D-article".into()),
        token_sha256: None,
        summary: None,
        undoes: None,
        error: None,
        reconciled: None,
        managed: None,
    };
    app.update(Action::UndoTargetFound(Ok(Box::new(entry.clone()))));
    assert!(matches!(app.modals.last(), Some(Modal::Confirm(c)) if c.action == "Undo fix"));
    assert!(
        app.update(Action::Cancel).is_empty(),
        "cancel writes nothing"
    );
    assert_eq!(app.badge(&app.jobs[0]), Badge::Fixed);
    app.update(Action::UndoTargetFound(Ok(Box::new(entry.clone()))));
    let effects = app.update(Action::Confirm);
    assert_eq!(effects, vec![Effect::Undo(Box::new(entry))]);
    let effects = app.update(Action::Undone(Ok("e2".into())));
    // The undo changed the role: its case is read again, and the row is no longer fixed.
    assert!(
        matches!(effects.as_slice(), [Effect::BuildCases { requests, .. }] if requests[0].job.restore_job_id == job.restore_job_id),
        "{effects:?}"
    );
    assert_ne!(app.badge(&app.jobs[0]), Badge::Fixed);
}

#[test]
fn an_apply_that_lands_after_the_preview_closed_still_marks_the_job() {
    let mut app = app(false, (160, 45));
    preview_ready(&mut app);
    app.update(Action::AskApply);
    app.update(Action::Confirm);
    app.update(Action::CloseModal);
    assert!(app.modals.is_empty());
    applied_and_case_read_again(&mut app);
    assert_eq!(app.badge(&app.jobs[0]), Badge::Fixed);
    assert!(matches!(app.modals.last(), Some(Modal::Message(m)) if m.title == "Fix applied"));
}

#[test]
fn the_status_line_expires_on_ticks_and_idle_ticks_do_not_redraw() {
    let mut app = app(false, (160, 45));
    // The event loop clears `dirty` when it draws.
    app.dirty = false;
    app.update(Action::Tick);
    assert!(!app.dirty, "an idle tick does not redraw");
    app.update(Action::Copy);
    assert!(app.status.is_some());
    for _ in 0..4 {
        app.dirty = false;
        app.update(Action::Tick);
        assert!(app.status.is_some());
    }
    app.dirty = false;
    app.update(Action::Tick);
    assert!(app.status.is_none());
    assert!(app.dirty, "the expiry redraws once");
}

/// The launch stall: the listing landed after the first frame and before the first tick, the
/// event loop held its frame back (background frames are drawn at most every 50 ms), and the
/// tick, changing nothing itself, cleared the redraw: nothing was drawn until a key.
#[test]
fn a_tick_or_an_idle_key_keeps_a_redraw_that_is_not_drawn_yet() {
    let mut app = super::App::new(fixtures::header(false), (160, 45));
    let effects = app.start();
    assert!(matches!(app.list_state, ListState::Loading));
    app.dirty = false; // the first frame: "Listing…"
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadJobs { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("the listing");
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(vec![fixtures::job(
            "1-EBS",
            "2026-11-29T00:00:00Z",
            "EBS",
            None,
        )]),
    });
    assert!(app.dirty);
    app.update(Action::Tick);
    assert!(app.dirty, "the tick kept the listing's redraw");
    app.update(Action::Spin);
    assert!(app.dirty, "the spinner kept it");
    app.update(Action::AskRerunWithoutInstanceProfile);
    assert!(app.dirty, "a key that does nothing kept it");
}

#[test]
fn a_refresh_keeps_the_selected_job_and_reads_its_case_again() {
    let mut app = app(false, (160, 45));
    app.update(Action::MoveDown);
    app.update(Action::Refresh);
    let generation = app.generation;
    let mut jobs: Vec<_> = app.jobs.iter().map(|r| r.job.clone()).collect();
    jobs.insert(
        0,
        fixtures::job("9F000000-newer", "2026-11-29T00:00:00Z", "EC2", None),
    );
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    let row = app.selected_row().expect("a row");
    assert_eq!(row.job.restore_job_id, "5B2C3D4E-deny");
    // Its case is read again for the new listing; the decoded message stays.
    assert!(matches!(
        app.case_of(&row.job),
        Some(super::CaseState::Reading)
    ));
    assert_eq!(app.badge(row), Badge::ExplicitDeny);
}
