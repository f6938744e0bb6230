//! The quota fallback: when the fix statement would push a principal's inline policies over
//! IAM's quota, the fix goes into the customer-managed policy `RestoreDoctorFixes-<name>`
//! instead (created, or given a new default version; IAM keeps at most five, so the oldest
//! non-default one is deleted first) and attached to the principal. Each write is journalled
//! before it is made, with the before-image (whether the policy existed, its default version,
//! whether it was attached), so undo detaches it and deletes what the fix created or sets the
//! previous default version back, and reconcile can tell whether a step took effect.

use serde_json::Value;

use super::digest::fingerprint;
use super::journal::{
    Journal, JournalEntry, ManagedStep, Operation, Phase, new_entry_id, now_rfc3339,
};
use super::verify::{refuse_unless_proven, verify};
use super::write_ahead::{SETTLE, describe, journalled, missing_statements, not_checked};
use super::{ApplyOutcome, FixPlan, ManagedPlan, WorkflowError};
use crate::aws::{AwsError, ManagedPolicyState, Session, Writer};
use crate::diagnosis::TargetType;
use crate::diagnosis::evaluate::statements_of;
use crate::diagnosis::merge::{self, Merged, equivalent};

/// IAM's quota on one managed policy version (non-whitespace characters).
pub const MANAGED_POLICY_QUOTA: usize = 6_144;
/// IAM keeps at most this many versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// The managed policy a principal's over-quota fixes go into.
pub fn managed_policy_name(target_name: &str) -> String {
    format!("RestoreDoctorFixes-{target_name}")
}

/// The managed-policy plan for `statements` (the fix, then what the same restore also needs):
/// the policy's state now, the merged document and why.
pub(crate) async fn plan(
    session: &Session,
    target: TargetType,
    name: &str,
    account: &str,
    statements: &[&Value],
    inline_size: usize,
    inline_quota: usize,
) -> Result<(Option<Value>, Merged, ManagedPlan), WorkflowError> {
    let policy_name = managed_policy_name(name);
    let arn = format!("arn:aws:iam::{account}:policy/{policy_name}");
    let state = session.managed_policy(&arn).await?;
    let attached = session
        .list_attached_policies(target, name)
        .await?
        .contains(&arn);
    let current = state.as_ref().map(|s| s.document.clone());
    let merged = merge::merge_all(current.as_ref(), statements, 0, MANAGED_POLICY_QUOTA).map_err(|e| {
        WorkflowError::Refused(format!(
            "the inline policies are full and the managed policy {policy_name} cannot take the fix either: {e}"
        ))
    })?;
    let plan = ManagedPlan {
        reason: format!(
            "the {target}'s inline policies would hold {inline_size} characters, over IAM's quota of {inline_quota}: the fix goes into the customer-managed policy {policy_name}, attached to {target} {name}"
        ),
        policy_arn: arn,
        exists: state.is_some(),
        default_version: state.as_ref().map(|s| s.default_version.clone()),
        versions: state
            .as_ref()
            .map(|s| s.versions.clone())
            .unwrap_or_default(),
        attached,
        delete_first: state.as_ref().and_then(oldest_to_delete),
    };
    Ok((current, merged, plan))
}

/// The oldest non-default version, when the policy already has IAM's five.
fn oldest_to_delete(state: &ManagedPolicyState) -> Option<String> {
    (state.versions.len() >= MAX_VERSIONS)
        .then(|| {
            state
                .versions
                .iter()
                .find(|v| **v != state.default_version)
                .cloned()
        })
        .flatten()
}

