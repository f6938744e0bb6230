//! The blocking layer in the TUI, driven headless against the in-process demo sandbox: the
//! demo's EC2 restore that an allow-list SCP blocks (its decoded message alone reads as a
//! missing identity allow) is previewed with `p`; the preview names the SCP and offers no
//! write, and afterwards the diagnosis pane and the tree's title name the blocking layer
//! instead of proposing an identity statement. Nothing is written to IAM.

use crate::tui_headless;

use crossterm::event::KeyCode;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use tui_headless::wait_for;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_list_scp_is_named_as_the_blocking_layer_and_nothing_is_written() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let (_session, mut driver) = tui_headless::driver(&sandbox, &dir, false, (160, 45)).await;
    wait_for(&mut driver, &["Principal: AWSBackupDefaultServiceRole"]).await;
    // The GPU role's restore: the SCP allows only some instance types.
    driver.type_char('/');
    driver.type_str("Gpu");
    driver.press(KeyCode::Enter);
    let before = wait_for(&mut driver, &["Principal: BackupRestoreRoleGpu"]).await;
    assert!(
        !before.contains("Blocking layer"),
        "before the preview only the decoded message is known:\n{before}"
    );

    driver.type_char('p');
    let preview = wait_for(&mut driver, &["p-allowlist01"]).await;
    assert!(
        !preview.contains("a apply"),
        "no write is offered:\n{preview}"
    );
    driver.press(KeyCode::Esc);
    let screen = wait_for(&mut driver, &["Blocking layer: ", "blocking layer: "]).await;
    let diagnosis: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("Blocking layer: "))
        .collect();
    assert!(
        diagnosis.iter().any(|l| l.contains("SCP")),
        "the diagnosis pane names the SCP layer:\n{screen}"
    );
    assert!(
        !screen.contains("Fix: add to role BackupRestoreRoleGpu"),
        "no identity statement is proposed once the SCP is known:\n{screen}"
    );
    let writes = sandbox
        .audit()
        .iter()
        .filter(|w| w["operation"] == "PutRolePolicy")
        .count();
    assert_eq!(writes, 0, "nothing was written");
    sandbox.shutdown().await;
}
