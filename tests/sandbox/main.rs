//! The sandbox's tests: its wire format through the real SDK clients, the AWS CLI and botocore.
//! One test crate (it links the AWS SDK once instead of once per file).

#[path = "../common/mod.rs"]
mod common;
#[path = "../sandbox_support/mod.rs"]
mod sandbox_support;

mod awscli;
mod conformance;
mod layers_awscli;
mod regions;
mod rejections;
mod sdk;
mod sdk_iam;
mod server;
mod wire;
mod workflow;