/// Applies a managed-policy plan under the target's lock (held by the caller): re-reads the
/// policy, proves the fix, then deletes the oldest version if needed, creates the policy or a
/// new default version, and attaches it, each step journalled first.
pub(crate) async fn apply(
    session: &Session,
    writer: &Writer,
    plan: &FixPlan,
    managed: &ManagedPlan,
    journal: &Journal,
    token: Option<&str>,
) -> Result<ApplyOutcome, WorkflowError> {
    let now = session.managed_policy(&managed.policy_arn).await?;
    let attached = session
        .list_attached_policies(plan.target_type, &plan.target_name)
        .await?
        .contains(&managed.policy_arn);
    if fingerprint(now.as_ref().map(|s| &s.document)) != plan.current_sha256
        || now.is_some() != managed.exists
        || attached != managed.attached
    {
        return Err(WorkflowError::Refused(format!(
            "managed policy {} changed since the preview (another writer): nothing written; preview again",
            managed.policy_arn
        )));
    }
    refuse_unless_proven(session, plan).await?;
    let after: Value = serde_json::from_str(&plan.proposed_text)
        .map_err(|e| WorkflowError::BadInput(format!("the previewed document is not JSON: {e}")))?;
    let group = new_entry_id();
    let base = JournalEntry {
        id: group.clone(),
        time: now_rfc3339(),
        phase: Phase::Pending,
        operation: Operation::CreatePolicy,
        version: super::journal::JOURNAL_VERSION,
        site: plan.site.clone(),
        target_type: plan.target_type,
        target_name: plan.target_name.clone(),
        target_arn: plan.target_arn.clone(),
        policy_name: plan.policy_name.clone(),
        before: plan.current_document.clone(),
        after: Some(after),
        job_id: plan.job_id.clone(),
        token_sha256: token.map(super::digest::sha256_hex),
        summary: Some(format!("{}; {}", managed.reason, plan.diagnosis.summary)),
        undoes: None,
        error: None,
        reconciled: None,
        managed: Some(ManagedStep {
            policy_arn: managed.policy_arn.clone(),
            existed: now.is_some(),
            previous_default_version: now.as_ref().map(|s| s.default_version.clone()),
            was_attached: attached,
            version_id: None,
            group: group.clone(),
        }),
    };
    let arn = managed.policy_arn.as_str();
    let text = plan.proposed_text.as_str();
    if let Some(oldest) = now.as_ref().and_then(oldest_to_delete) {
        let entry = step_entry(&base, Operation::DeletePolicyVersion, Some(oldest.clone()));
        journalled(
            journal,
            entry,
            async {
                writer
                    .delete_policy_version(arn, &oldest)
                    .await
                    .map(|()| None)
            },
            not_checked,
        )
        .await?;
    }
    let mut last = if now.is_some() {
        let entry = step_entry(&base, Operation::CreatePolicyVersion, None);
        journalled(
            journal,
            entry,
            async { writer.create_policy_version(arn, text).await.map(Some) },
            not_checked,
        )
        .await?
    } else {
        let entry = step_entry(&base, Operation::CreatePolicy, Some("v1".into()));
        journalled(
            journal,
            entry,
            async {
                writer
                    .create_policy(&plan.policy_name, text)
                    .await
                    .map(|_| None)
            },
            not_checked,
        )
        .await?
    };
    // Another writer elsewhere may have made its own version the default at the same moment:
    // every statement IAM held before and the fix's must be in the default version now.
    tokio::time::sleep(SETTLE).await;
    let held = session.managed_policy(arn).await?.map(|s| s.document);
    let mut must_hold: Vec<Value> = now
        .as_ref()
        .map(|s| statements_of(&s.document).into_iter().cloned().collect())
        .unwrap_or_default();
    if let Some(after) = &last.after {
        must_hold.extend(statements_of(after).into_iter().cloned());
    }
    let missing = missing_statements(&must_hold, held.as_ref());
    if !missing.is_empty() {
        return Err(WorkflowError::Refused(format!(
            "another writer replaced the default version of managed policy {arn} (journal entry {}): these statements are missing from it: {}; run `restore-doctor fix` again once it is done",
            last.id,
            describe(&missing)
        )));
    }
    if !attached {
        let entry = step_entry(&base, Operation::AttachPolicy, None);
        let entry = journalled(
            journal,
            entry,
            async {
                writer
                    .attach_policy(plan.target_type, &plan.target_name, arn)
                    .await
                    .map(|()| None)
            },
            not_checked,
        )
        .await?;
        last = entry;
    }
    Ok(ApplyOutcome {
        journal_entry: Some(last.id),
        written: true,
        verification: verify(session, plan).await,
    })
}

/// A step of the group `base` starts: its own ID (the first step keeps the group's).
fn step_entry(base: &JournalEntry, operation: Operation, version: Option<String>) -> JournalEntry {
    let mut entry = base.clone();
    entry.operation = operation;
    entry.time = now_rfc3339();
    if let Some(step) = entry.managed.as_mut() {
        step.version_id = version;
    }
    entry
}

