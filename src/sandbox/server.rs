//! The HTTP side, and the only module that sees hyper: the accept loop on 127.0.0.1 and the
//! conversion of hyper requests and responses to and from [`Call`] and [`Reply`]. Connections
//! are served with hyper directly rather than through axum's `serve` because a "reset" fault
//! must drop a connection without writing any response.

use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::router::{self, Routed};
use super::shared::Shared;
use super::wire::{Call, Reply};

/// Largest request body accepted (IAM's largest documents are far smaller).
const MAX_BODY: usize = 1 << 20;
/// Connections served at once; more wait in the kernel's backlog until one closes.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a client may take to send a request's headers (also while a kept-alive connection
/// sits idle): a client that dribbles bytes, or holds a connection open doing nothing, is cut.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

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
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A fresh request ID in AWS's UUID form.
pub fn request_id() -> String {
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

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // A DNS-rebinding page reaches 127.0.0.1 under its own host name: only loopback names are
    // served (the sandbox's own endpoints included).
    if !is_loopback_host(header("host").as_deref()) {
        return Ok(to_http(Reply::new(
            403,
            "text/plain",
            "the sandbox only answers requests addressed to 127.0.0.1, [::1] or localhost".into(),
        )));
    }
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
        path: percent_encoding::percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: header("content-type").unwrap_or_default(),
        authorization: header("authorization"),
        target: header("x-amz-target"),
        body: body.to_vec(),
        request_id: request_id(),
    };
    match router::route(&shared, &call).await {
        Routed::Reply(reply) => Ok(to_http(reply)),
        Routed::Drop => Err(DropConnection),
    }
}

/// Whether a `Host` header names this machine's loopback: `localhost`, `127.x.x.x` or `[::1]`,
/// with or without a port. A request without one (HTTP/1.0) comes from a local tool.
pub fn is_loopback_host(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else {
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
    fn only_loopback_hosts_are_served() {
        for host in [
            "127.0.0.1:4566",
            "localhost",
            "LOCALHOST:80",
            "[::1]:4566",
            "127.1.2.3",
        ] {
            assert!(is_loopback_host(Some(host)), "{host}");
        }
        assert!(is_loopback_host(None));
        for host in [
            "evil.example:4566",
            "10.0.0.1",
            "0.0.0.0:4566",
            "[::2]:1",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback_host(Some(host)), "{host}");
        }
    }
}
