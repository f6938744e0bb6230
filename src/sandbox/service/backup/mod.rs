//! AWS Backup: `ListRestoreJobs`, `DescribeRestoreJob`, `GetRestoreJobMetadata`,
//! `StartRestoreJob` and `GetBackupVaultAccessPolicy`, with Backup's JSON shapes and epoch-second
//! timestamps. A new restore is decided by the engine as the restore role.

mod list;
mod vault_policy;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Context, text};
use crate::sandbox::engine::StepCache;
use crate::sandbox::jobs::{self, NEW_JOB_DURATION_MS, RestoreRequest};
use crate::sandbox::model::{self, Violation};
use crate::sandbox::state::{Job, State, now_ms};
use crate::sandbox::wire::AwsError;

/// The Backup operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupOperation {
    /// `GET /restore-jobs/`.
    ListRestoreJobs,
    /// `GET /restore-jobs/{restoreJobId}`.
    DescribeRestoreJob,
    /// `GET /restore-jobs/{restoreJobId}/metadata`.
    GetRestoreJobMetadata,
    /// `PUT /restore-jobs`.
    StartRestoreJob,
    /// `GET /backup-vaults/{backupVaultName}/access-policy`.
    GetBackupVaultAccessPolicy,
}

impl BackupOperation {
    /// Every operation.
    pub const ALL: &[BackupOperation] = &[
        Self::ListRestoreJobs,
        Self::DescribeRestoreJob,
        Self::GetRestoreJobMetadata,
        Self::StartRestoreJob,
        Self::GetBackupVaultAccessPolicy,
    ];

    /// The operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ListRestoreJobs => "ListRestoreJobs",
            Self::DescribeRestoreJob => "DescribeRestoreJob",
            Self::GetRestoreJobMetadata => "GetRestoreJobMetadata",
            Self::StartRestoreJob => "StartRestoreJob",
            Self::GetBackupVaultAccessPolicy => "GetBackupVaultAccessPolicy",
        }
    }

    /// The operation's model (its method and URI template route it).
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("backup", self.name())
    }
}

/// Backup's answer to a request the model rejects: a missing member is
/// `MissingParameterValueException`, any other violation `InvalidParameterValueException`.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    let code = if violations.iter().any(Violation::is_missing) {
        "MissingParameterValueException"
    } else {
        "InvalidParameterValueException"
    };
    AwsError::new(400, code, model::message(violations))
}

/// Runs one operation: its JSON result.
pub fn handle(
    op: BackupOperation,
    ctx: &mut Context<'_>,
    input: &Value,
) -> Result<Value, AwsError> {
    match op {
        BackupOperation::ListRestoreJobs => list::list_restore_jobs(ctx.state, ctx.region, input),
        BackupOperation::DescribeRestoreJob => describe_restore_job(ctx.state, ctx.region, input),
        BackupOperation::GetRestoreJobMetadata => {
            get_restore_job_metadata(ctx.state, ctx.region, input)
        }
        BackupOperation::StartRestoreJob => start_restore_job(ctx, input),
        BackupOperation::GetBackupVaultAccessPolicy => {
            get_backup_vault_access_policy(ctx.state, input)
        }
    }
}

/// A vault's access policy; `ResourceNotFoundException` for an unknown vault or one without a
/// policy (<https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupVaultAccessPolicy.html>).
fn get_backup_vault_access_policy(state: &State, input: &Value) -> Result<Value, AwsError> {
    let name = text(input, "BackupVaultName")?;
    let vault = state.vaults.get(name).ok_or_else(|| {
        AwsError::new(
            400,
            "ResourceNotFoundException",
            format!("Backup vault {name} does not exist."),
        )
    })?;
    let policy = vault.access_policy.as_ref().ok_or_else(|| {
        AwsError::new(
            400,
            "ResourceNotFoundException",
            format!("Backup vault {name} does not have an access policy."),
        )
    })?;
    Ok(
        json!({"BackupVaultName": vault.name, "BackupVaultArn": vault.arn,
        "Policy": policy.to_string()}),
    )
}

fn invalid(message: &str) -> AwsError {
    AwsError::new(400, "InvalidParameterValueException", message)
}

/// A job of `region`: Backup is regional, so another region's job is not found.
fn job<'a>(state: &'a State, region: &str, input: &Value) -> Result<&'a Job, AwsError> {
    let id = text(input, "RestoreJobId")?;
    state.job(id).filter(|j| j.region == region).ok_or_else(|| {
        AwsError::new(
            400,
            "ResourceNotFoundException",
            format!("Restore job {id} not found."),
        )
    })
}

fn describe_restore_job(state: &State, region: &str, input: &Value) -> Result<Value, AwsError> {
    Ok(job_json(state, job(state, region, input)?, now_ms()))
}

fn get_restore_job_metadata(state: &State, region: &str, input: &Value) -> Result<Value, AwsError> {
    let job = job(state, region, input)?;
    Ok(json!({"RestoreJobId": job.id, "Metadata": job.metadata}))
}

