//! The quota fallback with the real binary against `restore-doctor sandbox` as its own process:
//! a role whose inline policies are nearly full gets its fix as the customer-managed policy
//! `RestoreDoctorFixes-<role>` (created and attached, each step journalled), IAM then allows
//! the restore's request, and `undo --last` detaches and deletes it.

use crate::common::{self, assert_exit};

use common::{SandboxProcess, stderr, stdout};
use restore_doctor::aws::{ConnectOptions, Session};
use restore_doctor::diagnosis::TargetType;
use restore_doctor::diagnosis::evaluate::Decision;
use restore_doctor::workflow::journal::{Journal, Operation, Phase};
use serde_json::json;

const ROLE: &str = "AWSBackupDefaultServiceRole";
const BUCKET: &str = "quota-bucket";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn session(sandbox: &SandboxProcess) -> Session {
    Session::connect(&ConnectOptions {
        endpoint_url: Some(sandbox.url.clone()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("AKIASANDBOXADMIN0001".into(), "sandbox".into())),
        read_only: false,
        sandbox: true,
        ..ConnectOptions::default()
    })
    .await
    .expect("connect")
}

fn non_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Fills the role's inline policies to 20 characters short of IAM's 10,240 (through the SDK).
async fn fill_inline_quota(session: &Session) {
    fill_quota_of(session, TargetType::Role, ROLE, 10_240).await;
}

/// Fills `owner`'s inline policies to 20 characters short of `quota`.
async fn fill_quota_of(session: &Session, target: TargetType, owner: &str, quota: usize) {
    let mut used = 0;
    for name in session.list_inline_policies(target, owner).await.unwrap() {
        let document = session
            .get_inline_policy(target, owner, &name)
            .await
            .unwrap();
        used += document.map_or(0, |d| non_whitespace(&d.to_string()));
    }
    let shell = |fill: usize| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{}", "b".repeat(fill))}]})
        .to_string()
    };
    let overhead = non_whitespace(&shell(0));
    let big = shell(quota - 20 - used - overhead);
    let writer = session.writer().expect("a write session");
    writer
        .put_inline_policy(target, owner, "Big", &big)
        .await
        .expect("PutRolePolicy of the big policy");
}

async fn decision(session: &Session, role_arn: &str) -> Decision {
    session
        .simulate_principal_policy(
            role_arn,
            "s3:GetObject",
            &format!("arn:aws:s3:::{BUCKET}/k"),
            &[],
        )
        .await
        .unwrap()
        .decision
}

async fn attached(session: &Session) -> Vec<String> {
    session
        .list_attached_policies(TargetType::Role, ROLE)
        .await
        .unwrap()
}

/// A decoded message: the restore role denied `s3:GetObject` on the bucket.
fn decoded_file(dir: &std::path::Path, account: &str) -> std::path::PathBuf {
    let decoded = dir.join("decoded.json");
    let message = json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AROA:x", "arn": format!("arn:aws:sts::{account}:assumed-role/{ROLE}/AWSBackup-x")},
            "action": "s3:GetObject",
            "resource": format!("arn:aws:s3:::{BUCKET}/*"),
            "conditions": {"items": []}
        }
    });
    std::fs::write(&decoded, message.to_string()).unwrap();
    decoded
}

