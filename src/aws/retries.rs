//! Retries made visible: an SDK interceptor on every client that, when an attempt was throttled
//! and the SDK's standard retry strategy will try again, reports which retry comes next. Pure
//! reporting: it changes no request and no retry decision. The SDK counts attempts in the
//! request's config bag (`RequestAttempts`); see
//! <https://docs.aws.amazon.com/sdk-for-rust/latest/dg/interceptors.html> and
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::sync::broadcast;

/// The SDK's attempts per request (the first one and five retries).
pub const MAX_ATTEMPTS: u32 = 6;

/// One throttled attempt that the SDK will retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    /// The retry that follows (1 for the second attempt).
    pub retry: u32,
    /// How many retries the SDK makes at most.
    pub of: u32,
}

impl std::fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "throttled, retry {} of {}", self.retry, self.of)
    }
}

/// The interceptor: sends a [`RetryNotice`] on a broadcast channel (nobody listening is fine).
#[derive(Debug, Clone)]
pub(crate) struct RetryReporter {
    notices: broadcast::Sender<RetryNotice>,
}

impl RetryReporter {
    /// A reporter sending on `notices`.
    pub(crate) fn new(notices: broadcast::Sender<RetryNotice>) -> Self {
        Self { notices }
    }
}

/// AWS's throttling answers: HTTP 429, or an error code naming throttling (`Throttling`,
/// `ThrottlingException`, `TooManyRequestsException`, `RequestLimitExceeded`) in the
/// `x-amzn-ErrorType` header (restJson) or the body (awsQuery's XML, JSON).
fn throttled(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    const CODES: [&str; 4] = [
        "Throttling",
        "TooManyRequests",
        "RequestLimitExceeded",
        "SlowDown",
    ];
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let names = |text: &str| CODES.iter().any(|code| text.contains(code));
    error_type.is_some_and(names) || body.is_some_and(|b| names(&String::from_utf8_lossy(b)))
}

impl Intercept for RetryReporter {
    fn name(&self) -> &'static str {
        "RetryReporter"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let status = response.status().as_u16();
        if !throttled(
            status,
            response.headers().get("x-amzn-ErrorType"),
            response.body().bytes(),
        ) {
            return Ok(());
        }
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempt < MAX_ATTEMPTS {
            // Nobody listening (the CLI) is not an error.
            let _ = self.notices.send(RetryNotice {
                retry: attempt,
                of: MAX_ATTEMPTS - 1,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_recognised_in_each_protocol() {
        assert!(throttled(429, None, None));
        assert!(throttled(400, Some("ThrottlingException:http://x"), None));
        assert!(throttled(
            400,
            None,
            Some(b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>")
        ));
        assert!(!throttled(400, None, Some(b"<Code>AccessDenied</Code>")));
        assert!(!throttled(200, None, Some(b"Throttling is fine here")));
        assert_eq!(
            RetryNotice { retry: 2, of: 5 }.to_string(),
            "throttled, retry 2 of 5"
        );
    }
}