/// Undoes the managed-policy fix `entry` belongs to: detaches the policy if the fix attached
/// it, then deletes the policy it created, or sets the previous default version back and
/// deletes the version it created. Refuses if the policy's default document changed since.
pub(crate) async fn undo(
    session: &Session,
    writer: &Writer,
    journal: &Journal,
    entry: &JournalEntry,
    step: &ManagedStep,
) -> Result<String, WorkflowError> {
    let entries = journal.entries()?;
    let undone: Vec<&str> = entries
        .iter()
        .filter(|e| e.phase == Phase::Applied)
        .filter_map(|e| e.undoes.as_deref())
        .collect();
    let steps: Vec<&JournalEntry> = entries
        .iter()
        .filter(|e| e.phase == Phase::Applied && e.operation.is_undoable_fix())
        .filter(|e| e.managed.as_ref().is_some_and(|m| m.group == step.group))
        .filter(|e| !undone.contains(&e.id.as_str()))
        .collect();
    let arn = step.policy_arn.as_str();
    let now = session.managed_policy(arn).await?;
    let created = steps.iter().find(|e| {
        matches!(
            e.operation,
            Operation::CreatePolicy | Operation::CreatePolicyVersion
        )
    });
    if let Some(created) = created {
        let holds = now
            .as_ref()
            .is_some_and(|s| same_statements(created.after.as_ref(), &s.document));
        if !holds {
            return Err(WorkflowError::Refused(format!(
                "managed policy {} changed after restore-doctor wrote it: not undoing over someone else's change",
                entry.policy_name
            )));
        }
    }
    let undo_entry = |of: &JournalEntry, operation: Operation, version: Option<String>| {
        let mut record = step_entry(of, operation, version);
        record.id = new_entry_id();
        record.phase = Phase::Pending;
        record.undoes = Some(of.id.clone());
        record.before = of.after.clone();
        record.after = of.before.clone();
        record.error = None;
        record.reconciled = None;
        record
    };
    if let Some(attach) = steps
        .iter()
        .find(|e| e.operation == Operation::AttachPolicy)
    {
        let record = undo_entry(attach, Operation::DetachPolicy, None);
        journalled(
            journal,
            record,
            async {
                writer
                    .detach_policy(entry.target_type, &entry.target_name, arn)
                    .await
                    .map(|()| None)
            },
            not_checked,
        )
        .await?;
    }
    let Some(created) = created else {
        return Ok(format!(
            "Detached managed policy {} from {} {}",
            entry.policy_name, entry.target_type, entry.target_name
        ));
    };
    match (created.operation, &step.previous_default_version, now) {
        (Operation::CreatePolicyVersion, Some(previous), Some(now)) => {
            let mut record = undo_entry(
                created,
                Operation::SetDefaultPolicyVersion,
                Some(previous.clone()),
            );
            record.undoes = None;
            journalled(
                journal,
                record,
                async {
                    writer
                        .set_default_policy_version(arn, previous)
                        .await
                        .map(|()| None)
                },
                not_checked,
            )
            .await?;
            let version = now.default_version;
            let record = undo_entry(
                created,
                Operation::DeletePolicyVersion,
                Some(version.clone()),
            );
            journalled(
                journal,
                record,
                async {
                    writer
                        .delete_policy_version(arn, &version)
                        .await
                        .map(|()| None)
                },
                not_checked,
            )
            .await?;
            Ok(format!(
                "Managed policy {} is back at version {previous}; version {version} deleted",
                entry.policy_name
            ))
        }
        _ => {
            let record = undo_entry(created, Operation::DeletePolicy, None);
            journalled(
                journal,
                record,
                async { writer.delete_policy(arn).await.map(|()| None) },
                not_checked,
            )
            .await?;
            Ok(format!(
                "Detached and deleted managed policy {} from {} {}: it did not exist before {}",
                entry.policy_name, entry.target_type, entry.target_name, created.time
            ))
        }
    }
}

/// Whether `after` and `current` hold the same statements.
fn same_statements(after: Option<&Value>, current: &Value) -> bool {
    let Some(after) = after else { return false };
    let (a, b) = (statements_of(after), statements_of(current));
    a.len() == b.len() && a.iter().all(|s| b.iter().any(|c| equivalent(s, c)))
}

/// Whether IAM shows a managed-policy step's effect now (for reconcile).
pub(crate) async fn landed(
    session: &Session,
    entry: &JournalEntry,
    step: &ManagedStep,
) -> Result<bool, AwsError> {
    let arn = step.policy_arn.as_str();
    let attached = || async {
        session
            .list_attached_policies(entry.target_type, &entry.target_name)
            .await
            .map(|arns| arns.iter().any(|a| a == arn))
    };
    let now = session.managed_policy(arn).await?;
    Ok(match entry.operation {
        Operation::CreatePolicy | Operation::CreatePolicyVersion => now
            .as_ref()
            .is_some_and(|s| same_statements(entry.after.as_ref(), &s.document)),
        Operation::DeletePolicyVersion => now.as_ref().is_none_or(|s| {
            step.version_id
                .as_ref()
                .is_some_and(|v| !s.versions.contains(v))
        }),
        Operation::SetDefaultPolicyVersion => now
            .as_ref()
            .is_some_and(|s| step.version_id.as_ref() == Some(&s.default_version)),
        Operation::DeletePolicy => now.is_none(),
        Operation::AttachPolicy => attached().await?,
        Operation::DetachPolicy => !attached().await?,
        Operation::Fix | Operation::Undo => false,
    })
}
