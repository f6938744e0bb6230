//! The export viewer: the merged document when a preview plan exists (else a policy of its
//! own), formats switched with Tab/←/→, `c` copies what is shown, `s` saves to a prefilled
//! path and an existing file is only overwritten after `y`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixtures::{self, app};
use super::*;
use crate::tui::action::{Action, Effect, SaveFailure};
use crate::tui::keymap::{self, Context};
use crate::workflow::{ExportFormat, export_fix, export_plan};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    keymap::action_for(app.context(), event)
        .map(|a| app.update(a))
        .unwrap_or_default()
}

fn viewer(app: &App) -> &ExportModal {
    match app.modals.last() {
        Some(Modal::Export(export)) => export,
        other => panic!("expected the export viewer, got {other:?}"),
    }
}

fn previewed(app: &mut App) {
    app.update(Action::Preview);
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
}

#[test]
fn without_a_preview_the_export_is_the_cases_merged_document() {
    let mut app = app(false, (160, 45));
    press(&mut app, KeyCode::Char('e'));
    let export = viewer(&app);
    // What `export --job` prints for the job: its case's merged document.
    assert_eq!(
        export.text(),
        export_plan(&fixtures::plan(), ExportFormat::Terraform)
    );
    assert!(
        export.note().starts_with("The merged document"),
        "{}",
        export.note()
    );
}

#[test]
fn before_its_layers_are_read_a_job_exports_nothing_and_without_them_a_policy_of_its_own() {
    let mut app = app(false, (160, 45));
    let job = app.jobs[0].job.clone();
    app.cases.insert(job_key(&job), CaseState::Reading);
    assert!(!app.offers(Context::Jobs, &Action::Export));
    press(&mut app, KeyCode::Char('e'));
    assert!(
        app.modals.is_empty(),
        "no export before the layers are read"
    );
    assert!(app.status.as_deref().is_some_and(|s| s.contains("reading")));
    let generation = app.generation;
    app.update(Action::CaseBuilt {
        generation,
        key: job_key(&job),
        result: Err(crate::tui::app::fixtures::failure(
            "AccessDenied: iam:GetRole",
        )),
    });
    press(&mut app, KeyCode::Char('e'));
    let fix = fixtures::decoded(fixtures::PASSROLE)
        .1
        .fix
        .clone()
        .expect("fix")
        .fix;
    assert_eq!(
        viewer(&app).text(),
        Ok(export_fix(&fix, ExportFormat::Terraform))
    );
    assert!(viewer(&app).note().contains("replaces nothing"));
}

#[test]
fn after_a_preview_the_export_is_the_merged_document_even_once_closed() {
    let mut app = app(false, (160, 45));
    previewed(&mut app);
    app.update(Action::CloseModal);
    press(&mut app, KeyCode::Char('e'));
    let plan = fixtures::plan();
    assert_eq!(
        viewer(&app).text(),
        export_plan(&plan, ExportFormat::Terraform)
    );
    assert!(viewer(&app).note().starts_with("The merged document"));
}

#[test]
fn tab_and_arrows_switch_the_format_and_c_copies_what_is_shown() {
    let mut app = app(false, (160, 45));
    previewed(&mut app);
    press(&mut app, KeyCode::Char('e'));
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(viewer(&app).format);
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(seen, FORMATS);
    assert_eq!(viewer(&app).format, ExportFormat::Terraform, "Tab wraps");
    press(&mut app, KeyCode::Left);
    assert_eq!(viewer(&app).format, ExportFormat::Json);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(viewer(&app).format, ExportFormat::Cloudformation);
    let shown = viewer(&app).text().expect("text");
    assert!(shown.contains("AWS::IAM::RolePolicy"), "{shown}");
    assert_eq!(
        press(&mut app, KeyCode::Char('c')),
        vec![Effect::Copy(shown)]
    );
}

#[test]
fn the_old_export_keys_are_gone_and_l_still_opens_tree_nodes() {
    for ch in ['t', 'f', 'l', 'J'] {
        let event = KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE);
        assert!(
            keymap::action_for(Context::Export, event).is_none(),
            "{ch} does nothing in the viewer"
        );
    }
    let event = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::NONE);
    assert!(matches!(
        keymap::action_for(Context::Tree, event),
        Some(Action::OpenNode)
    ));
}

#[test]
fn s_saves_to_a_prefilled_path_and_only_y_overwrites_an_existing_file() {
    let mut app = app(false, (160, 45));
    app.export_dir = "/work/exports".into();
    press(&mut app, KeyCode::Char('e'));
    assert!(
        press(&mut app, KeyCode::Char('s')).is_empty(),
        "s only asks"
    );
    assert_eq!(app.context(), Context::ExportSave);
    let prompt = viewer(&app).save.clone().expect("prompt");
    assert_eq!(
        prompt.path,
        "/work/exports/restore-doctor-fix-4A1B2C3D-article.tf"
    );
    // Typing edits the path; q is a character here, not quit.
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    let path = "/work/exports/restore-doctor-fix-4A1B2C3D-article.q";
    let text = viewer(&app).text().expect("text");
    let first = Effect::SaveExport {
        path: path.into(),
        text: text.clone(),
        overwrite: false,
    };
    assert_eq!(press(&mut app, KeyCode::Enter), vec![first.clone()]);
    app.update(Action::ExportSaved {
        path: path.into(),
        result: Err(SaveFailure::Exists),
    });
    assert_eq!(app.context(), Context::ExportOverwrite);
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("exists. y overwrites it"), "{screen}");
    // Enter, n and Esc keep the file.
    for key in [KeyCode::Enter, KeyCode::Char('n')] {
        assert!(press(&mut app, key).is_empty(), "{key:?} writes nothing");
        assert_eq!(app.context(), Context::ExportSave);
        assert_eq!(press(&mut app, KeyCode::Enter), vec![first.clone()]);
        app.update(Action::ExportSaved {
            path: path.into(),
            result: Err(SaveFailure::Exists),
        });
    }
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Effect::SaveExport {
            path: path.into(),
            text,
            overwrite: true,
        }]
    );
    app.update(Action::ExportSaved {
        path: path.into(),
        result: Ok(()),
    });
    assert_eq!(app.context(), Context::Export);
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains(&format!("Saved to {path}")), "{screen}");
}
