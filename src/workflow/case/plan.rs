//! The plan of an identity write, once the judgement says an identity statement is the remedy:
//! the statements merged into the target's fix policy (every existing statement kept), or into
//! the customer-managed fallback when the inline quota is full (`managed.rs`), the exact text
//! that will be sent and its diff, and IAM Access Analyzer's checks of that text (an ERROR
//! finding makes it unwritable).

use serde_json::Value;

use super::Case;
use super::read::Reading;
use crate::aws::Session;
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::merge::{self, MergeError, quota_for};
use crate::diagnosis::{DecodedMessage, LocalVerification, Scope, report};
use crate::workflow::digest::{fingerprint, sha256_hex};
use crate::workflow::{FixPlan, WorkflowError, managed, policy_checks};

/// The plan of the write `case` calls for, or why it cannot be written (an `Err` inside: a
/// refusal, not a failure to read).
pub(super) async fn plan_write(
    session: &Session,
    message: &DecodedMessage,
    case: &Case,
    reading: &Reading,
    statements: &[Value],
    scope: Scope,
) -> Result<Result<FixPlan, String>, WorkflowError> {
    let Some(report) = &case.diagnosis.fix else {
        return Ok(Err("the diagnosis proposes no fix".into()));
    };
    let fix = &report.fix;
    let statements: Vec<&Value> = statements.iter().collect();
    let Some(target) = fix.target.kind.iam() else {
        return Ok(Err(format!(
            "the fix goes into IAM Identity Center permission set {}, which restore-doctor does not write",
            fix.target.name
        )));
    };
    let name = fix.target.name.as_str();
    let (policy_name, current, merged, managed) = match merge::merge_all(
        reading.current.as_ref(),
        &statements,
        reading.other_size,
        quota_for(target),
    ) {
        Ok(merged) => (
            fix.policy_name.clone(),
            reading.current.clone(),
            merged,
            None,
        ),
        // The inline policies are full: the fix goes into a customer-managed policy.
        Err(MergeError::OverQuota { size, quota }) => {
            match managed::plan(
                session,
                target,
                name,
                &reading.caller_account,
                &statements,
                size,
                quota,
            )
            .await
            {
                Ok((current, merged, plan)) => (
                    managed::managed_policy_name(name),
                    current,
                    merged,
                    Some(plan),
                ),
                Err(WorkflowError::Refused(reason)) => return Ok(Err(reason)),
                Err(error) => return Err(error),
            }
        }
        Err(e) => return Ok(Err(e.to_string())),
    };
    let proposed_text = serde_json::to_string_pretty(&merged.document)
        .map_err(|e| WorkflowError::BadInput(format!("cannot render the policy: {e}")))?;
    let current_text = current
        .as_ref()
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default())
        .unwrap_or_default();
    let diff = similar::TextDiff::from_lines(&current_text, &proposed_text)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name}:{policy_name} (current)"),
            &format!("{name}:{policy_name} (proposed)"),
        )
        .to_string();
    // An exact fix must not grant its action on `*`; a WIDER one is asked about its own
    // resource, which it grants, and the check says so.
    let checked_resource = match (fix.wider, fix.statement.get("Resource")) {
        (true, Some(Value::String(resource))) => resource.clone(),
        _ => "*".to_string(),
    };
    let checks = policy_checks::check_policy(
        session,
        &proposed_text,
        &case.diagnosis.action,
        &checked_resource,
    )
    .await;
    if let Some(error) = checks.errors().first() {
        return Ok(Err(format!(
            "not writing: IAM Access Analyzer's ValidatePolicy reports an ERROR in the proposed document: {} {}",
            error.issue_code, error.details
        )));
    }
    let verified_locally = match report::local_verification(
        message,
        &[NamedPolicy {
            name: policy_name.clone(),
            document: merged.document.clone(),
        }],
    ) {
        LocalVerification::Allowed => Some(true),
        LocalVerification::NotAllowed => Some(false),
        LocalVerification::NotDone { .. } => None,
    };
    let target_arn = match &reading.role {
        Some(role) => role.arn.clone(),
        None => case.diagnosis.principal.arn.clone(),
    };
    Ok(Ok(FixPlan {
        target_type: target,
        target_name: name.to_string(),
        target_arn,
        site: case.site.clone(),
        policy_name,
        current_sha256: fingerprint(current.as_ref()),
        current_document: current,
        proposed_sha256: sha256_hex(&proposed_text),
        proposed_text,
        diff,
        size: merged.total_size,
        quota: merged.quota,
        verified_locally,
        already_in_place: !merged.changed,
        job_id: case.job_id.clone(),
        scope,
        diagnosis: case.diagnosis.clone(),
        layers_read: case.layers_read.clone(),
        layers_unreadable: case.layers_unreadable.clone(),
        blocking_layers: case.blocking_today.clone(),
        policy_checks: checks,
        boundary_document: reading
            .evidence
            .layers
            .boundary
            .as_ref()
            .map(|b| b.document.clone()),
        managed,
    }))
}
