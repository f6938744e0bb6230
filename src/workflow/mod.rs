//! The steps shared by the CLI and the TUI: list, decode, preview, apply, verify, rerun, undo,
//! export; and the journal.

pub mod types;

pub use types::*;
