//! The non-interactive workflow end to end: the real binary, the real AWS SDK, over HTTP, against
//! `restore-doctor sandbox` started as its own process.

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn article_job(jobs: &Value) -> &Value {
    jobs.as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["iam_role_arn"]
                .as_str()
                .is_some_and(|r| r.ends_with("/AWSBackupDefaultServiceRole"))
                && !j["encoded_message"].is_null()
        })
        .expect("the article's job is listed")
}

#[test]
fn fix_rerun_undo_loop_with_every_guard() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");

    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    assert_exit(&listed, 0);
    let jobs = json(&listed);
    assert!(
        jobs.as_array()
            .unwrap()
            .iter()
            .all(|j| j["status"] == "FAILED")
    );
    let first = &jobs[0];
    let article = article_job(&jobs);
    assert_eq!(
        first["restore_job_id"], article["restore_job_id"],
        "the article's job is the newest failed one"
    );
    let job_id = article["restore_job_id"].as_str().unwrap().to_string();
    for key in [
        "restore_job_id",
        "status",
        "created",
        "resource_type",
        "recovery_point_arn",
        "iam_role_arn",
        "status_message",
        "encoded_message",
    ] {
        assert!(article.get(key).is_some(), "list JSON lacks {key}");
    }

    let decoded = json(&sandbox.run(&["list", "--decode", "--output", "json"], &journal));
    let article = article_job(&decoded);
    assert_eq!(article["diagnosis"]["verdict"], "missing_allow");
    assert_eq!(article["diagnosis"]["action"], "iam:PassRole");
    let deny_job = decoded
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["diagnosis"]["verdict"] == "explicit_deny")
        .expect("a guardrail-denied job")["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        decoded
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["encoded_message"].is_null() && j.get("diagnosis").is_none())
    );

    // Guards: none of these may write.
    let dry = sandbox.run(&["fix", "--job", &job_id, "--dry-run"], &journal);
    assert_exit(&dry, 0);
    assert!(stdout(&dry).contains("iam:PassedToService"));
    assert!(stdout(&dry).contains("Dry run: nothing was written."));
    let read_only = sandbox.run(&["fix", "--job", &job_id, "--yes", "--read-only"], &journal);
    assert_exit(&read_only, 3);
    let read_only_first = sandbox.run(
        &["--read-only", "rerun", "--job", &job_id, "--yes"],
        &journal,
    );
    assert_exit(&read_only_first, 3);
    let no_tty = sandbox.run(&["fix", "--job", &job_id], &journal);
    assert_exit(&no_tty, 3);
    assert!(stderr(&no_tty).contains("--yes"), "{}", stderr(&no_tty));
    let deny = sandbox.run(&["fix", "--job", &deny_job, "--yes"], &journal);
    assert_exit(&deny, 3);
    // The newest explicit deny is the SCP's (named with its Deny statement), or a guardrail's.
    assert!(
        stderr(&deny).to_lowercase().contains("deny"),
        "{}",
        stderr(&deny)
    );
    assert!(
        sandbox.audit().is_empty(),
        "guards wrote: {:?}",
        sandbox.audit()
    );
    assert!(!journal.exists(), "nothing journalled");

    // Apply, re-run, idempotence, undo.
    let applied = sandbox.run(&["fix", "--job", &job_id, "--yes"], &journal);
    assert_exit(&applied, 0);
    assert!(
        stdout(&applied).contains("IAM SimulatePrincipalPolicy: allowed"),
        "{}",
        stdout(&applied)
    );
    assert_eq!(sandbox.audit().len(), 1);
    let again = sandbox.run(&["fix", "--job", &job_id, "--yes"], &journal);
    assert_exit(&again, 0);
    assert!(stdout(&again).contains("already in place"));
    assert_eq!(
        sandbox.audit().len(),
        1,
        "a fix already in place writes nothing"
    );

    let rerun = sandbox.run(&["rerun", "--job", &job_id, "--yes"], &journal);
    assert_exit(&rerun, 0);
    assert!(stdout(&rerun).contains("COMPLETED"), "{}", stdout(&rerun));

    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal);
    assert_exit(&undo, 0);
    assert!(
        stdout(&undo).contains("Deleted policy RestoreDoctorFixes"),
        "{}",
        stdout(&undo)
    );
    let nothing = sandbox.run(&["undo", "--last", "--yes"], &journal);
    assert_exit(&nothing, 3);
    // The role is back as it was: the fix is needed again.
    let after_undo = json(&sandbox.run(
        &["fix", "--job", &job_id, "--dry-run", "--output", "json"],
        &journal,
    ));
    assert_eq!(after_undo["plan"]["already_in_place"], false);
    assert!(after_undo["plan"]["current_document"].is_null());
}

#[test]
fn errors_are_one_line_with_a_remedy() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let garbled = sandbox.run(&["decode", "Encoded authorization failure message: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"], &journal);
    assert_exit(&garbled, 1);
    assert!(
        stderr(&garbled).contains("STS could not decode"),
        "{}",
        stderr(&garbled)
    );
    assert_eq!(stderr(&garbled).trim().lines().count(), 1);
    let unknown = sandbox.run(&["fix", "--job", "no-such-job", "--yes"], &journal);
    assert_exit(&unknown, 2);
    let no_region = std::process::Command::new(common::BIN)
        .args(["list"])
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_exit(&no_region, 1);
    assert!(
        stderr(&no_region).contains("no AWS region"),
        "{}",
        stderr(&no_region)
    );
    let unreachable = std::process::Command::new(common::BIN)
        .args([
            "list",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "us-east-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .output()
        .unwrap();
    assert_exit(&unreachable, 1);
    assert!(
        stderr(&unreachable).contains("cannot reach AWS"),
        "{}",
        stderr(&unreachable)
    );
}

#[test]
fn list_paginates_past_a_thousand_jobs() {
    let sandbox = SandboxProcess::start(&["--jobs", "1500"]);
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox.run(&["list", "--output", "json"], &dir.path().join("j"));
    assert_exit(&out, 0);
    let jobs = json(&out);
    assert!(
        jobs.as_array().unwrap().len() >= 1500,
        "{}",
        jobs.as_array().unwrap().len()
    );
    let limited = json(&sandbox.run(
        &["list", "--output", "json", "--limit", "5"],
        &dir.path().join("j"),
    ));
    assert_eq!(limited.as_array().unwrap().len(), 5);
    assert_eq!(limited[0], jobs[0], "--limit keeps the newest");
}
