//! The workflow library through the real SDK against the in-process sandbox: what only an
//! in-process test can arrange (a change between preview and apply; the audit read directly).

use std::time::Duration;

use restore_doctor::aws::Session;
use restore_doctor::cli::sandbox_options;
use restore_doctor::diagnosis::Scope;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use restore_doctor::workflow::{self, Journal, Verification, WorkflowError};

async fn connect(sandbox: &Sandbox, read_only: bool) -> Session {
    Session::connect(&sandbox_options(sandbox, read_only))
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_changed_after_the_preview_aborts_the_write() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let session = connect(&sandbox, false).await;
    let writer = session.writer().expect("not read-only");
    let jobs = workflow::list_failed_jobs(&session, Duration::from_secs(30 * 86_400), None)
        .await
        .unwrap();
    let job = jobs
        .iter()
        .find(|j| j.encoded_message.is_some())
        .unwrap()
        .clone();
    let (message, diagnosis) =
        workflow::decode_token(&session, job.encoded_message.as_deref().unwrap())
            .await
            .unwrap();
    assert_eq!(diagnosis.action, "iam:PassRole");
    let plan = workflow::preview_fix(&session, &message, Scope::Exact, Some(&job))
        .await
        .unwrap();
    assert_eq!(plan.verified_locally, Some(true));
    assert!(
        plan.target_arn
            .ends_with("role/service-role/AWSBackupDefaultServiceRole")
            || plan
                .target_arn
                .ends_with("role/AWSBackupDefaultServiceRole")
    );

    // Someone else writes the same policy between preview and apply.
    writer
        .put_inline_policy(plan.target_type, &plan.target_name, &plan.policy_name, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .await
        .unwrap();
    let writes_before = sandbox.audit().len();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join("journal.jsonl"));
    let result = workflow::apply_fix(&session, &writer, &plan, &journal, None).await;
    assert!(
        matches!(result, Err(WorkflowError::Refused(ref m)) if m.contains("changed since the preview")),
        "{result:?}"
    );
    assert_eq!(sandbox.audit().len(), writes_before, "nothing written");
    assert!(journal.lines().unwrap().is_empty(), "nothing journalled");

    // A fresh preview keeps the other statement and applies.
    let plan = workflow::preview_fix(&session, &message, Scope::Exact, Some(&job))
        .await
        .unwrap();
    assert!(plan.proposed_text.contains("s3:ListBucket"));
    let outcome = workflow::apply_fix(
        &session,
        &writer,
        &plan,
        &journal,
        job.encoded_message.as_deref(),
    )
    .await
    .unwrap();
    assert!(outcome.written);
    assert_eq!(outcome.verification, Verification::Allowed);
    let entry = journal.last_undoable("111122223333").unwrap().unwrap();
    assert!(
        entry
            .before
            .as_ref()
            .unwrap()
            .to_string()
            .contains("s3:ListBucket")
    );
    let lines = std::fs::read_to_string(journal.path()).unwrap();
    assert!(
        !lines.contains(job.encoded_message.as_deref().unwrap()),
        "the journal never holds the token itself"
    );

    // Undo restores the exact before-image.
    let undone = workflow::undo(&session, &writer, &journal, &entry)
        .await
        .unwrap();
    assert!(undone.contains("is back as it was"), "{undone}");
    let now = session
        .get_inline_policy(plan.target_type, &plan.target_name, &plan.policy_name)
        .await
        .unwrap();
    assert_eq!(now, entry.before);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sessions_have_no_writer_and_write_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let session = connect(&sandbox, true).await;
    assert!(session.writer().is_none());
    let jobs = workflow::list_failed_jobs(&session, Duration::from_secs(30 * 86_400), None)
        .await
        .unwrap();
    let decoded = workflow::decode_jobs(&session, jobs, 4).await;
    assert!(decoded.iter().any(|j| j.diagnosis.is_some()));
    let job = decoded
        .iter()
        .find(|j| j.diagnosis.as_ref().is_some_and(|d| d.fix.is_some()))
        .unwrap();
    let (message, _) =
        workflow::decode_token(&session, job.job.encoded_message.as_deref().unwrap())
            .await
            .unwrap();
    let plan = workflow::preview_fix(&session, &message, Scope::Account, Some(&job.job))
        .await
        .unwrap();
    assert!(
        plan.proposed_text.contains(":role/*"),
        "account scope is wider"
    );
    assert!(sandbox.audit().is_empty());
    sandbox.shutdown().await;
}
