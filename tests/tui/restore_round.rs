//! One fix round per restore in the TUI, driven headless against the in-process demo sandbox
//! (as `tui_e2e.rs` drives the article's job): the EBS restore with a customer-managed key,
//! whose role lacks kms:CreateGrant and then kms:Decrypt, reaches COMPLETED after one `p`,
//! `a`, `y` and one `r`, `y`, with one IAM write.

use crate::tui_headless;

use std::time::Duration;

use crossterm::event::KeyCode;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use tui_headless::wait_for;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_preview_apply_and_one_rerun_complete_an_ebs_restore_with_a_customer_managed_key() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    // Tall enough for the preview with its layer and Access Analyzer lines above the document.
    let (_session, mut driver) = tui_headless::driver(&sandbox, &dir, false, (160, 60)).await;
    wait_for(&mut driver, &["Principal: AWSBackupDefaultServiceRole"]).await;
    // The EBS restore is the second newest failed job.
    driver.type_char('j');
    wait_for(
        &mut driver,
        &["Principal: BackupRestoreRoleEbsCmk", "kms:CreateGrant"],
    )
    .await;

    driver.type_char('p');
    let screen = wait_for(
        &mut driver,
        &["Fix preview", "kms:GrantIsForAWSResource", "kms:Decrypt"],
    )
    .await;
    assert!(
        screen.contains("also needed by this restore"),
        "the preview labels what the restore also needs:\n{screen}"
    );
    // The document comes after the layers and checks: scroll to its kms:Decrypt statement.
    for _ in 0..30 {
        driver.type_char('j');
    }
    wait_for(&mut driver, &["kms:ViaService"]).await;
    driver.type_char('a');
    wait_for(&mut driver, &["[ Cancel ]"]).await;
    driver.type_char('y');
    wait_for(&mut driver, &["Fix applied"]).await;
    let writes = |sandbox: &Sandbox| {
        sandbox
            .audit()
            .iter()
            .filter(|w| w["operation"] == "PutRolePolicy")
            .count()
    };
    assert_eq!(writes(&sandbox), 1, "one fix");
    driver.press(KeyCode::Esc);

    driver.type_char('r');
    wait_for(&mut driver, &["Re-run restore?", "[ Cancel ]"]).await;
    driver.type_char('y');
    if let Err(screen) = driver
        .settle_until(|s| s.contains("Status: COMPLETED"), Duration::from_secs(90))
        .await
    {
        panic!("the re-run did not complete:\n{screen}");
    }
    assert_eq!(writes(&sandbox), 1, "no second fix was needed");
    sandbox.shutdown().await;
}
