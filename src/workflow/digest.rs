//! Fingerprints: a plan's document is checked again just before its write, and a policy read
//! at the preview is compared with the one read at the write.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// SHA-256 in hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text a current document is fingerprinted by (compact, key order as IAM returned it).
pub(crate) fn fingerprint(document: Option<&Value>) -> String {
    document
        .map(|d| sha256_hex(&d.to_string()))
        .unwrap_or_default()
}
