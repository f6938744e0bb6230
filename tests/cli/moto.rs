//! `fix --decoded … --yes` against an independent IAM implementation: moto's server on loopback.
//! The role is created there, the policy read back, the fix run twice (idempotent), and a
//! statement that was already in the policy must survive.

use crate::common::assert_exit;

use crate::moto_support;

use std::process::{Command, Stdio};

use moto_support::{ACCOUNT, aws, env, start_moto};

const BIN: &str = env!("CARGO_BIN_EXE_restore-doctor");

fn decoded_message() -> String {
    serde_json::json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AROAEXAMPLE:AWSBackup-RestoreRole",
                          "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/RestoreRole/AWSBackup-RestoreRole")},
            "action": "iam:PassRole",
            "resource": format!("arn:aws:iam::{ACCOUNT}:role/AppInstanceRole"),
            "conditions": {"items": [{"key": "aws:Service", "values": {"items": [{"value": "ec2"}]}}]}
        }
    })
    .to_string()
}

#[test]
fn fix_against_moto_is_idempotent_and_keeps_existing_statements() {
    let moto = start_moto();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    aws(
        &moto,
        &[
            "iam",
            "create-role",
            "--role-name",
            "RestoreRole",
            "--path",
            "/service-role/",
            "--assume-role-policy-document",
            trust,
        ],
    );
    let existing = r#"{"Version":"2012-10-17","Statement":[{"Sid":"KeepMe","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#;
    aws(
        &moto,
        &[
            "iam",
            "put-role-policy",
            "--role-name",
            "RestoreRole",
            "--policy-name",
            "RestoreDoctorFixes",
            "--policy-document",
            existing,
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let decoded = dir.path().join("decoded.json");
    std::fs::write(&decoded, decoded_message()).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let fix = || {
        Command::new(BIN)
            .args([
                "fix",
                "--decoded",
                decoded.to_str().unwrap(),
                "--yes",
                "--endpoint-url",
                &moto.url,
                "--region",
                "us-east-1",
            ])
            .args(["--journal", journal.to_str().unwrap()])
            .envs(env())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let first = fix();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_exit(&first, 0);
    assert!(
        stdout.contains("arn:aws:iam::123456789012:role/service-role/RestoreRole"),
        "the real ARN with its path: {stdout}"
    );
    assert!(stdout.contains("Applied"), "{stdout}");

    let read_back: serde_json::Value = serde_json::from_str(&aws(
        &moto,
        &[
            "iam",
            "get-role-policy",
            "--role-name",
            "RestoreRole",
            "--policy-name",
            "RestoreDoctorFixes",
        ],
    ))
    .unwrap();
    let statements = read_back["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    assert_eq!(statements.len(), 2, "{read_back}");
    assert_eq!(statements[0]["Sid"], "KeepMe");
    assert_eq!(statements[1]["Action"], "iam:PassRole");
    assert_eq!(
        statements[1]["Resource"],
        "arn:aws:iam::123456789012:role/AppInstanceRole"
    );
    assert_eq!(
        statements[1]["Condition"]["StringEquals"]["iam:PassedToService"],
        "ec2.amazonaws.com"
    );

    let second = fix();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_exit(&second, 0);
    assert!(stdout.contains("already in place"), "{stdout}");
    let again: serde_json::Value = serde_json::from_str(&aws(
        &moto,
        &[
            "iam",
            "get-role-policy",
            "--role-name",
            "RestoreRole",
            "--policy-name",
            "RestoreDoctorFixes",
        ],
    ))
    .unwrap();
    assert_eq!(again["PolicyDocument"], read_back["PolicyDocument"]);
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(
        lines.lines().count(),
        2,
        "one pending and one applied line, nothing for the no-op: {lines}"
    );
}

/// IAM's plain-text implicit deny (IAM user guide, "Access denied error messages":
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html) for `role`.
fn plain_denial(role: &str) -> String {
    format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/restore-session is not authorized to perform: iam:PassRole on resource: arn:aws:iam::{ACCOUNT}:role/AppInstanceRole because no identity-based policy allows the iam:PassRole action"
    )
}

#[test]
fn protected_roles_in_moto_get_no_inline_policy() {
    let moto = start_moto();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let sso = "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b";
    let linked = "AWSServiceRoleForBackup";
    for (name, path) in [
        (sso, "/aws-reserved/sso.amazonaws.com/"),
        (linked, "/aws-service-role/backup.amazonaws.com/"),
    ] {
        aws(
            &moto,
            &[
                "iam",
                "create-role",
                "--role-name",
                name,
                "--path",
                path,
                "--assume-role-policy-document",
                trust,
            ],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let fix = |role: &str| {
        Command::new(BIN)
            .args(["fix", "--token", &plain_denial(role), "--yes"])
            .args(["--endpoint-url", &moto.url, "--region", "us-east-1"])
            .args(["--journal", journal.to_str().unwrap()])
            .envs(env())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let inline_policies = |role: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&aws(
            &moto,
            &["iam", "list-role-policies", "--role-name", role],
        ))
        .unwrap()["PolicyNames"]
            .clone()
    };

    let out = fix(sso);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_exit(&out, 3);
    assert!(err.contains("permission set BackupOperators"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("put-inline-policy-to-permission-set"),
        "the change is shown where it belongs"
    );
    assert_eq!(inline_policies(sso), serde_json::json!([]));

    let out = fix(linked);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_exit(&out, 3);
    assert!(
        err.contains("service-linked role") && err.contains("cannot be changed"),
        "{err}"
    );
    assert_eq!(inline_policies(linked), serde_json::json!([]));
    assert!(
        !journal.exists() || std::fs::read_to_string(&journal).unwrap().is_empty(),
        "nothing journalled: nothing was written"
    );
}

/// Issue #11: a role whose permissions boundary does not allow the denied action gets no write
/// from `fix --yes` (exit 3) and a sentence naming the boundary — against moto's IAM, which
/// stores boundaries and returns them from GetRole as AWS does.
#[test]
fn a_boundary_that_does_not_allow_the_action_gets_no_write() {
    let moto = start_moto();
    let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*"],"Resource":"*"}]}"#;
    let created: serde_json::Value = serde_json::from_str(&aws(
        &moto,
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "RestoreBoundary",
            "--policy-document",
            boundary,
        ],
    ))
    .unwrap();
    let boundary_arn = created["Policy"]["Arn"].as_str().unwrap().to_string();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    aws(
        &moto,
        &[
            "iam",
            "create-role",
            "--role-name",
            "RestoreRole",
            "--assume-role-policy-document",
            trust,
            "--permissions-boundary",
            &boundary_arn,
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let decoded = dir.path().join("decoded.json");
    std::fs::write(&decoded, decoded_message()).unwrap();
    let out = Command::new(BIN)
        .args(["fix", "--decoded", decoded.to_str().unwrap(), "--yes"])
        .args(["--endpoint-url", &moto.url, "--region", "us-east-1"])
        .args([
            "--journal",
            dir.path().join("journal.jsonl").to_str().unwrap(),
        ])
        .envs(env())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_exit(&out, 3);
    assert!(
        stderr.contains(&format!("the permissions boundary {boundary_arn}")),
        "{stderr}"
    );
    assert!(stderr.contains("does not allow iam:PassRole"), "{stderr}");
    let policies: serde_json::Value = serde_json::from_str(&aws(
        &moto,
        &["iam", "list-role-policies", "--role-name", "RestoreRole"],
    ))
    .unwrap();
    assert_eq!(
        policies["PolicyNames"],
        serde_json::json!([]),
        "no inline policy written"
    );
    assert!(
        !dir.path().join("journal.jsonl").exists(),
        "nothing journalled"
    );
}
