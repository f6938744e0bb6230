//! The HTTP side: the accept loop on 127.0.0.1, latency and fault injection, the caller from
//! the SigV4 `Authorization` header, and routing to the Backup (restJson1) or STS/IAM (awsQuery)
//! handlers. Connections are served with hyper directly rather than through axum's `serve`
//! because a "reset" fault must drop a connection without writing any response.

use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::faults::Fault;
use super::{Shared, awsquery, restjson};

/// Largest request body accepted (IAM's largest documents are far smaller).
const MAX_BODY: usize = 1 << 20;

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

/// What the handlers need to know about a request.
#[derive(Debug, Clone)]
pub struct Call {
    /// GET, PUT, POST…
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The access key ID from the SigV4 `Authorization` header, if signed.
    pub access_key_id: Option<String>,
    /// The body.
    pub body: Bytes,
    /// This request's ID.
    pub request_id: String,
}

/// The connection is dropped without a response (a "reset" fault).
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until the task is aborted; aborting also ends every open connection.
pub async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
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

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = request.into_parts();
    let path = percent_encoding::percent_decode_str(parts.uri.path())
        .decode_utf8_lossy()
        .into_owned();
    if path == "/_sandbox/stats" {
        let stats = serde_json::to_string(&*shared.stats()).unwrap_or_default();
        return Ok(to_http(Reply::new(200, "application/json", stats)));
    }
    if path == "/_sandbox/audit" {
        let audit = serde_json::Value::Array(shared.state().audit.clone()).to_string();
        return Ok(to_http(Reply::new(200, "application/json", audit)));
    }
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(to_http(Reply::new(
                413,
                "text/plain",
                "request body too large".into(),
            )));
        }
    };
    let call = Call {
        method: parts.method.as_str().to_string(),
        path,
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: header("content-type").unwrap_or_default(),
        access_key_id: header("authorization").as_deref().and_then(access_key_of),
        body,
        request_id: request_id(),
    };
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let query_protocol = call.path == "/" || call.path.is_empty();
    // The fault is drawn before any state is read or changed: a faulted write never happens.
    let fault = shared.dice.roll();
    if fault != Fault::None {
        shared.stats().faults_injected += 1;
    }
    let reply = match fault {
        Fault::Reset => return Err(DropConnection),
        _ if call.access_key_id.as_deref() == Some(super::EXPIRED_ACCESS_KEY_ID) => {
            expired(&call, query_protocol)
        }
        Fault::Throttle if query_protocol => awsquery::throttled(&call),
        Fault::Throttle => restjson::error(429, "ThrottlingException", "Rate exceeded", &call),
        Fault::InternalError if query_protocol => awsquery::internal_error(&call),
        Fault::InternalError => restjson::error(
            500,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
            &call,
        ),
        Fault::None if query_protocol => awsquery::dispatch(&shared, &call),
        Fault::None => restjson::dispatch(&shared, &call),
    };
    if (200..300).contains(&reply.status) {
        let operation = operation_of(&call, query_protocol);
        *shared.stats().served.entry(operation).or_default() += 1;
    }
    Ok(to_http(reply))
}

/// The error AWS gives a request signed with an expired session token.
fn expired(call: &Call, query_protocol: bool) -> Reply {
    let message = "The security token included in the request is expired";
    if query_protocol {
        let service = awsquery::service_of(&awsquery::params_of(call));
        awsquery::error(service, 403, "ExpiredToken", message, call)
    } else {
        restjson::error(403, "ExpiredTokenException", message, call)
    }
}

/// The operation a request called, for the counters: the awsQuery `Action`, or the Backup
/// route.
fn operation_of(call: &Call, query_protocol: bool) -> String {
    if query_protocol {
        return awsquery::params_of(call)
            .get("Action")
            .cloned()
            .unwrap_or_default();
    }
    restjson::operation_of(call).unwrap_or_default().to_string()
}

fn to_http(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = reply.content_type.parse() {
        headers.insert(hyper::header::CONTENT_TYPE, value);
    }
    for (name, value) in reply.headers {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    response
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
        assert_eq!(access_key_of("Bearer x"), None);
        assert_eq!(access_key_of("AWS4-HMAC-SHA256 Credential=/x"), None);
    }
}
