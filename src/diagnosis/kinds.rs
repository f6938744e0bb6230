//! The domain's enumerations: one type per concept, turned into text only at the edges (JSON
//! output, the journal, the wire). Code compares these, never their spellings.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whose policy a fix goes into. A new kind of target (an IAM Identity Center permission set)
/// is a new variant here, and the compiler then lists every place that must handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    /// An IAM role (also for an assumed-role session).
    Role,
    /// An IAM user.
    User,
}

impl TargetType {
    /// `role` or `user`: the JSON and journal spelling, and the word in sentences.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Role => "role",
            TargetType::User => "user",
        }
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which text a diagnosis was made from (the `source` field of the `explain` contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialSource {
    /// An encoded authorization failure message, decoded through STS.
    Encoded,
    /// A decoded message given as JSON.
    #[default]
    Decoded,
    /// A plain-text access-denied message (no token).
    PlainText,
}

/// What local evaluation said about a fix (the `local_verification` field of a fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum LocalVerification {
    /// The decoded request would be allowed with the fix.
    Allowed,
    /// It would still not be allowed.
    NotAllowed,
    /// The request could not be evaluated (e.g. a redacted account ID): no verdict either way.
    NotDone {
        /// Why.
        reason: String,
    },
}

/// A restore job's status, as AWS Backup's `RestoreJobStatus` enum has it. A status AWS adds
/// later is kept verbatim as [`RestoreJobStatus::Other`] rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RestoreJobStatus {
    /// `PENDING`.
    Pending,
    /// `RUNNING`.
    Running,
    /// `COMPLETED`.
    Completed,
    /// `ABORTED`.
    Aborted,
    /// `FAILED`.
    Failed,
    /// Anything else AWS sends (kept as sent; empty when AWS sent none).
    Other(String),
}

impl RestoreJobStatus {
    /// AWS's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            RestoreJobStatus::Pending => "PENDING",
            RestoreJobStatus::Running => "RUNNING",
            RestoreJobStatus::Completed => "COMPLETED",
            RestoreJobStatus::Aborted => "ABORTED",
            RestoreJobStatus::Failed => "FAILED",
            RestoreJobStatus::Other(text) => text,
        }
    }

    /// Parses AWS's spelling (exact, as the API sends it).
    pub fn parse(text: &str) -> RestoreJobStatus {
        match text {
            "PENDING" => RestoreJobStatus::Pending,
            "RUNNING" => RestoreJobStatus::Running,
            "COMPLETED" => RestoreJobStatus::Completed,
            "ABORTED" => RestoreJobStatus::Aborted,
            "FAILED" => RestoreJobStatus::Failed,
            other => RestoreJobStatus::Other(other.to_string()),
        }
    }

    /// True once the job has ended (COMPLETED, FAILED, ABORTED).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RestoreJobStatus::Completed | RestoreJobStatus::Failed | RestoreJobStatus::Aborted
        )
    }
}

impl fmt::Display for RestoreJobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RestoreJobStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RestoreJobStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(RestoreJobStatus::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_aws_spelling() {
        for text in [
            "PENDING",
            "RUNNING",
            "COMPLETED",
            "ABORTED",
            "FAILED",
            "PARTIAL",
        ] {
            let status = RestoreJobStatus::parse(text);
            assert_eq!(status.as_str(), text);
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<RestoreJobStatus>(&json).unwrap(),
                status
            );
        }
        assert_eq!(
            RestoreJobStatus::parse("PARTIAL"),
            RestoreJobStatus::Other("PARTIAL".into())
        );
        assert!(RestoreJobStatus::Aborted.is_terminal());
        assert!(!RestoreJobStatus::Running.is_terminal());
        assert!(!RestoreJobStatus::Other("PARTIAL".into()).is_terminal());
    }

    #[test]
    fn target_types_serialise_as_before() {
        assert_eq!(
            serde_json::to_string(&TargetType::Role).unwrap(),
            "\"role\""
        );
        assert_eq!(
            serde_json::from_str::<TargetType>("\"user\"").unwrap(),
            TargetType::User
        );
        assert_eq!(TargetType::User.to_string(), "user");
    }
}
