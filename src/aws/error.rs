//! AWS SDK errors mapped to one-line messages that name the missing permission or the remedy.

use std::error::Error as StdError;

use aws_sdk_backup::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What went wrong, as far as the user's next step is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// No credentials could be loaded.
    NoCredentials,
    /// The session's token has expired.
    ExpiredToken,
    /// No region configured.
    NoRegion,
    /// The caller lacks a permission.
    AccessDenied,
    /// STS could not decode the message.
    InvalidAuthorizationMessage,
    /// The role, user or policy does not exist.
    NoSuchEntity,
    /// IAM rejected a policy document.
    MalformedPolicy,
    /// An IAM quota would be exceeded.
    LimitExceeded,
    /// Still throttled after the SDK's retries.
    Throttled,
    /// The endpoint could not be reached or timed out.
    Network,
    /// The endpoint does not offer the operation.
    NotImplemented,
    /// Anything else AWS said.
    Other,
}

/// An AWS call that failed: one line that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AwsError {
    /// The classification.
    pub kind: AwsErrorKind,
    /// AWS's error code, when there was one.
    pub code: Option<String>,
    /// One line, with the remedy.
    pub message: String,
    /// AWS answered with a final, non-retryable error: the call did not take effect. False
    /// when no answer came (a timeout, a dropped connection) or the answer was a transient
    /// failure after retries, so a write may or may not have happened.
    pub rejected: bool,
}

impl AwsError {
    /// One line for why a policy layer could not be read (said beside "NOT read").
    pub fn unreadable_reason(&self) -> String {
        match self.kind {
            AwsErrorKind::NotImplemented => "the endpoint does not offer the call".into(),
            _ => self.to_string(),
        }
    }

    /// An error of a kind with a message.
    pub fn new(kind: AwsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
            rejected: false,
        }
    }

    /// Whether trying again later may succeed: throttling, network trouble or a server-side
    /// failure that outlasted the SDK's own retries.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            AwsErrorKind::Throttled | AwsErrorKind::Network => true,
            AwsErrorKind::Other => matches!(
                self.code.as_deref(),
                Some(
                    "InternalFailure"
                        | "InternalError"
                        | "ServiceUnavailable"
                        | "ServiceUnavailableException"
                        | "ServiceFailure"
                        | "InternalServerError"
                )
            ),
            _ => false,
        }
    }
}

/// The IAM action each operation needs, for AccessDenied messages.
fn permission_for(operation: &str) -> String {
    let service = match operation {
        "DecodeAuthorizationMessage" | "GetCallerIdentity" => "sts",
        "ListRestoreJobs" | "DescribeRestoreJob" | "GetRestoreJobMetadata" | "StartRestoreJob" => {
            "backup"
        }
        "GetBackupVaultAccessPolicy" => "backup",
        "DescribeOrganization" | "ListParents" | "ListPoliciesForTarget" | "DescribePolicy" => {
            "organizations"
        }
        "GetKeyPolicy" | "DescribeKey" => "kms",
        "ValidatePolicy" | "CheckAccessNotGranted" => "access-analyzer",
        _ => "iam",
    };
    format!("{service}:{operation}")
}

/// Maps an SDK error of `operation` to an [`AwsError`].
pub fn classify<E, R>(operation: &str, error: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let detail = one_line(&DisplayErrorContext(&error).to_string());
    let code = error.code().map(str::to_string);
    let aws_message = error.message().map(one_line).unwrap_or_default();
    let permission = permission_for(operation);
    let (kind, message) = match code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "InvalidClientTokenId" | "UnrecognizedClientException") => (
            AwsErrorKind::ExpiredToken,
            "your AWS credentials are expired or invalid: refresh them (for example `aws sso login`) and try again".to_string(),
        ),
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") if operation == "DecodeAuthorizationMessage" => (
            AwsErrorKind::AccessDenied,
            "you are not allowed sts:DecodeAuthorizationMessage: ask for that permission (it is the one needed to decode the message)".to_string(),
        ),
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => (
            AwsErrorKind::AccessDenied,
            format!("access denied: your identity needs {permission} ({operation})"),
        ),
        Some("InvalidAuthorizationMessageException") => (
            AwsErrorKind::InvalidAuthorizationMessage,
            "STS could not decode the message: it is garbled, truncated, expired, or from another account (decode it with credentials of the account where it was issued)".to_string(),
        ),
        Some("NoSuchEntity" | "NoSuchEntityException" | "ResourceNotFoundException") => (
            AwsErrorKind::NoSuchEntity,
            format!("not found ({operation}): {aws_message}"),
        ),
        Some("MalformedPolicyDocument" | "MalformedPolicyDocumentException") => (
            AwsErrorKind::MalformedPolicy,
            format!("IAM rejected the policy document: {aws_message}"),
        ),
        // IAM's protected roles (IAM Identity Center, service-linked): public issues
        // perkbox/cloud-access-bot#11 and rebuy-de/aws-nuke#441 show the wording.
        Some("UnmodifiableEntity" | "UnmodifiableEntityException") => (
            AwsErrorKind::Other,
            format!("IAM refuses to change this role ({operation}): it is an IAM Identity Center or service-linked role that only AWS can modify; put the change in its permission set, or use another role ({aws_message})"),
        ),
        Some("LimitExceeded" | "LimitExceededException") => (
            AwsErrorKind::LimitExceeded,
            format!("IAM quota exceeded: {aws_message}; remove unused inline statements or use a managed policy"),
        ),
        Some("Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded") => (
            AwsErrorKind::Throttled,
            format!("AWS kept throttling {operation} after retries: wait a minute and try again, or lower --concurrency"),
        ),
        Some("NotImplemented" | "InvalidAction" | "UnknownOperationException" | "UnknownOperation") => (
            AwsErrorKind::NotImplemented,
            format!("the endpoint does not offer {operation}"),
        ),
        Some(other) => (AwsErrorKind::Other, format!("{operation} failed: {other}: {aws_message}")),
        None => classify_without_code(operation, &error, &detail),
    };
    let mut classified = AwsError {
        kind,
        code,
        message,
        rejected: false,
    };
    classified.rejected = matches!(error, SdkError::ServiceError(_)) && !classified.is_transient();
    classified
}

