//! The journal: one JSON line per IAM write, with its before-image, written and fsynced before
//! the call so every change can be undone exactly. It never holds credentials; decoded messages
//! are only summarised. The file is created 0600 in a 0700 directory (it holds whole policy
//! documents), a line that cannot be read is skipped and reported rather than hiding every
//! later line, and writers to one target on this machine take a lock file next to it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnosis::{Site, TargetType};

/// Where a write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Recorded before the IAM call; no outcome recorded yet (a crash leaves it here).
    Pending,
    /// The IAM call succeeded (or reconciling found its document in IAM).
    Applied,
    /// IAM answered with an error: the write did not happen.
    Failed,
    /// The call's outcome is not known (a timeout, a lost reply): IAM may hold the document.
    Unknown,
    /// Reconciling found the write did not take effect.
    NotApplied,
}

impl Phase {
    /// True while the write's outcome still has to be reconciled with IAM.
    pub fn is_unresolved(self) -> bool {
        matches!(self, Phase::Pending | Phase::Unknown)
    }
}

/// What a journalled write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Wrote a fix into an inline policy.
    Fix,
    /// Put a before-image back (or deleted a policy that did not exist before).
    Undo,
    /// Created the customer-managed policy a fix went into (the inline quota was full).
    CreatePolicy,
    /// Added a version (made default) to that managed policy.
    CreatePolicyVersion,
    /// Deleted a managed policy version: the oldest non-default one to make room for a sixth,
    /// or, in an undo, the version a fix created.
    DeletePolicyVersion,
    /// Made a managed policy version the default again (an undo).
    SetDefaultPolicyVersion,
    /// Deleted the managed policy a fix created (an undo).
    DeletePolicy,
    /// Attached the managed policy to the target.
    AttachPolicy,
    /// Detached the managed policy from the target (an undo).
    DetachPolicy,
}

impl Operation {
    /// The name the journal writes (`fix`, `create_policy_version`, …).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Fix => "fix",
            Operation::Undo => "undo",
            Operation::CreatePolicy => "create_policy",
            Operation::CreatePolicyVersion => "create_policy_version",
            Operation::DeletePolicyVersion => "delete_policy_version",
            Operation::SetDefaultPolicyVersion => "set_default_policy_version",
            Operation::DeletePolicy => "delete_policy",
            Operation::AttachPolicy => "attach_policy",
            Operation::DetachPolicy => "detach_policy",
        }
    }

    /// True for the steps of a fix that `undo` reverts (inline or managed).
    pub fn is_undoable_fix(self) -> bool {
        matches!(
            self,
            Operation::Fix
                | Operation::CreatePolicy
                | Operation::CreatePolicyVersion
                | Operation::AttachPolicy
        )
    }
}

/// The before-image of a fix written into a customer-managed policy (the inline quota was
/// full), carried by each of its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedStep {
    /// The managed policy's ARN.
    pub policy_arn: String,
    /// Whether the policy existed before the fix.
    pub existed: bool,
    /// Its default version before the fix (None: it did not exist).
    pub previous_default_version: Option<String>,
    /// Whether it was attached to the target before the fix.
    pub was_attached: bool,
    /// The version this step created, deleted or made default (once known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The ID of the fix's first entry: every step of one fix (and of its undo) shares it.
    pub group: String,
}

/// The journal's line format: 2 since lines carry their site (a partition beside the account
/// and region); a line without `version` is a version-1 line, read as partition `aws`.
pub const JOURNAL_VERSION: u32 = 2;

fn version_one() -> u32 {
    1
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The line format ([`JOURNAL_VERSION`] for lines written now).
    #[serde(default = "version_one")]
    pub version: u32,
    /// Entry ID (shared by its pending and final lines).
    pub id: String,
    /// RFC 3339 time.
    pub time: String,
    /// pending, applied or failed.
    pub phase: Phase,
    /// `fix` or `undo`.
    pub operation: Operation,
    /// Where the write went: the account written to and the region of the session
    /// (`partition`, `account`, `region` in the line).
    #[serde(flatten)]
    pub site: Site,
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
    /// How the outcome was established when it was reconciled with IAM afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<String>,
    /// For a managed-policy step: the policy, its before-image and the step's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<ManagedStep>,
}

