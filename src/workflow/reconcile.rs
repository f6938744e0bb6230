//! Reconciling the journal with IAM: every write whose outcome was never recorded (`pending`,
//! left by a crash between the call and its journal line) or not known (`unknown`, a timeout or
//! a lost reply) is compared with what IAM holds now and resolved to `applied` or
//! `not_applied`, so an orphaned write can still be undone exactly from its before-image. Run
//! by `undo`, by `restore-doctor journal`, and when the terminal UI starts.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::WorkflowError;
use super::journal::{Journal, JournalEntry, Operation, Phase, now_rfc3339};
use crate::aws::Session;
use crate::diagnosis::evaluate::statements_of;
use crate::diagnosis::merge::equivalent;

/// What reconciling one entry found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Resolution {
    /// IAM holds what the write wrote: it took effect.
    Applied,
    /// IAM does not hold it: the write did not take effect.
    NotApplied,
    /// It could not be checked now, and stays as it was.
    Unchecked {
        /// Why.
        reason: String,
    },
}

/// One entry that needed reconciling and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciled {
    /// The entry's ID.
    pub id: String,
    /// Its phase before reconciling.
    pub was: Phase,
    /// What was found.
    pub resolution: Resolution,
}

/// Resolves every `pending` or `unknown` entry of the session's account against IAM, appending
/// the outcome to the journal. Entries of other accounts, and targets another restore-doctor on
/// this machine is writing right now, are left as they are and reported.
pub async fn reconcile(
    session: &Session,
    journal: &Journal,
) -> Result<Vec<Reconciled>, WorkflowError> {
    let unresolved: Vec<JournalEntry> = journal
        .entries()?
        .into_iter()
        .filter(|e| e.phase.is_unresolved())
        .collect();
    if unresolved.is_empty() {
        return Ok(Vec::new());
    }
    let (account, _) = session.caller_identity().await?;
    let mut report = Vec::new();
    for mut entry in unresolved {
        let was = entry.phase;
        let resolution = if entry.site.account != account {
            Resolution::Unchecked {
                reason: format!(
                    "journalled for account {}, and these credentials are for {account}",
                    entry.site.account
                ),
            }
        } else {
            resolve(session, journal, &entry).await
        };
        let phase = match resolution {
            Resolution::Applied => Phase::Applied,
            Resolution::NotApplied => Phase::NotApplied,
            Resolution::Unchecked { .. } => {
                report.push(Reconciled {
                    id: entry.id,
                    was,
                    resolution,
                });
                continue;
            }
        };
        entry.phase = phase;
        entry.time = now_rfc3339();
        entry.reconciled = Some(format!(
            "was {}; IAM checked at {}",
            serde_json::to_value(was)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            entry.time
        ));
        journal.append(&entry)?;
        report.push(Reconciled {
            id: entry.id,
            was,
            resolution,
        });
    }
    Ok(report)
}

async fn resolve(session: &Session, journal: &Journal, entry: &JournalEntry) -> Resolution {
    // A writer on this machine may be mid-write on this target: do not judge its entry.
    let Ok(_lock) = journal
        .lock_target_within(
            &entry.site.account,
            entry.target_type,
            &entry.target_name,
            Duration::from_millis(200),
        )
        .await
    else {
        return Resolution::Unchecked {
            reason: "another restore-doctor is writing to this target right now".into(),
        };
    };
    if let Some(step) = &entry.managed {
        return match super::managed::landed(session, entry, step).await {
            Ok(true) => Resolution::Applied,
            Ok(false) => Resolution::NotApplied,
            Err(error) => Resolution::Unchecked {
                reason: error.to_string(),
            },
        };
    }
    match session
        .get_inline_policy(entry.target_type, &entry.target_name, &entry.policy_name)
        .await
    {
        Ok(current) if landed(entry, current.as_ref()) => Resolution::Applied,
        Ok(_) => Resolution::NotApplied,
        Err(error) => Resolution::Unchecked {
            reason: error.to_string(),
        },
    }
}

/// Whether IAM's `current` document shows `entry`'s write: it holds exactly the written
/// document (or, for a delete, no policy); for a fix, also when every statement the fix added
/// is there (another writer may have added more since).
pub fn landed(entry: &JournalEntry, current: Option<&Value>) -> bool {
    match (&entry.after, current) {
        (None, current) => current.is_none(),
        (Some(_), None) => false,
        (Some(after), Some(current)) if after == current => true,
        (Some(after), Some(current)) => {
            if entry.operation != Operation::Fix {
                return false;
            }
            let before: Vec<&Value> = entry.before.as_ref().map(statements_of).unwrap_or_default();
            let present = statements_of(current);
            let added: Vec<&Value> = statements_of(after)
                .into_iter()
                .filter(|s| !before.iter().any(|b| equivalent(b, s)))
                .collect();
            !added.is_empty()
                && added
                    .iter()
                    .all(|s| present.iter().any(|p| equivalent(p, s)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::TargetType;
    use serde_json::json;

    fn fix_entry(before: Option<Value>, after: Option<Value>) -> JournalEntry {
        JournalEntry {
            id: "1".into(),
            time: now_rfc3339(),
            phase: Phase::Pending,
            operation: Operation::Fix,
            version: crate::workflow::journal::JOURNAL_VERSION,
            site: crate::diagnosis::Site::new("1", "us-east-1"),
            target_type: TargetType::Role,
            target_name: "R".into(),
            target_arn: "arn:aws:iam::1:role/R".into(),
            policy_name: "P".into(),
            before,
            after,
            job_id: None,
            token_sha256: None,
            summary: None,
            undoes: None,
            error: None,
            reconciled: None,
            managed: None,
        }
    }

    fn doc(sids: &[&str]) -> Value {
        let statements: Vec<Value> = sids
            .iter()
            .map(|sid| json!({"Sid": sid, "Effect": "Allow", "Action": format!("s3:{sid}"), "Resource": "*"}))
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    #[test]
    fn a_fix_landed_when_its_statements_are_there() {
        let entry = fix_entry(Some(doc(&["A"])), Some(doc(&["A", "B"])));
        assert!(landed(&entry, Some(&doc(&["A", "B"]))));
        assert!(
            landed(&entry, Some(&doc(&["A", "B", "C"]))),
            "another writer added C since"
        );
        assert!(
            !landed(&entry, Some(&doc(&["A"]))),
            "still the before-image"
        );
        assert!(!landed(&entry, None));
        let delete = fix_entry(Some(doc(&["A"])), None);
        assert!(landed(&delete, None));
        assert!(!landed(&delete, Some(&doc(&["A"]))));
    }
}
