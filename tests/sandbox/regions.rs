//! Backup is regional in the sandbox as in AWS: `ListRestoreJobs`, `DescribeRestoreJob`,
//! `GetRestoreJobMetadata` and `StartRestoreJob` answer for the region of the request's SigV4
//! scope only (the demo's `us-west-2` jobs are invisible to a `us-east-1` client and the other
//! way round), through the real SDK clients.

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_backup::error::ProvideErrorMetadata;
use restore_doctor::sandbox::{
    SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, Sandbox, SandboxConfig,
};

async fn backup_in(sandbox: &Sandbox, region: &str) -> aws_sdk_backup::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sandbox.url())
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            SANDBOX_ACCESS_KEY_ID,
            SANDBOX_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .load()
        .await;
    aws_sdk_backup::Client::new(&config)
}

async fn listed(client: &aws_sdk_backup::Client) -> Vec<(String, String, String)> {
    client
        .list_restore_jobs()
        .send()
        .await
        .unwrap()
        .restore_jobs()
        .iter()
        .map(|j| {
            (
                j.restore_job_id().unwrap_or_default().to_string(),
                j.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                j.recovery_point_arn().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_region_lists_and_describes_only_its_own_jobs() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let east = backup_in(&sandbox, "us-east-1").await;
    let west = backup_in(&sandbox, "us-west-2").await;
    let far = backup_in(&sandbox, "eu-west-1").await;

    let west_jobs = listed(&west).await;
    let statuses: Vec<&str> = west_jobs.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(statuses, ["RUNNING", "FAILED"], "{west_jobs:?}");
    assert!(
        west_jobs
            .iter()
            .all(|(_, _, rp)| rp.contains(":us-west-2:"))
    );
    let east_jobs = listed(&east).await;
    assert!(east_jobs.len() > 5, "{east_jobs:?}");
    assert!(
        east_jobs
            .iter()
            .all(|(_, _, rp)| !rp.contains(":us-west-2:"))
    );
    assert!(listed(&far).await.is_empty(), "no jobs in eu-west-1");

    // Another region's job is not found, as AWS answers for a job ID it does not hold.
    let (west_id, east_id) = (&west_jobs[1].0, &east_jobs[0].0);
    let error = east
        .describe_restore_job()
        .restore_job_id(west_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
    let error = west
        .get_restore_job_metadata()
        .restore_job_id(east_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
    let described = west
        .describe_restore_job()
        .restore_job_id(west_id)
        .send()
        .await
        .unwrap();
    assert!(
        described
            .status_message()
            .unwrap_or_default()
            .contains("kms:CreateGrant")
    );

    // A recovery point of us-west-2 cannot be restored from us-east-1.
    let error = east
        .start_restore_job()
        .recovery_point_arn(&west_jobs[1].2)
        .iam_role_arn("arn:aws:iam::111122223333:role/BackupRestoreRoleEbs")
        .set_metadata(Some(std::collections::HashMap::new()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ResourceNotFoundException"));
}

/// Sessions come from one pool keyed by site: the credentials' own account in another region
/// gets a session of that region (opened once, its jobs carry that site), and another account
/// is refused in one line naming both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_pool_serves_sites_of_the_credentials_account() {
    use restore_doctor::aws::{Session, SessionPool};
    use restore_doctor::diagnosis::Site;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let home = Session::connect(&restore_doctor::cli::sandbox_options(&sandbox, true))
        .await
        .unwrap();
    let pool = SessionPool::new(home);
    let site = pool.home_site().await.unwrap();
    assert_eq!(site, Site::new("111122223333", "us-east-1"));
    let west = pool
        .session_for(&site.in_region("us-west-2"))
        .await
        .unwrap();
    assert_eq!(west.region(), "us-west-2");
    let jobs = restore_doctor::workflow::list_failed_jobs(
        &west,
        std::time::Duration::from_secs(30 * 86_400),
        None,
    )
    .await
    .unwrap();
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|j| *j.site == site.in_region("us-west-2")));
    let other = pool
        .session_for(&Site::new("444455556666", "us-east-1"))
        .await
        .expect_err("another account is not reachable with these credentials");
    let said = other.to_string();
    assert!(
        said.contains("444455556666") && said.contains("111122223333"),
        "{said}"
    );
    sandbox.shutdown().await;
}
