//! The real binary in a real terminal (tmux, 160x45): `restore-doctor --demo` shows the jobs,
//! previews and applies the fix, re-runs the restore to COMPLETED, and `q` leaves the terminal
//! as it was (alternate screen off, cursor shown, the shell prompt usable). Skipped, with a
//! note, only when tmux is absent and CI is not set (in CI a missing tmux fails). Also: without
//! a terminal the TUI refuses with a one-line error and exit code 2.

use crate::common::{self, assert_exit};
use crate::tui_support;

use std::process::Command;
use std::time::{Duration, Instant};

use common::BIN;
use tui_support::{Tmux, tmux_present};

#[test]
fn demo_in_tmux_shows_jobs_applies_and_restores_the_terminal() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux::new("test");
    let command = format!(
        "cd {dir} && XDG_STATE_HOME={dir} {BIN} --demo",
        dir = state.path().display()
    );
    tmux.keys(&[&command, "Enter"]);
    let started = Instant::now();
    // The selected (newest) job decoded and its case read: its fix is in the pane.
    let screen = tmux.wait_for(
        &[
            "Failed restore jobs",
            "SANDBOX",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        Duration::from_secs(20),
    );
    // The issue asks for a second in a release build; a debug build on a busy CI box gets slack.
    eprintln!("jobs shown after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(screen.contains("AWSBackupDefaultServiceRole"), "{screen}");
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "tui", "#{alternate_on}"])
            .trim(),
        "1"
    );

    tmux.keys(&["p"]);
    tmux.wait_for(
        &["Fix preview", "Local verification"],
        Duration::from_secs(20),
    );
    tmux.keys(&["a"]);
    tmux.wait_for(&["[ Cancel ]"], Duration::from_secs(5));
    tmux.keys(&["y"]);
    tmux.wait_for(&["Fix applied", "now allows"], Duration::from_secs(20));
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["fixed"], Duration::from_secs(5));

    tmux.keys(&["r"]);
    tmux.wait_for(&["Re-run restore?", "[ Cancel ]"], Duration::from_secs(5));
    tmux.keys(&["y"]);
    tmux.wait_for(&["Status: COMPLETED"], Duration::from_secs(60));
    tmux.keys(&["Escape"]);

    tmux.keys(&["q"]);
    let start = Instant::now();
    while tmux
        .run(&["display", "-p", "-t", "tui", "#{alternate_on}"])
        .trim()
        != "0"
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the alternate screen stayed on"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.wait_shell(Duration::from_secs(10));
    tmux.keys(&["echo prompt-usable-$((40+2))", "Enter"]);
    let screen = tmux.wait_for(&["prompt-usable-42"], Duration::from_secs(5));
    assert!(
        !screen.contains("Failed restore jobs"),
        "the TUI is gone:\n{screen}"
    );
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "tui", "#{cursor_flag}"])
            .trim(),
        "1",
        "cursor visible"
    );
    // Ctrl-c quits too, and also restores the terminal.
    tmux.keys(&["clear", "Enter"]);
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        Duration::from_secs(20),
    );
    tmux.keys(&["C-c"]);
    let start = Instant::now();
    while tmux
        .run(&["display", "-p", "-t", "tui", "#{alternate_on}"])
        .trim()
        != "0"
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "Ctrl-c left the alternate screen on"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.wait_shell(Duration::from_secs(10));
    tmux.keys(&["echo after-ctrl-c-$((6*7))", "Enter"]);
    tmux.wait_for(&["after-ctrl-c-42"], Duration::from_secs(5));
}

#[test]
fn without_a_terminal_the_tui_refuses_with_exit_code_2() {
    let output = Command::new(BIN)
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .expect("run");
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing drawn");
}

