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

/// What the in-process sandbox served, per operation (`GET /_sandbox/stats`).
fn served(sandbox: &Sandbox, operation: &str) -> u64 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(sandbox.local_addr()).expect("connect");
    write!(
        stream,
        "GET /_sandbox/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    let stats: serde_json::Value = serde_json::from_str(body).expect("stats JSON");
    stats["served"][operation].as_u64().unwrap_or(0)
}

/// Cases that share a principal share its reads: the two demo jobs of AWSBackupDefaultServiceRole
/// denied iam:PassRole, built at once, read the role once; after `forget_reads` (a write of
/// ours, a refresh) it is read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_with_the_same_principal_share_their_reads() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let session = connect(&sandbox, true).await;
    let jobs = workflow::decode_jobs(
        &session,
        workflow::list_failed_jobs(&session, Duration::from_secs(30 * 86_400), None)
            .await
            .unwrap(),
        4,
    )
    .await;
    let same: Vec<_> = jobs
        .iter()
        .filter(|row| {
            row.diagnosis.as_ref().is_some_and(|d| {
                d.action == "iam:PassRole"
                    && d.principal.name.as_deref() == Some("AWSBackupDefaultServiceRole")
            })
        })
        .collect();
    assert_eq!(same.len(), 2, "the demo's two jobs of that cause");
    let message = |row: &workflow::DecodedJob| {
        let token = row.job.encoded_message.as_ref().expect("a token");
        let session = session.clone();
        let token = token.to_string();
        async move { workflow::decode_token(&session, &token).await.unwrap().0 }
    };
    let (first, second) = (message(same[0]).await, message(same[1]).await);
    let before = served(&sandbox, "GetRole");
    let (a, b) = tokio::join!(
        workflow::build_case(&session, &first, Scope::Exact, Some(&same[0].job)),
        workflow::build_case(&session, &second, Scope::Exact, Some(&same[1].job))
    );
    assert_eq!(a.unwrap().summary().remedy, "identity");
    assert_eq!(b.unwrap().summary().remedy, "identity");
    assert_eq!(
        served(&sandbox, "GetRole") - before,
        1,
        "one read of the role for both"
    );
    session.forget_reads();
    workflow::build_case(&session, &first, Scope::Exact, Some(&same[0].job))
        .await
        .unwrap();
    assert_eq!(
        served(&sandbox, "GetRole") - before,
        2,
        "read again once forgotten"
    );
    sandbox.shutdown().await;
}