fn classify_without_code<E, R>(
    operation: &str,
    error: &SdkError<E, R>,
    detail: &str,
) -> (AwsErrorKind, String)
where
    E: StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let lower = detail.to_ascii_lowercase();
    if lower.contains("credentials")
        && (lower.contains("no credentials")
            || lower.contains("failed to load")
            || lower.contains("could not find")
            || lower.contains("not loaded"))
    {
        return (
            AwsErrorKind::NoCredentials,
            "no AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE or AWS_ACCESS_KEY_ID, pass --profile, or try --demo".to_string(),
        );
    }
    if lower.contains("region")
        && (lower.contains("no region")
            || lower.contains("region was not")
            || lower.contains("missing region"))
    {
        return (
            AwsErrorKind::NoRegion,
            "no AWS region configured: pass --region or set AWS_REGION".to_string(),
        );
    }
    match error {
        SdkError::TimeoutError(_) => (
            AwsErrorKind::Network,
            format!("{operation} timed out: check your network, --endpoint-url or proxy settings"),
        ),
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => (
            AwsErrorKind::Network,
            format!(
                "cannot reach AWS for {operation}: {}; check your network, --endpoint-url or proxy settings",
                root_cause(error)
            ),
        ),
        // An answer that is not an AWS error (an HTML page from a proxy or an emulator that
        // lacks the service): its first words, not the SDK's dump of the whole response.
        SdkError::ServiceError(_) => {
            let short: String = detail
                .split(" (ServiceError")
                .next()
                .unwrap_or(detail)
                .chars()
                .take(160)
                .collect();
            (
                AwsErrorKind::Other,
                format!(
                    "{operation} failed: the endpoint's answer is not an AWS error response ({short})"
                ),
            )
        }
        _ => (AwsErrorKind::Other, format!("{operation} failed: {detail}")),
    }
}

/// The innermost cause's message ("Connection refused (os error 111)"), not the SDK's debug dump.
fn root_cause(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    one_line(&current.to_string())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::error::ErrorMetadata;
    use aws_sdk_sts::operation::decode_authorization_message::DecodeAuthorizationMessageError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    fn service_error(
        code: &str,
        message: &str,
    ) -> SdkError<DecodeAuthorizationMessageError, Response> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::service_error(
            DecodeAuthorizationMessageError::generic(meta),
            Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn each_code_gets_its_remedy() {
        let cases = [
            (
                "DecodeAuthorizationMessage",
                "AccessDenied",
                AwsErrorKind::AccessDenied,
                "sts:DecodeAuthorizationMessage",
            ),
            (
                "GetRole",
                "AccessDenied",
                AwsErrorKind::AccessDenied,
                "iam:GetRole",
            ),
            (
                "ListRestoreJobs",
                "AccessDeniedException",
                AwsErrorKind::AccessDenied,
                "backup:ListRestoreJobs",
            ),
            (
                "DecodeAuthorizationMessage",
                "InvalidAuthorizationMessageException",
                AwsErrorKind::InvalidAuthorizationMessage,
                "garbled",
            ),
            (
                "GetRole",
                "NoSuchEntity",
                AwsErrorKind::NoSuchEntity,
                "not found",
            ),
            (
                "PutRolePolicy",
                "MalformedPolicyDocument",
                AwsErrorKind::MalformedPolicy,
                "rejected the policy",
            ),
            (
                "PutRolePolicy",
                "UnmodifiableEntity",
                AwsErrorKind::Other,
                "only AWS can modify",
            ),
            (
                "PutRolePolicy",
                "LimitExceeded",
                AwsErrorKind::LimitExceeded,
                "quota",
            ),
            (
                "ListRestoreJobs",
                "ThrottlingException",
                AwsErrorKind::Throttled,
                "throttling",
            ),
            (
                "GetCallerIdentity",
                "ExpiredToken",
                AwsErrorKind::ExpiredToken,
                "expired",
            ),
            (
                "SimulatePrincipalPolicy",
                "InvalidAction",
                AwsErrorKind::NotImplemented,
                "does not offer",
            ),
        ];
        for (operation, code, kind, needle) in cases {
            let error = classify(operation, service_error(code, "details here"));
            assert_eq!(error.kind, kind, "{code}");
            assert!(error.message.contains(needle), "{code}: {}", error.message);
            assert!(!error.message.contains('\n'));
        }
    }

    #[test]
    fn missing_credentials_are_named() {
        let error: SdkError<DecodeAuthorizationMessageError, Response> =
            SdkError::construction_failure("no credentials provider: failed to load credentials");
        let mapped = classify("GetCallerIdentity", error);
        assert_eq!(
            mapped.kind,
            AwsErrorKind::NoCredentials,
            "{}",
            mapped.message
        );
        assert!(mapped.message.contains("aws sso login"));
    }
}