#[test]
fn a_full_inline_quota_gets_a_managed_policy_that_undo_removes() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_inline_quota(&session));
    let role_arn = rt.block_on(session.get_role(ROLE)).unwrap().arn;
    let account = role_arn.split(':').nth(4).unwrap().to_string();
    let policy_arn = format!("arn:aws:iam::{account}:policy/RestoreDoctorFixes-{ROLE}");
    assert_ne!(
        rt.block_on(decision(&session, &role_arn)),
        Decision::Allowed
    );

    let decoded = decoded_file(dir.path(), &account);
    // The preview alone says it is a managed-policy plan, and why.
    let dry = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--dry-run"],
        &journal_path,
    );
    assert_exit(&dry, 0);
    let text = stdout(&dry);
    assert!(text.contains("MANAGED-POLICY PLAN"), "{text}");
    assert!(text.contains("over IAM's quota of 10240"), "{text}");
    assert!(
        text.contains(&format!(
            "create managed policy {policy_arn}; then attach it"
        )),
        "{text}"
    );

    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal_path,
    );
    assert_exit(&fix, 0);
    // What IAM holds: the policy exists with the statement, attached, and the request allowed.
    let state = rt
        .block_on(session.managed_policy(&policy_arn))
        .unwrap()
        .expect("the managed policy exists");
    assert!(
        state.document.to_string().contains(BUCKET),
        "{}",
        state.document
    );
    assert!(rt.block_on(attached(&session)).contains(&policy_arn));
    assert_eq!(
        rt.block_on(decision(&session, &role_arn)),
        Decision::Allowed
    );
    // No inline policy was written.
    let inline = rt
        .block_on(session.get_inline_policy(TargetType::Role, ROLE, "RestoreDoctorFixes"))
        .unwrap();
    assert!(!inline.is_some_and(|d| d.to_string().contains(BUCKET)));

    let journal = Journal::at(&journal_path);
    let steps: Vec<(Operation, Phase)> = journal
        .lines()
        .unwrap()
        .iter()
        .map(|e| (e.operation, e.phase))
        .collect();
    assert_eq!(
        steps,
        [
            (Operation::CreatePolicy, Phase::Pending),
            (Operation::CreatePolicy, Phase::Applied),
            (Operation::AttachPolicy, Phase::Pending),
            (Operation::AttachPolicy, Phase::Applied),
        ]
    );
    let first = &journal.lines().unwrap()[0];
    let step = first.managed.as_ref().expect("the before-image");
    assert!(!step.existed && !step.was_attached && step.previous_default_version.is_none());

    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal_path);
    assert_exit(&undo, 0);
    assert!(!rt.block_on(attached(&session)).contains(&policy_arn));
    assert_eq!(
        rt.block_on(session.managed_policy(&policy_arn)).unwrap(),
        None
    );
    assert_ne!(
        rt.block_on(decision(&session, &role_arn)),
        Decision::Allowed
    );
    let undo_steps: Vec<(Operation, Phase)> = journal
        .lines()
        .unwrap()
        .iter()
        .skip(4)
        .map(|e| (e.operation, e.phase))
        .collect();
    assert_eq!(
        undo_steps,
        [
            (Operation::DetachPolicy, Phase::Pending),
            (Operation::DetachPolicy, Phase::Applied),
            (Operation::DeletePolicy, Phase::Pending),
            (Operation::DeletePolicy, Phase::Applied),
        ]
    );
    // Nothing left to undo.
    let again = sandbox.run(&["undo", "--last", "--yes"], &journal_path);
    assert_exit(&again, 3);
}

/// `RestoreDoctorFixes-<role>` already exists, attached, with IAM's five versions: the fix
/// deletes the oldest non-default version, adds a sixth as the default and attaches nothing;
/// undo sets the previous default back and deletes the version the fix created.
#[test]
fn a_policy_with_five_versions_loses_its_oldest_and_undo_restores_the_default() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_inline_quota(&session));
    let role_arn = rt.block_on(session.get_role(ROLE)).unwrap().arn;
    let account = role_arn.split(':').nth(4).unwrap().to_string();
    let writer = session.writer().unwrap();
    let version = |sid: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
            "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::other"}]})
        .to_string()
    };
    let name = format!("RestoreDoctorFixes-{ROLE}");
    let policy_arn = rt
        .block_on(writer.create_policy(&name, &version("V1")))
        .unwrap();
    for n in 2..=5 {
        rt.block_on(writer.create_policy_version(&policy_arn, &version(&format!("V{n}"))))
            .unwrap();
    }
    rt.block_on(writer.attach_policy(TargetType::Role, ROLE, &policy_arn))
        .unwrap();

    let decoded = decoded_file(dir.path(), &account);
    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal_path,
    );
    let text = stdout(&fix);
    assert_exit(&fix, 0);
    assert!(
        text.contains("delete its oldest version v1 (IAM keeps five)"),
        "{text}"
    );
    let state = rt
        .block_on(session.managed_policy(&policy_arn))
        .unwrap()
        .unwrap();
    assert_eq!(state.versions, ["v2", "v3", "v4", "v5", "v6"]);
    assert_eq!(state.default_version, "v6");
    let document = state.document.to_string();
    assert!(
        document.contains("V5") && document.contains(BUCKET),
        "{document}"
    );
    assert_eq!(
        rt.block_on(decision(&session, &role_arn)),
        Decision::Allowed
    );
    let journal = Journal::at(&journal_path);
    let applied: Vec<Operation> = journal
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.phase == Phase::Applied)
        .map(|e| e.operation)
        .collect();
    assert_eq!(
        applied,
        [
            Operation::DeletePolicyVersion,
            Operation::CreatePolicyVersion
        ]
    );
    let step = journal.entries().unwrap()[1].managed.clone().unwrap();
    assert!(step.existed && step.was_attached);
    assert_eq!(step.previous_default_version.as_deref(), Some("v5"));
    assert_eq!(step.version_id.as_deref(), Some("v6"));

    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal_path);
    assert_exit(&undo, 0);
    let state = rt
        .block_on(session.managed_policy(&policy_arn))
        .unwrap()
        .unwrap();
    assert_eq!(state.default_version, "v5");
    assert_eq!(state.versions, ["v2", "v3", "v4", "v5"]);
    assert!(
        rt.block_on(attached(&session)).contains(&policy_arn),
        "it was attached before"
    );
    assert_ne!(
        rt.block_on(decision(&session, &role_arn)),
        Decision::Allowed
    );
}

