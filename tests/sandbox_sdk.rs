//! The sandbox through the real AWS SDK clients (Backup, STS, IAM) over HTTP: every operation,
//! success and error paths, pagination, idempotency, the full fix loop and a fault storm.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::types::RestoreJobStatus;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use restore_doctor::sandbox::{
    FaultSpec, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, Sandbox, SandboxConfig,
};
use serde_json::Value;

struct Clients {
    backup: aws_sdk_backup::Client,
    sts: aws_sdk_sts::Client,
    iam: aws_sdk_iam::Client,
}

async fn clients_with(sandbox: &Sandbox, key: &str, attempts: u32) -> Clients {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sandbox.url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            key,
            SANDBOX_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .load()
        .await;
    Clients {
        backup: aws_sdk_backup::Client::new(&config),
        sts: aws_sdk_sts::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
    }
}

async fn clients(sandbox: &Sandbox) -> Clients {
    clients_with(sandbox, SANDBOX_ACCESS_KEY_ID, 3).await
}

const ROLE: &str = "AWSBackupDefaultServiceRole";
const SSM_ROLE: &str = "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup";

fn fix_document() -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "PassInstanceRole",
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": SSM_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]})
    .to_string()
}

fn token_of(message: &str) -> &str {
    message
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("a token")
}

async fn newest_failed(c: &Clients) -> aws_sdk_backup::types::RestoreJobsListMember {
    c.backup
        .list_restore_jobs()
        .by_status(RestoreJobStatus::Failed)
        .max_results(1)
        .send()
        .await
        .unwrap()
        .restore_jobs()[0]
        .clone()
}

