//! Shared helpers for the SDK tests: real AWS SDK clients pointed at an in-process sandbox.
#![allow(dead_code)]

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_backup::types::RestoreJobStatus;
use restore_doctor::sandbox::{SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, Sandbox};

/// The three SDK clients the application uses.
pub struct Clients {
    pub backup: aws_sdk_backup::Client,
    pub sts: aws_sdk_sts::Client,
    pub iam: aws_sdk_iam::Client,
}

pub async fn clients_with(sandbox: &Sandbox, key: &str, attempts: u32) -> Clients {
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

pub async fn clients(sandbox: &Sandbox) -> Clients {
    clients_with(sandbox, SANDBOX_ACCESS_KEY_ID, 3).await
}

pub const ROLE: &str = "AWSBackupDefaultServiceRole";
pub const SSM_ROLE: &str = "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup";

pub fn fix_document() -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "PassInstanceRole",
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": SSM_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]})
    .to_string()
}

pub fn token_of(message: &str) -> &str {
    message
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("a token")
}

pub async fn newest_failed(c: &Clients) -> aws_sdk_backup::types::RestoreJobsListMember {
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

pub async fn wait_for_end(
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
