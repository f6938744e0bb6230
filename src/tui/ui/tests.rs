//! Snapshots (insta over ratatui's `TestBackend`) of each screen and modal at 160x45 and
//! 80x24, and of the too-small message.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::action::Action;
use crate::tui::app::fixtures::{self, app};
use crate::tui::app::{App, PreviewState};

pub(crate) fn draw(app: &App) -> String {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| super::render(app, frame))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn with_preview(read_only: bool) -> App {
    let mut app = app(read_only, (160, 45));
    app.update(Action::Preview);
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(fixtures::plan())),
    });
    app
}

#[test]
fn main_screen() {
    let screen = draw(&app(false, (160, 45)));
    assert!(screen.contains("iam:PassRole"));
    assert!(screen.contains("AWSBackupDefaultServiceRole"));
    insta::assert_snapshot!(screen);
}

#[test]
fn main_screen_small() {
    insta::assert_snapshot!(draw(&app(false, (80, 24))));
}

#[test]
fn loading() {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let _ = app.start();
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn tree_expanded_and_focused() {
    // The explicit-deny job: its matched statement opens under "Matched statements".
    let mut app = app(false, (160, 45));
    app.update(Action::MoveDown);
    app.update(Action::FocusNext);
    for _ in 0..3 {
        app.update(Action::MoveDown);
    }
    app.update(Action::ToggleNode);
    app.update(Action::Last);
    app.update(Action::OpenNode);
    app.update(Action::MoveDown);
    let screen = draw(&app);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("││▶") && l.contains("DENY VisualEditor0")),
        "the statement is selected:\n{screen}"
    );
    assert!(screen.contains("▸ Principal"), "principal closed");
    insta::assert_snapshot!(screen);
}

