//! Re-runs that are planned, with the real binary against `restore-doctor sandbox` as its own
//! process: a job that did not fail is not re-run, a re-run repeated after its reply was lost
//! starts no second restore (the sandbox's write audit counts the restores started), and the
//! Knowledge Center's alternative (restore without the instance profile) reaches COMPLETED
//! without any IAM change.

use crate::common::{self, assert_exit};

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, SandboxProcess, stderr, stdout};
use serde_json::Value;

/// The article's job: the newest failed one, an EC2 restore denied iam:PassRole.
fn article_job(sandbox: &SandboxProcess, journal: &std::path::Path) -> String {
    let listed = sandbox.run(&["list", "--output", "json"], journal);
    assert_exit(&listed, 0);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    jobs[0]["restore_job_id"].as_str().unwrap().to_string()
}

fn restores_started(sandbox: &SandboxProcess) -> Vec<Value> {
    sandbox
        .audit()
        .into_iter()
        .filter(|entry| entry["operation"] == "StartRestoreJob")
        .collect()
}

#[test]
fn a_job_that_did_not_fail_is_not_rerun() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let job = article_job(&sandbox, &journal);
    let fixed = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
    assert_exit(&fixed, 0);
    let rerun = sandbox.run(
        &["rerun", "--job", &job, "--yes", "--output", "json"],
        &journal,
    );
    assert_exit(&rerun, 0);
    let outcome: Value = serde_json::from_slice(&rerun.stdout).unwrap();
    assert_eq!(outcome["job"]["status"], "COMPLETED", "{outcome}");
    let completed = outcome["job"]["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string();

    let again = sandbox.run(&["rerun", "--job", &completed, "--yes"], &journal);
    assert_exit(&again, 3);
    assert!(
        stderr(&again).contains("is COMPLETED, not FAILED"),
        "{}",
        stderr(&again)
    );
    assert_eq!(restores_started(&sandbox).len(), 1, "no second restore");
}

#[test]
fn a_rerun_repeated_after_a_lost_reply_starts_no_second_restore() {
    // StartRestoreJob's reply is held 4 s: the first re-run is killed before it hears back.
    let sandbox = SandboxProcess::start(&["--hold-reply", "StartRestoreJob=4000"]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let job = article_job(&sandbox, &journal);
    let fixed = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
    assert_exit(&fixed, 0);

    let mut first = Command::new(BIN)
        .args(["rerun", "--job", &job, "--yes", "--no-wait"])
        .args(["--journal", journal.to_str().unwrap()])
        .envs(sandbox.env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while restores_started(&sandbox).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the restore never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    first.kill().unwrap();
    let _ = first.wait();

    let second = sandbox.run(&["rerun", "--job", &job, "--yes", "--no-wait"], &journal);
    assert_exit(&second, 0);
    let started = restores_started(&sandbox);
    assert_eq!(started.len(), 1, "one restore, not two: {started:?}");
    let id = started[0]["detail"]["RestoreJobId"].as_str().unwrap();
    assert!(
        stdout(&second).contains(id),
        "the repeated re-run names the restore the first one started: {}",
        stdout(&second)
    );
}

#[test]
fn restoring_without_the_instance_profile_completes_without_an_iam_change() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let job = article_job(&sandbox, &journal);
    let rerun = sandbox.run(
        &[
            "rerun",
            "--job",
            &job,
            "--yes",
            "--without-instance-profile",
        ],
        &journal,
    );
    assert_exit(&rerun, 0);
    let said = stdout(&rerun);
    assert!(said.contains("WITHOUT its instance profile"), "{said}");
    assert!(said.contains("COMPLETED"), "{said}");
    assert!(!said.contains("IamInstanceProfileName = "), "{said}");
    assert!(
        sandbox
            .audit()
            .iter()
            .all(|entry| entry["operation"] == "StartRestoreJob"),
        "no IAM write: {:?}",
        sandbox.audit()
    );
}

/// A re-run waits for IAM's propagation only after a fix for the job's cause was written:
/// without one in the journal there is nothing to propagate, and it says so; with one (for the
/// job, or for its role) it asks IAM's simulator first.
#[test]
fn a_rerun_waits_for_iam_only_after_a_fix_for_its_cause() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let job = article_job(&sandbox, &journal);
    let simulations = |sandbox: &SandboxProcess| {
        sandbox.stats()["served"]["SimulatePrincipalPolicy"]
            .as_u64()
            .unwrap_or(0)
    };
    let before = simulations(&sandbox);
    let unfixed = sandbox.run(&["rerun", "--job", &job, "--yes", "--no-wait"], &journal);
    assert_exit(&unfixed, 0);
    assert!(
        stderr(&unfixed).contains("not waiting for IAM: the journal holds no fix"),
        "{}",
        stderr(&unfixed)
    );
    assert_eq!(simulations(&sandbox), before, "no wait, no simulation");

    let sandbox = SandboxProcess::start(&[]);
    let journal = dir.path().join("fixed.jsonl");
    let job = article_job(&sandbox, &journal);
    assert_exit(&sandbox.run(&["fix", "--job", &job, "--yes"], &journal), 0);
    let before = simulations(&sandbox);
    let fixed = sandbox.run(&["rerun", "--job", &job, "--yes", "--no-wait"], &journal);
    assert_exit(&fixed, 0);
    assert!(
        !stderr(&fixed).contains("not waiting"),
        "{}",
        stderr(&fixed)
    );
    assert!(
        simulations(&sandbox) > before,
        "the wait asked IAM's simulator"
    );
}
