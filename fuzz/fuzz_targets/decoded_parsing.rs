//! Fuzz target: decoded-message parsing and diagnosis never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restore_doctor::diagnosis::{DecodedMessage, Scope, diagnose};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(message) = DecodedMessage::parse(text)
    {
        let _ = diagnose(&message, Scope::Exact);
        let _ = diagnose(&message, Scope::Account);
    }
});
