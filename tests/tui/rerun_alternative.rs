//! The TUI's second choice for a PassRole failure on the instance profile, against the
//! sandbox through the real SDK: `r` then `i` then `y` restores the instance WITHOUT its
//! instance profile (no fix written, no PassRole needed), the new job completes, and the
//! metadata Backup holds for it has no `IamInstanceProfileName` while everything else is sent.

use crate::tui_headless;

use std::time::Duration;

use restore_doctor::sandbox::{Sandbox, SandboxConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_without_the_instance_profile_completes_without_any_iam_write() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let (session, mut driver) = tui_headless::driver(&sandbox, &dir, false, (160, 45)).await;
    let wait = Duration::from_secs(60);
    driver
        .settle_until(
            |s| {
                s.contains("iam:PassRole")
                    && s.contains("Principal: AWSBackupDefaultServiceRole")
                    && s.contains("Fix: add to role")
            },
            wait,
        )
        .await
        .unwrap_or_else(|s| panic!("the article's job:\n{s}"));
    let source = driver
        .app()
        .selected_row()
        .map(|r| r.job.restore_job_id.clone())
        .expect("a selected job");
    driver.type_char('r');
    driver
        .settle_until(|s| s.contains("press i to re-run WITHOUT"), wait)
        .await
        .unwrap_or_else(|s| panic!("the confirmation offers i:\n{s}"));
    driver.type_char('i');
    driver
        .settle_until(
            |s| s.contains("Re-run restore WITHOUT its instance profile?"),
            wait,
        )
        .await
        .unwrap_or_else(|s| panic!("its own confirmation:\n{s}"));
    driver.type_char('y');
    driver
        .settle_until(|s| s.contains("Status: COMPLETED"), Duration::from_secs(90))
        .await
        .unwrap_or_else(|s| panic!("the restore without the profile completes:\n{s}"));

    let audit = sandbox.audit();
    assert_eq!(
        audit.len(),
        1,
        "one StartRestoreJob, no IAM write: {audit:?}"
    );
    assert_eq!(audit[0]["operation"], "StartRestoreJob");
    let new_job = audit[0]["detail"]["RestoreJobId"]
        .as_str()
        .expect("the new job")
        .to_string();
    let sent = session
        .restore_job_metadata(&new_job)
        .await
        .expect("metadata");
    let original = session
        .restore_job_metadata(&source)
        .await
        .expect("metadata");
    assert!(
        original.contains_key("IamInstanceProfileName"),
        "{original:?}"
    );
    assert!(!sent.contains_key("IamInstanceProfileName"), "{sent:?}");
    assert_eq!(sent.get("InstanceType"), original.get("InstanceType"));
}
