//! One fix round per restore and the demo's denial texts and targets, through the real binary
//! against the demo sandbox: the EBS restore with a customer-managed key (the engine denies
//! kms:CreateGrant first, then kms:Decrypt) completes after one `fix --job --yes` and one
//! `rerun --job --yes`, the fix holding exactly the key's statements; the plain-text EFS denial
//! is listed with its action and fixed; the Identity Center role gets the permission-set change
//! and no IAM write; the service-linked role and the SCP's explicit deny are refused.

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};
use serde_json::Value;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/9f8e7d6c-5b4a-4321-8765-0fedcba98765";

fn listed(sandbox: &SandboxProcess, journal: &std::path::Path) -> Vec<Value> {
    let out = sandbox.run(&["list", "--output", "json"], journal);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The listed job of `role` (the last segment of its role ARN) restoring `resource_type`.
fn job_of(rows: &[Value], role: &str, resource_type: &str) -> String {
    rows.iter()
        .find(|r| {
            r["iam_role_arn"]
                .as_str()
                .is_some_and(|arn| arn.ends_with(&format!("/{role}")))
                && r["resource_type"] == resource_type
        })
        .unwrap_or_else(|| panic!("no {resource_type} job of {role}"))["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The documents written with PutRolePolicy, by role ARN.
fn writes(sandbox: &SandboxProcess) -> Vec<(String, Value)> {
    sandbox
        .audit()
        .into_iter()
        .filter(|w| w["operation"] == "PutRolePolicy")
        .map(|w| {
            (
                w["target"].as_str().unwrap_or_default().to_string(),
                w["detail"]["PolicyDocument"].clone(),
            )
        })
        .collect()
}

#[test]
fn one_fix_and_one_rerun_complete_an_ebs_restore_with_a_customer_managed_key() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let rows = listed(&sandbox, &journal);
    let job = job_of(&rows, "BackupRestoreRoleEbsCmk", "EBS");

    let out = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
    assert_exit(&out, 0);
    let shown = stdout(&out);
    assert!(
        shown.contains(&format!(
            "Also:      kms:Decrypt on {KEY}: also needed by this restore (EBS)"
        )),
        "{shown}"
    );
    assert!(
        shown.contains("WIDER alternative: attach the AWS managed policy arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
        "{shown}"
    );
    let written = writes(&sandbox);
    assert_eq!(written.len(), 1, "one write: {written:?}");
    assert!(written[0].0.ends_with("role/BackupRestoreRoleEbsCmk"));
    let statements = written[0].1["Statement"].as_array().unwrap().clone();
    let actions: Vec<&str> = statements
        .iter()
        .map(|s| s["Action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKeyWithoutPlaintext"
        ]
    );
    for statement in &statements {
        assert_eq!(statement["Resource"], KEY, "exactly the key: {statement}");
    }
    assert_eq!(
        statements[0]["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
        "true"
    );
    for statement in &statements[1..] {
        assert_eq!(
            statement["Condition"]["StringEquals"]["kms:ViaService"], "ec2.us-east-1.amazonaws.com",
            "{statement}"
        );
    }

    let out = sandbox.run(&["rerun", "--job", &job, "--yes"], &journal);
    let shown = stdout(&out);
    assert_exit(&out, 0);
    assert!(
        shown.contains("COMPLETED: arn:aws:ec2:us-east-1:111122223333:volume/"),
        "{shown}"
    );
    assert_eq!(writes(&sandbox).len(), 1, "no second fix was needed");
}

#[test]
fn the_json_preview_labels_what_the_restore_also_needs() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let rows = listed(&sandbox, &journal);
    // The other EBS role already has kms:Decrypt and kms:DescribeKey: only the rest is added.
    let job = job_of(&rows, "BackupRestoreRoleEbs", "EBS");
    let out = sandbox.run(
        &["fix", "--job", &job, "--dry-run", "--output", "json"],
        &journal,
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnosis = &plan["plan"]["diagnosis"];
    let also: Vec<&str> = diagnosis["also_needed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(also, ["kms:GenerateDataKeyWithoutPlaintext"]);
    assert_eq!(
        diagnosis["also_needed"][0]["label"],
        "also needed by this restore"
    );
    assert_eq!(diagnosis["wider_alternatives"][0]["wider"], true);
    assert_eq!(diagnosis["fix"]["local_verification"]["result"], "allowed");
    assert!(writes(&sandbox).is_empty(), "a dry run writes nothing");
}

#[test]
fn the_demo_has_each_denial_text_and_protected_target() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let rows = listed(&sandbox, &journal);
    // The article's job stays the newest failed one.
    assert!(
        rows[0]["iam_role_arn"]
            .as_str()
            .unwrap()
            .ends_with("/AWSBackupDefaultServiceRole")
            && rows[0]["resource_type"] == "EC2"
    );
    let text = stdout(&sandbox.run(&["list"], &journal));
    let efs_line = text
        .lines()
        .find(|l| l.contains("BackupRestoreRoleEfs"))
        .unwrap();
    assert!(
        efs_line.contains("permission denied: elasticfilesystem:Restore"),
        "{text}"
    );

    let efs = job_of(&rows, "BackupRestoreRoleEfs", "EFS");
    let out = sandbox.run(&["fix", "--job", &efs, "--yes"], &journal);
    assert_exit(&out, 0);
    let written = writes(&sandbox);
    assert_eq!(written.len(), 1);
    assert_eq!(
        written[0].1["Statement"][0]["Resource"],
        "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0a1b2c3d4e5f60010"
    );
    assert_eq!(
        written[0].1["Statement"][0]["Action"],
        "elasticfilesystem:Restore"
    );

    let sso = job_of(
        &rows,
        "AWSReservedSSO_BackupOperators_0a1b2c3d4e5f6a7b",
        "EFS",
    );
    let out = sandbox.run(&["fix", "--job", &sso, "--yes"], &journal);
    assert_exit(&out, 3);
    assert!(
        stdout(&out).contains("aws sso-admin put-inline-policy-to-permission-set"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("permission set BackupOperators"));

    let linked = job_of(&rows, "AWSServiceRoleForBackupRestoreTest", "EFS");
    let out = sandbox.run(&["fix", "--job", &linked, "--yes"], &journal);
    assert_exit(&out, 3);
    assert!(
        stderr(&out).contains("service-linked role"),
        "{}",
        stderr(&out)
    );

    let scp = job_of(&rows, "BackupRestoreRoleProd", "EFS");
    let out = sandbox.run(&["fix", "--job", &scp, "--yes"], &journal);
    assert_exit(&out, 3);
    let err = stderr(&out);
    // Read through Organizations (the demo account is a delegated administrator): the SCP's id,
    // name, ARN, where it is attached and its statement.
    assert!(
        err.contains("service control policy arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp (p-examplescp, DenyEfsRestoresInProd) attached to the OU ou-a1b2-backupops")
            && err.contains("DenyProdEfsRestore"),
        "{err}"
    );
    assert_eq!(writes(&sandbox).len(), 1, "only the EFS role was written");
}
