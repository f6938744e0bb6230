//! Each failure the AWS layer maps gets one line on stderr that names the permission or the
//! remedy, and the documented exit code: the real binary against `restore-doctor sandbox`.

use crate::common::{self, assert_exit};

use std::process::{Command, Output, Stdio};

use common::{BIN, SandboxProcess, stderr, stdout};

fn run_with_key(sandbox: &SandboxProcess, key: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(BIN)
        .args(args)
        .args(["--journal", dir.path().join("j").to_str().unwrap()])
        .envs(sandbox.env())
        .env("AWS_ACCESS_KEY_ID", key)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn assert_one_line(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {err}",
        stdout(out)
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn article_token(sandbox: &SandboxProcess) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox.run(&["list", "--output", "json"], &dir.path().join("j"));
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    jobs[0]["encoded_message"].as_str().unwrap().to_string()
}

fn decoded_file(dir: &std::path::Path, principal_arn: &str) -> std::path::PathBuf {
    let message = serde_json::json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AIDAEXAMPLE", "arn": principal_arn},
            "action": "iam:PassRole",
            "resource": "arn:aws:iam::999999999999:role/AppRole",
            "conditions": {"items": [{"key": "aws:Service", "values": {"items": [{"value": "ec2"}]}}]}
        }
    });
    let path = dir.join("decoded.json");
    std::fs::write(&path, message.to_string()).unwrap();
    path
}

#[test]
fn decode_without_sts_permission_names_it() {
    let sandbox = SandboxProcess::start(&[]);
    let token = article_token(&sandbox);
    let out = run_with_key(&sandbox, "AKIASANDBOXAUDITOR01", &["decode", &token]);
    assert_one_line(&out, 1, "sts:DecodeAuthorizationMessage");
}

#[test]
fn expired_credentials_say_how_to_refresh() {
    let sandbox = SandboxProcess::start(&[]);
    let out = run_with_key(&sandbox, "AKIASANDBOXEXPIRED01", &["list"]);
    assert_one_line(&out, 1, "expired");
}

#[test]
fn no_credentials_say_where_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "list",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line(&out, 1, "no AWS credentials");
}

#[test]
fn throttling_that_outlasts_the_retries_says_so() {
    let sandbox = SandboxProcess::start(&["--faults", "throttle=1"]);
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox.run(&["list"], &dir.path().join("j"));
    assert_one_line(&out, 1, "throttling");
}

#[test]
fn unknown_job_is_bad_input() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox.run(
        &["rerun", "--job", "no-such-job", "--yes"],
        &dir.path().join("j"),
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no-such-job"), "{}", stderr(&out));
    assert!(sandbox.audit().is_empty());
}

#[test]
fn another_accounts_principal_is_refused() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let decoded = decoded_file(
        dir.path(),
        "arn:aws:sts::999999999999:assumed-role/AppRole/session",
    );
    let out = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &dir.path().join("j"),
    );
    assert_one_line(&out, 3, "999999999999");
    assert!(sandbox.audit().is_empty());
}

#[test]
fn root_and_federated_principals_get_no_fix() {
    let sandbox = SandboxProcess::start(&[]);
    for arn in [
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::111122223333:federated-user/Bob",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let decoded = decoded_file(dir.path(), arn);
        let out = sandbox.run(
            &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
            &dir.path().join("j"),
        );
        assert_exit(&out, 3);
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
    }
    assert!(sandbox.audit().is_empty());
}

#[test]
fn a_missing_role_is_named() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let decoded = decoded_file(
        dir.path(),
        "arn:aws:sts::111122223333:assumed-role/NoSuchRole/session",
    );
    let out = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--dry-run"],
        &dir.path().join("j"),
    );
    assert!(matches!(out.status.code(), Some(1 | 2)), "{}", stderr(&out));
    assert!(stderr(&out).contains("NoSuchRole"), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim().lines().count(), 1);
}
