//! `restore-doctor explain` on every text a denial arrives in: plain text (implicit, explicit,
//! with the denying policy's ARN and an authorization ID, inside CLI wrappers), the AWS CLI's
//! JSON-string output, a PowerShell file (BOM, CRLF), a hybrid, and a restore job's JSON. Each
//! example names its source.

use crate::common::assert_exit;

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_restore-doctor");
const ARTICLE: &str = include_str!("../../assets/examples/backup-passrole-implicit-deny.json");

/// IAM user guide, "Access denied error messages"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): the
/// implicit-deny sentence, for the article's restore.
const PLAIN_IMPLICIT: &str = "User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup because no identity-based policy allows the iam:PassRole action";

/// IAM user guide, "Troubleshoot access denied error messages with authorization ID"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied-authorization-id.html).
const PLAIN_EXPLICIT: &str = "User: arn:aws:iam::123456789012:user/janedoe is not authorized to perform: iam:CreateInstanceProfile\non resource: arn:aws:iam::123456789012:instance-profile/my-instance-profile\nwith an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy.\nGo to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE1a2b3c4d5e6f7g8h9i0j for complete details,\nor call the GetRequestAuthorizationDetails API with the following authorization id: EXAMPLE1a2b3c4d5e6f7g8h9i0j";

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn restore-doctor");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        let _ = pipe.write_all(stdin);
    }
    child.wait_with_output().expect("wait")
}

fn explain_json(stdin: &[u8]) -> serde_json::Value {
    let out = run(&["explain", "--output", "json", "-"], stdin);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn plain_text_implicit_deny_gets_the_same_fix_as_the_decoded_message() {
    let decoded = explain_json(ARTICLE.as_bytes());
    let plain = explain_json(PLAIN_IMPLICIT.as_bytes());
    assert_eq!(plain["source"], "plain_text");
    assert_eq!(decoded["source"], "decoded");
    assert_eq!(plain["verdict"], "missing_allow");
    assert_eq!(plain["policy_type"], "identity_based");
    for field in ["target", "policy_name", "scope"] {
        assert_eq!(plain["fix"][field], decoded["fix"][field], "{field}");
    }
    for key in ["Action", "Resource", "Effect"] {
        assert_eq!(
            plain["fix"]["statement"][key], decoded["fix"]["statement"][key],
            "{key}"
        );
    }
    assert_eq!(plain["conditions_known"], false);
    assert_eq!(plain["unknown_condition_keys"][0], "iam:PassedToService");
    assert_eq!(plain["fix"]["verified"], true);
    // Fields are added, none renamed.
    for key in [
        "principal",
        "action",
        "resource",
        "conditions",
        "deny_statements",
        "summary",
        "no_fix_reason",
    ] {
        assert!(plain.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn plain_text_explicit_deny_names_its_policy_and_keeps_the_authorization_id() {
    let d = explain_json(PLAIN_EXPLICIT.as_bytes());
    assert_eq!(d["verdict"], "explicit_deny");
    assert!(d["fix"].is_null());
    assert_eq!(
        d["denying_policy_arn"],
        "arn:aws:iam::123456789012:policy/ExampleDenyPolicy"
    );
    assert_eq!(d["authorization_id"], "EXAMPLE1a2b3c4d5e6f7g8h9i0j");
    assert!(
        d["summary"]
            .as_str()
            .unwrap()
            .contains("arn:aws:iam::123456789012:policy/ExampleDenyPolicy"),
        "{}",
        d["summary"]
    );
}

#[test]
fn cli_wrapped_plain_text_is_read() {
    // The AWS CLI's wording (public issue
    // aws-samples/bulk-policy-migrator-scripts-for-account-cost-billing-consoles#9), here with
    // a service control policy's explicit deny.
    let text = "An error occurred (AccessDenied) when calling the StartRestoreJob operation: User: arn:aws:iam::111122223333:user/ops is not authorized to perform: backup:StartRestoreJob on resource: arn:aws:backup:us-east-1:111122223333:recovery-point:abc with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3/service_control_policy/p-12345678";
    let d = explain_json(text.as_bytes());
    assert_eq!(d["error_code"], "AccessDenied");
    assert_eq!(d["operation"], "StartRestoreJob");
    assert_eq!(d["policy_type"], "service_control");
    assert_eq!(d["verdict"], "explicit_deny");
}

#[test]
fn the_aws_cli_json_string_and_a_powershell_file() {
    // `aws sts decode-authorization-message --query DecodedMessage --output json`.
    let compact: serde_json::Value = serde_json::from_str(ARTICLE).unwrap();
    let as_string = serde_json::to_string(&compact.to_string()).unwrap();
    assert_eq!(explain_json(as_string.as_bytes())["action"], "iam:PassRole");
    // PowerShell `Out-File -Encoding utf8`: BOM and CRLF, read from a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("decoded.json");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(ARTICLE.replace('\n', "\r\n").into_bytes());
    std::fs::write(&path, bytes).unwrap();
    let out = run(
        &["explain", "--output", "json", path.to_str().unwrap()],
        b"",
    );
    assert_exit(&out, 0);
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        d["fix"]["statement"]["Condition"]["StringEquals"]["iam:PassedToService"],
        "ec2.amazonaws.com"
    );
}

#[test]
fn a_hybrid_offline_is_read_from_its_text_and_points_to_decode() {
    let hybrid = format!(
        "{PLAIN_IMPLICIT}. Encoded authorization failure message: {}",
        "Ab9_-".repeat(80)
    );
    let d = explain_json(hybrid.as_bytes());
    assert_eq!(d["source"], "plain_text");
    assert_eq!(d["action"], "iam:PassRole");
    assert!(
        d["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("restore-doctor decode")),
        "{}",
        d["notes"]
    );
}

#[test]
fn a_restore_job_json_gets_a_one_line_pointer() {
    // `aws backup describe-restore-job` output (AWS CLI reference:
    // https://docs.aws.amazon.com/cli/latest/reference/backup/describe-restore-job.html).
    let job = br#"{"AccountId": "111122223333", "RestoreJobId": "5A6B7C8D-0000-1111-2222-333344445555", "Status": "FAILED", "StatusMessage": "Insufficient privileges to perform this action."}"#;
    let out = run(&["explain", "-"], job);
    assert_exit(&out, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("fix --job 5A6B7C8D-0000-1111-2222-333344445555"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn backup_insufficient_privileges_is_recognised() {
    // AWS Knowledge Center, backup-insufficient-privileges-efs
    // (https://repost.aws/knowledge-center/backup-insufficient-privileges-efs).
    let d = explain_json(b"Insufficient privileges to perform this action.");
    assert_eq!(d["verdict"], "missing_allow");
    assert!(d["fix"].is_null());
    assert!(
        d["no_fix_reason"]
            .as_str()
            .unwrap()
            .contains("AWSBackupServiceRolePolicyForRestores"),
        "{}",
        d["no_fix_reason"]
    );
}
