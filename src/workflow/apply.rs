//! Apply a previewed fix so that nothing is lost: one writer per target on this machine (a lock
//! file next to the journal, held from the re-read to the post-write check), the before-image
//! journalled and fsynced before the call, a write whose outcome is unknown recorded as
//! `unknown` (never `failed`), and after the write a check that every statement this write
//! carries and every statement IAM held just before it are still there, re-merging (bounded,
//! journalled) when another writer elsewhere raced us.

use std::time::Duration;

use serde_json::Value;

use super::digest::{fingerprint, sha256_hex};
use super::journal::{Journal, JournalEntry, Operation, Phase, new_entry_id, now_rfc3339};
use super::{ApplyOutcome, FixPlan, Verification, WorkflowError};
use crate::aws::{AwsErrorKind, LayeredSimulation, Session, Writer};
use crate::diagnosis::evaluate::{Decision, statements_of};
use crate::diagnosis::merge::{self, equivalent};
use crate::diagnosis::report::diagnosis_request_context;

/// How many extra writes a writer makes to put back statements a concurrent writer dropped.
const CONVERGE_ROUNDS: usize = 4;
/// How long after a write its document is read again: long enough for a write another machine
/// sent at the same moment to have landed, so the check sees it.
pub(crate) const SETTLE: Duration = Duration::from_millis(400);

/// Applies exactly the previewed document. Nothing is written when the fix is already in
/// place; the write aborts if the policy changed since the preview.
pub async fn apply_fix(
    session: &Session,
    writer: &Writer,
    plan: &FixPlan,
    journal: &Journal,
    token: Option<&str>,
) -> Result<ApplyOutcome, WorkflowError> {
    if sha256_hex(&plan.proposed_text) != plan.proposed_sha256 {
        return Err(WorkflowError::Refused(
            "the document to write differs from the one previewed: nothing written".into(),
        ));
    }
    if plan.already_in_place {
        return Ok(ApplyOutcome {
            journal_entry: None,
            written: false,
            verification: verify(session, plan).await,
        });
    }
    let _lock = journal
        .lock_target(&plan.site.account, plan.target_type, &plan.target_name)
        .await?;
    if let Some(managed) = &plan.managed {
        return super::managed::apply(session, writer, plan, managed, journal, token).await;
    }
    let now = read_policy(session, plan).await?;
    if fingerprint(now.as_ref()) != plan.current_sha256 {
        let statement = plan
            .diagnosis
            .fix
            .as_ref()
            .map(|f| describe(std::slice::from_ref(&f.fix.statement)))
            .unwrap_or_default();
        return Err(WorkflowError::Refused(format!(
            "policy {} on {} {} changed since the preview (another writer): nothing written, so statement {statement} is not in IAM; preview again",
            plan.policy_name, plan.target_type, plan.target_name
        )));
    }
    let after: Value = serde_json::from_str(&plan.proposed_text)
        .map_err(|e| WorkflowError::BadInput(format!("the previewed document is not JSON: {e}")))?;
    refuse_unless_proven(session, plan).await?;
    let entry = JournalEntry {
        id: new_entry_id(),
        time: now_rfc3339(),
        phase: Phase::Pending,
        operation: Operation::Fix,
        version: super::journal::JOURNAL_VERSION,
        site: plan.site.clone(),
        target_type: plan.target_type,
        target_name: plan.target_name.clone(),
        target_arn: plan.target_arn.clone(),
        policy_name: plan.policy_name.clone(),
        before: plan.current_document.clone(),
        after: Some(after.clone()),
        job_id: plan.job_id.clone(),
        token_sha256: token.map(sha256_hex),
        summary: Some(plan.diagnosis.summary.clone()),
        undoes: None,
        error: None,
        reconciled: None,
        managed: None,
    };
    let mut last_entry =
        write_journalled(session, writer, journal, entry, &plan.proposed_text).await?;
    // Every statement that must survive: what IAM held before our write, and what we added.
    let mut must_hold: Vec<Value> = now.as_ref().map(owned_statements).unwrap_or_default();
    must_hold.extend(owned_statements(&after));
    let mut rounds = 0;
    loop {
        tokio::time::sleep(SETTLE).await;
        let current = read_policy(session, plan).await?;
        let missing = missing_statements(&must_hold, current.as_ref());
        if missing.is_empty() {
            break;
        }
        if rounds == CONVERGE_ROUNDS {
            return Err(WorkflowError::Refused(format!(
                "another writer keeps replacing policy {} on {} {}: after {rounds} re-merges these statements are still missing: {}; run `restore-doctor fix` again once it is done",
                plan.policy_name,
                plan.target_type,
                plan.target_name,
                describe(&missing)
            )));
        }
        rounds += 1;
        tracing::info!(
            round = rounds,
            missing = missing.len(),
            "a concurrent write dropped statements; re-merging"
        );
        let remerged = remerge(current.as_ref(), &missing, plan)?;
        let text = serde_json::to_string_pretty(&remerged)
            .map_err(|e| WorkflowError::BadInput(format!("cannot render the policy: {e}")))?;
        let entry = JournalEntry {
            id: new_entry_id(),
            time: now_rfc3339(),
            phase: Phase::Pending,
            before: current.clone(),
            after: Some(remerged.clone()),
            summary: Some(format!(
                "re-merge {rounds}: put back {} statement(s) a concurrent write dropped",
                missing.len()
            )),
            error: None,
            reconciled: None,
            ..last_entry.clone()
        };
        last_entry = write_journalled(session, writer, journal, entry, &text).await?;
        for statement in owned_statements(&remerged) {
            if !must_hold.iter().any(|s| equivalent(s, &statement)) {
                must_hold.push(statement);
            }
        }
    }
    Ok(ApplyOutcome {
        journal_entry: Some(last_entry.id),
        written: true,
        verification: verify(session, plan).await,
    })
}