fn epoch(ms: i64) -> Value {
    // Millisecond precision, as Backup sends it (e.g. 1600721892.929).
    serde_json::Number::from_f64(ms as f64 / 1000.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn job_json(state: &State, job: &Job, now: i64) -> Value {
    let view = job.view(now);
    let mut out = Map::new();
    out.insert("AccountId".into(), json!(state.account_id));
    out.insert("RestoreJobId".into(), json!(job.id));
    out.insert("RecoveryPointArn".into(), json!(job.recovery_point_arn));
    // DescribeRestoreJob and ListRestoreJobs name the vault of the recovery point
    // (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html).
    if let Some(vault) = state.vaults.get(&job.vault) {
        out.insert("BackupVaultArn".into(), json!(vault.arn));
    }
    out.insert("CreationDate".into(), epoch(job.created_ms));
    if let Some(done) = view.completed_ms {
        out.insert("CompletionDate".into(), epoch(done));
    }
    out.insert("Status".into(), json!(view.status));
    if let Some(message) = view.status_message {
        out.insert("StatusMessage".into(), json!(message));
    }
    out.insert("PercentDone".into(), json!(view.percent_done));
    out.insert("BackupSizeInBytes".into(), json!(8_589_934_592_i64));
    out.insert("IamRoleArn".into(), json!(job.iam_role_arn));
    out.insert("ExpectedCompletionTimeMinutes".into(), json!(15));
    if let Some(created) = view.created_resource_arn {
        out.insert("CreatedResourceArn".into(), json!(created));
    }
    out.insert("ResourceType".into(), json!(job.resource_type));
    Value::Object(out)
}

fn start_restore_job(ctx: &mut Context<'_>, input: &Value) -> Result<Value, AwsError> {
    let state = &mut *ctx.state;
    let recovery_point_arn = text(input, "RecoveryPointArn")?.to_string();
    // The model leaves IamRoleArn optional (some resource types restore without one); every
    // restore the sandbox emulates runs as a role, so it asks for one as Backup does for them.
    let iam_role_arn = input
        .get("IamRoleArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            AwsError::new(
                400,
                "MissingParameterValueException",
                "IamRoleArn is required.",
            )
        })?
        .to_string();
    let metadata: BTreeMap<String, String> = input
        .get("Metadata")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    let token = input
        .get("IdempotencyToken")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(existing) = token.as_ref().and_then(|t| state.idempotency.get(t)) {
        // A retry with the same token gets the same job and starts nothing.
        return Ok(json!({"RestoreJobId": existing}));
    }
    let (known, vault, hybrid) = state
        .jobs
        .iter()
        .find(|j| j.recovery_point_arn == recovery_point_arn && j.region == ctx.region)
        .map(|j| (j.resource_type.clone(), j.vault.clone(), j.hybrid))
        .ok_or_else(|| {
            AwsError::new(
                400,
                "ResourceNotFoundException",
                format!("Recovery point {recovery_point_arn} not found."),
            )
        })?;
    vault_policy::check_start_restore(state, &ctx.caller.arn, &vault, &recovery_point_arn)?;
    if state.role_by_arn(&iam_role_arn).is_none() {
        return Err(invalid(&format!("IAM role {iam_role_arn} does not exist.")));
    }
    let request = RestoreRequest {
        recovery_point_arn,
        iam_role_arn,
        resource_type: input
            .get("ResourceType")
            .and_then(Value::as_str)
            .map_or(known, str::to_string),
        metadata,
        vault,
        hybrid,
    };
    let created_ms = now_ms();
    let seed = format!("new-{}-{}", ctx.request_id, state.jobs.len());
    let outcome = jobs::decide(
        state,
        ctx.sealer,
        &request,
        &seed,
        &mut StepCache::default(),
    )
    .map_err(|e| {
        AwsError::new(
            500,
            "InternalFailure",
            format!("cannot evaluate the role's policies: {e}"),
        )
    })?;
    let job = Job {
        id: jobs::job_id(&seed),
        recovery_point_arn: request.recovery_point_arn,
        iam_role_arn: request.iam_role_arn,
        resource_type: request.resource_type,
        metadata: request.metadata.into(),
        vault: request.vault,
        hybrid: request.hybrid,
        created_ms,
        duration_ms: NEW_JOB_DURATION_MS,
        outcome,
        region: ctx.region.to_string(),
    };
    let id = job.id.clone();
    if let Some(token) = token {
        state.idempotency.insert(token, id.clone());
    }
    let detail = json!({"RecoveryPointArn": job.recovery_point_arn, "ResourceType": job.resource_type, "RestoreJobId": id});
    let target = job.iam_role_arn.clone();
    state.push_job(job);
    state.record("StartRestoreJob", &target, detail);
    Ok(json!({"RestoreJobId": id}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_keep_milliseconds_and_every_operation_has_a_model() {
        assert_eq!(epoch(1_600_721_892_929).to_string(), "1600721892.929");
        for op in BackupOperation::ALL {
            assert!(op.model().is_some(), "{op:?}");
        }
    }
}
