//! `list --status` asks AWS Backup for that status (or every one with `all`), and `--region`
//! lists that region's jobs: against `restore-doctor sandbox` over loopback, with the AWS CLI
//! (when present) as an independent client agreeing on the counts.

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};
use serde_json::Value;

fn statuses(out: &std::process::Output) -> Vec<String> {
    let jobs: Value = serde_json::from_str(&stdout(out)).expect("JSON");
    jobs.as_array()
        .expect("an array")
        .iter()
        .map(|j| j["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn list_status_filters_by_status_and_region() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let failed = statuses(&sandbox.run(&["list", "--output", "json"], &journal));
    assert!(
        failed.len() > 5 && failed.iter().all(|s| s == "FAILED"),
        "{failed:?}"
    );
    let all = sandbox.run(&["list", "--status", "all", "--output", "json"], &journal);
    assert_exit(&all, 0);
    let all = statuses(&all);
    assert!(all.len() > failed.len(), "{all:?}");
    assert!(
        all.iter().any(|s| s == "RUNNING") && all.iter().any(|s| s == "COMPLETED"),
        "{all:?}"
    );
    let running = statuses(&sandbox.run(
        &["list", "--status", "RUNNING", "--output", "json"],
        &journal,
    ));
    assert_eq!(running, ["RUNNING"]);
    let completed = statuses(&sandbox.run(
        &["list", "--status", "completed", "--output", "json"],
        &journal,
    ));
    assert!(!completed.is_empty() && completed.iter().all(|s| s == "COMPLETED"));
    assert_eq!(
        all.len(),
        failed.len() + running.len() + completed.len(),
        "the demo's jobs are failed, running or completed"
    );

    // Another region lists its own jobs.
    let west = sandbox.run(
        &[
            "list",
            "--region",
            "us-west-2",
            "--status",
            "all",
            "--output",
            "json",
        ],
        &journal,
    );
    assert_eq!(statuses(&west), ["RUNNING", "FAILED"], "{}", stdout(&west));
    assert!(stdout(&west).contains("kms:CreateGrant") || stdout(&west).contains("us-west-2"));

    let bad = sandbox.run(&["list", "--status", "broken"], &journal);
    assert_exit(&bad, 2);
    assert!(
        stderr(&bad).contains("failed, running, completed, pending, aborted, all"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn demo_honours_region() {
    let dir = tempfile::tempdir().unwrap();
    let run = |region: Option<&str>| {
        let mut args = vec!["--demo", "list", "--status", "all", "--output", "json"];
        if let Some(region) = region {
            args.extend(["--region", region]);
        }
        std::process::Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
            .args(&args)
            .arg("--journal")
            .arg(dir.path().join("journal.jsonl"))
            .output()
            .expect("runs")
    };
    let west = run(Some("us-west-2"));
    assert_exit(&west, 0);
    assert_eq!(statuses(&west), ["RUNNING", "FAILED"], "{}", stdout(&west));
    let east = run(None);
    assert!(statuses(&east).len() > 10, "{}", stdout(&east));
    assert!(
        !stdout(&east).contains(":us-west-2:"),
        "the default region lists only its own jobs"
    );
}
