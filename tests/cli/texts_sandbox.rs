//! Restore jobs without a token, through the real binary against the sandbox (a scenario of
//! plain-text denials, protected roles and failures that are not permissions problems): `list`
//! shows each permission failure with its action and says when a failure is not about
//! permissions; `fix --job` fixes a plain-text identity denial and writes nothing to an IAM
//! Identity Center or service-linked role (exit 3, a sentence naming the permission set or the
//! service-linked role).

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/texts.json");

fn sandbox() -> (SandboxProcess, tempfile::TempDir) {
    (
        SandboxProcess::start(&["--scenario", SCENARIO]),
        tempfile::tempdir().unwrap(),
    )
}

/// The job IDs of the listed jobs, by role name and resource type.
fn job_of(rows: &[serde_json::Value], role: &str, resource_type: &str, index: usize) -> String {
    rows.iter()
        .filter(|r| {
            r["iam_role_arn"]
                .as_str()
                .unwrap_or_default()
                .ends_with(&format!("/{role}"))
                && r["resource_type"] == resource_type
        })
        .nth(index)
        .unwrap_or_else(|| panic!("no {resource_type} job of {role}"))["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn writes(sandbox: &SandboxProcess) -> Vec<serde_json::Value> {
    sandbox
        .audit()
        .into_iter()
        .filter(|w| w["operation"] == "PutRolePolicy")
        .collect()
}

#[test]
fn list_shows_plain_text_failures_with_their_action() {
    let (sandbox, dir) = sandbox();
    let journal = dir.path().join("journal.jsonl");
    let out = sandbox.run(&["list", "--output", "json"], &journal);
    assert_exit(&out, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 5);
    let efs = &rows[0];
    assert_eq!(efs["failure"]["kind"], "plain_text_denial");
    assert_eq!(efs["failure"]["action"], "elasticfilesystem:Restore");
    assert!(efs["encoded_message"].is_null());
    let capacity = rows.iter().find(|r| r["resource_type"] == "EC2").unwrap();
    assert_eq!(capacity["failure"]["kind"], "not_permissions");
    assert!(
        capacity["failure"]["explanation"]
            .as_str()
            .unwrap()
            .contains("capacity")
    );
    let text = stdout(&sandbox.run(&["list"], &journal));
    assert!(
        text.contains("permission denied: elasticfilesystem:Restore"),
        "{text}"
    );
    assert!(!text.contains("no encoded message"), "{text}");
    assert!(text.contains("already exists"), "{text}");
    // --decode diagnoses a plain-text denial without STS.
    let decoded = sandbox.run(&["list", "--decode", "--output", "json"], &journal);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&decoded.stdout).unwrap();
    assert_eq!(rows[0]["diagnosis"]["source"], "plain_text");
    assert_eq!(rows[0]["diagnosis"]["verdict"], "missing_allow");
    assert_eq!(
        rows[0]["diagnosis"]["fix"]["statement"]["Action"],
        "elasticfilesystem:Restore"
    );
}

#[test]
fn fix_job_fixes_a_plain_text_denial_and_refuses_non_permission_failures() {
    let (sandbox, dir) = sandbox();
    let journal = dir.path().join("journal.jsonl");
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&sandbox.run(&["list", "--output", "json"], &journal).stdout)
            .unwrap();
    let efs = job_of(&rows, "BackupRestoreRoleEfs", "EFS", 0);
    let out = sandbox.run(&["fix", "--job", &efs, "--yes"], &journal);
    assert_exit(&out, 0);
    let written = writes(&sandbox);
    assert_eq!(written.len(), 1, "{written:?}");
    let document = written[0].to_string();
    assert!(document.contains("elasticfilesystem:Restore"), "{document}");
    assert!(document.contains("BackupRestoreRoleEfs"), "{document}");

    let capacity = job_of(&rows, "BackupRestoreRoleEfs", "EC2", 0);
    let out = sandbox.run(&["fix", "--job", &capacity, "--yes"], &journal);
    assert_exit(&out, 3);
    let err = stderr(&out);
    assert!(
        err.contains("did not fail for lack of a permission") && err.contains("capacity"),
        "{err}"
    );
    let exists = job_of(&rows, "BackupRestoreRoleEfs", "EFS", 1);
    let err = stderr(&sandbox.run(&["fix", "--job", &exists, "--yes"], &journal));
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(writes(&sandbox).len(), 1, "nothing more written");
}

#[test]
fn protected_roles_get_no_iam_write() {
    let (sandbox, dir) = sandbox();
    let journal = dir.path().join("journal.jsonl");
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&sandbox.run(&["list", "--output", "json"], &journal).stdout)
            .unwrap();
    let sso = job_of(
        &rows,
        "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b",
        "EFS",
        0,
    );
    let out = sandbox.run(&["fix", "--job", &sso, "--yes"], &journal);
    assert_exit(&out, 3);
    let err = stderr(&out);
    assert!(err.contains("permission set BackupOperators"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let shown = stdout(&out);
    assert!(
        shown.contains("aws sso-admin put-inline-policy-to-permission-set"),
        "{shown}"
    );
    assert!(shown.contains("provision-permission-set"), "{shown}");
    assert!(shown.contains("ADMINISTRATOR RIGHTS"), "{shown}");
    let tf = sandbox.run(
        &["export", "--job", &sso, "--format", "terraform"],
        &journal,
    );
    assert_exit(&tf, 0);
    assert!(stdout(&tf).contains("aws_ssoadmin_permission_set_inline_policy"));

    let linked = job_of(&rows, "AWSServiceRoleForBackupRestoreTest", "EFS", 0);
    let out = sandbox.run(&["fix", "--job", &linked, "--yes"], &journal);
    assert_exit(&out, 3);
    let err = stderr(&out);
    assert!(
        err.contains("service-linked role") && err.contains("cannot be changed"),
        "{err}"
    );
    assert!(writes(&sandbox).is_empty(), "no inline policy written");
}
