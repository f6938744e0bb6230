//! Shared helpers for the integration tests: the real binary, and `restore-doctor sandbox` as a
//! child process reached over loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_restore-doctor");

/// A `restore-doctor sandbox` child process.
pub struct SandboxProcess {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProcess {
    /// Starts `restore-doctor sandbox --port 0 EXTRA…` and reads its URL from the first line.
    pub fn start(extra: &[&str]) -> SandboxProcess {
        let mut child = Command::new(BIN)
            .args(["sandbox", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn restore-doctor sandbox");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line was {first:?}"))
            .to_string();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        SandboxProcess { child, url, port }
    }

    /// Environment for a client pointed at this sandbox (and nothing else on the machine).
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.url.as_str()),
            ("AWS_ACCESS_KEY_ID", "AKIASANDBOXADMIN0001"),
            ("AWS_SECRET_ACCESS_KEY", "sandbox"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_PAGER", ""),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Runs the real binary against this sandbox.
    pub fn run(&self, args: &[&str], journal: &std::path::Path) -> Output {
        Command::new(BIN)
            .args(args)
            .args(["--journal", journal.to_str().unwrap()])
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .expect("run restore-doctor")
    }

    /// The sandbox's write audit (`GET /_sandbox/audit`).
    pub fn audit(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(self.get_json("/_sandbox/audit")).expect("audit is a JSON array")
    }

    /// The sandbox's request counters (`GET /_sandbox/stats`).
    pub fn stats(&self) -> serde_json::Value {
        self.get_json("/_sandbox/stats")
    }

    fn get_json(&self, path: &str) -> serde_json::Value {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let body = response.split("\r\n\r\n").nth(1).expect("body");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {body}"))
    }
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code of a finished command, with its stdout and stderr when it is not `code`.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit code {code}\nstdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

/// The tests of this binary that skipped for a missing peer, listed once more after libtest's
/// summary (an `atexit` handler), so a skip is seen without `--nocapture`.
static SKIPPED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

extern "C" fn list_skipped() {
    let skipped = SKIPPED.lock().map(|s| s.clone()).unwrap_or_default();
    if !skipped.is_empty() {
        // Straight to the file descriptor: libtest captures only the print macros.
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED for a missing peer ({}; these fail when CI is set):\n  {}",
            skipped.len(),
            skipped.join("\n  ")
        );
    }
}

/// Whether an independent peer a test needs (`what`: tmux, the AWS CLI, …) is `present`. A
/// missing peer fails the test when `CI` is set (a peer skipped in silence hides a regression);
/// elsewhere the test says it skips, on stderr at once and again after the run's summary, and
/// returns early.
pub fn peer_present(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    assert!(
        !ci,
        "{what} is not installed, and CI is set: `bash .ci/run` installs it; a missing peer is a failure in CI"
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("{test}: {what} is not installed");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {line} (this fails when CI is set)"
    );
    if let Ok(mut skipped) = SKIPPED.lock() {
        if skipped.is_empty() {
            // SAFETY: registers a plain `extern "C"` function with no arguments, as atexit asks.
            unsafe { libc::atexit(list_skipped) };
        }
        skipped.push(line);
    }
    false
}
