//! Turning any text a user gives (`explain`, `decode`, `fix --token/--decoded`, `export
//! --decoded`) or a job's status message (`fix --job`) into a decoded message, through the one
//! parser (`diagnosis::denial`); only an encoded token needs STS.

use super::Connection;
use crate::diagnosis::DecodedMessage;
use crate::diagnosis::decoded::ParseError;
use crate::diagnosis::denial::{self, Denial, DenialError};
use crate::error::AppError;
use crate::workflow;

/// A message ready to diagnose, and where it came from.
pub struct Resolved {
    /// The message (decoded, or the model of a plain-text denial).
    pub message: DecodedMessage,
    /// The encoded token, when STS decoded one (the journal keeps its SHA-256).
    pub token: Option<String>,
    /// Offline, a hybrid was diagnosed from its text alone: its token was not decoded.
    pub token_not_decoded: bool,
}

/// One line for a text that holds no usable denial.
pub fn input_error(error: DenialError) -> AppError {
    AppError::bad_input(error.to_string())
}

/// Reads `text` without AWS: a decoded message, a plain-text denial, or a hybrid read from its
/// text (a bare token is refused with the pointer to `decode`).
pub fn resolve_offline(text: &str) -> Result<Resolved, AppError> {
    offline(denial::parse_denial(text).map_err(input_error)?)
}

fn offline(denial: Denial) -> Result<Resolved, AppError> {
    match denial {
        Denial::Decoded(message) | Denial::PlainText(message) => Ok(Resolved {
            message,
            token: None,
            token_not_decoded: false,
        }),
        Denial::Encoded { text, .. } => match text.filter(|t| t.action.is_some()) {
            Some(text) => Ok(Resolved {
                message: DecodedMessage::from_plain(&text),
                token: None,
                token_not_decoded: true,
            }),
            None => Err(AppError::bad_input(
                ParseError::EncodedTokenGiven.to_string(),
            )),
        },
    }
}

/// Reads `text`, decoding a token through STS (a hybrid keeps its text's policy type and ARN).
pub async fn resolve_text(connection: &Connection, text: &str) -> Result<Resolved, AppError> {
    match denial::parse_denial(text).map_err(input_error)? {
        Denial::Encoded { token, text } => {
            let (message, _) = workflow::decode_token(&connection.session, &token).await?;
            Ok(Resolved {
                message: message.decoded_from_token(text),
                token: Some(token),
                token_not_decoded: false,
            })
        }
        other => offline(other),
    }
}

/// The note added when a hybrid was read offline from its text alone.
pub const HYBRID_OFFLINE_NOTE: &str = "The message also carries an encoded token: `restore-doctor decode` decodes it through STS for the full context (condition keys, matched statements).";
