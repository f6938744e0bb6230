//! Fuzz target: the sandbox's request parsing (routes, query strings, awsQuery form bodies,
//! restJson1 bodies) never panics and always answers with a real HTTP status.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use restore_doctor::sandbox::RequestProbe;

const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXADMIN0001/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";

fuzz_target!(|data: &[u8]| {
    static PROBE: OnceLock<RequestProbe> = OnceLock::new();
    let probe = PROBE.get_or_init(|| RequestProbe::demo().expect("the demo scenario loads"));
    // Layout: method line, path line, content-type line, then the body.
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let content_type = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let (status, _) = probe.handle(&method, &path, &content_type, Some(SIGNED), body);
    assert!((200..600).contains(&status));
});
