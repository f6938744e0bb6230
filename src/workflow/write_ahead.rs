//! The write-ahead protocol, the one home of every IAM write restore-doctor makes (a fix into
//! an inline policy, each step of the managed-policy fallback, an undo): the entry is journalled
//! and fsynced as `pending` with its before-image before the call; after it, `applied`, `failed`
//! when IAM refused (nothing changed), or `unknown` when no answer says what happened (a
//! timeout, a lost reply: a re-read settles it where it can, else `reconcile` does later). A
//! write that happened but cannot be journalled says so: IAM WAS changed.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::WorkflowError;
use super::journal::{Journal, JournalEntry, Phase, new_entry_id, now_rfc3339};
use crate::aws::{AwsError, Session, Writer};
use crate::diagnosis::evaluate::statements_of;
use crate::diagnosis::merge::equivalent;

/// How long after a write its document is read again: long enough for a write another machine
/// sent at the same moment to have landed, so the check sees it.
pub(crate) const SETTLE: Duration = Duration::from_millis(400);

/// The statements of `must_hold` that `current` lacks.
pub(crate) fn missing_statements(must_hold: &[Value], current: Option<&Value>) -> Vec<Value> {
    let present: Vec<&Value> = current.map(statements_of).unwrap_or_default();
    must_hold
        .iter()
        .filter(|s| !present.iter().any(|p| equivalent(p, s)))
        .cloned()
        .collect()
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

/// Journals `entry` as pending (a fresh ID when its ID is journalled already: each step of a
/// group gets its own), makes the `call`, and journals its outcome: `applied` (with the version
/// IAM created, if it says), `failed` when IAM refused, or, when no answer says what happened,
/// `applied` if `landed` (a re-read) finds the write in IAM, else `unknown` for `reconcile`.
pub(crate) async fn journalled<L>(
    journal: &Journal,
    mut entry: JournalEntry,
    call: impl Future<Output = Result<Option<String>, AwsError>>,
    landed: impl FnOnce() -> L,
) -> Result<JournalEntry, WorkflowError>
where
    L: Future<Output = Option<bool>>,
{
    if journal.find(&entry.id)?.is_some() {
        entry.id = new_entry_id();
    }
    journal.append(&entry)?;
    let result = call.await;
    entry.time = now_rfc3339();
    match result {
        Ok(version) => {
            if let (Some(version), Some(step)) = (version, entry.managed.as_mut()) {
                step.version_id = Some(version);
            }
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
            entry.error = Some(error.to_string());
            // The call may have reached IAM: look once where that can be told at once.
            if landed().await == Some(true) {
                entry.phase = Phase::Applied;
                entry.reconciled = Some("the reply was lost; IAM holds the document".into());
                record_after_write(journal, &entry)?;
                return Ok(entry);
            }
            entry.phase = Phase::Unknown;
            journal.append(&entry)?;
            let what = match &entry.managed {
                Some(_) => format!(
                    "step {} on managed policy {} for {} {} (journal entry {})",
                    entry.operation.name(),
                    entry.policy_name,
                    entry.target_type,
                    entry.target_name,
                    entry.id
                ),
                None => format!(
                    "the write of policy {} on {} {} (journal entry {})",
                    entry.policy_name, entry.target_type, entry.target_name, entry.id
                ),
            };
            Err(WorkflowError::Unknown {
                what,
                cause: error.to_string(),
                journal: journal.path().display().to_string(),
            })
        }
    }
}

/// The nothing-to-re-read check of [`journalled`]: the outcome stays unknown for `reconcile`.
pub(crate) async fn not_checked() -> Option<bool> {
    None
}

/// Journals `entry` as pending, writes `text` into its inline policy (or deletes the policy when
/// `entry.after` is None), and journals the outcome ([`journalled`], re-reading the policy when
/// the reply is lost).
pub(crate) async fn write_inline(
    session: &Session,
    writer: &Writer,
    journal: &Journal,
    entry: JournalEntry,
    text: &str,
) -> Result<JournalEntry, WorkflowError> {
    let (kind, name, policy) = (
        entry.target_type,
        entry.target_name.clone(),
        entry.policy_name.clone(),
    );
    let after = entry.after.clone();
    let call = async {
        match &after {
            Some(_) => writer.put_inline_policy(kind, &name, &policy, text).await,
            None => writer.delete_inline_policy(kind, &name, &policy).await,
        }
        .map(|()| None)
    };
    let landed = || async {
        session
            .get_inline_policy(kind, &name, &policy)
            .await
            .ok()
            .map(|now| now == after)
    };
    journalled(journal, entry, call, landed).await
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
