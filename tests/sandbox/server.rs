//! The sandbox as a careful server on loopback: requests addressed to another host are refused
//! (a DNS-rebinding page cannot drive it), a client that dribbles its headers or idles is cut
//! after the header timeout, and at most a bounded number of connections are served at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use restore_doctor::sandbox::{Sandbox, SandboxConfig};

fn request(addr: std::net::SocketAddr, host: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_requests_addressed_to_loopback_are_answered() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let addr = sandbox.local_addr();
    let answers = tokio::task::spawn_blocking(move || {
        (
            request(addr, "127.0.0.1", "/_sandbox/stats"),
            request(addr, "localhost:4566", "/_sandbox/audit"),
            request(addr, "rebound.example:4566", "/_sandbox/audit"),
            request(addr, "attacker.example", "/"),
        )
    })
    .await
    .unwrap();
    assert!(answers.0.starts_with("HTTP/1.1 200"), "{}", answers.0);
    assert!(answers.1.starts_with("HTTP/1.1 200"), "{}", answers.1);
    assert!(answers.2.starts_with("HTTP/1.1 403"), "{}", answers.2);
    assert!(answers.3.starts_with("HTTP/1.1 403"), "{}", answers.3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_dribbles_its_headers_is_cut() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let addr = sandbox.local_addr();
    let closed_after = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let started = Instant::now();
        // One header byte a second: never a whole request.
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            let mut buf = [0u8; 64];
            stream
                .set_read_timeout(Some(Duration::from_millis(900)))
                .unwrap();
            match stream.read(&mut buf) {
                Ok(_) => return Some(started.elapsed()),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return Some(started.elapsed()),
            }
            if started.elapsed() > Duration::from_secs(25) {
                return None;
            }
        }
        None
    })
    .await
    .unwrap();
    let elapsed = closed_after.expect("the sandbox cut the slow client");
    assert!(
        elapsed < Duration::from_secs(15),
        "cut after {elapsed:?}, within the header timeout"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_bounded_and_cut() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let addr = sandbox.local_addr();
    let (served_after, idle_closed) = tokio::task::spawn_blocking(move || {
        // More idle connections than the sandbox serves at once.
        let idle: Vec<TcpStream> = (0..restore_doctor::sandbox::MAX_CONNECTIONS + 40)
            .map(|_| TcpStream::connect(addr).expect("connect"))
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        let answer = request(addr, "127.0.0.1", "/_sandbox/stats");
        let served_after = answer
            .starts_with("HTTP/1.1 200")
            .then(|| started.elapsed());
        // Every idle connection has been closed by now (header timeout).
        let idle_closed = idle
            .into_iter()
            .filter(|stream| {
                let mut stream = stream;
                stream
                    .set_read_timeout(Some(Duration::from_secs(15)))
                    .unwrap();
                let mut buf = [0u8; 1];
                matches!(stream.read(&mut buf), Ok(0) | Err(_))
            })
            .count();
        (served_after, idle_closed)
    })
    .await
    .unwrap();
    let waited = served_after.expect("the new request is answered once idle ones are cut");
    assert!(
        waited >= Duration::from_secs(2),
        "the new connection waited for a slot ({waited:?}): the cap holds"
    );
    assert_eq!(
        idle_closed,
        restore_doctor::sandbox::MAX_CONNECTIONS + 40,
        "idle connections are not held forever"
    );
    sandbox.shutdown().await;
}
