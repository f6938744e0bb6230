//! The wire protocols the sandbox speaks, parsing and serialising only: awsQuery (STS, IAM),
//! restJson1 (Backup, Access Analyzer) and awsJson1_1 (Organizations, KMS). Neither knows what an
//! operation does.

pub mod json;
pub mod query;
pub mod rest_json;
pub mod xml;
