//! The command-line tests: the real binary against the sandbox, moto's server and the IAM oracle.
//! One test crate (it links the AWS SDK once instead of once per file).

#[path = "../common/mod.rs"]
mod common;
#[path = "../moto_support/mod.rs"]
mod moto_support;

mod errors;
mod explain;
mod explain_texts;
mod journal_sites;
mod layers;
mod list_status;
mod moto;
mod moto_layers;
mod oracle_iam_simulate;
mod quota;
mod rerun;
mod resilience;
mod restore_round;
mod texts_sandbox;
mod workflow;
mod writes;
