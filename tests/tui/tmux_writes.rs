//! The real binary in tmux against `restore-doctor sandbox` as a child process: `q` while an
//! IAM write is in flight asks before quitting (the sandbox carries `PutRolePolicy` out and
//! holds its reply), a second `q` quits and leaves the write `pending`, and the next run
//! reconciles it and says so; SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 leave the terminal exactly
//! as `stty -a` had it.

use crate::common;
use crate::tui_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{BIN, SandboxProcess};
use tui_support::{Tmux, tmux_present};

const WAIT: Duration = Duration::from_secs(30);

/// The shell command that runs the TUI against `sandbox` with `journal`.
fn tui_command(sandbox: &SandboxProcess, dir: &Path, journal: &Path) -> String {
    let env: Vec<String> = sandbox
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    format!(
        "cd {dir} && env XDG_STATE_HOME={dir} {env} {BIN} --journal {journal}",
        dir = dir.display(),
        env = env.join(" "),
        journal = journal.display()
    )
}

fn journal_phases(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|entry| entry["phase"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn q_during_an_inflight_apply_asks_then_quits_and_the_next_run_reconciles() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let sandbox = SandboxProcess::start(&["--hold-reply", "PutRolePolicy=20000"]);
    let state = tempfile::tempdir().expect("tempdir");
    let journal = state.path().join("journal.jsonl");
    let tmux = Tmux::new("inflight");
    let command = tui_command(&sandbox, state.path(), &journal);
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        WAIT,
    );
    tmux.keys(&["p"]);
    tmux.wait_for(&["Fix preview", "Local verification"], WAIT);
    tmux.keys(&["a"]);
    tmux.wait_for(&["Apply fix?", "[ Cancel ]"], WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for(&["applying the fix"], WAIT);

    // The sandbox has written the policy and holds the reply: the write is in flight.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for(
        &["a write is in flight: wait, or press q again to quit and leave it to reconcile"],
        Duration::from_secs(15),
    );
    assert!(
        !screen.contains("Fix applied"),
        "still in flight:\n{screen}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(tmux.alternate_on(), "the first q did not quit");
    assert_eq!(
        journal_phases(&journal),
        ["pending"],
        "journalled before the write"
    );

    tmux.keys(&["q"]);
    tmux.wait_alternate_off(Duration::from_secs(5), "the second q quits");
    assert_eq!(
        journal_phases(&journal),
        ["pending"],
        "the abandoned write stays pending"
    );

    // The next run settles it with IAM (the sandbox did write it) and says so.
    tmux.keys(&["clear", "Enter"]);
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &["journal: 1 write left pending by an earlier run is now recorded as applied"],
        WAIT,
    );
    assert_eq!(journal_phases(&journal), ["pending", "applied"]);
    tmux.keys(&["q"]);
    tmux.wait_alternate_off(Duration::from_secs(5), "nothing in flight: q quits at once");
}

#[test]
fn sigint_sigquit_and_sigusr_leave_the_terminal_as_stty_had_it() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let dir = state.path().display().to_string();
    let tmux = Tmux::new("signals");
    tmux.keys(&[
        &format!("cd {dir} && stty -a > before.txt; echo saved-$((40+2))"),
        "Enter",
    ]);
    tmux.wait_for(&["saved-42"], Duration::from_secs(5));
    let before = std::fs::read_to_string(state.path().join("before.txt")).expect("stty before");
    assert!(before.contains("icanon"), "{before}");
    for signal in ["INT", "QUIT", "USR1", "USR2"] {
        tmux.keys(&["clear", "Enter"]);
        tmux.keys(&[&format!("XDG_STATE_HOME={dir} {BIN} --demo"), "Enter"]);
        tmux.wait_for(
            &[
                "Failed restore jobs",
                "iam:PassRole",
                "Fix: add to role AWSBackupDefaultServiceRole",
            ],
            WAIT,
        );
        let pid = tmux.child_pid();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        tmux.wait_alternate_off(Duration::from_secs(10), signal);
        tmux.wait_exited(&pid, Duration::from_secs(10));
        let after = format!("after-{signal}.txt");
        tmux.keys(&[
            &format!("stty -a > {after}; echo done-{signal}-$((40+2))"),
            "Enter",
        ]);
        tmux.wait_for(&[&format!("done-{signal}-42")], Duration::from_secs(5));
        let after = std::fs::read_to_string(state.path().join(&after)).expect("stty after");
        assert_eq!(before, after, "SIG{signal} left the terminal modes changed");
        assert_eq!(
            tmux.run(&["display", "-p", "-t", "tui", "#{cursor_flag}"])
                .trim(),
            "1",
            "cursor visible after SIG{signal}"
        );
    }
}

/// The elapsed seconds of the first `spinner label N.Ns` on `screen`.
fn elapsed_of(screen: &str, label: &str) -> Option<f64> {
    let pattern = format!(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] {label} (\d+\.\d)s");
    let found = regex_lite::Regex::new(&pattern).ok()?.captures(screen)?;
    found.get(1)?.as_str().parse().ok()
}

#[test]
fn a_slow_rerun_shows_a_spinner_with_elapsed_time_and_a_notice_when_it_ends_unseen() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let sandbox = SandboxProcess::start(&["--latency-ms", "1500"]);
    let state = tempfile::tempdir().expect("tempdir");
    let journal = state.path().join("journal.jsonl");
    let tmux = Tmux::new("slow");
    tmux.keys(&[&tui_command(&sandbox, state.path(), &journal), "Enter"]);
    // Any frame of the spinner (which one depends on when the pane is captured).
    let screen = tmux.wait_for(&["listing restore jobs"], WAIT);
    assert!(
        ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
            .iter()
            .any(|frame| screen.contains(&format!("listing {frame}"))),
        "a spinner beside the listing:\n{screen}"
    );
    assert!(
        elapsed_of(&screen, "listing restore jobs").is_some(),
        "{screen}"
    );
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        WAIT,
    );

    // A failure that is not a permissions problem: its re-run has no IAM propagation to wait
    // for (an unfixed denial would wait, then be refused, as `rerun` is).
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "no encoded"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["(1 of "], WAIT);
    tmux.keys(&["r"]);
    tmux.wait_for(&["Re-run restore?", "[ Cancel ]"], WAIT);
    tmux.keys(&["y"]);
    let first = tmux.wait_for(&["Starting the restore", "starting the restore"], WAIT);
    let at_first = elapsed_of(&first, "starting the restore").expect("elapsed time shown");
    std::thread::sleep(Duration::from_millis(1200));
    let later = tmux.capture();
    let at_later = elapsed_of(&later, "starting the restore")
        .or_else(|| elapsed_of(&later, "waiting for IAM to propagate the fix"))
        .or_else(|| elapsed_of(&later, "following the re-run"))
        .unwrap_or_else(|| panic!("a spinner while the re-run runs:\n{later}"));
    assert!(
        at_later > at_first
            || later.contains("following the re-run")
            || later.contains("waiting for IAM to propagate the fix"),
        "the elapsed time moves ({at_first} then {at_later}):\n{later}"
    );

    // Close the window while it runs: the end is still told.
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["following the re-run"], WAIT);
    let screen = tmux.wait_for(
        &["re-run of restore job", "ended: new job"],
        Duration::from_secs(90),
    );
    assert!(
        screen.contains("FAILED") || screen.contains("COMPLETED"),
        "the notice says how it ended:\n{screen}"
    );
    assert!(!screen.contains("following the re-run"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_alternate_off(Duration::from_secs(10), "q after the re-run");
}
