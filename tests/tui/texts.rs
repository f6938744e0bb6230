//! Denials without a token in the TUI, driven headless against the in-process demo sandbox:
//! the plain-text EFS denial shows its action in the table and is fixed with `p`, `a`, `y`;
//! the IAM Identity Center role's job shows the permission-set change and writes nothing.

use crate::tui_headless;

use std::time::Duration;

use crossterm::event::KeyCode;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use restore_doctor::tui::Driver;
use restore_doctor::tui::app::{App, Badge};
use tui_headless::{WAIT, wait_for};

async fn start(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Driver {
    let (_session, mut driver) = tui_headless::driver(sandbox, dir, false, (160, 45)).await;
    wait_for(&mut driver, &["Principal: AWSBackupDefaultServiceRole"]).await;
    driver
}

fn selected_role(app: &App) -> String {
    app.selected_row()
        .and_then(|r| r.job.iam_role_arn.as_deref())
        .unwrap_or_default()
        .to_string()
}

/// Moves the selection down to the job of `role`.
fn select(driver: &mut Driver, role: &str) {
    for _ in 0..20 {
        if selected_role(driver.app()).ends_with(&format!("/{role}")) {
            return;
        }
        driver.type_char('j');
    }
    panic!("no job of {role} in the table");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_denial_shows_its_action_and_is_fixed() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = start(&sandbox, &dir).await;
    select(&mut driver, "BackupRestoreRoleEfs");
    let row = driver.app().selected_row().expect("a row").clone();
    assert!(
        row.job.encoded_message.is_none(),
        "the EFS job has no token"
    );
    assert_eq!(
        driver.app().badge(&row),
        Badge::MissingAllow("elasticfilesystem:Restore".into())
    );
    driver.type_char('p');
    wait_for(
        &mut driver,
        &[
            "Fix preview",
            "Local verification",
            "elasticfilesystem:Restore",
        ],
    )
    .await;
    driver.type_char('a');
    wait_for(&mut driver, &["[ Cancel ]"]).await;
    driver.type_char('y');
    let written = driver
        .settle_app(|_| !sandbox.audit().is_empty(), WAIT)
        .await;
    assert!(written, "the fix was written");
    let audit = sandbox.audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(
        audit[0].to_string().contains("BackupRestoreRoleEfs"),
        "written to the EFS role: {audit:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_center_role_shows_the_permission_set_change_and_writes_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = start(&sandbox, &dir).await;
    select(
        &mut driver,
        "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b",
    );
    driver.type_char('p');
    // The preview shows the permission set's change (the sso-admin commands), not an IAM write.
    let screen = wait_for(
        &mut driver,
        &[
            "No fix can be previewed",
            "permission set BackupOperators",
            "sso-admin",
        ],
    )
    .await;
    assert!(
        screen.contains("put-inline-policy-to-permission-set"),
        "{screen}"
    );
    driver.type_char('a');
    driver.press(KeyCode::Esc);
    tokio::time::sleep(Duration::from_millis(300)).await;
    driver.drain();
    assert!(
        sandbox.audit().is_empty(),
        "nothing written: {:?}",
        sandbox.audit()
    );
    sandbox.shutdown().await;
}
