//! The emulated services, one module each (moto's split: a typed operation enum parsed once
//! from the wire, one function per operation, state below). A service reads its members from the
//! model-shaped input the protocol built and answers a result or an [`AwsError`].

pub mod access_analyzer;
pub mod backup;
pub mod iam;
pub mod kms;
pub mod organizations;
pub mod sts;

use serde_json::Value;

use super::state::State;
use super::tokens::TokenSealer;
use super::wire::AwsError;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's ARN.
    pub arn: String,
    /// The user's unique ID (`AIDA…`).
    pub id: String,
    /// The account.
    pub account: String,
}

/// What an operation may touch.
pub struct Context<'a> {
    /// The world.
    pub state: &'a mut State,
    /// Seals and opens encoded messages.
    pub sealer: &'a TokenSealer,
    /// Who is calling.
    pub caller: &'a Caller,
    /// This request's ID.
    pub request_id: &'a str,
    /// The region the request is signed for (regional services answer for it only).
    pub region: &'a str,
}

/// A string member. The model was checked first, so a required member is present; should a
/// handler read a member the model does not require, its absence is AWS's null error.
pub fn text<'a>(input: &'a Value, name: &str) -> Result<&'a str, AwsError> {
    input.get(name).and_then(Value::as_str).ok_or_else(|| {
        let mut chars = name.chars();
        let member: String = chars
            .next()
            .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
            .unwrap_or_default();
        AwsError::new(
            400,
            "ValidationError",
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ),
        )
    })
}

/// A list-of-strings member (empty when absent).
pub fn texts(input: &Value, name: &str) -> Vec<String> {
    input
        .get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
