//! The sandbox's Backup and STS through the real AWS SDK clients over HTTP: pagination and
//! filters, describe/metadata, the full loop (fail, decode, fix, start again, complete) with
//! idempotency tokens, and STS's decode errors and access control.

use crate::sandbox_support;

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::types::RestoreJobStatus;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use sandbox_support::*;
use serde_json::Value;
use std::time::Duration;

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
    // The demo's nine failed jobs: the article's, the guardrail's, two EBS key denials, the
    // plain-text EFS denials (own role, Identity Center, service-linked, SCP), the capacity one.
    assert_eq!(jobs.len(), 1500 + 15, "every failed job exactly once");
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
    assert_eq!(tokens.len(), 1500 + 9, "distinct tokens");

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