#[test]
fn filtered() {
    let mut app = app(false, (160, 45));
    app.update(Action::StartFilter);
    app.update(Action::InputChar('d'));
    app.update(Action::InputChar('e'));
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn preview() {
    let screen = draw(&with_preview(false));
    assert!(screen.contains("iam:PassedToService"));
    assert!(screen.contains("10240"));
    insta::assert_snapshot!(screen);
}

#[test]
fn preview_small() {
    let mut app = with_preview(false);
    app.size = (80, 24);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn preview_loading() {
    let mut app = app(false, (160, 45));
    app.update(Action::Preview);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn confirmation() {
    let mut app = with_preview(false);
    app.update(Action::AskApply);
    let screen = draw(&app);
    assert!(screen.contains("[ Cancel ]"));
    assert!(screen.contains("111122223333"));
    insta::assert_snapshot!(screen);
}

#[test]
fn applied_message() {
    let mut app = with_preview(false);
    app.update(Action::AskApply);
    app.update(Action::Confirm);
    assert!(matches!(
        app.modals.last(),
        Some(crate::tui::app::Modal::Preview(p)) if matches!(p.state, PreviewState::Applying(_))
    ));
    app.update(Action::Applied {
        plan: Box::new(fixtures::plan()),
        token: Some("tok-passrole".into()),
        result: Ok(crate::workflow::ApplyOutcome {
            journal_entry: Some("20261128T091502Z-1a2b".into()),
            written: true,
            verification: crate::workflow::Verification::Allowed,
        }),
    });
    // The job's case, read again after the write: IAM holds the fix.
    let job = app.jobs[0].job.clone();
    fixtures::deliver_case(&mut app, &job, fixtures::identity_case(true));
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn read_only_mode_explains() {
    let mut app = with_preview(true);
    app.update(Action::AskApply);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn error_message() {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let _ = app.start();
    let generation = app.generation;
    app.update(Action::JobsLoaded {
        generation,
        result: Err(crate::tui::app::fixtures::failure(
            "ExpiredToken: your AWS session expired; run `aws sso login` and press Ctrl-r",
        )),
    });
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn help_overlay() {
    let mut app = app(false, (160, 45));
    app.update(Action::Help);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn help_overlay_searched() {
    let mut app = app(false, (160, 45));
    app.update(Action::Help);
    app.update(Action::StartFilter);
    for ch in "undo".chars() {
        app.update(Action::InputChar(ch));
    }
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn rerun_progress() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    app.update(Action::Confirm);
    app.update(Action::RerunStarted {
        job_id: "4A1B2C3D-article".into(),
        result: Ok("8E5F6071-rerun".into()),
    });
    app.update(Action::RerunProgress {
        job_id: "4A1B2C3D-article".into(),
        progress: crate::workflow::JobProgress {
            restore_job_id: "8E5F6071-rerun".into(),
            status: crate::diagnosis::RestoreJobStatus::Running,
            percent_done: Some("40.0".into()),
            status_message: None,
            created_resource_arn: None,
        },
    });
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn rerun_completed() {
    let mut app = app(false, (160, 45));
    app.update(Action::AskRerun);
    app.update(Action::Confirm);
    app.update(Action::RerunStarted {
        job_id: "4A1B2C3D-article".into(),
        result: Ok("8E5F6071-rerun".into()),
    });
    app.update(Action::RerunFinished {
        job_id: "4A1B2C3D-article".into(),
        result: Ok(crate::workflow::JobProgress {
            restore_job_id: "8E5F6071-rerun".into(),
            status: crate::diagnosis::RestoreJobStatus::Completed,
            percent_done: Some("100.0".into()),
            status_message: None,
            created_resource_arn: Some("arn:aws:ec2:us-east-1:111122223333:instance/i-0abc".into()),
        }),
    });
    let screen = draw(&app);
    assert!(screen.contains("COMPLETED"));
    insta::assert_snapshot!(screen);
}

#[test]
fn export_overwrite_question() {
    let mut app = app(false, (160, 45));
    app.export_dir = "/tmp".into();
    app.update(Action::Export);
    app.update(Action::StartSave);
    app.update(Action::InputSubmit);
    app.update(Action::ExportSaved {
        path: "/tmp/restore-doctor-fix-4A1B2C3D-article.tf".into(),
        result: Err(crate::tui::action::SaveFailure::Exists),
    });
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn too_small() {
    let screen = draw(&app(false, (79, 23)));
    assert!(screen.contains("Terminal too small"));
    insta::assert_snapshot!(screen);
}

#[test]
fn ten_thousand_jobs_render_only_visible_rows() {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let _ = app.start();
    let generation = app.generation;
    let jobs = (0..10_000)
        .map(|i| fixtures::job(&format!("{i:08}-bulk"), "2026-11-28T00:00:00Z", "EBS", None))
        .collect();
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    app.update(Action::Last);
    // What a frame costs is measured by `cargo bench --bench render`, not timed here.
    let screen = draw(&app);
    assert!(screen.contains("Failed restore jobs (10000)"));
    assert!(screen.contains("00009999-bulk"), "{screen}");
}

/// The same screens at the smallest supported size, 80x24.
#[test]
fn screens_at_80x24() {
    let small = |mut app: App| {
        app.size = (80, 24);
        app
    };
    let mut tree = app(false, (80, 24));
    tree.update(Action::FocusNext);
    tree.update(Action::MoveDown);
    let mut confirmation = with_preview(false);
    confirmation.update(Action::AskApply);
    let mut help = app(false, (80, 24));
    help.update(Action::Help);
    let mut read_only = with_preview(true);
    read_only.update(Action::AskApply);
    let mut error = App::new(fixtures::header(false), (80, 24));
    let _ = error.start();
    let generation = error.generation;
    error.update(Action::JobsLoaded {
        generation,
        result: Err(crate::tui::app::fixtures::failure(
            "ExpiredToken: your AWS session expired; run `aws sso login` and press Ctrl-r",
        )),
    });
    for (name, app) in [
        ("tree_80x24", tree),
        ("confirmation_80x24", small(confirmation)),
        ("help_80x24", help),
        ("read_only_80x24", small(read_only)),
        ("error_80x24", error),
    ] {
        let screen = draw(&app);
        assert!(!screen.contains("Terminal too small"), "{name}");
        insta::assert_snapshot!(name, screen);
    }
}

#[test]
fn preview_diff_against_an_existing_policy() {
    let mut plan = fixtures::plan();
    let existing = serde_json::json!({"Sid": "Existing", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"});
    let fix = plan.diagnosis.fix.clone().expect("a fix").fix;
    plan.current_document =
        Some(serde_json::json!({"Version": "2012-10-17", "Statement": [existing.clone()]}));
    plan.proposed_text = serde_json::to_string_pretty(
        &serde_json::json!({"Version": "2012-10-17", "Statement": [existing, fix.statement]}),
    )
    .expect("json");
    let mut app = app(false, (160, 45));
    app.update(Action::Preview);
    let request = app.preview_request;
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(plan)),
    });
    let screen = draw(&app);
    assert!(screen.contains("diff against the current policy"));
    assert!(
        screen.contains("  \"Sid\": \"Existing\""),
        "unchanged lines have no sign"
    );
    assert!(
        screen.contains("+       \"Action\": \"iam:PassRole\""),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}