/// Waits until the pane has left the alternate screen, then proves the shell is usable and the
/// terminal is back in cooked mode (canonical input and echo on, as before the TUI).
fn assert_terminal_restored(tmux: &Tmux, marker: &str) {
    let start = Instant::now();
    while tmux
        .run(&["display", "-p", "-t", "tui", "#{alternate_on}"])
        .trim()
        != "0"
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the alternate screen stayed on ({marker})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.wait_shell(Duration::from_secs(10));
    tmux.keys(&["clear", "Enter"]);
    tmux.keys(&[&format!("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo | tr '\\n' + ; echo {marker}-$((40+2))"), "Enter"]);
    let screen = tmux.wait_for(&[&format!("{marker}-42")], Duration::from_secs(5));
    assert!(
        screen.contains("icanon+echo+"),
        "cooked mode restored ({marker}):\n{screen}"
    );
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "tui", "#{cursor_flag}"])
            .trim(),
        "1",
        "cursor visible ({marker})"
    );
}

#[test]
fn sigterm_and_panic_leave_the_terminal_usable() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux::new("signal");
    let command = format!(
        "cd {dir} && XDG_STATE_HOME={dir} {BIN} --demo",
        dir = state.path().display()
    );

    // SIGTERM, as `kill` or a closing session sends it.
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        Duration::from_secs(20),
    );
    let shell = tmux.run(&["display", "-p", "-t", "tui", "#{pane_pid}"]);
    let pids = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&pids.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the TUI runs under the pane's shell");
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert_terminal_restored(&tmux, "after-sigterm");

    // A panic: the hook restores the terminal before the message is printed.
    tmux.keys(&[
        &command.replace(
            "XDG_STATE_HOME",
            "RUST_BACKTRACE=0 RESTORE_DOCTOR_TEST_PANIC=1 XDG_STATE_HOME",
        ),
        "Enter",
    ]);
    tmux.wait_for(
        &["panicking after the first frame"],
        Duration::from_secs(20),
    );
    assert_terminal_restored(&tmux, "after-panic");
}

/// The size of the pane, as tmux has it.
fn resize(tmux: &Tmux, width: u16, height: u16) {
    tmux.run(&[
        "resize-window",
        "-t",
        "tui",
        "-x",
        &width.to_string(),
        "-y",
        &height.to_string(),
    ]);
}

fn journal_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_confirmation_hidden_by_a_too_small_terminal_cannot_be_answered() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let journal = state.path().join("journal.jsonl");
    let tmux = Tmux::new("small");
    let command = format!(
        "cd {dir} && XDG_STATE_HOME={dir} {BIN} --demo --journal {journal}",
        dir = state.path().display(),
        journal = journal.display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for(
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
        Duration::from_secs(20),
    );
    tmux.keys(&["p"]);
    tmux.wait_for(
        &["Fix preview", "Local verification"],
        Duration::from_secs(20),
    );
    tmux.keys(&["a"]);
    tmux.wait_for(&["Apply fix?", "[ Cancel ]"], Duration::from_secs(5));

    // Too small: the confirmation is not drawn, so y and Enter must not answer it.
    resize(&tmux, 60, 20);
    tmux.wait_for(
        &["Terminal too small", "confirmation is waiting"],
        Duration::from_secs(5),
    );
    tmux.keys(&["y"]);
    tmux.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        journal_lines(&journal),
        0,
        "nothing was journalled, so nothing written"
    );
    resize(&tmux, 160, 45);
    let screen = tmux.wait_for(&["Apply fix?", "[ Cancel ]"], Duration::from_secs(5));
    assert!(!screen.contains("Fix applied"), "{screen}");

    // q on the too-small screen cancels the confirmation (and does not quit).
    resize(&tmux, 60, 20);
    tmux.wait_for(&["confirmation is waiting"], Duration::from_secs(5));
    tmux.keys(&["q"]);
    resize(&tmux, 160, 45);
    let screen = tmux.wait_for(
        &["Fix preview", "cancelled: nothing was written"],
        Duration::from_secs(5),
    );
    assert!(!screen.contains("Apply fix?"), "{screen}");
    assert_eq!(journal_lines(&journal), 0);

    // The control: the same confirmation answered while visible does write (and journal).
    tmux.keys(&["a"]);
    tmux.wait_for(&["Apply fix?"], Duration::from_secs(5));
    tmux.keys(&["y"]);
    tmux.wait_for(&["Fix applied"], Duration::from_secs(20));
    assert!(journal_lines(&journal) >= 2, "pending and applied lines");
    tmux.keys(&["q"]);
}
