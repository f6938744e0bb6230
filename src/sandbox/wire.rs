//! The wire layer every other sandbox module speaks: a request ([`Call`]) and a response
//! ([`Reply`]) as plain data, and an AWS error ([`AwsError`]) before a protocol serialises it.
//! No HTTP library appears here; `server.rs` converts hyper to and from these types.

/// What the sandbox needs to know about a request.
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// GET, PUT, POST…
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `X-Amz-Target` header (awsJson1_1: `<TargetPrefix>.<Operation>`), if any.
    pub target: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// This request's ID.
    pub request_id: String,
}

impl Call {
    /// The access key ID the request is signed with, if it is signed.
    pub fn access_key_id(&self) -> Option<String> {
        self.authorization.as_deref().and_then(access_key_of)
    }

    /// The service named by the SigV4 credential scope (`…/us-east-1/kms/aws4_request`), if the
    /// request is signed.
    pub fn signing_service(&self) -> Option<String> {
        self.authorization.as_deref().and_then(scope_service_of)
    }

    /// The region of the request's SigV4 credential scope, if it is signed. Regional services
    /// (Backup) answer for this region only, as each AWS region is its own endpoint.
    pub fn region(&self) -> Option<String> {
        self.authorization.as_deref().and_then(region_of)
    }
}

/// A response before it becomes HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// A reply with a status, content type and body.
    pub fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }
}

/// An error as AWS names it: HTTP status, error code and message. Each protocol serialises it
/// in its own envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// HTTP status.
    pub status: u16,
    /// The error code (`NoSuchEntity`, `ResourceNotFoundException`…).
    pub code: String,
    /// The message.
    pub message: String,
}

impl AwsError {
    /// An error with this status, code and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// The access key ID in `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …`.
pub fn access_key_of(authorization: &str) -> Option<String> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let rest = &authorization[start..];
    let key: String = rest
        .chars()
        .take_while(|c| *c != '/' && *c != ',')
        .collect();
    (!key.is_empty()).then_some(key)
}

/// The parts of `Credential=AKID/date/region/service/aws4_request` (SigV4's credential scope:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>).
fn credential_scope(authorization: &str) -> Option<Vec<String>> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let scope: String = authorization[start..]
        .chars()
        .take_while(|c| *c != ',' && !c.is_whitespace())
        .collect();
    let parts: Vec<String> = scope.split('/').map(str::to_string).collect();
    (parts.len() == 5 && parts[4] == "aws4_request").then_some(parts)
}

/// The service in the credential scope.
pub fn scope_service_of(authorization: &str) -> Option<String> {
    credential_scope(authorization)
        .map(|parts| parts[3].clone())
        .filter(|service| !service.is_empty())
}

/// The region in the credential scope.
pub fn region_of(authorization: &str) -> Option<String> {
    credential_scope(authorization)
        .map(|parts| parts[2].clone())
        .filter(|region| !region.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_access_key_from_sigv4() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXAUDITOR01/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            access_key_of(header).as_deref(),
            Some("AKIASANDBOXAUDITOR01")
        );
        assert_eq!(region_of(header).as_deref(), Some("us-east-1"));
        assert_eq!(region_of("AWS4-HMAC-SHA256 Credential=AKID/20260101"), None);
        assert_eq!(access_key_of("Bearer x"), None);
        assert_eq!(access_key_of("AWS4-HMAC-SHA256 Credential=/x"), None);
        assert_eq!(scope_service_of(header).as_deref(), Some("sts"));
        assert_eq!(scope_service_of("AWS4-HMAC-SHA256 Credential=A/x"), None);
    }
}
