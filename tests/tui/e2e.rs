//! The TUI driven headless with key events against the in-process sandbox through the real
//! SDK: the article's job decodes to iam:PassRole, the preview shows iam:PassedToService, `a`
//! then `y` applies and verifies, `r` then `y` re-runs to COMPLETED; Enter/Esc/n on the
//! confirmation and read-only mode write nothing (the sandbox audit proves it).

use std::time::Duration;

use crossterm::event::KeyCode;
use restore_doctor::aws::Session;
use restore_doctor::cli::sandbox_options;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use restore_doctor::tui::action::Effect;
use restore_doctor::tui::app::{Badge, Modal, PreviewModal, PreviewState};
use restore_doctor::tui::{self, Driver};

use crate::tui_headless as headless;
use headless::{WAIT, options, wait_for};
use restore_doctor::workflow::Journal;

async fn connect(sandbox: &Sandbox, read_only: bool) -> Session {
    Session::connect(&sandbox_options(sandbox, read_only))
        .await
        .expect("connect")
}

/// The jobs are listed and the article's job, selected first, shows its decoded context.
async fn article_job_selected(driver: &mut Driver) -> String {
    let screen = wait_for(
        driver,
        &[
            "Failed restore jobs",
            "iam:PassRole",
            "Principal: AWSBackupDefaultServiceRole",
            // Its case: every layer read, the identity policy the cause.
            "Fix: add to role AWSBackupDefaultServiceRole",
        ],
    )
    .await;
    assert!(
        screen.contains("AmazonSSMRoleForInstancesQuickSetup"),
        "the tree shows the resource:\n{screen}"
    );
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_apply_verify_and_rerun_to_completed() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let session = connect(&sandbox, false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, false), 160, 45);
    article_job_selected(&mut driver).await;

    driver.type_char('p');
    let screen = wait_for(&mut driver, &["Fix preview", "Local verification"]).await;
    assert!(
        screen.contains("10240"),
        "size against the quota:\n{screen}"
    );
    assert!(
        screen.contains("would be allowed"),
        "local verification:\n{screen}"
    );

    // `s` cycles the scope and previews again; back to exact before applying.
    driver.type_char('s');
    wait_for(
        &mut driver,
        &["account: WIDER than the failed request", "(s cycles"],
    )
    .await;
    driver.type_char('s');
    wait_for(
        &mut driver,
        &["exact: exactly the denied resource", "iam:PassedToService"],
    )
    .await;

    // Enter, Esc and n on the confirmation cancel and write nothing.
    for key in [KeyCode::Enter, KeyCode::Esc, KeyCode::Char('n')] {
        driver.type_char('a');
        wait_for(&mut driver, &["[ Cancel ]", "Apply fix?"]).await;
        driver.press(key);
        let screen = driver.screen();
        assert!(
            !screen.contains("[ Cancel ]"),
            "{key:?} closed it:\n{screen}"
        );
        assert!(
            screen.contains("Fix preview"),
            "back on the preview after {key:?}"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sandbox.audit().is_empty(),
        "a cancelled confirmation writes nothing"
    );
    assert!(
        Journal::at(dir.path().join("journal.jsonl"))
            .lines()
            .unwrap_or_default()
            .is_empty()
    );

    driver.type_char('a');
    wait_for(&mut driver, &["[ Cancel ]"]).await;
    driver.type_char('y');
    let screen = wait_for(&mut driver, &["Fix applied", "now allows the request"]).await;
    assert!(screen.contains("r re-runs the restore"), "{screen}");
    assert!(!sandbox.audit().is_empty(), "the fix was written");
    driver.press(KeyCode::Esc);
    wait_for(&mut driver, &["fixed"]).await;

    driver.type_char('r');
    wait_for(&mut driver, &["Re-run restore?", "[ Cancel ]"]).await;
    driver.type_char('y');
    match driver
        .settle_until(|s| s.contains("Status: COMPLETED"), Duration::from_secs(90))
        .await
    {
        Ok(_) => {}
        Err(screen) => panic!("the re-run did not complete:\n{screen}"),
    }
    driver.press(KeyCode::Esc);

    // `c` copies the decoded JSON (OSC 52 in a real terminal; recorded here).
    driver.type_char('c');
    assert!(
        driver
            .copied()
            .last()
            .is_some_and(|t| t.contains("iam:PassRole")),
        "{:?}",
        driver.copied()
    );

    // `u` undoes the applied fix after its own confirmation.
    let writes = sandbox.audit().len();
    driver.type_char('u');
    wait_for(&mut driver, &["Undo fix?", "RestoreDoctorFixes"]).await;
    driver.press(KeyCode::Enter);
    assert_eq!(sandbox.audit().len(), writes, "Enter cancels the undo");
    driver.type_char('u');
    wait_for(&mut driver, &["Undo fix?"]).await;
    driver.type_char('y');
    wait_for(
        &mut driver,
        &["Fix undone", "Deleted inline policy RestoreDoctorFixes"],
    )
    .await;
    assert!(sandbox.audit().len() > writes, "the undo was written");
    driver.press(KeyCode::Esc);
    // The undo changed the role: the job's case is read again and no longer says fixed.
    let screen = wait_for(&mut driver, &["Fix: add to role"]).await;
    assert!(
        !screen.contains(" fixed "),
        "the undone job is no longer fixed:\n{screen}"
    );

    driver.type_char('q');
    assert!(driver.app().should_quit);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_jobs_decode_in_the_background_while_keys_work() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: 1_000,
        latency_ms: 5,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let session = connect(&sandbox, true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, true), 160, 45);
    wait_for(&mut driver, &["Failed restore jobs (1"]).await;
    // Keys are handled at once, whatever is still decoding.
    driver.type_char('G');
    let last = driver.app().visible.len() - 1;
    assert_eq!(driver.app().selected, last);
    driver.type_char('g');
    assert_eq!(driver.app().selected, 0);
    // Every row ends with a diagnosis badge.
    let pending = |app: &restore_doctor::tui::app::App| {
        app.jobs
            .iter()
            .filter(|row| app.badge(row) == Badge::Decoding)
            .count()
    };
    let decoded = driver
        .settle_app(|app| pending(app) == 0, Duration::from_secs(120))
        .await;
    assert!(decoded, "{} rows still decoding", pending(driver.app()));
    assert!(!driver.screen().contains("decoding…"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_explains_and_writes_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let session = connect(&sandbox, true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, true), 160, 45);
    let screen = article_job_selected(&mut driver).await;
    assert!(screen.contains("READ-ONLY"));

    driver.type_char('p');
    wait_for(&mut driver, &["iam:PassedToService"]).await;
    driver.type_char('a');
    let screen = wait_for(&mut driver, &["Apply is disabled", "read-only"]).await;
    assert!(
        !screen.contains("[ Cancel ]"),
        "no confirmation opens:\n{screen}"
    );
    driver.press(KeyCode::Esc);
    driver.press(KeyCode::Esc);
    driver.type_char('r');
    wait_for(&mut driver, &["Re-run is disabled"]).await;
    driver.press(KeyCode::Esc);
    driver.type_char('u');
    wait_for(&mut driver, &["Undo is disabled"]).await;
    driver.press(KeyCode::Esc);

    // Past the app's own guards: the runtime is told to write the previewed plan and to start
    // a restore. A read-only session has no write capability, so neither reaches AWS.
    driver.type_char('p');
    let plan = previewed_plan(&mut driver).await;
    driver.execute(Effect::Apply {
        plan: plan.clone(),
        token: None,
    });
    let job_id = plan.job_id.clone().expect("the plan is for a job");
    driver.execute(Effect::Rerun {
        job_id,
        without_instance_profile: false,
        wait_for_propagation: true,
    });
    let refused = driver
        .settle_until(
            |screen| {
                screen.contains("read-only: nothing was written")
                    || screen.contains("read-only: no restore")
            },
            WAIT,
        )
        .await;
    assert!(refused.is_ok(), "the runtime refused and said so");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sandbox.audit().is_empty(), "read-only wrote nothing");

    // The same effect on a session that may write does write: the check above can fail.
    let writer = connect(&sandbox, false).await;
    let mut control = tui::driver(writer, &options(&dir, false), 160, 45);
    article_job_selected(&mut control).await;
    control.execute(Effect::Apply { plan, token: None });
    let wrote = control
        .settle_app(|_| !sandbox.audit().is_empty(), WAIT)
        .await;
    assert!(wrote, "a writable session applies the same plan");
    sandbox.shutdown().await;
}