/// A crash after a managed-policy step's `pending` line: `restore-doctor journal` asks IAM and
/// records `applied` for an attach that happened and `not_applied` for a detach that did not.
#[test]
fn reconcile_settles_managed_policy_steps_with_iam() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_inline_quota(&session));
    let account = rt.block_on(session.get_role(ROLE)).unwrap().arn;
    let account = account.split(':').nth(4).unwrap().to_string();
    let decoded = decoded_file(dir.path(), &account);
    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal_path,
    );
    assert_exit(&fix, 0);
    let journal = Journal::at(&journal_path);
    let attach = journal
        .entries()
        .unwrap()
        .into_iter()
        .find(|e| e.operation == Operation::AttachPolicy)
        .unwrap();
    let orphan = |id: &str, operation: Operation| {
        let mut entry = attach.clone();
        entry.id = id.into();
        entry.operation = operation;
        entry.phase = Phase::Pending;
        journal.append(&entry).unwrap();
    };
    orphan("crash-attach", Operation::AttachPolicy);
    orphan("crash-detach", Operation::DetachPolicy);
    let out = sandbox.run(&["journal"], &journal_path);
    assert_exit(&out, 0);
    let phase = |id: &str| {
        journal
            .entries()
            .unwrap()
            .into_iter()
            .find(|e| e.id == id)
            .unwrap()
            .phase
    };
    assert_eq!(phase("crash-attach"), Phase::Applied);
    assert_eq!(phase("crash-detach"), Phase::NotApplied);
}

/// A user's inline quota is 2,048: its fix is attached with `AttachUserPolicy`, and undone.
#[test]
fn a_full_user_quota_gets_an_attached_managed_policy_too() {
    const USER: &str = "sandbox-auditor";
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_quota_of(&session, TargetType::User, USER, 2_048));
    let account = rt.block_on(session.caller_identity()).unwrap().0;
    let user_arn = format!("arn:aws:iam::{account}:user/{USER}");
    assert_ne!(
        rt.block_on(decision(&session, &user_arn)),
        Decision::Allowed
    );
    let decoded = dir.path().join("user.json");
    let message = json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AIDA:x", "arn": user_arn},
            "action": "s3:GetObject",
            "resource": format!("arn:aws:s3:::{BUCKET}/*"),
            "conditions": {"items": []}
        }
    });
    std::fs::write(&decoded, message.to_string()).unwrap();
    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal_path,
    );
    let text = stdout(&fix);
    assert_exit(&fix, 0);
    assert!(text.contains("over IAM's quota of 2048"), "{text}");
    let policy_arn = format!("arn:aws:iam::{account}:policy/RestoreDoctorFixes-{USER}");
    let attached = |session: &Session| {
        rt.block_on(session.list_attached_policies(TargetType::User, USER))
            .unwrap()
    };
    assert_eq!(attached(&session), std::slice::from_ref(&policy_arn));
    assert_eq!(
        rt.block_on(decision(&session, &user_arn)),
        Decision::Allowed
    );
    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal_path);
    assert_exit(&undo, 0);
    assert!(attached(&session).is_empty());
    assert_eq!(
        rt.block_on(session.managed_policy(&policy_arn)).unwrap(),
        None
    );
}

