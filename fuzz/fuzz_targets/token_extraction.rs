//! Fuzz target: token extraction never panics, and what it returns is a valid token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restore_doctor::diagnosis::token::{MAX_TOKEN_LEN, extract_token};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(token) = extract_token(text)
    {
        assert!(!token.is_empty() && token.len() <= MAX_TOKEN_LEN);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
});
