//! Writes that lose nothing, with the real binary against `restore-doctor sandbox` as its own
//! process: concurrent `fix --yes` processes on one role (sharing a state directory, so they
//! serialise on its lock file, and from separate state directories, as two machines would),
//! a process killed between its write and the journal's `applied` line (then `undo --last`
//! puts the exact before-image back), a journal that cannot be appended after the write, and
//! a journal with an undecodable line.

use crate::common::{self, assert_exit};

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{BIN, SandboxProcess, stderr, stdout};
use restore_doctor::aws::{ConnectOptions, Session};
use restore_doctor::diagnosis::TargetType;
use serde_json::Value;

const ROLE: &str = "AWSBackupDefaultServiceRole";

/// A decoded message: the restore role denied `s3:GetObject` on bucket `bucket`.
fn decoded_file(dir: &std::path::Path, bucket: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{bucket}.json"));
    let message = serde_json::json!({
        "allowed": false,
        "explicitDeny": false,
        "matchedStatements": {"items": []},
        "failures": {"items": []},
        "context": {
            "principal": {"id": "AROA:x", "arn": format!("arn:aws:sts::111122223333:assumed-role/{ROLE}/AWSBackup-x")},
            "action": "s3:GetObject",
            "resource": format!("arn:aws:s3:::{bucket}/*"),
            "conditions": {"items": []}
        }
    });
    std::fs::write(&path, message.to_string()).unwrap();
    path
}

fn spawn_fix(
    sandbox: &SandboxProcess,
    decoded: &std::path::Path,
    journal: &std::path::Path,
) -> Child {
    Command::new(BIN)
        .args(["fix", "--decoded", decoded.to_str().unwrap(), "--yes"])
        .args(["--journal", journal.to_str().unwrap()])
        .envs(sandbox.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fix")
}

/// The role's `RestoreDoctorFixes` document as the sandbox holds it, through the SDK.
fn current_policy(sandbox: &SandboxProcess) -> Option<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let session = Session::connect(&ConnectOptions {
            endpoint_url: Some(sandbox.url.clone()),
            region: Some("us-east-1".into()),
            static_credentials: Some(("AKIASANDBOXADMIN0001".into(), "sandbox".into())),
            read_only: true,
            sandbox: true,
            ..ConnectOptions::default()
        })
        .await
        .expect("connect");
        session
            .get_inline_policy(TargetType::Role, ROLE, "RestoreDoctorFixes")
            .await
            .expect("GetRolePolicy")
    })
}

fn holds_bucket(document: Option<&Value>, bucket: &str) -> bool {
    let resource = format!("arn:aws:s3:::{bucket}/*");
    document
        .and_then(|d| d["Statement"].as_array())
        .is_some_and(|statements| {
            statements
                .iter()
                .any(|s| s["Resource"] == resource.as_str())
        })
}

