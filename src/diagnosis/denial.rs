//! The one parser for every denial text restore-doctor accepts (`explain`, `decode`, `list`,
//! `fix --job/--token/--decoded`): an encoded token (bare, after AWS's marker, wrapped by a
//! terminal), a decoded message in every JSON form, a plain-text denial in every documented
//! form, or a hybrid (plain text *and* a token). Pure: what needs STS is returned as
//! [`Denial::Encoded`] for the caller to decode.

use serde_json::Value;

use super::decoded::{DecodedMessage, MAX_DECODED_LEN, ParseError};
use super::plain::{self, PlainDenial};
use super::token::{self, TokenError};

/// What a denial text holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Denial {
    /// A decoded message (JSON in any form): diagnosable offline.
    Decoded(DecodedMessage),
    /// An encoded token, which only STS can decode, and the plain-text denial around it when the
    /// text is a hybrid (its policy type and ARN complete the decoded context).
    Encoded {
        /// The token.
        token: String,
        /// The plain-text denial in the same text, if any.
        text: Option<PlainDenial>,
    },
    /// A plain-text denial, as the decoded-message model (`source: plain_text`).
    PlainText(DecodedMessage),
}

/// Why a text is not a denial restore-doctor can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DenialError {
    /// Too large to be a denial.
    #[error("input is {0} bytes; a denial message is at most 1 MiB")]
    TooLarge(usize),
    /// `aws backup describe-restore-job` output, not a message.
    #[error(
        "this is a restore job (describe-restore-job output){}: run `restore-doctor fix --job {}` (or `restore-doctor decode` on its StatusMessage)",
        job_id.as_deref().map(|id| format!(" {id}")).unwrap_or_default(),
        job_id.as_deref().unwrap_or("ID")
    )]
    RestoreJob {
        /// Its `RestoreJobId`.
        job_id: Option<String>,
    },
    /// The marker is there but the token is unusable.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// JSON that is not a decoded message (or not JSON at all).
    #[error(transparent)]
    Decoded(ParseError),
    /// Text holding no denial at all; the sentence says what it is instead.
    #[error("{0}")]
    NotADenial(String),
}

/// Reads any denial text.
pub fn parse_denial(text: &str) -> Result<Denial, DenialError> {
    if text.len() > MAX_DECODED_LEN {
        return Err(DenialError::TooLarge(text.len()));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    let mut json_error = None;
    if text.starts_with(['{', '[', '"']) {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) if object.contains_key("RestoreJobId") => {
                return Err(DenialError::RestoreJob {
                    job_id: object
                        .get("RestoreJobId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
            Ok(value) => match DecodedMessage::from_value(value) {
                Ok(message) => return Ok(Denial::Decoded(message)),
                // A JSON string or object that carries a token or a sentence: read it as text.
                Err(e) => json_error = Some(e),
            },
            Err(_) => {
                json_error = DecodedMessage::parse(text).err();
            }
        }
    }
    let text_denial = plain::parse_plain(text);
    match token::extract_token(text) {
        Ok(token) => {
            return Ok(Denial::Encoded {
                token,
                text: text_denial,
            });
        }
        Err(TokenError::NotFound) => {}
        Err(e) if text_denial.is_none() => return Err(DenialError::Token(e)),
        Err(_) => {}
    }
    if let Some(denial) = text_denial {
        return Ok(Denial::PlainText(DecodedMessage::from_plain(&denial)));
    }
    match json_error {
        Some(ParseError::EncodedTokenGiven) | None => {
            Err(DenialError::NotADenial(not_a_denial_sentence(text)))
        }
        Some(e) => Err(DenialError::Decoded(e)),
    }
}

/// What a failed restore's status message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// An encoded authorization failure message (decode it through STS).
    EncodedDenial,
    /// A plain-text permission failure (readable without STS).
    PlainTextDenial,
    /// Not a permissions problem (capacity, quotas, a resource that already exists, …).
    NotPermissions,
    /// AWS gave no status message.
    NoMessage,
}

/// A restore job's status message, classified for `list` and `fix --job`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The denied action, when the text names it.
    pub action: Option<String>,
    /// One sentence, for failures that are not a permissions problem.
    pub explanation: Option<String>,
}

/// Classifies a restore job's status message.
pub fn classify_status_message(message: Option<&str>) -> JobFailure {
    let Some(text) = message.filter(|m| !m.trim().is_empty()) else {
        return JobFailure {
            kind: FailureKind::NoMessage,
            action: None,
            explanation: Some("AWS Backup gave no status message for this job".into()),
        };
    };
    match parse_denial(text) {
        Ok(Denial::Encoded { text, .. }) => JobFailure {
            kind: FailureKind::EncodedDenial,
            action: text.and_then(|t| t.action),
            explanation: None,
        },
        Ok(Denial::PlainText(m)) | Ok(Denial::Decoded(m)) => JobFailure {
            kind: FailureKind::PlainTextDenial,
            action: (!m.action.is_empty()).then_some(m.action),
            explanation: None,
        },
        Err(_) => JobFailure {
            kind: FailureKind::NotPermissions,
            action: None,
            explanation: Some(not_a_denial_sentence(text)),
        },
    }
}

/// One sentence saying what a non-permission failure is about.
pub fn not_a_denial_sentence(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let what = if lower.contains("capacity") {
        "AWS reports insufficient capacity: try again later, in another Availability Zone or with another instance type"
    } else if ["limit exceeded", "limitexceeded", "quota", "too many"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "a service quota was reached: raise the quota (Service Quotas) or remove unused resources, then re-run the restore"
    } else if ["already exists", "alreadyexists", "already in use"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "a resource with the restore's name already exists: choose another name in the restore metadata or remove the existing resource"
    } else {
        "the message names no denied permission, so there is nothing restore-doctor can fix"
    };
    let quoted: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let quoted: String = quoted.chars().take(160).collect();
    format!("Not a permissions problem: {what} (AWS said: \"{quoted}\")")
}

#[cfg(test)]
mod tests;
