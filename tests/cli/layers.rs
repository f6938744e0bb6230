//! Every policy layer, proven before the write, with the real binary against
//! `restore-doctor sandbox --scenario tests/scenarios/layers.json` as its own process: a role
//! whose permissions boundary does not allow the denied action gets no write (exit 3, the
//! boundary named, GetRole's boundary read back), and a fix that an organization guardrail
//! would still deny is caught by IAM's simulator before anything is written.

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};
use serde_json::Value;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/layers.json");

fn decoded_for(dir: &std::path::Path, role: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{role}.json"));
    let message = serde_json::json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": format!("AROA:AWSBackup-{role}"),
                          "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/AWSBackup-{role}")},
            "action": "iam:PassRole",
            "resource": "arn:aws:iam::111122223333:role/AppInstanceRole",
            "conditions": {"items": [{"key": "aws:Service", "values": {"items": [{"value": "ec2"}]}}]}
        }
    });
    std::fs::write(&path, message.to_string()).unwrap();
    path
}

#[test]
fn a_boundary_that_does_not_allow_the_job_s_action_gets_no_write() {
    let sandbox = SandboxProcess::start(&["--scenario", SCENARIO]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    assert_exit(&listed, 0);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let job = jobs[0]["restore_job_id"].as_str().unwrap().to_string();
    let fix = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
    assert_exit(&fix, 3);
    let said = stderr(&fix);
    assert!(
        said.contains("the permissions boundary arn:aws:iam::111122223333:policy/RestoreBoundary of role BoundedRestoreRole does not allow iam:PassRole"),
        "{said}"
    );
    assert!(
        sandbox.audit().is_empty(),
        "nothing written: {:?}",
        sandbox.audit()
    );
}

#[test]
fn a_guardrail_the_tool_cannot_read_is_caught_by_the_simulator_before_the_write() {
    let sandbox = SandboxProcess::start(&["--scenario", SCENARIO]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    // A decoded message from before the SCP was attached: an implicit deny of the identity
    // layer. The identity fix looks right locally; IAM's simulator (with the organization's
    // policies) says it would still be denied, so nothing is written.
    let decoded = decoded_for(dir.path(), "GuardedRestoreRole");
    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal,
    );
    assert_exit(&fix, 3);
    let said = stderr(&fix);
    assert!(
        said.contains("would still be denied (explicitDeny)"),
        "{said}"
    );
    assert!(said.contains("service control policy"), "{said}");
    assert!(
        stdout(&fix).contains("Before the write, IAM's SimulatePrincipalPolicy with the proposed document: still denied"),
        "the preview shows the proof: {}",
        stdout(&fix)
    );
    assert!(
        sandbox.audit().is_empty(),
        "nothing written: {:?}",
        sandbox.audit()
    );
}

#[test]
fn the_preview_says_which_layers_were_read() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let job = jobs[0]["restore_job_id"].as_str().unwrap().to_string();
    let dry = sandbox.run(&["fix", "--job", &job, "--dry-run"], &journal);
    assert_exit(&dry, 0);
    let said = stdout(&dry);
    assert!(said.contains("Layers read: inline policies"), "{said}");
    assert!(said.contains("attached managed policies (1)"), "{said}");
    assert!(said.contains("permissions boundary (none set)"), "{said}");
    assert!(
        said.contains(
            "Before the write, IAM's SimulatePrincipalPolicy with the proposed document: allowed"
        ),
        "{said}"
    );
}

#[test]
fn the_demo_s_bounded_role_gets_no_write_and_names_its_boundary() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let job = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["iam_role_arn"]
                .as_str()
                .is_some_and(|r| r.ends_with("/BackupRestoreRoleBounded"))
        })
        .expect("the demo has a job whose role has a permissions boundary");
    let id = job["restore_job_id"].as_str().unwrap();
    let fix = sandbox.run(&["fix", "--job", id, "--yes"], &journal);
    assert_exit(&fix, 3);
    assert!(
        stderr(&fix).contains("the permissions boundary arn:aws:iam::111122223333:policy/RestoreBoundary of role BackupRestoreRoleBounded does not allow iam:PassRole"),
        "{}",
        stderr(&fix)
    );
    assert!(sandbox.audit().is_empty());
    // The export is the boundary owner's change, not an identity statement that would not help.
    let export = sandbox.run(&["export", "--job", id, "--format", "json"], &journal);
    assert_exit(&export, 3);
    let exported: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(
        exported["blocking_layers"],
        serde_json::json!([{"layer": "boundary_missing_allow",
                            "policy": "arn:aws:iam::111122223333:policy/RestoreBoundary"}]),
        "{exported}"
    );
    assert!(
        exported["owner_change"].as_str().unwrap().starts_with(
            "add to the boundary arn:aws:iam::111122223333:policy/RestoreBoundary the statement"
        ),
        "{exported}"
    );
    assert!(sandbox.audit().is_empty());
}