/// Someone changes the managed policy after the fix: undo refuses (exit 3) and leaves it; the
/// `--output json` plan carries the managed-policy part under `managed`.
#[test]
fn undo_refuses_over_someone_elses_version() {
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_inline_quota(&session));
    let account = rt.block_on(session.caller_identity()).unwrap().0;
    let policy_arn = format!("arn:aws:iam::{account}:policy/RestoreDoctorFixes-{ROLE}");
    let decoded = decoded_file(dir.path(), &account);
    let json = sandbox.run(
        &[
            "fix",
            "--decoded",
            decoded.to_str().unwrap(),
            "--dry-run",
            "--output",
            "json",
        ],
        &journal_path,
    );
    assert_exit(&json, 0);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let plan = if plan.get("plan").is_some() {
        plan["plan"].clone()
    } else {
        plan
    };
    assert_eq!(plan["managed"]["policy_arn"], policy_arn.as_str(), "{plan}");
    assert_eq!(plan["managed"]["exists"], false);
    assert_eq!(plan["quota"], 6_144);
    let fix = sandbox.run(
        &["fix", "--decoded", decoded.to_str().unwrap(), "--yes"],
        &journal_path,
    );
    assert_exit(&fix, 0);
    let other = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Theirs", "Effect": "Allow",
        "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::theirs"}]})
    .to_string();
    let writer = session.writer().unwrap();
    rt.block_on(writer.create_policy_version(&policy_arn, &other))
        .unwrap();
    let undo = sandbox.run(&["undo", "--last", "--yes"], &journal_path);
    assert_exit(&undo, 3);
    assert!(stderr(&undo).contains("changed after restore-doctor wrote it"));
    let attached = rt
        .block_on(session.list_attached_policies(TargetType::Role, ROLE))
        .unwrap();
    assert!(attached.contains(&policy_arn));
}

/// One round per restore holds in the quota fallback too: the managed policy carries the fix
/// and what the same restore also needs, so one fix and one re-run complete the EBS restore
/// with a customer-managed key although the role's inline policies are full.
#[test]
fn the_managed_policy_carries_what_the_restore_also_needs() {
    const CMK_ROLE: &str = "BackupRestoreRoleEbsCmk";
    let sandbox = SandboxProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let rt = runtime();
    let session = rt.block_on(session(&sandbox));
    rt.block_on(fill_quota_of(&session, TargetType::Role, CMK_ROLE, 10_240));
    let account = rt
        .block_on(session.get_role(CMK_ROLE))
        .unwrap()
        .arn
        .split(':')
        .nth(4)
        .unwrap()
        .to_string();
    let policy_arn = format!("arn:aws:iam::{account}:policy/RestoreDoctorFixes-{CMK_ROLE}");

    let listed = sandbox.run(&["list", "--output", "json"], &journal_path);
    assert_exit(&listed, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let job = rows
        .iter()
        .find(|r| {
            r["iam_role_arn"]
                .as_str()
                .is_some_and(|a| a.ends_with(&format!("/{CMK_ROLE}")))
        })
        .expect("the EBS+CMK job")["restore_job_id"]
        .as_str()
        .unwrap()
        .to_string();

    let fix = sandbox.run(&["fix", "--job", &job, "--yes"], &journal_path);
    let shown = stdout(&fix);
    assert_exit(&fix, 0);
    assert!(shown.contains("MANAGED-POLICY PLAN"), "{shown}");
    assert!(
        !shown.contains("carries the fix only"),
        "the plan carries everything: {shown}"
    );
    let state = rt
        .block_on(session.managed_policy(&policy_arn))
        .unwrap()
        .expect("the managed policy exists");
    let actions: Vec<String> = state.document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKeyWithoutPlaintext"
        ],
        "{}",
        state.document
    );

    let rerun = sandbox.run(&["rerun", "--job", &job, "--yes"], &journal_path);
    let shown = stdout(&rerun);
    assert_exit(&rerun, 0);
    assert!(shown.contains("COMPLETED: "), "{shown}");
}