/// The plan of the preview that is open (waits for it to be ready).
async fn previewed_plan(driver: &mut Driver) -> Box<restore_doctor::workflow::FixPlan> {
    let ready = driver
        .settle_app(
            |app| {
                matches!(app.modals.last(), Some(Modal::Preview(p)) if matches!(p.state, PreviewState::Ready(_)))
            },
            WAIT,
        )
        .await;
    assert!(ready, "the preview became ready");
    match driver.app().modals.last() {
        Some(Modal::Preview(PreviewModal {
            state: PreviewState::Ready(plan),
            ..
        })) => plan.clone(),
        _ => unreachable!("checked above"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_help_and_export_work_against_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let session = connect(&sandbox, false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, false), 160, 45);
    article_job_selected(&mut driver).await;

    // The viewer shows the text; c copies exactly it; s saves it to the prefilled path.
    driver.type_char('e');
    let screen = wait_for(&mut driver, &["Export: job", "aws_iam_role_policy"]).await;
    assert!(screen.contains("iam:PassedToService"), "{screen}");
    driver.type_char('c');
    assert!(
        driver
            .copied()
            .last()
            .is_some_and(|t| t.contains("aws_iam_role_policy")),
        "copied the Terraform shown"
    );
    driver.press(KeyCode::Tab);
    driver.press(KeyCode::Tab);
    wait_for(&mut driver, &["aws iam put-role-policy"]).await;
    driver.type_char('s');
    driver.press(KeyCode::Enter);
    let screen = wait_for(&mut driver, &["Saved to"]).await;
    let found = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().ends_with(".sh"))
        .map(|e| e.path())
        .expect("a .sh file in the export directory");
    assert!(screen.contains(&*found.file_name().unwrap_or_default().to_string_lossy()));
    let text = std::fs::read_to_string(&found).expect("read");
    assert!(text.contains("put-role-policy"), "{text}");
    // Saving again to the same path asks; Esc keeps the file as it was.
    std::fs::write(&found, "kept").expect("write");
    driver.type_char('s');
    driver.press(KeyCode::Enter);
    wait_for(&mut driver, &["exists. y overwrites it"]).await;
    driver.press(KeyCode::Esc);
    assert_eq!(std::fs::read_to_string(&found).expect("read"), "kept");
    driver.press(KeyCode::Enter);
    wait_for(&mut driver, &["exists. y overwrites it"]).await;
    driver.type_char('y');
    wait_for(&mut driver, &["Saved to"]).await;
    assert!(
        std::fs::read_to_string(&found)
            .expect("read")
            .contains("put-role-policy")
    );
    driver.press(KeyCode::Esc);

    driver.type_char('?');
    wait_for(&mut driver, &["Keys", "cycle scope"]).await;
    driver.type_char('/');
    driver.type_str("undo");
    let screen = driver.screen();
    assert!(screen.contains("undo the last applied fix") && !screen.contains("cycle scope"));
    driver.press(KeyCode::Esc);
    driver.press(KeyCode::Esc);

    driver.type_char('/');
    driver.type_str("no-such-job");
    wait_for(&mut driver, &["No job matches the filter"]).await;
    driver.press(KeyCode::Esc);
    wait_for(&mut driver, &["iam:PassRole"]).await;
    assert!(
        sandbox.audit().is_empty(),
        "browsing and exporting write nothing"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_aws_never_blocks_the_keys() {
    let sandbox = Sandbox::start(SandboxConfig {
        latency_ms: 1_500,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let session = connect(&sandbox, false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, false), 160, 45);
    let screen = driver.screen();
    assert!(screen.contains("Listing failed restore jobs"), "{screen}");
    wait_for(&mut driver, &["decoding…"]).await;
    // While STS is slow, keys are handled and drawn at once.
    let started = std::time::Instant::now();
    driver.type_char('p');
    let screen = driver.screen();
    assert!(screen.contains("still decoding"), "{screen}");
    driver.type_char('?');
    assert!(driver.screen().contains("Keys"));
    driver.press(KeyCode::Esc);
    assert!(started.elapsed() < Duration::from_millis(500));
    // The selected (newest) job decoded: other rows may finish first.
    let selected_decoded = driver
        .settle_app(|app| app.selected_decoded().is_some(), WAIT)
        .await;
    assert!(selected_decoded, "the selected job decoded");

    // Keys that start network work (a preview reads IAM, a refresh lists again, each call
    // 1.5 s away) return at once and the screen moves on while that work is still in flight:
    // this fails if a key handler ever awaits AWS.
    let started = std::time::Instant::now();
    driver.type_char('p');
    let screen = driver.screen();
    assert!(
        screen.contains("Reading the target's policies from IAM"),
        "the preview opens loading:\n{screen}"
    );
    driver.press(KeyCode::Esc);
    driver.type_char('j');
    let moved = driver.app().selected;
    driver.key(KeyCode::Char('r'), crossterm::event::KeyModifiers::CONTROL);
    let elapsed = started.elapsed();
    assert_eq!(
        moved, 1,
        "the selection moved while the preview was in flight"
    );
    assert!(
        elapsed < Duration::from_millis(1_000),
        "keys that start AWS calls took {elapsed:?} (each call takes 1.5 s)"
    );
    sandbox.shutdown().await;
}

/// How many successful responses the sandbox served for `operation` (its `/_sandbox/stats`).
async fn served(sandbox: &Sandbox, operation: &str) -> u64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(sandbox.local_addr())
        .await
        .expect("connect to the sandbox");
    stream
        .write_all(b"GET /_sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    let stats: serde_json::Value = serde_json::from_str(body).expect("stats JSON");
    stats["served"][operation].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_distinct_token_is_decoded_once_even_after_a_refresh() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: 200,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let session = connect(&sandbox, true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, true), 160, 45);
    let all_decoded = |app: &restore_doctor::tui::app::App| {
        app.list_state == restore_doctor::tui::app::ListState::Loaded
            && !app.jobs.is_empty()
            && app.jobs.iter().all(|row| app.badge(row) != Badge::Decoding)
    };
    assert!(
        driver
            .settle_app(all_decoded, Duration::from_secs(60))
            .await
    );
    let distinct: std::collections::HashSet<_> = driver
        .app()
        .jobs
        .iter()
        .filter_map(|row| row.job.encoded_message.clone())
        .collect();
    let decodes = served(&sandbox, "DecodeAuthorizationMessage").await;
    assert_eq!(
        decodes,
        distinct.len() as u64,
        "one STS call per distinct token"
    );

    driver.key(KeyCode::Char('r'), crossterm::event::KeyModifiers::CONTROL);
    assert_eq!(
        driver.app().list_state,
        restore_doctor::tui::app::ListState::Loading
    );
    assert!(
        driver
            .settle_app(all_decoded, Duration::from_secs(60))
            .await
    );
    assert_eq!(
        served(&sandbox, "DecodeAuthorizationMessage").await,
        decodes,
        "a refresh re-lists but does not decode known tokens again"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_aws_degrades_rows_not_the_app() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: 100,
        faults: "throttle=0.2,error=0.2".parse().expect("fault spec"),
        seed: 7,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let session = connect(&sandbox, true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, true), 160, 45);
    let settled = |app: &restore_doctor::tui::app::App| {
        app.list_state != restore_doctor::tui::app::ListState::Loading
            && app.jobs.iter().all(|row| app.badge(row) != Badge::Decoding)
    };
    assert!(driver.settle_app(settled, Duration::from_secs(120)).await);
    // Every row has a badge (decoded, or `decode failed: reason`), and keys still work.
    driver.type_char('G');
    driver.type_char('?');
    assert!(driver.screen().contains("Keys"));
    driver.press(KeyCode::Esc);
    // `u` with an empty journal explains instead of failing.
    let mut driver_rw = tui::driver(
        connect(&sandbox, false).await,
        &options(&dir, false),
        160,
        45,
    );
    driver_rw.type_char('u');
    wait_for(&mut driver_rw, &["Nothing to undo"]).await;
    sandbox.shutdown().await;
}

/// The line of the jobs pane that carries the selection marker.
fn marked_line(screen: &str) -> Option<usize> {
    screen.lines().position(|line| line.starts_with("│▶"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_show_in_the_next_frame_while_the_fault_storm_runs() {
    let sandbox = Sandbox::start(SandboxConfig {
        extra_jobs: 1000,
        faults: "throttle=0.2,error=0.05,reset=0.01"
            .parse()
            .expect("fault spec"),
        latency_ms: 20,
        seed: 11,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let session = connect(&sandbox, true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut driver = tui::driver(session, &options(&dir, true), 160, 45);
    let listed = |app: &restore_doctor::tui::app::App| {
        app.list_state != restore_doctor::tui::app::ListState::Loading
    };
    assert!(driver.settle_app(listed, Duration::from_secs(120)).await);
    let mut pressed_while_decoding = 0;
    let mut line = marked_line(&driver.screen()).expect("a selected row");
    for _ in 0..20 {
        let decoding = driver
            .app()
            .jobs
            .iter()
            .any(|row| driver.app().badge(row) == Badge::Decoding);
        driver.type_char('j');
        // The very next frame shows the selection one row lower.
        let screen = driver.screen();
        let next = marked_line(&screen).expect("a selected row");
        assert_eq!(
            next,
            line + 1,
            "the key press is in the next frame:\n{screen}"
        );
        line = next;
        if decoding {
            pressed_while_decoding += 1;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(
        pressed_while_decoding > 0,
        "the keys were pressed while the storm was still being decoded"
    );
    sandbox.shutdown().await;
}
