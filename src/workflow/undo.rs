//! Undo: put a journalled before-image back exactly (delete the policy when there was none);
//! a managed-policy fix is undone by `managed.rs`.

use super::WorkflowError;
use super::journal::{Journal, JournalEntry, Operation, Phase, new_entry_id, now_rfc3339};
use super::write_ahead::write_inline;
use crate::aws::{Session, Writer};

/// Which entry to undo: `entry` by ID, else the newest undoable entry of `account` (the
/// credentials' account: a journal shared by several accounts never offers another's).
pub fn undo_target(
    journal: &Journal,
    entry: Option<&str>,
    account: &str,
) -> Result<JournalEntry, WorkflowError> {
    let found = match entry {
        Some(id) => journal.find(id)?,
        None => journal.last_undoable(account)?,
    };
    let Some(found) = found else {
        return Err(WorkflowError::Refused(match entry {
            Some(id) => format!("no journal entry {id} in {}", journal.path().display()),
            None => format!(
                "nothing to undo for account {account} in {}",
                journal.path().display()
            ),
        }));
    };
    checked(found, account)
}

/// The newest undoable entry of `account` for which `wanted` holds (the UI: the selected
/// job's, or its role's).
pub fn undo_target_where(
    journal: &Journal,
    account: &str,
    wanted: impl Fn(&JournalEntry) -> bool,
    nothing: &str,
) -> Result<JournalEntry, WorkflowError> {
    match journal.last_undoable_where(|e| e.site.account == account && wanted(e))? {
        Some(found) => checked(found, account),
        None => Err(WorkflowError::Refused(nothing.to_string())),
    }
}

/// Refuses an entry that was not applied, or that was written to another account than the
/// credentials'.
fn checked(found: JournalEntry, account: &str) -> Result<JournalEntry, WorkflowError> {
    if found.site.account != account {
        return Err(WorkflowError::Refused(format!(
            "journal entry {} was written to account {} and these credentials are for account {account}: run undo with credentials for {}",
            found.id, found.site.account, found.site.account
        )));
    }
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
        .lock_target(&entry.site.account, entry.target_type, &entry.target_name)
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
    write_inline(session, writer, journal, record, &text).await?;
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