/// Runs `count` concurrent `fix --yes` processes, each adding its own bucket's statement; with
/// `shared_state` they share one journal (and so its lock files), else each has its own.
fn race(count: usize, shared_state: bool) {
    // Every call waits 300 ms, far longer than the processes' start-up spread, so their
    // pre-write reads all happen before any of their writes: the lost-update window, every time.
    let sandbox = SandboxProcess::start(&["--latency-ms", "300"]);
    let dir = tempfile::tempdir().unwrap();
    let buckets: Vec<String> = (0..count).map(|i| format!("race-bucket-{i}")).collect();
    let children: Vec<(String, Child)> = buckets
        .iter()
        .enumerate()
        .map(|(i, bucket)| {
            let state = if shared_state { 0 } else { i };
            let journal = dir.path().join(format!("state-{state}/journal.jsonl"));
            let decoded = decoded_file(dir.path(), bucket);
            (bucket.clone(), spawn_fix(&sandbox, &decoded, &journal))
        })
        .collect();
    let outcomes: Vec<(String, std::process::Output)> = children
        .into_iter()
        .map(|(bucket, child)| (bucket, child.wait_with_output().expect("wait")))
        .collect();
    let document = current_policy(&sandbox);
    let mut applied = 0;
    for (bucket, out) in &outcomes {
        match out.status.code() {
            Some(0) => {
                applied += 1;
                assert!(stdout(out).contains("Applied"), "{}", stdout(out));
                assert!(
                    holds_bucket(document.as_ref(), bucket),
                    "{bucket} was reported applied but IAM lacks it: {document:?}\n{}",
                    stdout(out)
                );
            }
            code => {
                // Could not converge: non-zero, naming the statement that is not in IAM.
                assert!(code.is_some_and(|c| c != 0), "{}", stderr(out));
                let said = stderr(out);
                assert!(
                    said.contains("RestoreDoctorS3GetObject") && said.contains("not in IAM")
                        || said.contains("still missing"),
                    "a writer that did not converge names what is missing: {said}"
                );
                assert!(!holds_bucket(document.as_ref(), bucket) || said.contains("still missing"));
            }
        }
    }
    assert!(applied >= 1, "at least one writer applied: {outcomes:?}");
    if !shared_state {
        // Separate machines race inside the window; the re-merge must bring every write home.
        assert_eq!(
            applied,
            count,
            "every writer converged: {:?}",
            outcomes.iter().map(|(_, o)| stderr(o)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn two_concurrent_writers_on_one_machine_lose_nothing() {
    race(2, true);
}

#[test]
fn three_concurrent_writers_on_one_machine_lose_nothing() {
    race(3, true);
}

#[test]
fn two_writers_from_two_state_directories_both_end_in_iam() {
    race(2, false);
}

#[test]
fn three_writers_from_three_state_directories_all_end_in_iam() {
    race(3, false);
}

fn journal_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn killed_between_the_write_and_its_journal_line_is_undone_exactly() {
    // IAM applies the write, then its reply is held for 30 s: the process is killed meanwhile.
    let sandbox = SandboxProcess::start(&["--hold-reply", "PutRolePolicy=30000"]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let before = current_policy(&sandbox);
    let decoded = decoded_file(dir.path(), "killed-bucket");
    let mut child = spawn_fix(&sandbox, &decoded, &journal);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !holds_bucket(current_policy(&sandbox).as_ref(), "killed-bucket") {
        assert!(
            std::time::Instant::now() < deadline,
            "the write never landed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("kill fix");
    let _ = child.wait();
    let lines = journal_lines(&journal);
    assert_eq!(lines.len(), 1, "only the pending line: {lines:?}");
    assert_eq!(lines[0]["phase"], "pending");

    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal);
    assert_exit(&undo, 0);
    assert!(
        stderr(&undo).contains("now recorded as applied"),
        "{}",
        stderr(&undo)
    );
    assert_eq!(
        current_policy(&sandbox),
        before,
        "the exact before-image is back"
    );
    let phases: Vec<String> = journal_lines(&journal)
        .iter()
        .map(|l| format!("{}:{}", l["operation"], l["phase"]))
        .collect();
    assert_eq!(
        phases,
        [
            "\"fix\":\"pending\"",
            "\"fix\":\"applied\"",
            "\"undo\":\"pending\"",
            "\"undo\":\"applied\""
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_journal_that_cannot_record_the_write_says_iam_was_changed() {
    use std::os::unix::fs::PermissionsExt;
    // The reply is held 2 s; meanwhile the journal is made read-only, so the `applied` line
    // cannot be appended after IAM took the write.
    let sandbox = SandboxProcess::start(&["--hold-reply", "PutRolePolicy=2000"]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let decoded = decoded_file(dir.path(), "full-disk-bucket");
    let child = spawn_fix(&sandbox, &decoded, &journal);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !holds_bucket(current_policy(&sandbox).as_ref(), "full-disk-bucket") {
        assert!(
            std::time::Instant::now() < deadline,
            "the write never landed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let running_as_root = unsafe_is_root();
    if running_as_root {
        // Root ignores file modes; a path component that is a file fails the append instead.
        std::fs::remove_file(&journal).unwrap();
        std::fs::create_dir(&journal).unwrap();
    } else {
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    let said = stderr(&out);
    assert!(said.contains("IAM WAS changed"), "{said}");
    assert!(said.contains("the before-image is"), "{said}");
    assert!(!said.contains("nothing was written"), "{said}");
}

/// Whether this process runs as root (root writes through file modes).
fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

#[test]
fn an_undecodable_journal_line_does_not_hide_the_newest_fix() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let first = sandbox.run(
        &[
            "fix",
            "--decoded",
            decoded_file(dir.path(), "older").to_str().unwrap(),
            "--yes",
        ],
        &journal,
    );
    assert_exit(&first, 0);
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap();
        file.write_all(b"\xff\xfe\x00 not a journal line\n")
            .unwrap();
    }
    let second = sandbox.run(
        &[
            "fix",
            "--decoded",
            decoded_file(dir.path(), "newer").to_str().unwrap(),
            "--yes",
        ],
        &journal,
    );
    assert_exit(&second, 0);
    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal);
    assert_exit(&undo, 0);
    let now = current_policy(&sandbox);
    assert!(
        holds_bucket(now.as_ref(), "older"),
        "the older fix stays: {now:?}"
    );
    assert!(
        !holds_bucket(now.as_ref(), "newer"),
        "the newest fix was undone: {now:?}"
    );
    let listed = sandbox.run(&["journal"], &journal);
    assert_exit(&listed, 0);
    assert!(
        stderr(&listed).contains("unreadable line"),
        "{}",
        stderr(&listed)
    );
}

fn run_bash(sandbox: &SandboxProcess, script: &str) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .envs(sandbox.env())
        .stdin(Stdio::null())
        .output()
        .expect("bash")
}

fn aws_cli_present() -> bool {
    Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn an_exported_cli_command_keeps_an_earlier_fix() {
    if !common::peer_present("the AWS CLI (`aws`)", aws_cli_present()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let earlier = sandbox.run(
        &[
            "fix",
            "--decoded",
            decoded_file(dir.path(), "earlier").to_str().unwrap(),
            "--yes",
        ],
        &journal,
    );
    assert_exit(&earlier, 0);

    // The article's job, exported as the AWS CLI command and run by bash.
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let job = jobs[0]["restore_job_id"].as_str().unwrap().to_string();
    let exported = sandbox.run(&["export", "--job", &job, "--format", "cli"], &journal);
    assert_exit(&exported, 0);
    let script = stdout(&exported);
    assert!(
        script.contains("replaces the existing inline policy RestoreDoctorFixes"),
        "{script}"
    );
    let ran = run_bash(&sandbox, &script);
    assert_exit(&ran, 0);
    let now = current_policy(&sandbox);
    assert!(
        holds_bucket(now.as_ref(), "earlier"),
        "the earlier fix survives: {now:?}"
    );
    let statements = now.as_ref().unwrap()["Statement"].as_array().unwrap();
    assert!(
        statements.iter().any(|s| s["Action"] == "iam:PassRole"),
        "the exported fix is there too: {now:?}"
    );

    // Offline (no IAM to read), the export is a policy of its own and replaces nothing.
    let offline = Command::new(BIN)
        .args(["export", "--decoded"])
        .arg(decoded_file(dir.path(), "offline"))
        .args(["--format", "cli"])
        .output()
        .unwrap();
    assert_exit(&offline, 0);
    let script = stdout(&offline);
    assert!(
        !script.contains("--policy-name 'RestoreDoctorFixes'"),
        "{script}"
    );
    let ran = run_bash(&sandbox, &script);
    assert_exit(&ran, 0);
    let now = current_policy(&sandbox);
    assert!(
        holds_bucket(now.as_ref(), "earlier"),
        "still there: {now:?}"
    );
}
