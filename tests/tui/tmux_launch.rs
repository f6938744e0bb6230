//! The launch stall, in a real terminal (tmux, 160x45, the debug binary): `--demo --region
//! us-west-2` is launched again and again, and each time its job must be drawn within 2 s of the
//! first frame without a key being pressed. The listing used to land between the first frame and
//! the first tick; the tick wiped the redraw the event loop had held back, and the screen stayed
//! on "Listing… ⠋ 0.0s" until a key (3 launches in 8 in a real terminal).

use crate::common::{self, BIN};
use crate::tui_support::{Tmux, tmux_present};

use std::time::{Duration, Instant};

/// Launches per run: before the fix, this harness saw 1 stall in 30 launches and a shell loop 2
/// in 10; 60 launches take about 25 s.
const LAUNCHES: usize = 60;

/// How long the job may take to be drawn after the first frame.
const DRAWN_WITHIN: Duration = Duration::from_secs(2);

#[test]
fn every_launch_draws_its_jobs_without_a_key() {
    if !common::peer_present("tmux", tmux_present()) {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux::new("launch");
    let command = format!(
        "cd {dir} && XDG_STATE_HOME={dir} {BIN} --demo --region us-west-2",
        dir = state.path().display()
    );
    let mut stalls = Vec::new();
    for launch in 1..=LAUNCHES {
        tmux.keys(&[&command, "Enter"]);
        // The first frame: the header (the sandbox starts first, so this wait is generous).
        tmux.wait_for(&["SANDBOX", "region us-west-2"], Duration::from_secs(30));
        let first_frame = Instant::now();
        let drawn = loop {
            let screen = tmux.capture();
            if screen.contains("BackupRestoreRoleEbs") {
                break None;
            }
            if first_frame.elapsed() > DRAWN_WITHIN {
                break Some(screen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(screen) = drawn {
            stalls.push(format!(
                "launch {launch}: no job drawn {DRAWN_WITHIN:?} after the first frame:\n{screen}"
            ));
        }
        tmux.keys(&["q"]);
        tmux.wait_shell(Duration::from_secs(10));
        tmux.keys(&["clear", "Enter"]);
    }
    assert!(
        stalls.is_empty(),
        "{} of {LAUNCHES} launches stalled; the first:\n{}",
        stalls.len(),
        stalls[0]
    );
}
