//! Resilience under injected faults: the real binary against `restore-doctor sandbox` with
//! throttling, server errors, connection resets and latency, all seeded.

use crate::common::{self, assert_exit};

use std::collections::HashSet;

use common::{SandboxProcess, stderr, stdout};
use serde_json::Value;

const STORM: &str = "throttle=0.2,error=0.05,reset=0.01";

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

#[test]
fn list_decode_over_a_thousand_jobs_survives_the_storm() {
    let sandbox = SandboxProcess::start(&[
        "--jobs",
        "1000",
        "--faults",
        STORM,
        "--latency-ms",
        "20",
        "--seed",
        "7",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let out = sandbox.run(
        &[
            "list",
            "--decode",
            "--output",
            "json",
            "--since",
            "3650d",
            "--concurrency",
            "16",
        ],
        &dir.path().join("j"),
    );
    assert_exit(&out, 0);
    let jobs = json(&out);
    let jobs = jobs.as_array().unwrap();
    assert!(jobs.len() > 1000, "{} jobs", jobs.len());
    let ids: HashSet<&str> = jobs
        .iter()
        .map(|j| j["restore_job_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), jobs.len(), "no job listed twice");
    let mut tokens = HashSet::new();
    for job in jobs {
        if let Some(token) = job["encoded_message"].as_str() {
            tokens.insert(token.to_string());
            assert!(
                job.get("decode_error").is_none_or(Value::is_null),
                "not decoded: {job}"
            );
            assert!(
                job["diagnosis"]["verdict"].is_string(),
                "no diagnosis: {job}"
            );
        }
    }
    assert!(tokens.len() > 1000);
    let stats = sandbox.stats();
    let faults = stats["faults_injected"].as_u64().unwrap();
    assert!(faults > 100, "the storm did happen: {stats}");
    assert_eq!(
        stats["served"]["DecodeAuthorizationMessage"].as_u64(),
        Some(tokens.len() as u64),
        "each distinct token decoded exactly once: {stats}"
    );
}

#[test]
fn fix_under_the_storm_completes_once_or_fails_cleanly() {
    for seed in ["3", "5", "8", "13"] {
        let sandbox =
            SandboxProcess::start(&["--faults", STORM, "--latency-ms", "20", "--seed", seed]);
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let listed = sandbox.run(&["list", "--output", "json"], &journal);
        assert_exit(&listed, 0);
        let job = json(&listed)[0]["restore_job_id"]
            .as_str()
            .unwrap()
            .to_string();

        let fixed = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
        let writes = sandbox.audit();
        let lines: Vec<Value> = std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        match fixed.status.code() {
            Some(0) => {
                assert_eq!(
                    writes.len(),
                    1,
                    "seed {seed}: exactly one write: {writes:?}"
                );
                assert_eq!(
                    lines.len(),
                    2,
                    "seed {seed}: pending then applied: {lines:?}"
                );
                assert_eq!(lines[1]["phase"], "applied");
            }
            Some(1) => {
                let msg = stderr(&fixed);
                assert_eq!(
                    msg.trim().lines().count(),
                    1,
                    "seed {seed}: one line: {msg}"
                );
                // Nothing half-written: either nothing at all, or the journal says it failed.
                if writes.is_empty() {
                    assert!(
                        lines.is_empty() || lines.last().unwrap()["phase"] == "failed",
                        "seed {seed}: {lines:?}"
                    );
                } else {
                    assert_eq!(writes.len(), 1);
                    assert_eq!(lines.last().unwrap()["phase"], "applied", "seed {seed}");
                }
            }
            other => panic!("seed {seed}: exit {other:?}: {}", stderr(&fixed)),
        }
        // Running it again converges: the fix is in place after exactly one write in all.
        let again = sandbox.run(&["fix", "--job", &job, "--yes"], &journal);
        assert_exit(&again, 0);
        assert_eq!(sandbox.audit().len(), 1, "seed {seed}: one write in all");
    }
}