/// What reading the journal found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalRead {
    /// Every readable line, in order.
    pub lines: Vec<JournalEntry>,
    /// Line numbers (1-based) that could not be read (not UTF-8, not JSON, not an entry).
    pub skipped: Vec<usize>,
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
    /// Another restore-doctor on this machine holds the target's lock for too long.
    #[error(
        "another restore-doctor is writing to {target} (lock file {path}); wait for it to finish and try again"
    )]
    Busy {
        /// The target.
        target: String,
        /// The lock file.
        path: String,
    },
}

/// Exclusive right to write one target's policies from this machine; released on drop.
#[derive(Debug)]
pub struct TargetLock {
    file: File,
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// How long a writer waits for another writer's lock on the same target.
const LOCK_WAIT: Duration = Duration::from_secs(120);

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

    /// The demo's journal, `demo/journal.jsonl` in the default journal's directory.
    pub fn demo_path() -> Result<PathBuf, JournalError> {
        let default = Self::default_path()?;
        Ok(default.with_file_name("demo").join("journal.jsonl"))
    }

    /// Empties the journal (the demo's, whose sandbox starts afresh each time).
    pub fn clear(&self) -> Result<(), JournalError> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io_error(e)),
            _ => Ok(()),
        }
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

    /// Creates the journal's directory (0700) if needed.
    fn ensure_dir(&self) -> Result<(), JournalError> {
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        if dir.is_dir() {
            return Ok(());
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| self.io_error(e))
    }

    /// Appends one line and fsyncs it (the file is created 0600).
    pub fn append(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        self.ensure_dir()?;
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(|e| self.io_error(e))?;
        let mut line = serde_json::to_string(entry).map_err(|e| self.io_error(e.into()))?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(|e| self.io_error(e))?;
        file.sync_all().map_err(|e| self.io_error(e))
    }

    /// Every line, with the numbers of those that could not be read.
    pub fn read(&self) -> Result<JournalRead, JournalError> {
        let mut bytes = Vec::new();
        match File::open(&self.path) {
            Ok(mut file) => file.read_to_end(&mut bytes).map_err(|e| self.io_error(e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JournalRead::default()),
            Err(e) => return Err(self.io_error(e)),
        };
        let mut read = JournalRead::default();
        for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<JournalEntry>(line) {
                Ok(entry) => read.lines.push(entry),
                Err(_) => read.skipped.push(index + 1),
            }
        }
        if !read.skipped.is_empty() {
            tracing::warn!(path = %self.path.display(), lines = ?read.skipped, "unreadable journal lines skipped");
        }
        Ok(read)
    }

    /// Every readable line, in order (unreadable lines are skipped; [`Journal::read`] says which).
    pub fn lines(&self) -> Result<Vec<JournalEntry>, JournalError> {
        Ok(self.read()?.lines)
    }

    /// Takes the lock for writing `target` `name` in `account` from this machine: a lock file
    /// next to the journal, held until the returned guard is dropped. Waits (up to two
    /// minutes) while another restore-doctor holds it.
    pub async fn lock_target(
        &self,
        account: &str,
        target: TargetType,
        name: &str,
    ) -> Result<TargetLock, JournalError> {
        self.lock_target_within(account, target, name, LOCK_WAIT)
            .await
    }

    /// [`Journal::lock_target`], waiting at most `wait`.
    pub async fn lock_target_within(
        &self,
        account: &str,
        target: TargetType,
        name: &str,
        wait: Duration,
    ) -> Result<TargetLock, JournalError> {
        self.ensure_dir()?;
        let safe: String = format!("{account}-{target}-{name}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.path.with_file_name(format!(".{safe}.lock"));
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| self.io_error(e))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(TargetLock { file }),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(JournalError::Busy {
                        target: format!("{target} {name}"),
                        path: path.display().to_string(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(self.io_error(e)),
            }
        }
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

    /// The newest applied write to `account` that has not been undone (undos themselves can
    /// be undone): a journal used against several accounts never offers another account's.
    pub fn last_undoable(&self, account: &str) -> Result<Option<JournalEntry>, JournalError> {
        self.last_undoable_where(|e| e.site.account == account)
    }

    /// The newest applied, not undone write for which `wanted` holds.
    pub fn last_undoable_where(
        &self,
        wanted: impl Fn(&JournalEntry) -> bool,
    ) -> Result<Option<JournalEntry>, JournalError> {
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
                    && e.operation.is_undoable_fix()
                    && !undone.contains(&e.id.as_str())
                    && wanted(e)
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
    use serde_json::json;

    fn entry(id: &str, phase: Phase, op: Operation, undoes: Option<&str>) -> JournalEntry {
        JournalEntry {
            id: id.into(),
            time: now_rfc3339(),
            phase,
            operation: op,
            version: JOURNAL_VERSION,
            site: Site::new("1", "us-east-1"),
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
            reconciled: None,
            managed: None,
        }
    }

    #[test]
    fn last_undoable_skips_failed_and_undone() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("sub/journal.jsonl"));
        assert_eq!(journal.last_undoable("1").unwrap(), None);
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
        assert_eq!(journal.last_undoable("1").unwrap().unwrap().id, "1");
        journal
            .append(&entry("3", Phase::Applied, Operation::Undo, Some("1")))
            .unwrap();
        assert_eq!(journal.last_undoable("1").unwrap(), None);
        assert_eq!(journal.entries().unwrap().len(), 3);
        assert_eq!(journal.lines().unwrap().len(), 5);
    }

    #[test]
    fn version_one_lines_are_read_with_their_site_and_new_lines_are_version_two() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("journal.jsonl"));
        let mut old =
            serde_json::to_value(entry("1", Phase::Applied, Operation::Fix, None)).unwrap();
        let map = old.as_object_mut().unwrap();
        map.remove("version");
        map.remove("partition");
        std::fs::write(journal.path(), format!("{old}\n")).unwrap();
        journal
            .append(&entry("2", Phase::Applied, Operation::Fix, None))
            .unwrap();
        let lines = journal.lines().unwrap();
        assert_eq!(lines[0].version, 1);
        assert_eq!(lines[0].site, Site::new("1", "us-east-1"));
        assert_eq!(lines[1].version, JOURNAL_VERSION);
        let written = std::fs::read_to_string(journal.path()).unwrap();
        let last: Value = serde_json::from_str(written.lines().last().unwrap()).unwrap();
        assert_eq!(
            (
                &last["version"],
                &last["partition"],
                &last["account"],
                &last["region"]
            ),
            (&json!(2), &json!("aws"), &json!("1"), &json!("us-east-1"))
        );
        // Another account's entries are never the last undoable of this one.
        assert_eq!(journal.last_undoable("2").unwrap(), None);
    }

    #[test]
    fn an_unreadable_line_hides_nothing_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("journal.jsonl"));
        journal
            .append(&entry("1", Phase::Applied, Operation::Fix, None))
            .unwrap();
        // Invalid UTF-8, then a torn line, then a newer fix.
        let mut file = OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap();
        file.write_all(b"\xff\xfe not utf-8\n{\"id\":\"torn\n")
            .unwrap();
        journal
            .append(&entry("2", Phase::Applied, Operation::Fix, None))
            .unwrap();
        let read = journal.read().unwrap();
        assert_eq!(read.skipped, [2, 3]);
        assert_eq!(journal.last_undoable("1").unwrap().unwrap().id, "2");
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("state/restore-doctor/journal.jsonl"));
        journal
            .append(&entry("1", Phase::Pending, Operation::Fix, None))
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(journal.path()), 0o600);
        assert_eq!(mode(journal.path().parent().unwrap()), 0o700);
    }

    #[tokio::test]
    async fn one_writer_per_target_on_this_machine() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("journal.jsonl"));
        let held = journal
            .lock_target("1", TargetType::Role, "R")
            .await
            .unwrap();
        let other = journal.clone();
        let waiter = tokio::spawn(async move {
            other
                .lock_target("1", TargetType::Role, "R")
                .await
                .map(drop)
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiter.is_finished(), "the second writer waits");
        // Another target is not blocked.
        journal
            .lock_target("1", TargetType::Role, "Other")
            .await
            .unwrap();
        drop(held);
        waiter.await.unwrap().unwrap();
    }
}
