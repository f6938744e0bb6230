//! STS: `DecodeAuthorizationMessage` (opens a token this sandbox sealed) and
//! `GetCallerIdentity`.

use serde_json::Value;

use super::{Context, text};
use crate::sandbox::model::{self, Violation};
use crate::sandbox::protocol::xml::{STS_NAMESPACE, XmlWriter};
use crate::sandbox::wire::AwsError;

/// STS's XML namespace.
pub const NAMESPACE: &str = STS_NAMESPACE;
/// STS's API version.
pub const VERSION: &str = "2011-06-15";

/// The STS operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsOperation {
    /// `DecodeAuthorizationMessage`.
    DecodeAuthorizationMessage,
    /// `GetCallerIdentity`.
    GetCallerIdentity,
}

impl StsOperation {
    /// Every operation.
    pub const ALL: &[StsOperation] = &[Self::DecodeAuthorizationMessage, Self::GetCallerIdentity];

    /// The operation name, as in `Action=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::DecodeAuthorizationMessage => "DecodeAuthorizationMessage",
            Self::GetCallerIdentity => "GetCallerIdentity",
        }
    }

    /// The operation an `Action=` names.
    pub fn from_action(action: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == action)
    }

    /// False for `GetCallerIdentity`, which needs no permission, as in AWS.
    pub fn needs_permission(self) -> bool {
        self != Self::GetCallerIdentity
    }

    /// The operation's model.
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("sts", self.name())
    }
}

/// STS's answer to a request the model rejects.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    AwsError::new(400, "ValidationError", model::message(violations))
}

/// Runs one operation: its XML result.
pub fn handle(
    op: StsOperation,
    ctx: &mut Context<'_>,
    input: &Value,
) -> Result<Option<String>, AwsError> {
    match op {
        StsOperation::DecodeAuthorizationMessage => decode_authorization_message(ctx, input),
        StsOperation::GetCallerIdentity => get_caller_identity(ctx),
    }
}

fn get_caller_identity(ctx: &Context<'_>) -> Result<Option<String>, AwsError> {
    let mut body = XmlWriter::new();
    body.element("UserId", &ctx.caller.id)
        .element("Account", &ctx.caller.account)
        .element("Arn", &ctx.caller.arn);
    Ok(Some(body.finish()))
}

fn decode_authorization_message(
    ctx: &Context<'_>,
    input: &Value,
) -> Result<Option<String>, AwsError> {
    let encoded = text(input, "EncodedMessage")?;
    let decoded = ctx.sealer.open(encoded).map_err(|_| {
        AwsError::new(
            400,
            "InvalidAuthorizationMessageException",
            "The encoded authorization message could not be decoded",
        )
    })?;
    let mut body = XmlWriter::new();
    body.element("DecodedMessage", &decoded);
    Ok(Some(body.finish()))
}
