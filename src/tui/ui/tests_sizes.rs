//! Every main screen and modal at 80x24, 120x40 and 160x45: the jobs screen, the describe view,
//! the preview (exact and WIDER), the confirmation, the help and the export viewer. At every size the denied
//! resource and the distinguishing end of each ID show.

use super::tests::draw;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::fixtures::{self, app};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (160, 45)];

fn snapshot(name: &str, size: (u16, u16), screen: &str) {
    insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen);
}

/// The distinguishing ends of the fixture's IDs: recovery points, roles and job IDs.
fn assert_ids_distinguishable(screen: &str) {
    for end in ["0004", "0005", "0006", "0007"] {
        assert!(screen.contains(end), "recovery point …{end}:\n{screen}");
    }
    for end in ["Prod", "Ebs"] {
        assert!(screen.contains(end), "role …{end}:\n{screen}");
    }
    for end in ["cle", "eny", "ing", "ity"] {
        assert!(screen.contains(end), "job …{end}:\n{screen}");
    }
}

fn with_preview(size: (u16, u16), wide: bool) -> App {
    let mut app = app(false, size);
    app.update(Action::Preview);
    if wide {
        app.update(Action::CycleScope);
    }
    let request = app.preview_request;
    let plan = if wide {
        fixtures::wide_plan()
    } else {
        fixtures::plan()
    };
    app.update(Action::PreviewReady {
        request,
        result: Ok(Box::new(plan)),
    });
    app
}

#[test]
fn jobs_screen_at_every_size() {
    for size in SIZES {
        let screen = draw(&app(false, size));
        assert_ids_distinguishable(&screen);
        assert!(
            screen.contains("QuickSetup"),
            "the denied resource's end shows:\n{screen}"
        );
        assert!(screen.contains("FAILED"), "the status shows");
        snapshot("jobs", size, &screen);
    }
}

#[test]
fn describe_view_at_every_size() {
    for size in SIZES {
        let mut app = app(false, size);
        let effects = app.update(Action::Describe);
        assert_eq!(
            effects,
            vec![crate::tui::action::Effect::LoadJobJournal {
                job_id: "4A1B2C3D-article".into()
            }]
        );
        app.update(Action::JobJournal {
            job_id: "4A1B2C3D-article".into(),
            result: Ok(vec![fixtures::journal_entry(false)]),
        });
        let screen = draw(&app);
        assert!(screen.contains("Restore job 4A1B2C3D-article"), "{screen}");
        assert!(
            screen.contains("arn:aws:ec2:us-east-1::image/ami-0a1b2c3d4e5f60004"),
            "the whole recovery point ARN:\n{screen}"
        );
        snapshot("describe", size, &screen);
        // Scrolled to the end: the journal entry for this job.
        app.update(Action::Last);
        let screen = draw(&app);
        assert!(
            screen.contains("fix applied: inline policy RestoreDoctorFixes"),
            "{screen}"
        );
        snapshot("describe_end", size, &screen);
    }
}

#[test]
fn preview_exact_and_wider_at_every_size() {
    for size in SIZES {
        let screen = draw(&with_preview(size, false));
        assert!(screen.contains("exactly the denied resource"), "{screen}");
        snapshot("preview_exact", size, &screen);
        let screen = draw(&with_preview(size, true));
        assert!(screen.contains("WIDER"), "{screen}");
        snapshot("preview_wider", size, &screen);
    }
}

#[test]
fn confirmation_exact_and_wider_at_every_size() {
    for size in SIZES {
        for wide in [false, true] {
            let mut app = with_preview(size, wide);
            app.update(Action::AskApply);
            let screen = draw(&app);
            assert!(screen.contains("[ Cancel ]"), "the buttons show:\n{screen}");
            assert!(screen.contains("RestoreDoctorFixes"), "{screen}");
            assert_eq!(screen.contains("WIDER"), wide, "{screen}");
            let name = if wide {
                "confirm_wider"
            } else {
                "confirm_exact"
            };
            snapshot(name, size, &screen);
        }
    }
}

#[test]
fn help_at_every_size() {
    for size in SIZES {
        let mut app = app(false, size);
        app.update(Action::Help);
        let screen = draw(&app);
        assert!(screen.contains("describe the job"), "{screen}");
        snapshot("help", size, &screen);
    }
}

#[test]
fn export_viewer_at_every_size() {
    for size in SIZES {
        let mut app = with_preview(size, false);
        app.update(Action::Export);
        let screen = draw(&app);
        assert!(screen.contains(" terraform "), "{screen}");
        assert!(screen.contains("aws_iam_role_policy"), "{screen}");
        assert!(screen.contains("The merged document"), "{screen}");
        snapshot("export_terraform", size, &screen);
        app.update(Action::NextFormat);
        app.update(Action::NextFormat);
        let screen = draw(&app);
        assert!(screen.contains("aws iam put-role-policy"), "{screen}");
        snapshot("export_cli", size, &screen);
    }
}

#[test]
fn command_palette_at_every_size() {
    for size in SIZES {
        let mut app = app(false, size);
        app.update(Action::OpenPalette);
        let screen = draw(&app);
        for command in [
            "jobs", "status", "region", "profile", "filter", "sort", "export", "help", "quit",
        ] {
            assert!(screen.contains(command), "{command}:\n{screen}");
        }
        snapshot("palette", size, &screen);
        for ch in "so".chars() {
            app.update(Action::InputChar(ch));
        }
        app.update(Action::Complete);
        app.update(Action::MoveDown);
        app.update(Action::MoveDown);
        let screen = draw(&app);
        assert!(screen.contains(":sort ▏"), "{screen}");
        assert!(screen.contains("sort role"), "{screen}");
        snapshot("palette_sort", size, &screen);
    }
}

#[test]
fn command_palette_completes_status_region_and_profile() {
    for size in SIZES {
        let mut app = app(false, size);
        app.profiles = vec!["prod-admin".into(), "sandbox".into()];
        app.update(Action::OpenPalette);
        for ch in "status ".chars() {
            app.update(Action::InputChar(ch));
        }
        let screen = draw(&app);
        for status in [
            "failed",
            "running",
            "completed",
            "pending",
            "aborted",
            "all",
        ] {
            assert!(
                screen.contains(&format!("status {status}")),
                "{status}:\n{screen}"
            );
        }
        snapshot("palette_status", size, &screen);
        app.update(Action::CloseModal);
        app.update(Action::OpenPalette);
        for ch in "region us-w".chars() {
            app.update(Action::InputChar(ch));
        }
        let screen = draw(&app);
        assert!(screen.contains("region us-west-2"), "{screen}");
        assert!(!screen.contains("region us-east-2"), "{screen}");
        snapshot("palette_region", size, &screen);
        app.update(Action::CloseModal);
        app.update(Action::OpenPalette);
        for ch in "profile ".chars() {
            app.update(Action::InputChar(ch));
        }
        let screen = draw(&app);
        assert!(
            screen.contains("profile prod-admin") && screen.contains("profile sandbox"),
            "{screen}"
        );
        snapshot("palette_profile", size, &screen);
    }
}
