//! One truth per job: the UI, driven headless on every `--demo` job without pressing `p`, says
//! what the command line says for the same job. For each failed job with a permission denial,
//! once its case is read, the case the UI shows (verdict, remedy, blocking layers, target,
//! refusal) is the `"case"` of `fix --job ID --output json --dry-run`; the row's badge, the
//! tree's verdict and the diagnosis pane say the same; and the export viewer shows exactly
//! what `export --job ID --format terraform` prints (or refuses with the same reason). The
//! boundary, vault-policy, cross-account-key, SCP and Identity Center jobs show no identity
//! `Fix:` and export no `aws_iam_role_policy`. Nothing is written.

use crate::common::BIN;
use crate::tui_headless;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crossterm::event::KeyCode;
use restore_doctor::sandbox::{
    SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, Sandbox, SandboxConfig,
};
use restore_doctor::tui::Driver;
use restore_doctor::tui::action::Action;
use restore_doctor::tui::app::{App, Badge, CaseState, DiagnosisLine, ListState, Modal};
use restore_doctor::tui::keymap::Context;
use serde_json::Value;

/// The real binary against the in-process sandbox.
fn cli(sandbox: &Sandbox, journal: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .args(["--journal", journal.to_str().unwrap()])
        .env("AWS_ENDPOINT_URL", sandbox.url())
        .env("AWS_ACCESS_KEY_ID", SANDBOX_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SANDBOX_SECRET_ACCESS_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run restore-doctor")
}

/// Every listed job whose message is read has its case (built, or failed to build).
fn every_case_read(app: &App) -> bool {
    app.list_state == ListState::Loaded
        && !app.jobs.is_empty()
        && app.jobs.iter().all(|row| match app.decode_of(&row.job) {
            None => true,
            Some(restore_doctor::tui::app::DecodeState::Done(_)) => matches!(
                app.case_of(&row.job),
                Some(CaseState::Ready(_) | CaseState::Failed(_))
            ),
            Some(_) => false,
        })
}

/// What the export viewer shows for the selected job in Terraform: its text, or the reason
/// there is none.
fn viewer_export(driver: &mut Driver) -> Result<String, String> {
    driver.type_char('e');
    let shown = match driver.app().modals.last() {
        Some(Modal::Export(export)) => export.text(),
        Some(Modal::Message(message)) => Err(message.lines.join(" ")),
        other => panic!("e opened {other:?}"),
    };
    driver.press(KeyCode::Esc);
    shown
}

/// The roles of the demo's jobs that another layer blocks or whose fix is a permission set's.
const NO_IDENTITY_FIX: [&str; 5] = [
    "BackupRestoreRoleBounded",
    "BackupRestoreRoleLocked",
    "BackupRestoreRoleSharedKey",
    "BackupRestoreRoleGpu",
    "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_job_says_the_same_in_the_ui_and_the_cli() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("journal.jsonl");
    let (_, mut driver) = tui_headless::driver(&sandbox, &dir, false, (160, 45)).await;
    assert!(
        driver
            .settle_app(every_case_read, Duration::from_secs(90))
            .await,
        "every job's case is read without a key:\n{}",
        driver.screen()
    );
    driver.press(KeyCode::Char('g'));
    let rows = driver.app().visible.len();
    let mut compared = 0;
    let mut without_identity_fix = Vec::new();
    for _ in 0..rows {
        let app = driver.app();
        let row = app.selected_row().expect("a selected row").clone();
        let job = row.job.restore_job_id.clone();
        let role = row
            .job
            .iam_role_arn
            .as_deref()
            .and_then(|arn| arn.rsplit('/').next())
            .unwrap_or_default()
            .to_string();
        let case = match app.case_of(&row.job) {
            Some(CaseState::Ready(case)) => Some(case.clone()),
            Some(CaseState::Failed(reason)) => {
                panic!("job {job}'s layers could not be read: {reason}")
            }
            _ => None,
        };
        let Some(case) = case else {
            // No permission denial in its message (a capacity failure): nothing to compare.
            driver.press(KeyCode::Down);
            continue;
        };
        let badge = app.badge(&row);
        let verdict_line = app.tree_nodes().expect("a decoded tree")[0].text.clone();
        let pane: Vec<(DiagnosisLine, String)> = app.diagnosis_lines();
        let summary = serde_json::to_value(case.summary()).expect("case JSON");

        // The command line's case for the same job.
        let fix = cli(
            &sandbox,
            &journal,
            &["fix", "--job", &job, "--dry-run", "--output", "json"],
        );
        let said: Value = serde_json::from_slice(&fix.stdout).unwrap_or_else(|e| {
            panic!(
                "job {job} ({role}): fix JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&fix.stdout),
                String::from_utf8_lossy(&fix.stderr)
            )
        });
        assert_eq!(
            said["case"], summary,
            "job {job} ({role}): the UI's case and the CLI's"
        );

        // The row, the tree and the pane say what the case says.
        let remedy = summary["remedy"].as_str().unwrap_or_default();
        match remedy {
            "identity" => assert_eq!(
                badge,
                Badge::MissingAllow(case.diagnosis.action.as_str().into())
            ),
            "fixed" => assert_eq!(badge, Badge::Fixed),
            "blocked" => {
                // No re-run while another layer blocks: it would fail again the same way.
                assert!(
                    !app.offers(Context::Jobs, &Action::AskRerun),
                    "job {job} ({role}) offers a re-run"
                );
                assert!(!app.offers(Context::Jobs, &Action::Preview));
                let layer = case.blocked().unwrap().blockers[0].layer_name();
                assert_eq!(badge.label(), format!("{layer}: {}", case.diagnosis.action));
                assert!(
                    verdict_line.contains(&format!("blocked: {layer}")),
                    "{verdict_line}"
                );
                assert!(
                    pane.iter().any(|(_, l)| l.starts_with("Blocking layer: ")),
                    "{pane:?}"
                );
            }
            "permission_set" => {
                assert!(badge.label().starts_with("permission set: "), "{badge:?}");
                assert!(
                    pane.iter()
                        .any(|(_, l)| l
                            .starts_with("Fix: add to IAM Identity Center permission set")),
                    "{pane:?}"
                );
            }
            _ => assert!(
                matches!(
                    badge,
                    Badge::ExplicitDeny | Badge::NoFix(_) | Badge::Allowed
                ),
                "{badge:?}"
            ),
        }
        let verdict = summary["verdict"].as_str().unwrap().replace('_', " ");
        assert!(
            verdict_line.contains(&verdict),
            "{verdict_line} vs {verdict}"
        );
        let identity_fix = pane
            .iter()
            .any(|(_, l)| l.starts_with("Fix: add to role") || l.starts_with("Fix: add to user"));
        assert_eq!(
            identity_fix,
            remedy == "identity",
            "job {job} ({role}): {pane:?}"
        );

        // The export viewer shows what `export --job` prints, or refuses with its reason.
        let export = cli(
            &sandbox,
            &journal,
            &["export", "--job", &job, "--format", "terraform"],
        );
        let printed = String::from_utf8_lossy(&export.stdout).into_owned();
        let refused = String::from_utf8_lossy(&export.stderr).into_owned();
        let shown = viewer_export(&mut driver);
        match (export.status.code(), &shown) {
            (Some(0), Ok(text)) => assert_eq!(*text, printed, "job {job} ({role})"),
            // Another layer blocks: its owner's change is printed, and the refusal.
            (Some(3), Ok(text)) if !printed.is_empty() => {
                assert_eq!(*text, printed, "job {job} ({role})")
            }
            (Some(3), Err(reason)) => assert!(
                refused.contains(reason.as_str()),
                "job {job} ({role}): the UI says {reason:?}, the CLI {refused:?}"
            ),
            (code, shown) => panic!(
                "job {job} ({role}): export exit {code:?} ({printed}{refused}), the UI shows {shown:?}"
            ),
        }
        if NO_IDENTITY_FIX.contains(&role.as_str()) {
            assert!(
                !identity_fix,
                "job {job} ({role}) shows an identity fix: {pane:?}"
            );
            if let Ok(text) = &shown {
                assert!(
                    !text.contains("aws_iam_role_policy"),
                    "job {job} ({role}):\n{text}"
                );
            }
            assert!(
                !printed.contains("aws_iam_role_policy"),
                "job {job} ({role}):\n{printed}"
            );
            without_identity_fix.push(role.clone());
        }
        compared += 1;
        driver.press(KeyCode::Down);
    }
    without_identity_fix.sort();
    without_identity_fix.dedup();
    assert_eq!(
        without_identity_fix.len(),
        NO_IDENTITY_FIX.len(),
        "every one of {NO_IDENTITY_FIX:?} was compared: {without_identity_fix:?}"
    );
    assert!(compared >= 12, "{compared} jobs compared");
    assert!(sandbox.audit().is_empty(), "nothing was written");
    sandbox.shutdown().await;
}

/// After one fix, every listed job with the same cause (the same role, action and resource)
/// shows fixed at once: the write reads their cases again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_one_fix_every_job_with_the_same_cause_shows_fixed() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, mut driver) = tui_headless::driver(&sandbox, &dir, false, (160, 45)).await;
    assert!(
        driver
            .settle_app(every_case_read, Duration::from_secs(90))
            .await
    );
    // The demo's two EC2 restores as AWSBackupDefaultServiceRole denied the same iam:PassRole.
    let same_cause = |app: &App| -> Vec<String> {
        app.jobs
            .iter()
            .filter(|row| {
                matches!(app.case_of(&row.job), Some(CaseState::Ready(case))
                    if case.diagnosis.action == "iam:PassRole"
                        && case.diagnosis.principal.name.as_deref() == Some("AWSBackupDefaultServiceRole"))
            })
            .map(|row| row.job.restore_job_id.clone())
            .collect()
    };
    let jobs = same_cause(driver.app());
    assert_eq!(jobs.len(), 2, "two jobs share the cause: {jobs:?}");
    driver.press(KeyCode::Char('g'));
    driver.type_char('p');
    tui_headless::wait_for(&mut driver, &["Fix preview", "Local verification"]).await;
    driver.type_char('a');
    tui_headless::wait_for(&mut driver, &["[ Cancel ]"]).await;
    driver.type_char('y');
    tui_headless::wait_for(&mut driver, &["Fix applied"]).await;
    let fixed = |app: &App| {
        app.jobs
            .iter()
            .filter(|row| jobs.contains(&row.job.restore_job_id))
            .all(|row| app.badge(row) == Badge::Fixed)
    };
    assert!(
        driver.settle_app(fixed, Duration::from_secs(30)).await,
        "both jobs of the cause show fixed:\n{}",
        driver.screen()
    );
    let writes = sandbox.audit();
    assert_eq!(writes.len(), 1, "one write fixed both: {writes:?}");
    sandbox.shutdown().await;
}
