//! The sandbox without a socket: one request in, one status and body out, through the same
//! router as the HTTP server (faults, authentication, counters), with no latency so the router
//! never waits. For the fuzz target (`fuzz/fuzz_targets/sandbox_request.rs`) and the property
//! tests, so the sandbox's request parsing is exercised with arbitrary bytes at full speed.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::faults::{FaultDice, FaultSpec};
use super::router::{self, Routed};
use super::shared::Shared;
use super::state::{State, now_ms};
use super::tokens::TokenSealer;
use super::wire::Call;
use super::{SandboxError, jobs, scenario};

/// The demo scenario's sandbox, called directly.
#[derive(Debug)]
pub struct RequestProbe {
    shared: Arc<Shared>,
}

impl RequestProbe {
    /// The demo scenario, ready to answer requests (no faults, no latency).
    pub fn demo() -> Result<RequestProbe, SandboxError> {
        let scenario = scenario::load("demo")?;
        let mut state = State::from_scenario(&scenario);
        let sealer = TokenSealer::new();
        jobs::replay(&mut state, &sealer, &scenario.jobs, 0, now_ms())?;
        Ok(RequestProbe {
            shared: Arc::new(Shared::new(
                state,
                sealer,
                FaultDice::new(FaultSpec::default(), 1),
                // Zero latency: the router then never awaits, so one poll completes it.
                Duration::ZERO,
            )),
        })
    }

    /// Answers one request as the server would: (HTTP status, body); a dropped connection is
    /// status 0 with an empty body (it cannot happen without faults).
    pub fn handle(
        &self,
        method: &str,
        path_and_query: &str,
        content_type: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let call = Call {
            method: method.to_string(),
            path: percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .into_owned(),
            query: query.to_string(),
            content_type: content_type.to_string(),
            authorization: authorization.map(str::to_string),
            target: None,
            body: body.to_vec(),
            request_id: "probe".into(),
        };
        self.answer(&call)
    }

    /// Answers one awsJson1_1 request (`POST /` with `X-Amz-Target: target`) as the server
    /// would: (HTTP status, body).
    pub fn handle_json(
        &self,
        target: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        let call = Call {
            method: "POST".into(),
            path: "/".into(),
            content_type: "application/x-amz-json-1.1".into(),
            authorization: authorization.map(str::to_string),
            target: Some(target.to_string()),
            body: body.to_vec(),
            request_id: "probe".into(),
            ..Default::default()
        };
        self.answer(&call)
    }

    fn answer(&self, call: &Call) -> (u16, String) {
        let mut routing = std::pin::pin!(router::route(&self.shared, call));
        match routing
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(Routed::Reply(reply)) => (reply.status, reply.body),
            Poll::Ready(Routed::Drop) => (0, String::new()),
            // Unreachable with zero latency; answered rather than spun on.
            Poll::Pending => (500, "the router waited without latency".into()),
        }
    }

    /// The request counters as `/_sandbox/stats` serves them.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::to_value(&*self.shared.stats()).unwrap_or_default()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXADMIN0001/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";

    fn probe() -> &'static RequestProbe {
        static PROBE: std::sync::OnceLock<RequestProbe> = std::sync::OnceLock::new();
        PROBE.get_or_init(|| RequestProbe::demo().expect("the demo scenario loads"))
    }

    fn method() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("GET".to_string()),
            Just("PUT".to_string()),
            Just("POST".to_string()),
            Just("DELETE".to_string()),
            "[A-Z]{1,7}",
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("/".to_string()),
            Just("/restore-jobs".to_string()),
            "/restore-jobs/[A-Za-z0-9%-]{0,40}(/metadata)?",
            "/restore-jobs\\?[a-zA-Z]{1,12}=[^ #]{0,30}(&maxResults=-?[0-9]{1,5})?",
            "/[^ ?#]{0,60}",
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            "Action=[A-Za-z]{0,30}&Version=(2010-05-08|2011-06-15)(&[A-Za-z.0-9]{1,30}=[^&]{0,60}){0,6}"
                .prop_map(String::into_bytes),
            "\\{\"[A-Za-z]{1,20}\": ?(\"[^\"]{0,40}\"|[0-9]{1,6}|null|\\{\\})\\}".prop_map(String::into_bytes),
        ]
    }

    #[test]
    fn the_probe_goes_through_the_router_keys_counters_and_all() {
        let probe = RequestProbe::demo().unwrap();
        let form = "application/x-www-form-urlencoded";
        let me = b"Action=GetCallerIdentity&Version=2011-06-15";
        let (status, body) = probe.handle("POST", "/", form, Some(SIGNED), me);
        assert_eq!(status, 200, "{body}");
        let stranger = SIGNED.replace("AKIASANDBOXADMIN0001", "AKIAIOSFODNN7EXAMPLE");
        let (status, body) = probe.handle("POST", "/", form, Some(&stranger), me);
        assert_eq!(status, 403);
        assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");
        let (status, _) = probe.handle("GET", "/restore-jobs", "", Some(&stranger), b"");
        assert_eq!(status, 403);
        let (status, body) = probe.handle(
            "POST",
            "/",
            form,
            Some(SIGNED),
            b"Action=CreateUser&Version=2010-05-08",
        );
        assert_eq!(status, 400);
        assert!(
            body.contains("Could not find operation CreateUser for version 2010-05-08"),
            "{body}"
        );
        let stats = probe.stats();
        assert_eq!(stats["served"]["GetCallerIdentity"], 1, "{stats}");
        assert_eq!(
            stats["served"].as_object().unwrap().len(),
            1,
            "refusals are not counted"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Whatever arrives, the sandbox answers (never panics) with a real status, and every
        /// refusal says what was wrong in a non-empty body.
        #[test]
        fn any_request_gets_a_well_formed_answer(
            method in method(),
            path in path(),
            content_type in prop_oneof![
                Just("application/x-www-form-urlencoded; charset=utf-8".to_string()),
                Just("application/json".to_string()),
                Just(String::new()),
                "[a-z/+-]{0,30}",
            ],
            signed in any::<bool>(),
            body in body(),
        ) {
            let authorization = signed.then_some(SIGNED);
            let (status, text) = probe().handle(&method, &path, &content_type, authorization, &body);
            prop_assert!((200..600).contains(&status), "status {}", status);
            if status >= 400 {
                prop_assert!(!text.is_empty(), "an error with an empty body for {} {}", method, path);
            }
            if !signed && status < 400 {
                prop_assert!(false, "an unsigned {} {} was answered {}", method, path, status);
            }
        }
    }
}
