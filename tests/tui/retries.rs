//! Throttling made visible: against the sandbox answering most requests with its protocol's
//! throttling error (`--faults throttle=…`), the SDK's retries reach the spinner's line as
//! "throttled, retry N of 5" through the clients' interceptor, and the list still loads.

use crate::tui_headless;

use std::time::Duration;

use restore_doctor::sandbox::{Sandbox, SandboxConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_retries_show_on_the_spinners_line() {
    let sandbox = Sandbox::start(SandboxConfig {
        // Four listing pages, each throttled half the time: P(no retry at all) = 1/16 per run
        // of the seeded draws, whatever order the first requests arrive in.
        extra_jobs: 3000,
        faults: "throttle=0.5".parse().expect("fault spec"),
        seed: 11,
        latency_ms: 100,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let (_session, mut driver) = tui_headless::driver(&sandbox, &dir, true, (160, 45)).await;
    let screen = driver
        .settle_until(
            |screen| {
                screen.lines().last().is_some_and(|footer| {
                    footer.contains("throttled, retry ") && footer.contains(" of 5")
                })
            },
            Duration::from_secs(60),
        )
        .await
        .unwrap_or_else(|screen| panic!("no retry shown:\n{screen}"));
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.contains("listing restore jobs") || footer.contains("…"),
        "{footer}"
    );
    let retry = driver.app().retry.clone().expect("a retry notice").0;
    assert!((1..=5).contains(&retry.retry) && retry.of == 5, "{retry:?}");
}
