//! Confirmations: never answered while not fully visible, say exactly what will be written,
//! and their results are one sentence; a status line belongs to the event that set it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixtures::{self, app};
use super::*;
use crate::tui::action::{Action, Effect};
use crate::tui::keymap::{self, Context};

fn key(app: &App, code: KeyCode) -> Option<Action> {
    keymap::action_for(app.context(), KeyEvent::new(code, KeyModifiers::NONE))
}

fn open_apply_confirmation(size: (u16, u16)) -> App {
    let mut app = app(false, size);
    app.update(Action::Preview);
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
    app.update(Action::AskApply);
    assert_eq!(app.context(), Context::Confirm);
    app
}

#[test]
fn a_confirmation_on_a_too_small_terminal_is_never_answered_and_q_cancels_it() {
    let mut app = open_apply_confirmation((160, 45));
    app.update(Action::Resize(60, 20));
    assert_eq!(app.context(), Context::HiddenConfirm);
    // y and Enter mean nothing while the confirmation is hidden…
    assert!(key(&app, KeyCode::Char('y')).is_none());
    assert!(key(&app, KeyCode::Enter).is_none());
    // …and a Confirm that got through anyway (a queued event) emits no write.
    let effects = app.update(Action::Confirm);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Apply { .. })),
        "{effects:?}"
    );
    assert!(matches!(app.modals.last(), Some(Modal::Confirm(_))));
    // q (and Esc) cancel it.
    let Some(action) = key(&app, KeyCode::Char('q')) else {
        panic!("q does something on the too-small screen");
    };
    assert!(matches!(action, Action::Cancel));
    assert!(app.update(action).is_empty());
    assert!(!app.modals.iter().any(|m| matches!(m, Modal::Confirm(_))));
    assert!(!app.should_quit);
    // Back to a usable size, the same flow confirms.
    app.update(Action::Resize(160, 45));
    app.update(Action::AskApply);
    let effects = app.update(Action::Confirm);
    assert!(matches!(effects.as_slice(), [Effect::Apply { .. }]));
}

#[test]
fn q_quits_on_the_too_small_screen_without_a_confirmation() {
    let mut app = app(false, (40, 10));
    assert_eq!(app.context(), Context::TooSmall);
    let Some(action) = key(&app, KeyCode::Char('q')) else {
        panic!("q does nothing");
    };
    app.update(action);
    assert!(app.should_quit);
}

#[test]
fn a_status_line_is_replaced_by_the_next_event() {
    let mut app = open_apply_confirmation((160, 45));
    app.update(Action::Cancel);
    assert_eq!(
        app.status.as_deref(),
        Some("cancelled: nothing was written")
    );
    app.update(Action::AskApply);
    app.update(Action::Confirm);
    app.update(Action::Applied {
        plan: Box::new(fixtures::plan()),
        token: Some("tok-passrole".into()),
        result: Ok(crate::workflow::ApplyOutcome {
            journal_entry: Some("j1".into()),
            written: true,
            verification: crate::workflow::Verification::Allowed,
        }),
    });
    assert!(matches!(app.modals.last(), Some(Modal::Message(m)) if m.title == "Fix applied"));
    assert_eq!(app.status, None, "no 'cancelled' under 'Fix applied'");
    let Some(Modal::Message(message)) = app.modals.last() else {
        unreachable!()
    };
    assert_eq!(
        message.lines[0],
        "Wrote inline policy RestoreDoctorFixes to role arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole, and IAM's policy simulator now allows the request."
    );
}

fn field<'a>(confirm: &'a ConfirmModal, label: &str) -> &'a ConfirmField {
    confirm
        .fields
        .iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("no {label} in {confirm:?}"))
}

#[test]
fn the_apply_confirmation_names_the_document_target_and_a_wider_scope() {
    let exact = confirmations::apply(Box::new(fixtures::plan()), None);
    assert!(
        field(&exact, "Write")
            .value
            .contains("inline policy RestoreDoctorFixes")
    );
    assert!(
        field(&exact, "To")
            .value
            .ends_with("role/service-role/AWSBackupDefaultServiceRole")
    );
    assert!(!field(&exact, "Scope").warning);
    let wide = confirmations::apply(Box::new(fixtures::wide_plan()), None);
    let scope = field(&wide, "Scope");
    assert!(scope.warning, "WIDER is drawn as a warning");
    assert!(
        scope.value.contains("WIDER than the failed request"),
        "{scope:?}"
    );
    assert!(
        scope
            .value
            .contains("role/AmazonSSMRoleForInstancesQuickSetup"),
        "the denied resource is named: {scope:?}"
    );
    assert!(
        field(&wide, "Allows")
            .value
            .contains("iam:PassRole on arn:aws:iam::111122223333:role/")
    );
}

