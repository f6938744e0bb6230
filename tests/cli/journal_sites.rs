//! One journal used against two accounts (two sandboxes: the demo, and the demo moved to
//! account 444455556666): each write is journalled with its site, `journal` shows the account
//! and region of each entry, and `undo --last` in each account undoes that account's newest fix,
//! never the other account's newer one. `--demo` journals in a journal of its own and leaves the
//! user's default journal untouched.

use crate::common::{self, assert_exit};

use common::{BIN, SandboxProcess, stdout};
use serde_json::Value;

const OTHER_ACCOUNT: &str = "444455556666";

/// The demo scenario, moved to `OTHER_ACCOUNT`.
fn other_account_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/sandbox/demo.json"
    ))
    .expect("the demo scenario");
    let path = dir.join("other-account.json");
    std::fs::write(&path, demo.replace("111122223333", OTHER_ACCOUNT)).expect("write scenario");
    path
}

/// The newest failed job restored as `role`, with an encoded message.
fn job_of(sandbox: &SandboxProcess, journal: &std::path::Path, role: &str) -> String {
    let listed = sandbox.run(&["list", "--output", "json"], journal);
    assert_exit(&listed, 0);
    let jobs: Value = serde_json::from_slice(&listed.stdout).expect("list JSON");
    jobs.as_array()
        .expect("jobs")
        .iter()
        .find(|j| {
            j["iam_role_arn"]
                .as_str()
                .is_some_and(|r| r.ends_with(&format!("/{role}")))
                && !j["encoded_message"].is_null()
        })
        .and_then(|j| j["restore_job_id"].as_str())
        .expect("a job of that role")
        .to_string()
}

/// The journal's entries (`journal --output json`), without reconciling.
fn entries(sandbox: &SandboxProcess, journal: &std::path::Path) -> Vec<Value> {
    let out = sandbox.run(&["journal", "--no-reconcile", "--output", "json"], journal);
    assert_exit(&out, 0);
    let value: Value = serde_json::from_slice(&out.stdout).expect("journal JSON");
    value["entries"].as_array().expect("entries").clone()
}

#[test]
fn undo_last_undoes_the_newest_fix_of_the_credentials_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("shared.jsonl");
    let scenario = other_account_scenario(dir.path());
    let home = SandboxProcess::start(&[]);
    let other = SandboxProcess::start(&["--scenario", scenario.to_str().unwrap()]);

    // The older fix in the demo's account, then a newer one in the other account.
    let role = "AWSBackupDefaultServiceRole";
    let home_job = job_of(&home, &journal, role);
    assert_exit(
        &home.run(&["fix", "--job", &home_job, "--yes"], &journal),
        0,
    );
    let other_job = job_of(&other, &journal, role);
    assert_exit(
        &other.run(&["fix", "--job", &other_job, "--yes"], &journal),
        0,
    );

    let written = entries(&home, &journal);
    let accounts: Vec<&str> = written
        .iter()
        .filter_map(|e| e["account"].as_str())
        .collect();
    assert_eq!(accounts, ["111122223333", OTHER_ACCOUNT], "{written:#?}");
    assert!(
        written
            .iter()
            .all(|e| e["version"] == 2 && e["region"] == "us-east-1" && e["partition"] == "aws")
    );
    let text = stdout(&home.run(&["journal", "--no-reconcile"], &journal));
    assert!(text.contains("account 111122223333 us-east-1"), "{text}");
    assert!(
        text.contains(&format!("account {OTHER_ACCOUNT} us-east-1")),
        "{text}"
    );

    // In the demo's account, the newest entry is the other account's: it is not the one undone.
    let undone = home.run(&["undo", "--last", "--yes", "--output", "json"], &journal);
    assert_exit(&undone, 0);
    let said: Value = serde_json::from_slice(&undone.stdout).expect("undo JSON");
    assert_eq!(said["undone"], written[0]["id"], "{said}");
    let undone = other.run(&["undo", "--last", "--yes", "--output", "json"], &journal);
    assert_exit(&undone, 0);
    let said: Value = serde_json::from_slice(&undone.stdout).expect("undo JSON");
    assert_eq!(said["undone"], written[1]["id"], "{said}");
    // Nothing of either account is left to undo.
    let nothing = home.run(&["undo", "--last", "--yes"], &journal);
    assert_exit(&nothing, 3);
    assert!(
        common::stderr(&nothing).contains("nothing to undo for account 111122223333"),
        "{}",
        common::stderr(&nothing)
    );
    // An entry of the other account, named by ID, is refused with the account named.
    let by_id = home.run(
        &[
            "undo",
            "--entry",
            written[1]["id"].as_str().unwrap(),
            "--yes",
        ],
        &journal,
    );
    assert_exit(&by_id, 3);
}

#[test]
fn the_demo_keeps_its_journal_apart_from_the_users() {
    let state = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        std::process::Command::new(BIN)
            .args(args)
            .env("XDG_STATE_HOME", state.path())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run restore-doctor")
    };
    let listed = run(&["--demo", "list", "--output", "json"]);
    assert_exit(&listed, 0);
    let jobs: Value = serde_json::from_slice(&listed.stdout).expect("list JSON");
    let job = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["iam_role_arn"]
                .as_str()
                .is_some_and(|r| r.ends_with("/AWSBackupDefaultServiceRole"))
                && !j["encoded_message"].is_null()
        })
        .and_then(|j| j["restore_job_id"].as_str())
        .expect("the article's job")
        .to_string();
    assert_exit(&run(&["--demo", "fix", "--job", &job, "--yes"]), 0);
    let own = state.path().join("restore-doctor/journal.jsonl");
    let demo = state.path().join("restore-doctor/demo/journal.jsonl");
    assert!(!own.exists(), "the default journal is untouched");
    let lines = std::fs::read_to_string(&demo).expect("the demo's journal");
    assert!(lines.contains("\"phase\":\"applied\""), "{lines}");
}
