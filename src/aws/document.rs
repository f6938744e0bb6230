//! Policy documents as IAM returns them: URL-encoded JSON.

use serde_json::Value;

use super::error::{AwsError, AwsErrorKind};

/// A policy document as IAM returns it (URL-encoded JSON), parsed.
pub(super) fn url_decoded_json(text: &str) -> Result<Value, AwsError> {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| {
            AwsError::new(
                AwsErrorKind::Other,
                format!("IAM returned a policy document that is not JSON: {e}"),
            )
        })
}
