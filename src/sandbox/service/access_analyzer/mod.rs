//! IAM Access Analyzer (restJson1, signing name `access-analyzer`): `ValidatePolicy`
//! (`POST /policy/validation`) and `CheckAccessNotGranted`
//! (`POST /policy/check-access-not-granted`), the policy checks restore-doctor runs on a
//! proposed document before writing it.

mod check_access;
mod spans;
mod validate;

use serde_json::{Value, json};

use super::{Context, text};
use crate::sandbox::model::{self, Violation};
use crate::sandbox::wire::AwsError;

/// The Access Analyzer operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessAnalyzerOperation {
    /// `POST /policy/validation`.
    ValidatePolicy,
    /// `POST /policy/check-access-not-granted`.
    CheckAccessNotGranted,
}

impl AccessAnalyzerOperation {
    /// Every operation.
    pub const ALL: &[AccessAnalyzerOperation] =
        &[Self::ValidatePolicy, Self::CheckAccessNotGranted];

    /// The operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ValidatePolicy => "ValidatePolicy",
            Self::CheckAccessNotGranted => "CheckAccessNotGranted",
        }
    }

    /// The operation's model (its method and URI template route it).
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("accessanalyzer", self.name())
    }
}

/// Access Analyzer's answer to a request its model rejects: `ValidationException`.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    AwsError::new(400, "ValidationException", model::message(violations))
}

/// Runs one operation: its JSON result.
pub fn handle(
    op: AccessAnalyzerOperation,
    _ctx: &mut Context<'_>,
    input: &Value,
) -> Result<Value, AwsError> {
    match op {
        AccessAnalyzerOperation::ValidatePolicy => {
            let document = text(input, "policyDocument")?;
            let policy_type = text(input, "policyType")?;
            Ok(json!({"findings": validate::findings(document, policy_type)}))
        }
        AccessAnalyzerOperation::CheckAccessNotGranted => {
            check_access::check_access_not_granted(input)
        }
    }
}