/// Proven before the write: IAM's simulator with the proposed document and the boundary. A
/// denial (with every context key given) refuses the write, naming the layer that blocks.
pub(crate) async fn refuse_unless_proven(
    session: &Session,
    plan: &FixPlan,
) -> Result<(), WorkflowError> {
    if let Ok(proof) = simulate_plan(session, plan).await
        && proof.decision != Decision::Allowed
        && proof.missing_context_values.is_empty()
    {
        let layer = if proof.allowed_by_boundary == Some(false) {
            ": the permissions boundary does not allow it, so its owner must change the boundary"
        } else if proof.allowed_by_organizations == Some(false) {
            ": a service control policy denies it, so the organization's administrator must change it"
        } else {
            "; nothing was written"
        };
        return Err(WorkflowError::Refused(format!(
            "not writing: IAM's policy simulator says the request would still be denied ({}) with the proposed document{layer}",
            proof.decision
        )));
    }
    Ok(())
}

/// The plan's inline policy as IAM holds it now.
async fn read_policy(session: &Session, plan: &FixPlan) -> Result<Option<Value>, WorkflowError> {
    Ok(session
        .get_inline_policy(plan.target_type, &plan.target_name, &plan.policy_name)
        .await?)
}

fn owned_statements(document: &Value) -> Vec<Value> {
    statements_of(document).into_iter().cloned().collect()
}

/// The statements of `must_hold` that `current` lacks.
pub(crate) fn missing_statements(must_hold: &[Value], current: Option<&Value>) -> Vec<Value> {
    let present: Vec<&Value> = current.map(statements_of).unwrap_or_default();
    must_hold
        .iter()
        .filter(|s| !present.iter().any(|p| equivalent(p, s)))
        .cloned()
        .collect()
}

/// `current` with `missing` added back.
fn remerge(
    current: Option<&Value>,
    missing: &[Value],
    plan: &FixPlan,
) -> Result<Value, WorkflowError> {
    let mut document = current.cloned();
    for statement in missing {
        let merged = merge::merge(document.as_ref(), statement, 0, usize::MAX).map_err(|e| {
            WorkflowError::Refused(format!(
                "a concurrent write changed policy {} on {} and its statements cannot be merged back ({e}); missing: {}",
                plan.policy_name,
                plan.target_name,
                describe(missing)
            ))
        })?;
        document = Some(merged.document);
    }
    document.ok_or_else(|| WorkflowError::Refused("nothing to re-merge".into()))
}

