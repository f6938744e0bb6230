//! The journal: one JSON line per IAM write, with its before-image, written and fsynced before
//! the call so every change can be undone exactly. It never holds credentials; decoded messages
//! are only summarised.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnosis::TargetType;

/// Where a write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Recorded before the IAM call.
    Pending,
    /// The IAM call succeeded.
    Applied,
    /// The IAM call failed.
    Failed,
}

/// What a journalled write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Wrote a fix into an inline policy.
    Fix,
    /// Put a before-image back (or deleted a policy that did not exist before).
    Undo,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Entry ID (shared by its pending and final lines).
    pub id: String,
    /// RFC 3339 time.
    pub time: String,
    /// pending, applied or failed.
    pub phase: Phase,
    /// `fix` or `undo`.
    pub operation: Operation,
    /// The account written to.
    pub account: String,
    /// The region of the session.
    pub region: String,
    /// `role` or `user`.
    pub target_type: TargetType,
    /// The role or user name.
    pub target_name: String,
    /// Its ARN.
    pub target_arn: String,
    /// The inline policy.
    pub policy_name: String,
    /// The document before the write (None: the policy did not exist).
    pub before: Option<Value>,
    /// The document after the write (None: the policy is deleted).
    pub after: Option<Value>,
    /// The restore job the fix was for.
    pub job_id: Option<String>,
    /// SHA-256 of the encoded message it fixed (never the message itself).
    pub token_sha256: Option<String>,
    /// The diagnosis sentence.
    pub summary: Option<String>,
    /// For an undo: the entry it reverted.
    pub undoes: Option<String>,
    /// For a failure: the one-line error.
    pub error: Option<String>,
}

/// Journal errors.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Could not write or read the file.
    #[error("journal {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No state directory could be found.
    #[error("no state directory for the journal: set XDG_STATE_HOME or pass --journal PATH")]
    NoStateDir,
}

/// The journal file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// A journal at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `$XDG_STATE_HOME/restore-doctor/journal.jsonl` (or `~/.local/state/…`).
    pub fn default_path() -> Result<PathBuf, JournalError> {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(dirs::state_dir)
            .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
            .ok_or(JournalError::NoStateDir)?;
        Ok(base.join("restore-doctor").join("journal.jsonl"))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, source: std::io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Appends one line and fsyncs it.
    pub fn append(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io_error(e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.io_error(e))?;
        let mut line = serde_json::to_string(entry).map_err(|e| self.io_error(e.into()))?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(|e| self.io_error(e))?;
        file.sync_all().map_err(|e| self.io_error(e))
    }

    /// Every line, in order (unreadable lines are skipped).
    pub fn lines(&self) -> Result<Vec<JournalEntry>, JournalError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io_error(e)),
        };
        Ok(BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect())
    }

    /// The final state of each entry, in the order entries were started.
    pub fn entries(&self) -> Result<Vec<JournalEntry>, JournalError> {
        let mut out: Vec<JournalEntry> = Vec::new();
        for line in self.lines()? {
            match out.iter_mut().find(|e| e.id == line.id) {
                Some(existing) => *existing = line,
                None => out.push(line),
            }
        }
        Ok(out)
    }

    /// The newest applied write that has not been undone (undos themselves can be undone).
    pub fn last_undoable(&self) -> Result<Option<JournalEntry>, JournalError> {
        let entries = self.entries()?;
        let undone: Vec<&str> = entries
            .iter()
            .filter(|e| e.phase == Phase::Applied)
            .filter_map(|e| e.undoes.as_deref())
            .collect();
        Ok(entries
            .iter()
            .rev()
            .find(|e| {
                e.phase == Phase::Applied
                    && e.operation == Operation::Fix
                    && !undone.contains(&e.id.as_str())
            })
            .cloned())
    }

    /// An applied entry by ID.
    pub fn find(&self, id: &str) -> Result<Option<JournalEntry>, JournalError> {
        Ok(self.entries()?.into_iter().find(|e| e.id == id))
    }
}

/// A new entry ID: time plus randomness, sortable.
pub fn new_entry_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{}-{:08x}",
        now.unix_timestamp_nanos(),
        rand::random::<u32>()
    )
}

/// Now, RFC 3339.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, phase: Phase, op: Operation, undoes: Option<&str>) -> JournalEntry {
        JournalEntry {
            id: id.into(),
            time: now_rfc3339(),
            phase,
            operation: op,
            account: "1".into(),
            region: "us-east-1".into(),
            target_type: TargetType::Role,
            target_name: "R".into(),
            target_arn: "arn".into(),
            policy_name: "P".into(),
            before: None,
            after: Some(serde_json::json!({"a": 1})),
            job_id: None,
            token_sha256: None,
            summary: None,
            undoes: undoes.map(str::to_string),
            error: None,
        }
    }

    #[test]
    fn last_undoable_skips_failed_and_undone() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("sub/journal.jsonl"));
        assert_eq!(journal.last_undoable().unwrap(), None);
        journal
            .append(&entry("1", Phase::Pending, Operation::Fix, None))
            .unwrap();
        journal
            .append(&entry("1", Phase::Applied, Operation::Fix, None))
            .unwrap();
        journal
            .append(&entry("2", Phase::Pending, Operation::Fix, None))
            .unwrap();
        journal
            .append(&entry("2", Phase::Failed, Operation::Fix, None))
            .unwrap();
        assert_eq!(journal.last_undoable().unwrap().unwrap().id, "1");
        journal
            .append(&entry("3", Phase::Applied, Operation::Undo, Some("1")))
            .unwrap();
        assert_eq!(journal.last_undoable().unwrap(), None);
        assert_eq!(journal.entries().unwrap().len(), 3);
        assert_eq!(journal.lines().unwrap().len(), 5);
    }
}
