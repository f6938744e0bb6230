//! The data the workflow steps hand to the CLI and the TUI.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::aws::RestoreJob;
use crate::diagnosis::denial::{JobFailure, classify_status_message};
use crate::diagnosis::evaluate::Decision;
use crate::diagnosis::{Diagnosis, RestoreJobStatus, Scope, TargetType};
use crate::diagnosis::{Site, StatusMessage, Token};

/// A job is known by its site and its ID (IDs are unique only within a site).
pub type JobKey = (Arc<Site>, String);

/// One restore job as listed (the `list --output json` contract; add fields, never rename).
/// A job is known by its site and its ID.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobSummary {
    /// The restore job ID.
    pub restore_job_id: String,
    /// Where it ran: `partition`, `account`, `region` (shared by the jobs of one listing).
    #[serde(flatten)]
    pub site: Arc<Site>,
    /// `FAILED`, `COMPLETED`, `RUNNING`, …
    pub status: RestoreJobStatus,
    /// Creation time, RFC 3339.
    pub created: String,
    /// `EC2`, `EBS`, `EFS`, …
    pub resource_type: Option<Arc<str>>,
    /// The recovery point restored from.
    pub recovery_point_arn: Option<String>,
    /// The vault holding the recovery point, when AWS said (`BackupVaultArn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_vault_arn: Option<Arc<str>>,
    /// The role the restore ran as.
    pub iam_role_arn: Option<Arc<str>>,
    /// AWS's status message (its token and words shared, not copied).
    pub status_message: Option<StatusMessage>,
    /// The encoded authorization message found in the status message, if any.
    pub encoded_message: Option<Token>,
    /// The resource a completed restore created.
    pub created_resource_arn: Option<String>,
}

/// The outcome of decoding one job's message (`list --decode`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodedJob {
    /// The job.
    #[serde(flatten)]
    pub job: JobSummary,
    /// The diagnosis (the `explain` contract), when the message decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// One line saying why it did not decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
    /// What the status message is about: an encoded or a plain-text permission failure (with
    /// its action when the text names it), or not a permissions problem (with a sentence).
    pub failure: JobFailure,
}

impl DecodedJob {
    /// A listed job, not decoded: its status message classified.
    pub fn undecoded(job: JobSummary) -> DecodedJob {
        DecodedJob {
            failure: classify_status_message(
                job.status_message
                    .as_ref()
                    .map(StatusMessage::text)
                    .as_deref(),
            ),
            job,
            diagnosis: None,
            decode_error: None,
        }
    }
}

/// Everything needed to show a fix and, after confirmation, write exactly it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixPlan {
    /// The diagnosis the fix answers.
    pub diagnosis: Diagnosis,
    /// Exact or account scope.
    pub scope: Scope,
    /// `role` or `user`.
    pub target_type: TargetType,
    /// The role or user name.
    pub target_name: String,
    /// The target's real ARN (from IAM, with its path).
    pub target_arn: String,
    /// Where the write goes: the target's account, in the region of the job (or session)
    /// (`partition`, `account`, `region` in the JSON).
    #[serde(flatten)]
    pub site: Site,
    /// The inline policy written.
    pub policy_name: String,
    /// The policy as it is now (None: it does not exist).
    pub current_document: Option<Value>,
    /// The document that will be written (pretty JSON text, exactly as it will be sent).
    pub proposed_text: String,
    /// Unified diff from the current document to the proposed one.
    pub diff: String,
    /// SHA-256 of `proposed_text`, checked again just before the write.
    pub proposed_sha256: String,
    /// SHA-256 of the current document's text as read (empty when absent), to detect a change
    /// between preview and apply.
    pub current_sha256: String,
    /// Size of the target's inline policies after the write (non-whitespace characters).
    pub size: usize,
    /// IAM's quota for that size.
    pub quota: usize,
    /// Local evaluation: the decoded request would be allowed with the proposed document
    /// (None: it could not be evaluated, as with a redacted account ID; never `false` then).
    pub verified_locally: Option<bool>,
    /// The fix is already in place: nothing to write.
    pub already_in_place: bool,
    /// The job the fix is for, if any.
    pub job_id: Option<String>,
    /// The layers read to check the fix (inline and attached policies, the boundary).
    #[serde(default)]
    pub layers_read: Vec<String>,
    /// The layers that could not be read, and why (they were not checked).
    #[serde(default)]
    pub layers_unreadable: Vec<String>,
    /// The principal's permissions boundary document, if it has one (simulated with the fix
    /// before the write).
    #[serde(default)]
    pub boundary_document: Option<Value>,
    /// What blocks the request today over every layer read (without the proposed document):
    /// normally the identity layer's missing allow, the only one a fix writes to.
    #[serde(default)]
    pub blocking_layers: Vec<crate::diagnosis::layered::Blocker>,
    /// IAM Access Analyzer's checks of the proposed document.
    #[serde(default)]
    pub policy_checks: super::PolicyChecks,
    /// Set when the fix goes into a customer-managed policy because the inline policies would
    /// exceed IAM's quota; then `policy_name`, `current_document`, `proposed_text`, `size` and
    /// `quota` are the managed policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<ManagedPlan>,
}