/// The Sids (or actions) of statements, for a message.
pub(crate) fn describe(statements: &[Value]) -> String {
    statements
        .iter()
        .map(|s| {
            s.get("Sid")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| s.get("Action").map(Value::to_string).unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Journals `entry` as pending, writes `text`, and journals the outcome: `applied`, `failed`
/// when IAM rejected the call, or `unknown` when no answer says what happened (then a re-read
/// decides at once where it can, and otherwise the entry waits for `reconcile`).
pub(crate) async fn write_journalled(
    session: &Session,
    writer: &Writer,
    journal: &Journal,
    mut entry: JournalEntry,
    text: &str,
) -> Result<JournalEntry, WorkflowError> {
    journal.append(&entry)?;
    let result = match &entry.after {
        Some(_) => {
            writer
                .put_inline_policy(
                    entry.target_type,
                    &entry.target_name,
                    &entry.policy_name,
                    text,
                )
                .await
        }
        None => {
            writer
                .delete_inline_policy(entry.target_type, &entry.target_name, &entry.policy_name)
                .await
        }
    };
    entry.time = now_rfc3339();
    match result {
        Ok(()) => {
            entry.phase = Phase::Applied;
            record_after_write(journal, &entry)?;
            Ok(entry)
        }
        Err(error) if error.rejected => {
            entry.phase = Phase::Failed;
            entry.error = Some(error.to_string());
            journal.append(&entry)?;
            Err(error.into())
        }
        Err(error) => {
            // The call may have reached IAM. Look once; if the document is there, it applied.
            let landed = session
                .get_inline_policy(entry.target_type, &entry.target_name, &entry.policy_name)
                .await
                .ok()
                .map(|now| now == entry.after);
            entry.error = Some(error.to_string());
            if landed == Some(true) {
                entry.phase = Phase::Applied;
                entry.reconciled = Some("the reply was lost; IAM holds the document".into());
                record_after_write(journal, &entry)?;
                return Ok(entry);
            }
            entry.phase = Phase::Unknown;
            journal.append(&entry)?;
            Err(WorkflowError::Unknown {
                what: format!(
                    "the write of policy {} on {} {} (journal entry {})",
                    entry.policy_name, entry.target_type, entry.target_name, entry.id
                ),
                cause: error.to_string(),
                journal: journal.path().display().to_string(),
            })
        }
    }
}

/// Journals a write that happened; if that fails, says so truthfully (IAM was changed).
pub(crate) fn record_after_write(
    journal: &Journal,
    entry: &JournalEntry,
) -> Result<(), WorkflowError> {
    journal
        .append(entry)
        .map_err(|error| WorkflowError::JournalAfterWrite {
            path: journal.path().display().to_string(),
            error: error.to_string(),
            before: entry
                .before
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_else(|| format!("none (policy {} did not exist)", entry.policy_name)),
        })
}

/// IAM's simulator on the decoded request with the proposed document added
/// (`PolicyInputList`) and the principal's boundary (`PermissionsBoundaryPolicyInputList`),
/// before anything is written; where it cannot run, says why (the local check stands).
pub async fn prove(session: &Session, plan: &FixPlan) -> Verification {
    match simulate_plan(session, plan).await {
        Ok(result) if result.decision == Decision::Allowed => Verification::Allowed,
        Ok(result) => Verification::Denied {
            decision: result.decision,
            missing_context_values: result.missing_context_values,
        },
        Err(error) => Verification::Unavailable {
            reason: unavailable_reason(&error),
        },
    }
}

async fn simulate_plan(
    session: &Session,
    plan: &FixPlan,
) -> Result<LayeredSimulation, crate::aws::AwsError> {
    let request = diagnosis_request_context(&plan.diagnosis);
    let context: Vec<(String, Vec<String>)> = request.conditions.into_iter().collect();
    let boundary = plan.boundary_document.as_ref().map(Value::to_string);
    session
        .simulate_with(
            &plan.target_arn,
            &request.action,
            &request.resource,
            &context,
            std::slice::from_ref(&plan.proposed_text),
            boundary.as_deref(),
        )
        .await
}

fn unavailable_reason(error: &crate::aws::AwsError) -> String {
    match error.kind {
        AwsErrorKind::AccessDenied => {
            "you lack iam:SimulatePrincipalPolicy; the local verification stands".into()
        }
        AwsErrorKind::NotImplemented => {
            "the endpoint does not offer SimulatePrincipalPolicy; the local verification stands"
                .into()
        }
        _ => format!("{error}; the local verification stands"),
    }
}

/// IAM's simulator on the decoded request; where it cannot run, say why (the local check stands).
pub async fn verify(session: &Session, plan: &FixPlan) -> Verification {
    let request = diagnosis_request_context(&plan.diagnosis);
    let context: Vec<(String, Vec<String>)> = request.conditions.into_iter().collect();
    match session
        .simulate_principal_policy(
            &plan.target_arn,
            &request.action,
            &request.resource,
            &context,
        )
        .await
    {
        Ok(result) if result.decision == Decision::Allowed => Verification::Allowed,
        Ok(result) => Verification::Denied {
            decision: result.decision,
            missing_context_values: result.missing_context_values,
        },
        Err(error) => Verification::Unavailable {
            reason: unavailable_reason(&error),
        },
    }
}
