//! restore-doctor: diagnose and fix AWS Backup restore jobs that fail with an encoded
//! authorization failure message.

pub mod aws;
pub mod cli;
pub mod diagnosis;
pub mod error;
pub mod logging;
pub mod sandbox;
pub mod tui;
pub mod workflow;
