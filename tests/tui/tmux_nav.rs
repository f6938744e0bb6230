//! Navigation in a real terminal (tmux, 160x45, the debug binary): `:status all` lists the
//! running and completed jobs the default FAILED view leaves out; `:region us-west-2` rebuilds
//! the session and lists that region's jobs only; Esc walks back one level at a time (modal,
//! pane, filter); `--watch` picks up a restore that fails after the app started. Each waits for
//! text that proves a state, never for a spinner frame.

use crate::common::{self, assert_exit};
use crate::tui_support;

use std::time::Duration;

use common::{BIN, SandboxProcess};
use tui_support::{Tmux, tmux_present};

const WAIT: Duration = Duration::from_secs(30);

fn demo(name: &str, extra: &str) -> (Tmux, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux::new(name);
    let command = format!(
        "cd {dir} && XDG_STATE_HOME={dir} {BIN} --demo {extra}",
        dir = state.path().display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        WAIT,
    );
    (tmux, state)
}

fn palette(tmux: &Tmux, command: &str) {
    tmux.keys(&[":"]);
    tmux.wait_for(&["Command"], WAIT);
    tmux.keys(&["-l", command]);
    tmux.keys(&["Enter"]);
}

/// The footer: the last line with text.
fn footer(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Waits until the screen satisfies `done`; panics with the screen after [`WAIT`].
fn wait_until(tmux: &Tmux, what: &str, done: impl Fn(&str) -> bool) -> String {
    let start = std::time::Instant::now();
    loop {
        let screen = tmux.capture();
        if done(&screen) {
            return screen;
        }
        assert!(
            start.elapsed() < WAIT,
            "timed out waiting for {what}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn quit(tmux: &Tmux) {
    tmux.keys(&["q"]);
    tmux.wait_shell(Duration::from_secs(10));
}

#[test]
fn status_all_lists_running_and_completed_jobs_the_failed_view_does_not() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let (tmux, _state) = demo("status", "");
    let before = tmux.capture();
    assert!(
        !before.contains("RUNNING") && !before.contains("COMPLETED"),
        "{before}"
    );
    palette(&tmux, "status all");
    let screen = tmux.wait_for(&["All restore jobs", "RUNNING", "COMPLETED"], WAIT);
    assert!(screen.contains("did not fail"), "{screen}");
    palette(&tmux, "status running");
    let screen = tmux.wait_for(&["Running restore jobs (1)"], WAIT);
    assert!(!screen.contains("FAILED"), "{screen}");
    quit(&tmux);
}

#[test]
fn region_switch_lists_that_regions_jobs_only() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let (tmux, _state) = demo("region", "");
    let before = tmux.capture();
    assert!(before.contains("region us-east-1"), "{before}");
    assert!(before.contains("AWSBackupDefaultServiceRole"), "{before}");
    palette(&tmux, "region us-west-2");
    let screen = tmux.wait_for(
        &[
            "region us-west-2",
            "Failed restore jobs (1)",
            "BackupRestoreRoleEbs",
        ],
        WAIT,
    );
    assert!(
        !screen.contains("AWSBackupDefaultServiceRole") && !screen.contains("region us-east-1"),
        "no us-east-1 job under the us-west-2 session:\n{screen}"
    );
    // And back.
    palette(&tmux, "region us-east-1");
    tmux.wait_for(&["region us-east-1", "AWSBackupDefaultServiceRole"], WAIT);
    quit(&tmux);
}

#[test]
fn escape_walks_back_modal_pane_filter_jobs() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let (tmux, _state) = demo("escape", "");
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "ebs"]);
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait_for(&["/ebs", " of "], WAIT);
    assert!(
        !filtered.contains("AWSBackupDefaultServiceRole"),
        "{filtered}"
    );
    tmux.keys(&["Tab"]);
    wait_until(&tmux, "the tree's footer", |s| {
        footer(s).contains("open/close")
    });
    tmux.keys(&["?"]);
    wait_until(&tmux, "the help", |s| {
        s.contains("Keys") && footer(s).contains("Esc close")
    });
    // Modal -> the tree pane (its footer), the filter still on.
    tmux.keys(&["Escape"]);
    let screen = wait_until(&tmux, "the tree pane again", |s| {
        !s.contains("┌ Keys") && footer(s).contains("open/close")
    });
    assert!(screen.contains("/ebs"), "{screen}");
    // Pane -> the jobs table, the filter still on.
    tmux.keys(&["Escape"]);
    let screen = wait_until(&tmux, "the jobs pane", |s| footer(s).contains("describe"));
    assert!(screen.contains("/ebs"), "{screen}");
    // Filter -> every job.
    tmux.keys(&["Escape"]);
    let screen = wait_until(&tmux, "the filter cleared", |s| !s.contains("/ebs"));
    assert!(
        screen.contains("iam:PassRole") && !screen.contains(" of "),
        "{screen}"
    );
    quit(&tmux);
}

