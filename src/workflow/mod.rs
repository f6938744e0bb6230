//! The steps shared by the CLI and the TUI: list, decode, preview, apply, verify, rerun, undo,
//! export; and the journal.

mod apply;
pub mod case;
mod decode;
mod digest;
mod error;
mod export;
pub mod journal;
mod listing;
mod managed;
mod policy_checks;
mod reconcile;
mod restore;
mod types;
mod undo;
mod verify;
mod write_ahead;

pub use crate::diagnosis::token::encoded_message_in;
pub use apply::apply_fix;
pub use case::{Case, CaseSummary, CaseTarget, build_case, preview_fix};
pub use decode::{
    DecodeOutcome, Decoded, decode_jobs, decode_jobs_in_order, decode_token, decode_tokens,
    list_failed_jobs, with_status_text,
};
pub use digest::sha256_hex;
pub use error::{SharedError, WorkflowError, WorkflowErrorKind};
pub use export::{
    CaseExport, ExportTarget, export_case, export_fix, export_plan, export_target, fix_document,
    owner_change_text,
};
pub use journal::Journal;
pub use listing::{StatusFilter, list_jobs};
pub use managed::{MANAGED_POLICY_QUOTA, managed_policy_name};
pub use policy_checks::PolicyChecks;
pub use reconcile::{Reconciled, Resolution, reconcile};
pub use restore::{
    MetadataChange, PROPAGATION_TIMEOUT, Propagation, RerunOptions, RerunPlan, fix_written_for,
    follow_job, job_progress, normalise_metadata, plan_rerun, start_planned, start_rerun,
    wait_until_allowed,
};
pub use types::*;
pub use undo::{undo, undo_target, undo_target_where};
pub use verify::{prove, verify};
