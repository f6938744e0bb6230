//! The headless TUI harness: the app driven through its event loop against an in-process
//! sandbox over the real SDK clients (a `TestBackend` screen), with the options every such test
//! shares and a wait on what the screen shows.
#![allow(dead_code)]

use std::time::Duration;

use restore_doctor::aws::Session;
use restore_doctor::cli::sandbox_options;
use restore_doctor::sandbox::Sandbox;
use restore_doctor::tui::{self, Driver, TuiOptions};
use restore_doctor::workflow::Journal;

/// How long a wait on the screen may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Waits until the screen shows every one of `what`; panics with the screen otherwise.
pub async fn wait_for(driver: &mut Driver, what: &[&str]) -> String {
    match driver
        .settle_until(|screen| what.iter().all(|w| screen.contains(w)), WAIT)
        .await
    {
        Ok(screen) => screen,
        Err(screen) => panic!("timed out waiting for {what:?}; the screen was:\n{screen}"),
    }
}

/// The options of a test UI: 30 days, the journal and exports in `dir`.
pub fn options(dir: &tempfile::TempDir, read_only: bool) -> TuiOptions {
    TuiOptions {
        since: Duration::from_secs(30 * 86_400),
        limit: None,
        read_only,
        journal: Journal::at(dir.path().join("journal.jsonl")),
        export_dir: dir.path().to_path_buf(),
        mouse: false,
        watch: None,
    }
}

/// A session on `sandbox` (its admin key) and the UI on it at `width` x `height`.
pub async fn driver(
    sandbox: &Sandbox,
    dir: &tempfile::TempDir,
    read_only: bool,
    (width, height): (u16, u16),
) -> (Session, Driver) {
    let session = Session::connect(&sandbox_options(sandbox, read_only))
        .await
        .expect("connect");
    let driver = tui::driver(session.clone(), &options(dir, read_only), width, height);
    (session, driver)
}
