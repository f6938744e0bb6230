//! Apply a previewed fix so that nothing is lost: one writer per target on this machine (a lock
//! file next to the journal, held from the re-read to the post-write check), the before-image
//! journalled and fsynced before the call, a write whose outcome is unknown recorded as
//! `unknown` (never `failed`), and after the write a check that every statement this write
//! carries and every statement IAM held just before it are still there, re-merging (bounded,
//! journalled) when another writer elsewhere raced us.

use serde_json::Value;

use super::digest::{fingerprint, sha256_hex};
use super::journal::{Journal, JournalEntry, Operation, Phase, new_entry_id, now_rfc3339};
use super::verify::{refuse_unless_proven, verify};
use super::write_ahead::{SETTLE, describe, missing_statements, write_inline};
use super::{ApplyOutcome, FixPlan, WorkflowError};
use crate::aws::{Session, Writer};
use crate::diagnosis::evaluate::statements_of;
use crate::diagnosis::merge::{self, equivalent};

/// How many extra writes a writer makes to put back statements a concurrent writer dropped.
const CONVERGE_ROUNDS: usize = 4;
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
    let mut last_entry = write_inline(session, writer, journal, entry, &plan.proposed_text).await?;
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
        last_entry = write_inline(session, writer, journal, entry, &text).await?;
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

/// The plan's inline policy as IAM holds it now.
async fn read_policy(session: &Session, plan: &FixPlan) -> Result<Option<Value>, WorkflowError> {
    Ok(session
        .get_inline_policy(plan.target_type, &plan.target_name, &plan.policy_name)
        .await?)
}

fn owned_statements(document: &Value) -> Vec<Value> {
    statements_of(document).into_iter().cloned().collect()
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