/// A decoded denial of `action` on `resource` by the demo's `BackupRestoreRoleProd`.
fn decoded_request(dir: &std::path::Path, action: &str, resource: &str) -> std::path::PathBuf {
    let path = dir.join("request.json");
    let message = serde_json::json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AROA:AWSBackup-BackupRestoreRoleProd",
                          "arn": "arn:aws:sts::111122223333:assumed-role/BackupRestoreRoleProd/AWSBackup-BackupRestoreRoleProd"},
            "action": action,
            "resource": resource,
            "conditions": {"items": [{"key": "kms:GrantIsForAWSResource", "values": {"items": [{"value": "true"}]}}]}
        }
    });
    std::fs::write(&path, message.to_string()).unwrap();
    path
}

/// `fix --decoded FILE --yes --output json`, which must refuse (exit 3): the run and its JSON.
fn refused_json(
    sandbox: &SandboxProcess,
    file: &std::path::Path,
    journal: &std::path::Path,
) -> (std::process::Output, Value) {
    let out = sandbox.run(
        &[
            "fix",
            "--decoded",
            file.to_str().unwrap(),
            "--yes",
            "--output",
            "json",
        ],
        journal,
    );
    assert_exit(&out, 3);
    let answer = serde_json::from_slice(&out.stdout).unwrap();
    (out, answer)
}