#[test]
fn watch_picks_up_a_restore_that_fails_after_the_start() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let state = tempfile::tempdir().expect("tempdir");
    let journal = state.path().join("journal.jsonl");
    let env: Vec<String> = sandbox
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    let tmux = Tmux::new("watch");
    let command = format!(
        "cd {dir} && env XDG_STATE_HOME={dir} {env} {BIN} --watch 2s --journal {journal}",
        dir = state.path().display(),
        env = env.join(" "),
        journal = journal.display()
    );
    tmux.keys(&[&command, "Enter"]);
    let first = tmux.wait_for(
        &["Failed restore jobs", "watching every 2s", "iam:PassRole"],
        WAIT,
    );
    assert!(
        !first.contains("● new"),
        "the first listing marks nothing:\n{first}"
    );

    // A restore started from outside the app fails 1.5 s later (the role still lacks PassRole).
    let listed = sandbox.run(&["list", "--output", "json"], &journal);
    let jobs: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let article = jobs
        .as_array()
        .and_then(|jobs| {
            jobs.iter().find(|j| {
                j["iam_role_arn"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/AWSBackupDefaultServiceRole"))
                    && !j["encoded_message"].is_null()
            })
        })
        .expect("the article's job");
    let job = article["restore_job_id"].as_str().expect("an ID");
    let rerun = sandbox.run(
        &[
            "rerun",
            "--job",
            job,
            "--yes",
            "--force",
            "--no-wait",
            "--output",
            "json",
        ],
        &state.path().join("outside.jsonl"),
    );
    assert_exit(&rerun, 0);
    let started: serde_json::Value = serde_json::from_slice(&rerun.stdout).expect("JSON");
    let new_id = started["restore_job_id"]
        .as_str()
        .expect("a new job")
        .to_string();
    // The ID is cut in the middle when the table is full: its first six characters show.
    let screen = tmux.wait_for(&["● new", &new_id[..6]], WAIT);
    let row = screen
        .lines()
        .find(|l| l.contains(&new_id[..6]))
        .unwrap_or_default();
    assert!(
        row.contains("● new"),
        "the new failure is the marked row:\n{screen}"
    );
    assert_eq!(screen.matches("● new").count(), 1, "{screen}");
    quit(&tmux);
}

#[test]
fn profile_switch_uses_the_config_files_and_keeps_the_session_when_a_profile_fails() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let state = tempfile::tempdir().expect("tempdir");
    let config = state.path().join("config");
    let credentials = state.path().join("credentials");
    std::fs::write(
        &config,
        "[profile admin]\nregion = us-east-1\n[profile auditor]\nregion = us-east-1\n[profile stranger]\nregion = us-east-1\n",
    )
    .expect("config");
    // The admin's key, the scenario's auditor (another caller), and a key the sandbox rejects.
    std::fs::write(
        &credentials,
        "[admin]\naws_access_key_id = AKIASANDBOXADMIN0001\naws_secret_access_key = sandbox\n\
         [auditor]\naws_access_key_id = AKIASANDBOXAUDITOR01\naws_secret_access_key = sandbox\n\
         [stranger]\naws_access_key_id = AKIAUNKNOWNKEY000001\naws_secret_access_key = sandbox\n",
    )
    .expect("credentials");
    let tmux = Tmux::new("profile");
    // No keys in the environment: each profile's own keys sign.
    let command = format!(
        "cd {dir} && env XDG_STATE_HOME={dir} AWS_ENDPOINT_URL={url} AWS_CONFIG_FILE={config} AWS_SHARED_CREDENTIALS_FILE={credentials} AWS_EC2_METADATA_DISABLED=true {BIN} --profile admin --journal {dir}/journal.jsonl",
        dir = state.path().display(),
        url = sandbox.url,
        config = config.display(),
        credentials = credentials.display(),
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &["Failed restore jobs", "profile admin", "iam:PassRole"],
        WAIT,
    );
    // Completion offers the profiles of the config files.
    tmux.keys(&[":"]);
    tmux.wait_for(&["Command"], WAIT);
    tmux.keys(&["-l", "profile "]);
    tmux.wait_for(
        &["profile admin", "profile auditor", "profile stranger"],
        WAIT,
    );
    tmux.keys(&["Escape"]);
    wait_until(&tmux, "the palette closed", |s| !s.contains("┌ Command"));

    palette(&tmux, "profile stranger");
    let screen = wait_until(&tmux, "the refusal", |s| {
        footer(s).contains("cannot use profile stranger")
    });
    assert!(
        footer(&screen)
            .contains("cannot use profile stranger (still on region us-east-1, profile admin): "),
        "{screen}"
    );
    assert!(
        screen.contains("profile admin") && screen.contains("iam:PassRole"),
        "{screen}"
    );

    palette(&tmux, "profile auditor");
    let screen = tmux.wait_for(
        &[
            "profile auditor",
            "now on region us-east-1, profile auditor",
        ],
        WAIT,
    );
    assert!(!screen.contains("profile admin"), "{screen}");
    tmux.wait_for(&["Failed restore jobs"], WAIT);
    quit(&tmux);
}