async fn wait_for_end(
    c: &Clients,
    id: &str,
) -> aws_sdk_backup::operation::describe_restore_job::DescribeRestoreJobOutput {
    for _ in 0..40 {
        let out = c
            .backup
            .describe_restore_job()
            .restore_job_id(id)
            .send()
            .await
            .unwrap();
        if matches!(
            out.status(),
            Some(RestoreJobStatus::Completed | RestoreJobStatus::Failed)
        ) {
            return out;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("restore job {id} never ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_paginates_filters_and_validates() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: 1500,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = clients(&sandbox).await;
    let mut pages = c
        .backup
        .list_restore_jobs()
        .by_status(RestoreJobStatus::Failed)
        .max_results(200)
        .into_paginator()
        .send();
    let mut jobs = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.restore_jobs().len() <= 200);
        page_count += 1;
        jobs.extend(page.restore_jobs().to_vec());
    }
    assert!(page_count >= 8, "{page_count} pages");
    assert_eq!(jobs.len(), 1500 + 4, "every failed job exactly once");
    let ids: std::collections::HashSet<_> =
        jobs.iter().map(|j| j.restore_job_id().unwrap()).collect();
    assert_eq!(ids.len(), jobs.len());
    assert!(
        jobs.windows(2)
            .all(|w| w[0].creation_date().unwrap() >= w[1].creation_date().unwrap()),
        "newest first"
    );
    assert!(
        jobs[0]
            .iam_role_arn()
            .unwrap()
            .ends_with("role/service-role/AWSBackupDefaultServiceRole")
    );
    let tokens: std::collections::HashSet<_> = jobs
        .iter()
        .filter_map(|j| j.status_message())
        .filter(|m| m.contains("Encoded authorization failure message"))
        .map(token_of)
        .collect();
    assert_eq!(tokens.len(), 1500 + 3, "distinct tokens");

    let recent = c
        .backup
        .list_restore_jobs()
        .by_created_after(aws_sdk_backup::primitives::DateTime::from(
            std::time::SystemTime::now() - Duration::from_secs(3 * 3600),
        ))
        .send()
        .await
        .unwrap();
    let statuses: Vec<_> = recent
        .restore_jobs()
        .iter()
        .map(|j| j.status().unwrap().as_str().to_string())
        .collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.contains(&"RUNNING".to_string()));
    let ebs = c
        .backup
        .list_restore_jobs()
        .by_resource_type("EBS")
        .send()
        .await
        .unwrap();
    assert!(
        ebs.restore_jobs()
            .iter()
            .all(|j| j.resource_type() == Some("EBS"))
    );
    assert!(ebs.restore_jobs().len() > 500);

    let too_many = c
        .backup
        .list_restore_jobs()
        .max_results(1001)
        .send()
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), Some("InvalidParameterValueException"));
    let bad_token = c
        .backup
        .list_restore_jobs()
        .next_token("garbage!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_token.code(), Some("InvalidParameterValueException"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_loop_fails_decodes_fixes_and_completes() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let article = newest_failed(&c).await;
    let id = article.restore_job_id().unwrap().to_string();
    let detail = c
        .backup
        .describe_restore_job()
        .restore_job_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), Some(&RestoreJobStatus::Failed));
    assert_eq!(detail.resource_type(), Some("EC2"));
    assert!(detail.completion_date().unwrap().secs() > detail.creation_date().unwrap().secs());
    let metadata = c
        .backup
        .get_restore_job_metadata()
        .restore_job_id(&id)
        .send()
        .await
        .unwrap();
    let metadata = metadata.metadata().unwrap().clone();
    assert_eq!(
        metadata["IamInstanceProfileName"],
        "AmazonSSMRoleForInstancesQuickSetup"
    );

    let decoded = c
        .sts
        .decode_authorization_message()
        .encoded_message(token_of(detail.status_message().unwrap()))
        .send()
        .await
        .unwrap();
    let decoded: Value = serde_json::from_str(decoded.decoded_message().unwrap()).unwrap();
    assert_eq!(decoded["context"]["action"], "iam:PassRole");
    assert_eq!(decoded["context"]["resource"], SSM_ROLE);
    assert_eq!(decoded["explicitDeny"], false);

    // Start again unchanged: idempotent, and it fails with a fresh token.
    let start = |token: &str| {
        c.backup
            .start_restore_job()
            .recovery_point_arn(detail.recovery_point_arn().unwrap())
            .iam_role_arn(detail.iam_role_arn().unwrap())
            .resource_type("EC2")
            .set_metadata(Some(metadata.clone()))
            .idempotency_token(token)
            .send()
    };
    let first = start("token-1")
        .await
        .unwrap()
        .restore_job_id()
        .unwrap()
        .to_string();
    let again = start("token-1")
        .await
        .unwrap()
        .restore_job_id()
        .unwrap()
        .to_string();
    assert_eq!(first, again, "same idempotency token, same job");
    assert_eq!(sandbox.audit().len(), 1, "one restore started");
    let failed = wait_for_end(&c, &first).await;
    assert_eq!(failed.status(), Some(&RestoreJobStatus::Failed));
    let new_token = token_of(failed.status_message().unwrap());
    assert_ne!(new_token, token_of(detail.status_message().unwrap()));

    c.iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .policy_document(fix_document())
        .send()
        .await
        .unwrap();
    let fixed = start("token-2")
        .await
        .unwrap()
        .restore_job_id()
        .unwrap()
        .to_string();
    let early = c
        .backup
        .describe_restore_job()
        .restore_job_id(&fixed)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        early.status(),
        Some(RestoreJobStatus::Pending | RestoreJobStatus::Running)
    ));
    let done = wait_for_end(&c, &fixed).await;
    assert_eq!(
        done.status(),
        Some(&RestoreJobStatus::Completed),
        "{:?}",
        done.status_message()
    );
    assert!(
        done.created_resource_arn()
            .unwrap()
            .starts_with("arn:aws:ec2:us-east-1:111122223333:instance/i-")
    );
    let operations: Vec<String> = sandbox
        .audit()
        .iter()
        .map(|a| a["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        operations,
        ["StartRestoreJob", "PutRolePolicy", "StartRestoreJob"]
    );

    let missing = c
        .backup
        .describe_restore_job()
        .restore_job_id("no-such-job")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));
    let missing = c
        .backup
        .get_restore_job_metadata()
        .restore_job_id("no-such-job")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));
    let bad_rp = c
        .backup
        .start_restore_job()
        .recovery_point_arn("arn:aws:ec2:us-east-1::image/ami-unknown")
        .iam_role_arn(detail.iam_role_arn().unwrap())
        .set_metadata(Some(metadata.clone()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_rp.code(), Some("ResourceNotFoundException"));
    assert_eq!(sandbox.audit().len(), 3, "refused starts write nothing");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_identity_decode_errors_and_the_auditor() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let me = c.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("111122223333"));
    assert_eq!(sandbox.account_id(), "111122223333");
    assert!(
        me.arn()
            .unwrap()
            .starts_with("arn:aws:iam::111122223333:user/")
    );
    let garbled = c
        .sts
        .decode_authorization_message()
        .encoded_message("A".repeat(80))
        .send()
        .await
        .unwrap_err();
    assert_eq!(garbled.code(), Some("InvalidAuthorizationMessageException"));
    assert!(garbled.message().unwrap().contains("could not be decoded"));

    let token = token_of(newest_failed(&c).await.status_message().unwrap()).to_string();
    let mut tampered = token.clone().into_bytes();
    tampered[40] = if tampered[40] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let err = c
        .sts
        .decode_authorization_message()
        .encoded_message(tampered)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidAuthorizationMessageException"));

    let foreign = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let other = clients(&foreign).await;
    let err = other
        .sts
        .decode_authorization_message()
        .encoded_message(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidAuthorizationMessageException"),
        "another sandbox's key"
    );

    let auditor = clients_with(&sandbox, "AKIASANDBOXAUDITOR01", 1).await;
    let denied = auditor
        .sts
        .decode_authorization_message()
        .encoded_message(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Some("AccessDenied"));
    assert!(
        denied
            .message()
            .unwrap()
            .contains("sts:DecodeAuthorizationMessage")
    );
    assert!(denied.message().unwrap().contains("sandbox-auditor"));
    // The auditor can still read.
    auditor.iam.get_role().role_name(ROLE).send().await.unwrap();
    auditor.backup.list_restore_jobs().send().await.unwrap();
    let put = auditor
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("X")
        .policy_document(fix_document())
        .send()
        .await
        .unwrap_err();
    assert_eq!(put.code(), Some("AccessDenied"));
    assert!(sandbox.audit().is_empty());
    foreign.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_roles_policies_quotas_and_simulation() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let role = c.iam.get_role().role_name(ROLE).send().await.unwrap();
    let role = role.role().unwrap();
    assert_eq!(
        role.arn(),
        "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"
    );
    assert_eq!(role.path(), "/service-role/");
    let missing = c.iam.get_role().role_name("Nope").send().await.unwrap_err();
    assert_eq!(missing.code(), Some("NoSuchEntity"));
    assert_eq!(missing.raw_response().unwrap().status().as_u16(), 404);

    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap();
    let arn = attached.attached_policies()[0]
        .policy_arn()
        .unwrap()
        .to_string();
    let policy = c.iam.get_policy().policy_arn(&arn).send().await.unwrap();
    let version = policy
        .policy()
        .unwrap()
        .default_version_id()
        .unwrap()
        .to_string();
    let document = c
        .iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .unwrap();
    let text = document.policy_version().unwrap().document().unwrap();
    assert!(text.starts_with("%7B"), "URL-encoded: {text}");

    // Put, read back URL-encoded, list, simulate, delete.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&fix_document()).unwrap())
            .unwrap();
    c.iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .policy_document(&pretty)
        .send()
        .await
        .unwrap();
    let got = c
        .iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    assert!(
        got.policy_document().contains("%22iam%3APassRole%22"),
        "{}",
        got.policy_document()
    );
    let decoded = percent_encoding::percent_decode_str(got.policy_document())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, pretty, "exactly the document written");
    let names = c
        .iam
        .list_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["RestoreDoctorFixes"]);

    let simulate = |with_context: bool| {
        let mut request = c
            .iam
            .simulate_principal_policy()
            .policy_source_arn(role.arn())
            .action_names("iam:PassRole")
            .resource_arns(SSM_ROLE);
        if with_context {
            request = request.context_entries(
                ContextEntry::builder()
                    .context_key_name("iam:PassedToService")
                    .context_key_values("ec2.amazonaws.com")
                    .context_key_type(ContextKeyTypeEnum::String)
                    .build(),
            );
        }
        request.send()
    };
    let allowed = simulate(true).await.unwrap();
    let result = &allowed.evaluation_results()[0];
    assert_eq!(
        result.eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    assert_eq!(
        result.matched_statements()[0].source_policy_id(),
        Some("RestoreDoctorFixes")
    );
    let missing = simulate(false).await.unwrap();
    let result = &missing.evaluation_results()[0];
    assert_eq!(
        result.eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert_eq!(result.missing_context_values(), ["iam:PassedToService"]);

    c.iam
        .delete_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    let gone = c
        .iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchEntity"));
    let again = c
        .iam
        .delete_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("NoSuchEntity"));
    let after = simulate(true).await.unwrap();
    assert_eq!(
        after.evaluation_results()[0].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );

    let malformed = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Bad")
        .policy_document("{\"Statement\": ")
        .send()
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Some("MalformedPolicyDocument"));
    let no_statements = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_statements.code(), Some("MalformedPolicyDocument"));
    let huge_statement: Vec<Value> = (0..200)
        .map(|i| serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket-number-{i}/*")}))
        .collect();
    let huge =
        serde_json::json!({"Version": "2012-10-17", "Statement": huge_statement}).to_string();
    let limit = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Huge")
        .policy_document(huge)
        .send()
        .await
        .unwrap_err();
    assert_eq!(limit.code(), Some("LimitExceeded"));
    assert_eq!(limit.raw_response().unwrap().status().as_u16(), 409);

    // User policies.
    let user = "sandbox-admin";
    assert!(
        c.iam
            .get_user_policy()
            .user_name(user)
            .policy_name("RestoreDoctorFixes")
            .send()
            .await
            .unwrap_err()
            .code()
            == Some("NoSuchEntity")
    );
    c.iam
        .put_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .policy_document(fix_document())
        .send()
        .await
        .unwrap();
    let got = c
        .iam
        .get_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    assert!(got.policy_document().starts_with("%7B"));
    c.iam
        .delete_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    let operations: Vec<String> = sandbox
        .audit()
        .iter()
        .map(|a| a["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        operations,
        [
            "PutRolePolicy",
            "DeleteRolePolicy",
            "PutUserPolicy",
            "DeleteUserPolicy"
        ],
        "only successful writes"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_storm_is_survived_by_retries_and_never_half_writes() {
    let faults: FaultSpec = "throttle=0.2,error=0.05,reset=0.01".parse().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        faults,
        seed: 42,
        latency_ms: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = clients_with(&sandbox, SANDBOX_ACCESS_KEY_ID, 12).await;
    for i in 0..40 {
        let jobs = c.backup.list_restore_jobs().send().await.unwrap();
        assert!(!jobs.restore_jobs().is_empty());
        c.sts.get_caller_identity().send().await.unwrap();
        c.iam.get_role().role_name(ROLE).send().await.unwrap();
        if i % 10 == 0 {
            c.iam
                .put_role_policy()
                .role_name(ROLE)
                .policy_name(format!("Storm{i}"))
                .policy_document(fix_document())
                .send()
                .await
                .unwrap();
        }
    }
    let job = newest_failed(&c).await;
    let metadata = c
        .backup
        .get_restore_job_metadata()
        .restore_job_id(job.restore_job_id().unwrap())
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        c.backup
            .start_restore_job()
            .recovery_point_arn(job.recovery_point_arn().unwrap())
            .iam_role_arn(job.iam_role_arn().unwrap())
            .set_metadata(metadata.metadata().cloned())
            .idempotency_token("storm-token")
            .send()
            .await
            .unwrap();
    }
    // Without retries the storm shows: some calls fail, with the protocols' retryable errors.
    let fragile = clients_with(&sandbox, SANDBOX_ACCESS_KEY_ID, 1).await;
    let mut codes = std::collections::BTreeSet::new();
    for _ in 0..60 {
        if let Err(e) = fragile.iam.get_role().role_name(ROLE).send().await {
            codes.insert(e.code().unwrap_or("no response").to_string());
        }
    }
    assert!(codes.contains("Throttling"), "{codes:?}");
    let audit = sandbox.audit();
    let puts = audit
        .iter()
        .filter(|a| a["operation"] == "PutRolePolicy")
        .count();
    let starts = audit
        .iter()
        .filter(|a| a["operation"] == "StartRestoreJob")
        .count();
    assert_eq!((puts, starts), (4, 1), "{audit:?}");
    sandbox.shutdown().await;
}
