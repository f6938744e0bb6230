//! Decode results do not pile up when the app falls behind: with 700 distinct tokens and an app
//! that takes nothing, at most `DECODES_QUEUED` results wait in the channel (each is a decoded
//! message and its diagnosis, ~20 KB; with 100,000 jobs on a loaded machine the queue once held
//! most of them). Taking them lets the rest through, and every token ends decoded.

use crate::tui_headless as headless;

use std::time::Duration;

use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use restore_doctor::tui::app::{DecodeState, ListState};
use restore_doctor::tui::runtime::DECODES_QUEUED;

const EXTRA: usize = 700;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decode_results_wait_for_the_app_instead_of_piling_up() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: EXTRA,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().unwrap();
    let (_session, mut driver) = headless::driver(&sandbox, &dir, true, (120, 40)).await;
    assert!(
        driver
            .step_until(|app| app.list_state == ListState::Loaded, headless::WAIT)
            .await,
        "the listing arrives"
    );
    let tokens = driver.app().decodes.len();
    assert!(tokens > EXTRA, "{tokens} tokens to decode");
    // The app takes nothing now: the decodes fill the room and then wait.
    let deadline = tokio::time::Instant::now() + headless::WAIT;
    while driver.queued() < DECODES_QUEUED && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let queued = driver.queued();
    // A few other results (the identity, the journal's reconciliation) may be queued too.
    assert!(
        (DECODES_QUEUED..DECODES_QUEUED + 8).contains(&queued),
        "{queued} results queued while the app took none (room for {DECODES_QUEUED} decodes)"
    );
    let decoded = |app: &restore_doctor::tui::app::App| {
        app.decodes
            .values()
            .all(|state| !matches!(state, DecodeState::Pending))
    };
    assert!(
        driver.settle_app(decoded, headless::WAIT * 3).await,
        "every token decodes once the app takes the results"
    );
    let failed = driver
        .app()
        .decodes
        .values()
        .filter(|state| matches!(state, DecodeState::Failed(_)))
        .count();
    assert_eq!(failed, 0, "no decode failed");
    sandbox.shutdown().await;
}
