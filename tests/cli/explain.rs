//! `restore-doctor explain` as a user runs it: exit codes, the JSON contract, stderr on bad input.

use crate::common::assert_exit;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_restore-doctor");
const ARTICLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/examples/backup-passrole-implicit-deny.json"
);
const EXPLICIT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/examples/ec2-explicit-deny.json"
);

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn restore-doctor");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(data) = stdin {
            // The binary may refuse early and close its end: that is not a test failure.
            let _ = pipe.write_all(data);
        }
    }
    child.wait_with_output().expect("wait")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn article_message_gives_the_least_privilege_fix() {
    let out = run(&["explain", "--output", "json", ARTICLE], None);
    assert_exit(&out, 0);
    let d = json(&out);
    assert_eq!(d["verdict"], "missing_allow");
    assert_eq!(d["fix"]["target"]["type"], "role");
    assert_eq!(d["fix"]["target"]["name"], "AWSBackupDefaultServiceRole");
    assert_eq!(d["fix"]["policy_name"], "RestoreDoctorFixes");
    let statement = &d["fix"]["statement"];
    assert_eq!(statement["Action"], "iam:PassRole");
    assert_eq!(
        statement["Resource"],
        "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["iam:PassedToService"],
        "ec2.amazonaws.com"
    );
    assert_eq!(d["fix"]["verified"], true);
    for key in [
        "principal",
        "action",
        "resource",
        "conditions",
        "deny_statements",
        "summary",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn explicit_deny_has_no_fix() {
    let out = run(&["explain", EXPLICIT, "--output", "json"], None);
    assert_exit(&out, 0);
    let d = json(&out);
    assert_eq!(d["verdict"], "explicit_deny");
    assert_eq!(d["action"], "ec2:RunInstances");
    assert!(d["fix"].is_null());
    assert_eq!(d["deny_statements"][0]["sid"], "VisualEditor0");
}

#[test]
fn stdin_and_the_cli_wrapper_are_accepted() {
    let article = std::fs::read_to_string(ARTICLE).unwrap();
    let wrapped = serde_json::json!({ "DecodedMessage": article }).to_string();
    let out = run(
        &["--output", "json", "explain", "-"],
        Some(wrapped.as_bytes()),
    );
    assert_exit(&out, 0);
    assert_eq!(json(&out)["action"], "iam:PassRole");
}

#[test]
fn account_scope_is_wider_and_says_so() {
    let out = run(&["explain", "--scope", "account", ARTICLE], None);
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("arn:aws:iam::111122223333:role/*"), "{text}");
    assert!(text.contains("WIDER"), "{text}");
}

fn assert_bad_input(out: &Output, needle: &str) {
    assert_exit(out, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_is_one_line_exit_2() {
    assert_bad_input(
        &run(&["explain", "-"], Some(b"{not json")),
        "not valid JSON",
    );
    assert_bad_input(
        &run(&["explain", "-"], Some(br#"{"hello": 1}"#)),
        "not a decoded authorization message",
    );
    let encoded = format!(
        "Encoded authorization failure message: {}",
        "Ab9_-".repeat(100)
    );
    assert_bad_input(
        &run(&["explain", "-"], Some(encoded.as_bytes())),
        "restore-doctor decode",
    );
    assert_bad_input(
        &run(&["explain", "/nonexistent/file.json"], None),
        "cannot read",
    );
    assert_bad_input(&run(&["explain", "-"], Some(&[0xff, 0xfe, 0x00])), "UTF-8");
}

#[test]
fn five_megabytes_of_noise_is_refused_fast() {
    let mut noise = Vec::with_capacity(5 << 20);
    let mut x: u32 = 12345;
    for _ in 0..(5 << 20) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        noise.push((x >> 16) as u8);
    }
    let start = Instant::now();
    let out = run(&["explain", "-"], Some(&noise));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_bad_input(&out, "larger than");
}

#[test]
fn help_documents_exit_codes() {
    let out = run(&["explain", "--help"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("3  nothing applied"), "{text}");
}

/// An IAM Identity Center role's denial: the fix's target is its permission set (IAM refuses
/// any change to the role itself), never the `AWSReservedSSO_…` role.
#[test]
fn an_identity_center_role_is_fixed_in_its_permission_set() {
    let article = std::fs::read_to_string(ARTICLE).expect("article");
    let sso = article.replace(
        "AWSBackupDefaultServiceRole",
        "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b",
    );
    let out = run(&["explain", "-", "--output", "json"], Some(sso.as_bytes()));
    assert_exit(&out, 0);
    let d = json(&out);
    assert_eq!(d["fix"]["target"]["type"], "permission_set", "{d:#}");
    assert_eq!(d["fix"]["target"]["name"], "BackupOperators");
    assert_eq!(
        d["fix"]["target"]["role"],
        "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b"
    );
    assert!(
        !d["fix"].to_string().contains("\"type\":\"role\""),
        "no role target: {d:#}"
    );
    // A verification that cannot be done is null ("not done"), never false.
    let redacted = article.replace("111122223333", "<account>");
    let out = run(
        &["explain", "-", "--output", "json"],
        Some(redacted.as_bytes()),
    );
    assert_exit(&out, 0);
    let d = json(&out);
    assert_eq!(d["fix"]["verified"], serde_json::Value::Null, "{d:#}");
    assert_eq!(d["fix"]["local_verification"]["result"], "not_done");
}
