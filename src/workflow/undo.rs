//! Undo: put a journalled before-image back exactly (delete the policy when there was none);
//! a managed-policy fix is undone by `managed.rs`.

use super::WorkflowError;
use super::apply::write_journalled;
use super::journal::{Journal, JournalEntry, Operation, Phase, new_entry_id, now_rfc3339};
use crate::aws::{Session, Writer};

/// Which entry to undo.
pub fn undo_target(journal: &Journal, entry: Option<&str>) -> Result<JournalEntry, WorkflowError> {
    let found = match entry {
        Some(id) => journal.find(id)?,
        None => journal.last_undoable()?,
    };
    let Some(found) = found else {
        return Err(WorkflowError::Refused(match entry {
            Some(id) => format!("no journal entry {id} in {}", journal.path().display()),
            None => format!("nothing to undo in {}", journal.path().display()),
        }));
    };
    if found.phase != Phase::Applied {
        return Err(WorkflowError::Refused(format!(
            "journal entry {} was not applied; nothing to undo",
            found.id
        )));
    }
    Ok(found)
}

/// Restores `entry`'s before-image; refuses if the policy was changed since that write.
pub async fn undo(
    session: &Session,
    writer: &Writer,
    journal: &Journal,
    entry: &JournalEntry,
) -> Result<String, WorkflowError> {
    let _lock = journal
        .lock_target(&entry.account, entry.target_type, &entry.target_name)
        .await?;
    if let Some(step) = &entry.managed {
        return super::managed::undo(session, writer, journal, entry, step).await;
    }
    let now = session
        .get_inline_policy(entry.target_type, &entry.target_name, &entry.policy_name)
        .await?;
    if now != entry.after {
        return Err(WorkflowError::Refused(format!(
            "policy {} on {} changed after restore-doctor wrote it: not undoing over someone else's change",
            entry.policy_name, entry.target_name
        )));
    }
    let record = JournalEntry {
        id: new_entry_id(),
        time: now_rfc3339(),
        phase: Phase::Pending,
        operation: Operation::Undo,
        before: now,
        after: entry.before.clone(),
        undoes: Some(entry.id.clone()),
        error: None,
        reconciled: None,
        ..entry.clone()
    };
    let text = entry
        .before
        .as_ref()
        .map(|before| serde_json::to_string_pretty(before).unwrap_or_default())
        .unwrap_or_default();
    write_journalled(session, writer, journal, record, &text).await?;
    Ok(match entry.before {
        Some(_) => format!(
            "Policy {} on {} {} is back as it was before {}",
            entry.policy_name, entry.target_type, entry.target_name, entry.time
        ),
        None => format!(
            "Deleted policy {} from {} {}: it did not exist before {}",
            entry.policy_name, entry.target_type, entry.target_name, entry.time
        ),
    })
}
