//! Shared helpers for the tests against moto's server (an IAM, Organizations and KMS
//! implementation we did not write): starting it on loopback, the AWS CLI against it, and
//! credentials of a role assumed into another of its accounts (moto separates accounts by the
//! access key: an assumed role's key belongs to the role's account).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account moto's default credentials belong to.
pub const ACCOUNT: &str = "123456789012";

fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").expect("HOME");
    PathBuf::from(home).join(".cache/restore-doctor/moto-venv/bin/moto_server")
}

/// A running moto server.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto's server on a free loopback port; a missing moto is a failure.
pub fn start_moto() -> Moto {
    let server = moto_server();
    assert!(
        server.exists(),
        "moto's server is not installed at {} (run `bash .ci/run`, which installs it, or set MOTO_SERVER)",
        server.display()
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, url }
}

/// Runs the AWS CLI against moto with `credentials`, returning its JSON output.
pub fn aws_as(moto: &Moto, credentials: &[(&str, String)], args: &[&str]) -> String {
    let out = Command::new("aws")
        .args(args)
        .args(["--endpoint-url", &moto.url, "--output", "json"])
        .envs(env())
        .envs(credentials.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("the AWS CLI must be installed (bash .ci/run installs it)");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the AWS CLI against moto with the default (management account) credentials.
pub fn aws(moto: &Moto, args: &[&str]) -> String {
    aws_as(moto, &[], args)
}

/// The environment every command gets: moto's default credentials, no config files.
pub fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_PAGER", ""),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
}

/// Credentials of `role` assumed in `account` (moto maps their key to that account).
pub fn assumed(moto: &Moto, account: &str, role: &str) -> Vec<(&'static str, String)> {
    let out: serde_json::Value = serde_json::from_str(&aws(
        moto,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &format!("arn:aws:iam::{account}:role/{role}"),
            "--role-session-name",
            "restore-doctor-test",
        ],
    ))
    .unwrap();
    let c = &out["Credentials"];
    vec![
        (
            "AWS_ACCESS_KEY_ID",
            c["AccessKeyId"].as_str().unwrap().to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            c["SecretAccessKey"].as_str().unwrap().to_string(),
        ),
        (
            "AWS_SESSION_TOKEN",
            c["SessionToken"].as_str().unwrap().to_string(),
        ),
    ]
}