#[test]
fn a_vault_access_policy_that_denies_gets_no_write_and_names_its_statement() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let locked = "arn:aws:backup:us-east-1:111122223333:backup-vault:LockedVault";
    let file = decoded_request(dir.path(), "backup:StartRestoreJob", locked);
    let (out, answer) = refused_json(&sandbox, &file, &journal);
    assert_eq!(
        answer["blocking_layers"],
        serde_json::json!([{"layer": "resource_deny", "kind": "vault_access_policy",
                            "policy": locked, "sid": "DenyRestoresExceptBreakGlass"}]),
        "{answer}"
    );
    assert!(
        stderr(&out).contains("the access policy of vault"),
        "{}",
        stderr(&out)
    );
    assert!(
        sandbox.audit().is_empty(),
        "nothing written: {:?}",
        sandbox.audit()
    );

    // The vault without an access policy: no such layer, the identity statement is the fix.
    let default = "arn:aws:backup:us-east-1:111122223333:backup-vault:Default";
    let file = decoded_request(dir.path(), "backup:StartRestoreJob", default);
    let out = sandbox.run(
        &["fix", "--decoded", file.to_str().unwrap(), "--dry-run"],
        &journal,
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("vault access policy of Default (none set)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_key_in_another_account_gets_no_write_and_both_changes_are_said() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let key = "arn:aws:kms:us-east-1:444455556666:key/0a1b2c3d-1111-2222-3333-444455556666";
    let file = decoded_request(dir.path(), "kms:CreateGrant", key);
    let (_, answer) = refused_json(&sandbox, &file, &journal);
    assert_eq!(
        answer["blocking_layers"],
        serde_json::json!([{"layer": "key_in_another_account", "key": key, "account": "444455556666"}]),
        "{answer}"
    );
    let change = answer["owner_change"].as_str().unwrap();
    assert!(
        change.contains("in account 444455556666, add to the key policy")
            && change.contains("this account needs the identity statement"),
        "{change}"
    );
    assert!(
        answer["layers_unreadable"]
            .to_string()
            .contains("cannot be read from account 111122223333"),
        "{answer}"
    );
    assert!(
        sandbox.audit().is_empty(),
        "nothing written: {:?}",
        sandbox.audit()
    );
}

/// The demo's job run by `role`.
fn demo_job(sandbox: &SandboxProcess, journal: &std::path::Path, role: &str) -> String {
    let listed = sandbox.run(&["list", "--output", "json"], journal);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    jobs.as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["iam_role_arn"]
                .as_str()
                .is_some_and(|r| r.ends_with(&format!("/{role}")))
        })
        .unwrap_or_else(|| panic!("the demo has a job run by {role}"))["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn each_demo_job_of_a_guardrail_names_its_layer_writes_nothing_and_exports_the_owner_s_change() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cases = [
        (
            "BackupRestoreRoleGpu",
            serde_json::json!([{"layer": "scp_missing_allow", "target": "111122223333"}]),
            "AllowApprovedInstanceTypes",
        ),
        (
            "BackupRestoreRoleFinance",
            serde_json::json!([{"layer": "key_policy_missing_allow",
                                "policy": "arn:aws:kms:us-east-1:111122223333:key/2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"}]),
            "neither allows",
        ),
        (
            "BackupRestoreRoleSharedKey",
            serde_json::json!([{"layer": "key_in_another_account",
                                "key": "arn:aws:kms:us-east-1:444455556666:key/3c4d5e6f-7081-4293-a4b5-c6d7e8f90a12",
                                "account": "444455556666"}]),
            "belongs to account 444455556666",
        ),
        (
            "BackupRestoreRoleLocked",
            serde_json::json!([{"layer": "resource_deny", "kind": "vault_access_policy",
                                "policy": "arn:aws:backup:us-east-1:111122223333:backup-vault:LockedVault",
                                "sid": "DenyRestoresExceptBreakGlass"}]),
            "who would re-run the restore",
        ),
    ];
    for (role, blocking, said) in cases {
        let id = demo_job(&sandbox, &journal, role);
        let fix = sandbox.run(
            &["fix", "--job", &id, "--yes", "--output", "json"],
            &journal,
        );
        assert_exit(&fix, 3);
        let answer: Value = serde_json::from_slice(&fix.stdout).unwrap();
        assert_eq!(answer["blocking_layers"], blocking, "{role}: {answer}");
        assert!(
            answer["refused"].as_str().unwrap().contains(said),
            "{role}: {answer}"
        );
        assert!(
            sandbox.audit().is_empty(),
            "{role}: nothing written: {:?}",
            sandbox.audit()
        );
        let export = sandbox.run(&["export", "--job", &id, "--format", "cli"], &journal);
        assert_exit(&export, 3);
        assert!(
            stdout(&export).contains("# The owner's change"),
            "{role}: {}",
            stdout(&export)
        );
    }
    // The hybrid message's job is the identity layer's: fixed, it re-runs to COMPLETED.
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    let jobs: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let hybrid = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["status_message"].as_str().is_some_and(|m| {
                m.contains("is not authorized to perform")
                    && m.contains("Encoded authorization failure message")
            })
        })
        .expect("the demo has a hybrid message");
    let id = hybrid["restore_job_id"].as_str().unwrap();
    let fix = sandbox.run(&["fix", "--job", id, "--yes", "--output", "json"], &journal);
    assert_exit(&fix, 0);
    let plan: Value = serde_json::from_slice(&fix.stdout).unwrap();
    assert_eq!(
        plan["plan"]["blocking_layers"],
        serde_json::json!([{"layer": "identity_missing_allow"}]),
        "{plan}"
    );
    assert_eq!(sandbox.audit().len(), 1, "one write: {:?}", sandbox.audit());
    let rerun = sandbox.run(&["rerun", "--job", id, "--yes"], &journal);
    assert_exit(&rerun, 0);
    assert!(stdout(&rerun).contains("COMPLETED"), "{}", stdout(&rerun));
}

#[test]
fn access_analyzer_checks_the_proposed_document_before_the_preview() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let id = demo_job(&sandbox, &journal, "AWSBackupDefaultServiceRole");
    let out = sandbox.run(
        &["fix", "--job", &id, "--dry-run", "--output", "json"],
        &journal,
    );
    assert_exit(&out, 0);
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = &answer["plan"]["policy_checks"];
    assert_eq!(checks["findings"], serde_json::json!([]), "{checks}");
    assert_eq!(checks["least_privilege"]["not_granted"], true, "{checks}");
    let text = sandbox.run(&["fix", "--job", &id, "--dry-run"], &journal);
    assert!(
        stdout(&text).contains("Check: IAM Access Analyzer ValidatePolicy: no findings")
            && stdout(&text)
                .contains("on *): passed, the document does not grant iam:PassRole on *"),
        "{}",
        stdout(&text)
    );
    // The WIDER account scope is asked about its own resource, and Access Analyzer says so.
    let wide = sandbox.run(
        &["fix", "--job", &id, "--dry-run", "--scope", "account"],
        &journal,
    );
    assert!(
        stdout(&wide).contains(
            "the document DOES grant iam:PassRole on arn:aws:iam::111122223333:role/* (WIDER"
        ),
        "{}",
        stdout(&wide)
    );
    assert!(sandbox.audit().is_empty());
}