/// The managed-policy fallback of a fix: what exists now and what will be written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagedPlan {
    /// Why the fix is not an inline policy (the inline quota sentence).
    pub reason: String,
    /// The managed policy's ARN (`RestoreDoctorFixes-<name>`).
    pub policy_arn: String,
    /// True when it exists: a new default version is created; otherwise the policy is.
    pub exists: bool,
    /// Its default version now, when it exists.
    pub default_version: Option<String>,
    /// Its versions now, oldest first.
    pub versions: Vec<String>,
    /// True when it is already attached to the target.
    pub attached: bool,
    /// The oldest non-default version, deleted first when the policy has IAM's five versions.
    pub delete_first: Option<String>,
}

/// The IAM `SimulatePrincipalPolicy` check after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verification {
    /// IAM says the request is now allowed.
    Allowed,
    /// IAM says it is still denied, with its decision and the missing context keys.
    Denied {
        /// `explicitDeny` or `implicitDeny`.
        decision: Decision,
        /// Keys the simulation lacked.
        missing_context_values: Vec<String>,
    },
    /// The simulation could not run (no permission, or not offered); the local check stands.
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// The outcome of applying a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyOutcome {
    /// The journal entry ID of the write (None when nothing was written).
    pub journal_entry: Option<String>,
    /// False when the fix was already in place.
    pub written: bool,
    /// IAM's verdict after the write.
    pub verification: Verification,
}

/// A restore job's progress while it is followed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobProgress {
    /// The job ID.
    pub restore_job_id: String,
    /// Its status.
    pub status: RestoreJobStatus,
    /// Percent done, when AWS reports it.
    pub percent_done: Option<String>,
    /// The status message.
    pub status_message: Option<String>,
    /// The created resource, once completed.
    pub created_resource_arn: Option<String>,
}

impl JobProgress {
    /// True once the job has ended (COMPLETED, FAILED, ABORTED).
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

impl From<RestoreJob> for JobProgress {
    fn from(job: RestoreJob) -> JobProgress {
        JobProgress {
            restore_job_id: job.restore_job_id,
            status: job.status,
            percent_done: job.percent_done,
            status_message: job.status_message.map(|m| m.text().into_owned()),
            created_resource_arn: job.created_resource_arn,
        }
    }
}

impl JobSummary {
    /// The `list` row of a job that ran at `site`: the encoded message is looked for in its
    /// status message.
    pub fn listed(job: RestoreJob, site: Arc<Site>) -> JobSummary {
        JobSummary {
            encoded_message: job
                .status_message
                .as_ref()
                .and_then(StatusMessage::token)
                .cloned(),
            restore_job_id: job.restore_job_id,
            site,
            status: job.status,
            created: job.created,
            resource_type: job.resource_type,
            recovery_point_arn: job.recovery_point_arn,
            backup_vault_arn: job.backup_vault_arn,
            iam_role_arn: job.iam_role_arn,
            status_message: job.status_message,
            created_resource_arn: job.created_resource_arn,
        }
    }

    /// The key a job is known by: its site and its ID.
    pub fn key(&self) -> JobKey {
        (self.site.clone(), self.restore_job_id.clone())
    }
}

/// Formats a fix is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// An `aws_iam_role_policy` (or `aws_iam_user_policy`) resource.
    Terraform,
    /// An `AWS::IAM::RolePolicy` (or `UserPolicy`) snippet.
    Cloudformation,
    /// The `aws iam put-role-policy` command.
    Cli,
    /// The policy document.
    Json,
}
