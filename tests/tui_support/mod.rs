//! The tmux harness of the terminal tests: a private tmux server with one pane running a shell,
//! keys sent to it, its screen captured and waited on, and the TUI's process found under it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server, killed on drop.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// A new server named after `name` and this process, with one 160x45 pane running `sh`.
    pub fn new(name: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("restore-doctor-{name}-{}", std::process::id()),
        };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "tui",
            "-x",
            "160",
            "-y",
            "45",
            "sh",
        ]);
        tmux.run(&["set-option", "-t", "tui", "escape-time", "10"]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn capture(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "tui"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "tui"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn wait_for(&self, what: &[&str], timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if what.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what:?}; the pane shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the pane is on the alternate screen (the TUI is up).
    pub fn alternate_on(&self) -> bool {
        self.run(&["display", "-p", "-t", "tui", "#{alternate_on}"])
            .trim()
            == "1"
    }

    /// Waits until the TUI has left the alternate screen.
    pub fn wait_alternate_off(&self, timeout: Duration, what: &str) {
        let start = Instant::now();
        while self.alternate_on() {
            assert!(
                start.elapsed() < timeout,
                "the alternate screen stayed on ({what})"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the pane's foreground process is no longer restore-doctor (the shell has the
    /// terminal back: keys typed before then may still reach the app, in raw mode).
    pub fn wait_shell(&self, timeout: Duration) {
        let start = Instant::now();
        loop {
            let command = self.run(&["display", "-p", "-t", "tui", "#{pane_current_command}"]);
            if !command.trim().starts_with("restore-doc") {
                // The shell reads the terminal again once it prints its prompt.
                std::thread::sleep(Duration::from_millis(200));
                return;
            }
            assert!(start.elapsed() < timeout, "restore-doctor did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until process `pid` has exited (keys typed before then may reach it, still in raw
    /// mode, where Enter is not yet turned into a newline).
    pub fn wait_exited(&self, pid: &str, timeout: Duration) {
        let start = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(start.elapsed() < timeout, "process {pid} did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The PID of the process the pane's shell runs (the TUI).
    pub fn child_pid(&self) -> String {
        let shell = self.run(&["display", "-p", "-t", "tui", "#{pane_pid}"]);
        let pids = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep");
        let pid = String::from_utf8_lossy(&pids.stdout).trim().to_string();
        assert!(!pid.is_empty(), "the TUI runs under the pane's shell");
        pid
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

pub fn tmux_present() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}
