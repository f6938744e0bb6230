//! The blocking layer in the TUI, driven headless against the in-process demo sandbox: the
//! demo's EC2 restore that an allow-list SCP blocks (its decoded message alone reads as a
//! missing identity allow) is previewed with `p`; the preview names the SCP and offers no
//! write, and afterwards the diagnosis pane and the tree's title name the blocking layer
//! instead of proposing an identity statement. Nothing is written to IAM.

use std::time::Duration;

use crossterm::event::KeyCode;
use restore_doctor::aws::Session;
use restore_doctor::cli::sandbox_options;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use restore_doctor::tui::{self, Driver, TuiOptions};
use restore_doctor::workflow::Journal;

const WAIT: Duration = Duration::from_secs(20);

async fn wait_for(driver: &mut Driver, what: &[&str]) -> String {
    match driver
        .settle_until(|screen| what.iter().all(|w| screen.contains(w)), WAIT)
        .await
    {
        Ok(screen) => screen,
        Err(screen) => panic!("timed out waiting for {what:?}; the screen was:\n{screen}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_list_scp_is_named_as_the_blocking_layer_and_nothing_is_written() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let session = Session::connect(&sandbox_options(&sandbox, false))
        .await
        .expect("connect");
    let dir = tempfile::tempdir().expect("tempdir");
    let options = TuiOptions {
        since: Duration::from_secs(30 * 86_400),
        limit: None,
        read_only: false,
        journal: Journal::at(dir.path().join("journal.jsonl")),
        export_dir: dir.path().to_path_buf(),
        mouse: false,
        watch: None,
    };
    let mut driver = tui::driver(session, &options, 160, 45);
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