#[test]
fn the_undo_confirmation_says_delete_or_put_back_and_its_result_is_one_sentence() {
    let create = confirmations::undo(Box::new(fixtures::journal_entry(false)));
    assert_eq!(
        field(&create, "Will").value,
        "Delete inline policy RestoreDoctorFixes from role arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole"
    );
    let replace = confirmations::undo(Box::new(fixtures::journal_entry(true)));
    assert!(
        field(&replace, "Will")
            .value
            .starts_with("Put back inline policy RestoreDoctorFixes on role arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole as it was before 2026-11-28T09:20:00Z"),
        "{replace:?}"
    );
    let mut app = app(false, (160, 45));
    app.update(Action::UndoTargetFound(Ok(Box::new(
        fixtures::journal_entry(false),
    ))));
    app.update(Action::Confirm);
    app.update(Action::Undone(Ok("e2".into())));
    let Some(Modal::Message(message)) = app.modals.last() else {
        panic!("expected the result");
    };
    assert_eq!(
        message.lines,
        vec![
            "Deleted inline policy RestoreDoctorFixes from role arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole."
        ]
    );
}

#[test]
fn the_rerun_confirmation_names_the_recovery_point_role_and_metadata() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        panic!("a confirmation");
    };
    assert!(
        field(confirm, "From")
            .value
            .contains("image/ami-0a1b2c3d4e5f60004")
    );
    assert!(
        field(confirm, "As role")
            .value
            .ends_with("AWSBackupDefaultServiceRole")
    );
    assert!(
        field(confirm, "Metadata")
            .value
            .contains("4A1B2C3D-article")
    );
}

#[test]
fn every_confirmation_fits_whole_at_80x24() {
    let app = open_apply_confirmation((80, 24));
    let Some(Modal::Confirm(confirm)) = app.modals.last() else {
        unreachable!()
    };
    assert!(confirm.fits((80, 24)), "{}", confirm.height(80));
    let wide = confirmations::apply(Box::new(fixtures::wide_plan()), None);
    assert!(wide.fits((80, 24)), "{}", wide.height(80));
    assert!(!wide.fits((80, 8)));
}

#[test]
fn the_footer_offers_only_what_helps_the_selected_job() {
    let mut app = app(false, (160, 45));
    let offered = |app: &App| {
        keymap::hints_where(Context::Jobs, |a| app.offers(Context::Jobs, a))
            .into_iter()
            .map(|(label, _)| label)
            .collect::<Vec<_>>()
    };
    let article = offered(&app);
    for key in ["p", "e", "r", "c"] {
        assert!(
            article.contains(&key),
            "{key} on the article's job: {article:?}"
        );
    }
    app.update(Action::MoveDown);
    let deny = offered(&app);
    for key in ["p", "e", "r"] {
        assert!(
            !deny.contains(&key),
            "no {key} on an explicit deny: {deny:?}"
        );
    }
    app.update(Action::Last);
    let capacity = offered(&app);
    assert!(
        !capacity.contains(&"p") && !capacity.contains(&"e"),
        "{capacity:?}"
    );
}

#[test]
fn esc_walks_back_and_ctrl_d_pages() {
    let mut app = app(false, (160, 45));
    app.update(Action::StartFilter);
    app.update(Action::InputChar('a'));
    app.update(Action::InputSubmit);
    app.update(Action::FocusNext);
    app.update(Action::Describe);
    let esc = |app: &App| key(app, KeyCode::Esc).expect("Esc does something");
    let action = esc(&app);
    app.update(action);
    assert!(app.modals.is_empty(), "modal first");
    assert_eq!(app.context(), Context::Tree);
    let action = esc(&app);
    app.update(action);
    assert_eq!(app.context(), Context::Jobs, "then the pane");
    assert_eq!(app.filter, "a");
    let action = esc(&app);
    app.update(action);
    assert_eq!(app.filter, "", "then the filter");
    let ctrl_d = keymap::action_for(
        Context::Jobs,
        KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL),
    );
    assert!(matches!(ctrl_d, Some(Action::PageDown)));
    let ctrl_u = keymap::action_for(
        Context::Jobs,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    assert!(matches!(ctrl_u, Some(Action::PageUp)));
}
