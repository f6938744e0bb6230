//! The sandbox's wire format checked byte by byte over raw HTTP: routing, error shapes for
//! unknown operations, form bodies with a charset, XML escaping, authentication, the loopback
//! binding and the fault injection's throttles and dropped connections.

use std::io::{Read, Write};
use std::net::TcpStream;

use restore_doctor::sandbox::{FaultSpec, Sandbox, SandboxConfig};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXADMIN0001/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00";

struct Response {
    status: u16,
    head: String,
    body: String,
}

fn send(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Response> {
    let mut stream = TcpStream::connect(sandbox.local_addr()).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Some(Response {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_string(),
    })
}

fn query(sandbox: &Sandbox, body: &str, content_type: &str) -> Response {
    send(
        sandbox,
        "POST",
        "/",
        &[("Authorization", AUTH), ("Content-Type", content_type)],
        body,
    )
    .expect("a response")
}

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

async fn start(faults: &str) -> Sandbox {
    Sandbox::start(SandboxConfig {
        faults: faults.parse::<FaultSpec>().unwrap(),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Runs blocking raw-socket code off the async runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_operations_get_each_protocols_error() {
    let sandbox = std::sync::Arc::new(start("").await);
    let s = sandbox.clone();
    blocking(move || {
        let rest = send(&s, "GET", "/backup-plans/", &[("Authorization", AUTH)], "").unwrap();
        assert_eq!(rest.status, 404);
        assert!(
            rest.head
                .contains("x-amzn-errortype: unknownoperationexception"),
            "{}",
            rest.head
        );
        let json: serde_json::Value = serde_json::from_str(&rest.body).unwrap();
        assert_eq!(json["__type"], "UnknownOperationException");

        let iam = query(&s, "Action=CreateUser&Version=2010-05-08&UserName=x", FORM);
        assert_eq!(iam.status, 400);
        assert!(
            iam.body.contains(
                "<Message>Could not find operation CreateUser for version 2010-05-08</Message>"
            ),
            "{}",
            iam.body
        );
        assert!(
            iam.body.contains("<Code>InvalidAction</Code>"),
            "{}",
            iam.body
        );
        assert!(
            iam.body
                .contains("xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"")
        );
        let sts = query(&s, "Action=Frobnicate&Version=2011-06-15", FORM);
        assert_eq!(sts.status, 400);
        assert!(
            sts.body
                .contains("<Type>Sender</Type><Code>InvalidAction</Code>")
        );
        assert!(
            sts.body
                .contains("https://sts.amazonaws.com/doc/2011-06-15/")
        );
        let none = query(&s, "Version=2011-06-15", FORM);
        assert_eq!(none.status, 400);
        assert!(none.body.contains("MissingAction"));
        let json_protocol = query(&s, "{}", "application/x-amz-json-1.1");
        assert_eq!(json_protocol.status, 404);
        assert!(json_protocol.body.contains("UnknownOperationException"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_with_charset_xml_escaping_and_authentication() {
    let sandbox = std::sync::Arc::new(start("").await);
    let s = sandbox.clone();
    blocking(move || {
        let me = query(&s, "Action=GetCallerIdentity&Version=2011-06-15", FORM);
        assert_eq!(me.status, 200);
        assert!(me.head.contains("content-type: text/xml"));
        assert!(me.body.contains("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"));
        assert!(me.body.contains("<Account>111122223333</Account>"));
        assert!(me.body.contains("<ResponseMetadata><RequestId>"));
        let plain = query(&s, "Action=GetCallerIdentity&Version=2011-06-15", "application/x-www-form-urlencoded");
        assert_eq!(plain.status, 200);

        // The newest failed job's token, then its decoded JSON escaped inside XML.
        let jobs = send(&s, "GET", "/restore-jobs/?status=FAILED&maxResults=1", &[("Authorization", AUTH)], "").unwrap();
        assert_eq!(jobs.status, 200, "{}", jobs.body);
        let jobs: serde_json::Value = serde_json::from_str(&jobs.body).unwrap();
        assert!(jobs["NextToken"].is_string());
        assert!(jobs["RestoreJobs"][0]["CreationDate"].is_f64());
        let message = jobs["RestoreJobs"][0]["StatusMessage"].as_str().unwrap();
        let token = message.rsplit(' ').next().unwrap();
        let decoded = query(&s, &format!("Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage={token}"), FORM);
        assert_eq!(decoded.status, 200);
        assert!(decoded.body.contains("{&quot;allowed&quot;:false"), "{}", decoded.body);
        assert!(!decoded.body.contains("\"allowed\""), "no raw quotes in XML text");

        let unsigned = send(&s, "POST", "/", &[("Content-Type", FORM)], "Action=GetCallerIdentity&Version=2011-06-15").unwrap();
        assert_eq!(unsigned.status, 403);
        assert!(unsigned.body.contains("MissingAuthenticationToken"));
        let unsigned = send(&s, "GET", "/restore-jobs", &[], "").unwrap();
        assert_eq!(unsigned.status, 403);
        assert!(unsigned.head.contains("x-amzn-errortype: missingauthenticationtokenexception"));

        // A key the sandbox never issued, on each protocol, over raw HTTP.
        let stranger = AUTH.replace("AKIASANDBOXADMIN0001", "AKIAIOSFODNN7EXAMPLE");
        let refused = send(&s, "POST", "/", &[("Authorization", &stranger), ("Content-Type", FORM)], "Action=GetCallerIdentity&Version=2011-06-15").unwrap();
        assert_eq!(refused.status, 403);
        assert!(refused.body.contains("<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>"), "{}", refused.body);
        let refused = send(&s, "GET", "/restore-jobs", &[("Authorization", &stranger)], "").unwrap();
        assert_eq!(refused.status, 403);
        assert!(refused.head.contains("x-amzn-errortype: unrecognizedclientexception"), "{}", refused.head);

        let audit = send(&s, "GET", "/_sandbox/audit", &[], "").unwrap();
        assert_eq!(audit.status, 200);
        assert_eq!(audit.body, "[]");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binds_loopback_only() {
    let sandbox = start("").await;
    assert!(sandbox.local_addr().ip().is_loopback());
    assert_eq!(
        sandbox.url(),
        format!("http://127.0.0.1:{}", sandbox.local_addr().port())
    );
    // This machine's outward address (no packet is sent by connect on UDP).
    let outward = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip());
    match outward {
        Ok(ip) if !ip.is_loopback() && !ip.is_unspecified() => {
            let port = sandbox.local_addr().port();
            let reached = std::net::TcpStream::connect_timeout(
                &(ip, port).into(),
                std::time::Duration::from_secs(2),
            );
            assert!(reached.is_err(), "reachable on {ip}:{port}");
        }
        _ => eprintln!("no non-loopback interface: only the bound address was checked"),
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_throttle_fail_and_drop_connections_before_any_write() {
    let throttled = std::sync::Arc::new(start("throttle=1").await);
    let s = throttled.clone();
    blocking(move || {
        let rest = send(&s, "GET", "/restore-jobs", &[("Authorization", AUTH)], "").unwrap();
        assert_eq!(rest.status, 429);
        assert!(rest.head.contains("x-amzn-errortype: throttlingexception"));
        let iam = query(
            &s,
            "Action=GetRole&Version=2010-05-08&RoleName=AWSBackupDefaultServiceRole",
            FORM,
        );
        assert_eq!(iam.status, 400);
        assert!(iam.body.contains("<Code>Throttling</Code>"));
    })
    .await;
    let failing = std::sync::Arc::new(start("error=1").await);
    let s = failing.clone();
    blocking(move || {
        let rest = send(&s, "GET", "/restore-jobs", &[("Authorization", AUTH)], "").unwrap();
        assert_eq!(rest.status, 500);
        assert!(rest.head.contains("x-amzn-errortype: internalfailure"));
        let iam = query(
            &s,
            "Action=GetRole&Version=2010-05-08&RoleName=AWSBackupDefaultServiceRole",
            FORM,
        );
        assert_eq!(iam.status, 500);
        assert!(
            iam.body
                .contains("<Type>Receiver</Type><Code>ServiceFailure</Code>")
        );
    })
    .await;
    let resetting = std::sync::Arc::new(start("reset=1").await);
    let s = resetting.clone();
    blocking(move || {
        let document = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AListBucket%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        let body = format!("Action=PutRolePolicy&Version=2010-05-08&RoleName=AWSBackupDefaultServiceRole&PolicyName=P&PolicyDocument={document}");
        assert!(query_opt(&s, &body).is_none(), "dropped without a response");
        assert!(send(&s, "GET", "/restore-jobs", &[("Authorization", AUTH)], "").is_none());
        let audit = send(&s, "GET", "/_sandbox/audit", &[], "").unwrap();
        assert_eq!(audit.body, "[]", "a dropped write never happened");
    })
    .await;
    assert!(resetting.audit().is_empty());
}

fn query_opt(sandbox: &Sandbox, body: &str) -> Option<Response> {
    send(
        sandbox,
        "POST",
        "/",
        &[("Authorization", AUTH), ("Content-Type", FORM)],
        body,
    )
}

#[test]
fn the_sandbox_command_prints_its_environment_and_stops_on_sigterm() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["sandbox", "--port", "0", "--latency-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rest: Vec<String> = lines.by_ref().take(4).map(|l| l.unwrap()).collect();
    assert_eq!(rest[0], format!("export AWS_ENDPOINT_URL={url}"));
    assert!(rest[1].starts_with("export AWS_ACCESS_KEY_ID="));
    assert!(rest[2].starts_with("export AWS_SECRET_ACCESS_KEY="));
    assert_eq!(rest[3], "export AWS_REGION=us-east-1");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    if killed.is_ok_and(|s| s.success()) {
        let status = child.wait().unwrap();
        assert!(status.success(), "SIGTERM ends it cleanly: {status:?}");
    } else {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[test]
fn bad_fault_specs_are_refused_by_the_command() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["sandbox", "--port", "0", "--faults", "throttle=2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 1"));
}
