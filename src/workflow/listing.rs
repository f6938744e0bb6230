//! Which restore jobs a listing asks AWS Backup for: one status (`ListRestoreJobs`'s
//! `ByStatus`: PENDING, RUNNING, COMPLETED, ABORTED or FAILED) or all of them. See
//! <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreJobs.html>.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{JobSummary, WorkflowError};
use crate::aws::Session;
use crate::diagnosis::{RestoreJobStatus, Site};

/// The status a job list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusFilter {
    /// Every status (no `ByStatus`).
    All,
    /// Jobs in this status only.
    Only(RestoreJobStatus),
}

impl Default for StatusFilter {
    /// Failed jobs: what restore-doctor diagnoses.
    fn default() -> Self {
        StatusFilter::Only(RestoreJobStatus::Failed)
    }
}

impl StatusFilter {
    /// Every value, as typed (`--status`, `:status`), the default first.
    pub const NAMES: [&'static str; 6] = [
        "failed",
        "running",
        "completed",
        "pending",
        "aborted",
        "all",
    ];

    /// Parses a name of [`StatusFilter::NAMES`] (any case).
    pub fn parse(text: &str) -> Option<StatusFilter> {
        let status = match text.trim().to_ascii_lowercase().as_str() {
            "all" => return Some(StatusFilter::All),
            "failed" => RestoreJobStatus::Failed,
            "running" => RestoreJobStatus::Running,
            "completed" => RestoreJobStatus::Completed,
            "pending" => RestoreJobStatus::Pending,
            "aborted" => RestoreJobStatus::Aborted,
            _ => return None,
        };
        Some(StatusFilter::Only(status))
    }

    /// The name as typed (`failed`, `all`).
    pub fn name(&self) -> String {
        match self {
            StatusFilter::All => "all".into(),
            StatusFilter::Only(status) => status.as_str().to_ascii_lowercase(),
        }
    }

    /// The status to ask for, or none for every status.
    pub fn status(&self) -> Option<&RestoreJobStatus> {
        match self {
            StatusFilter::All => None,
            StatusFilter::Only(status) => Some(status),
        }
    }

    /// How a heading names the jobs shown: `Failed`, `Running`, `All`.
    pub fn title(&self) -> String {
        let name = self.name();
        let mut chars = name.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }
}

impl std::str::FromStr for StatusFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        StatusFilter::parse(text).ok_or_else(|| {
            format!(
                "{text:?} is not a restore job status: use one of {}",
                StatusFilter::NAMES.join(", ")
            )
        })
    }
}

/// Restore jobs in `status` created within `since`, newest first, at most `limit`.
pub async fn list_jobs(
    session: &Session,
    status: &StatusFilter,
    since: Duration,
    limit: Option<usize>,
) -> Result<Vec<JobSummary>, WorkflowError> {
    let after = SystemTime::now().checked_sub(since);
    let jobs = session
        .list_restore_jobs(status.status(), after, limit)
        .await?;
    // Backup names each job's account (`AccountId`); only a job without one is taken to be
    // the caller's. One site per account, shared by its jobs.
    let mut sites: HashMap<Arc<str>, Arc<Site>> = HashMap::new();
    let mut listed = Vec::with_capacity(jobs.len());
    for mut job in jobs {
        let account = match job.account_id.take() {
            Some(account) => account,
            None => Arc::from(session.caller_identity().await?.0),
        };
        let site = sites
            .entry(account)
            .or_insert_with_key(|account| {
                Arc::new(Site::new(account.to_string(), session.region()))
            })
            .clone();
        listed.push(JobSummary::listed(job, site));
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_itself() {
        for name in StatusFilter::NAMES {
            let filter = StatusFilter::parse(name).expect(name);
            assert_eq!(filter.name(), name);
            assert_eq!(StatusFilter::parse(&name.to_uppercase()), Some(filter));
        }
        assert_eq!(StatusFilter::default().name(), "failed");
        assert_eq!(StatusFilter::default().title(), "Failed");
        assert_eq!(StatusFilter::All.status(), None);
        assert!(
            "nope"
                .parse::<StatusFilter>()
                .is_err_and(|e| e.contains("failed, running"))
        );
    }
}
