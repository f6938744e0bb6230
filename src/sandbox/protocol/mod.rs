//! The two wire protocols the sandbox speaks, parsing and serialising only: awsQuery (STS, IAM)
//! and restJson1 (Backup). Neither knows what an operation does.

pub mod query;
pub mod rest_json;
pub mod xml;
