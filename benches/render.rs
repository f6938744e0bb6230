//! One full frame of the terminal UI at 160x45 with 100,000 listed jobs and a context tree of
//! about 1,000 nodes, every node opened, drawn into ratatui's `TestBackend` (layout, widgets and
//! buffer diff; no terminal I/O). Run: `cargo bench --bench render`.
//!
//! `cargo bench --bench render -- decode_cpu` instead measures, side by side in one run, the
//! CPU time `App::update` spends taking the decode results of 5,000 and of 100,000 listed jobs
//! (one `TokenDecoded` each, as the runtime sends them) with a jobs filter active and without one.
//!
//! `render-HASH decode_once JOBS on|off [SORT]` runs one such round (filter on or off, sorted
//! by SORT) for callgrind.
//!
//! `cargo bench --bench render -- frame_cpu` measures the same frame as the thread's CPU time
//! (so other processes on a shared machine do not count): the median of 21 batches of 50.
//!
//! `cargo bench --bench render -- keys` measures what a key press costs with 100,000 jobs:
//! `App::update` for the key's action and the frame drawn after it, per key.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use restore_doctor::diagnosis::{DecodedMessage, Scope, diagnose};
use restore_doctor::tui::action::Action;
use restore_doctor::tui::app::tree::{self, Node};
use restore_doctor::tui::app::{App, HeaderInfo, SortColumn};
use restore_doctor::tui::ui;
use restore_doctor::workflow::JobSummary;
use serde_json::json;

const JOBS: usize = 100_000;

/// A decoded message whose context tree has about 1,000 nodes: 991 condition keys (one node each, values inline) with two
/// values each (a key node and its value nodes), plus the fixed nodes.
fn big_message() -> DecodedMessage {
    let conditions: Vec<_> = (0..991)
        .map(|i| {
            json!({"key": format!("aws:RequestTag/key{i}"),
                   "values": {"items": [{"value": format!("a{i}")}, {"value": format!("b{i}")}]}})
        })
        .collect();
    let text = json!({
        "allowed": false, "explicitDeny": false,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AROAEXAMPLE:AWSBackup-AWSBackupDefaultServiceRole",
                          "arn": "arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole"},
            "action": "iam:PassRole",
            "resource": "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup",
            "conditions": {"items": conditions}
        }
    })
    .to_string();
    DecodedMessage::parse(&text).expect("the bench message parses")
}

thread_local! {
    /// One site shared by every job, as a listing shares it.
    static SITE: std::sync::Arc<restore_doctor::diagnosis::Site> =
        std::sync::Arc::new(restore_doctor::diagnosis::Site::new("111122223333", "us-east-1"));
}

fn job(i: usize) -> JobSummary {
    let token = format!("tok{i:05}");
    JobSummary {
        restore_job_id: format!("{i:08X}-1111-2222-3333-444455556666"),
        site: SITE.with(|site| site.clone()),
        status: restore_doctor::diagnosis::RestoreJobStatus::Failed,
        created: format!("2026-11-{:02}T10:00:00Z", 28 - (i / 1000)),
        resource_type: Some(if i.is_multiple_of(3) { "EBS" } else { "EC2" }.into()),
        recovery_point_arn: Some(format!("arn:aws:ec2:us-east-1::image/ami-{i:017x}")),
        backup_vault_arn: None,
        iam_role_arn: Some(format!("arn:aws:iam::111122223333:role/service-role/Role{i}").into()),
        status_message: Some(format!("Encoded authorization failure message: {token}").into()),
        encoded_message: Some(token.into()),
        created_resource_arn: None,
    }
}

fn app() -> App {
    let header = HeaderInfo {
        account: Some("111122223333".into()),
        caller_arn: Some("arn:aws:iam::111122223333:user/bench".into()),
        region: "us-east-1".into(),
        profile: None,
        sandbox: true,
        read_only: false,
    };
    let mut app = App::new(header, (160, 45));
    let _ = app.start();
    let generation = app.generation;
    let jobs: Vec<JobSummary> = (0..JOBS).map(job).collect();
    let _ = app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    let message = big_message();
    let diagnosis = diagnose(&message, Scope::Exact);
    let decoded = Arc::new((message, diagnosis));
    for i in 0..JOBS {
        let _ = app.update(Action::TokenDecoded {
            generation,
            token: format!("tok{i:05}").into(),
            result: Ok(decoded.clone()),
        });
    }
    // Open every node of the tree, as far as the keymap lets a user: focus it and open all.
    let _ = app.update(Action::FocusNext);
    for _ in 0..400 {
        let _ = app.update(Action::OpenNode);
        let _ = app.update(Action::MoveDown);
    }
    let _ = app.update(Action::FocusPrev);
    let _ = app.update(Action::PageDown);
    app
}

fn render(c: &mut Criterion) {
    let app = app();
    if let Some(decoded) = app.selected_decoded() {
        let nodes = tree::nodes(&decoded.0, &decoded.1, "");
        let all = tree::visible(&nodes, &every_path(&nodes));
        let open = tree::visible(&nodes, &app.tree_opened);
        eprintln!(
            "context tree: {} nodes, {} visible with the nodes opened",
            all.len(),
            open.len()
        );
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("test backend");
    c.bench_function("render_frame_160x45_100k_jobs_1k_node_tree", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| ui::render(black_box(&app), frame))
                .expect("draw");
        })
    });
}

/// Every node's path, so `visible` counts the whole tree.
fn every_path(nodes: &[Node]) -> std::collections::HashSet<Vec<String>> {
    let mut paths = std::collections::HashSet::new();
    let mut stack: Vec<(Vec<String>, &Node)> =
        nodes.iter().map(|n| (vec![n.id.clone()], n)).collect();
    while let Some((path, node)) = stack.pop() {
        for child in &node.children {
            let mut child_path = path.clone();
            child_path.push(child.id.clone());
            stack.push((child_path, child));
        }
        paths.insert(path);
    }
    paths
}

/// Jobs in the decode measurements, as many as `restore-doctor sandbox --jobs 5000` and
/// `--jobs 100000` list.
const DECODE_JOBS: [usize; 2] = [5_000, 100_000];
/// Rounds of the decode measurement (filter off, then on, each round).
const DECODE_ROUNDS: usize = 5;

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    /// libc's `clock_gettime` (std links libc; the crate has no `libc` dependency).
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// Linux's `CLOCK_THREAD_CPUTIME_ID`.
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

/// This thread's CPU time so far, to the nanosecond, so a busy shared machine does not count
/// other processes' time (`/proc/thread-self/schedstat` only moves at scheduler ticks).
fn thread_cpu() -> std::time::Duration {
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable `struct timespec` for the call's duration.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    std::time::Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_nsec).unwrap_or(0),
    )
}

/// CPU time of applying one `TokenDecoded` per job to an app listing `jobs` jobs, with
/// `filter` typed first (None: no filter).
fn decode_round(jobs: usize, filter: Option<&str>) -> (std::time::Duration, usize) {
    decode_round_sorted(jobs, filter, SortColumn::Created)
}

/// [`decode_round`] with the table sorted by `sort` first.
fn decode_round_sorted(
    jobs: usize,
    filter: Option<&str>,
    sort: SortColumn,
) -> (std::time::Duration, usize) {
    let (mut app, actions) = decode_setup(jobs, filter, sort);
    let start = thread_cpu();
    decode_loop(&mut app, actions);
    let spent = thread_cpu() - start;
    (spent, app.visible.len())
}

/// `App::update` taking each of `actions` in turn: the measured part of [`decode_round`],
/// kept out of line so callgrind can count it alone (`--toggle-collect='*decode_loop*'`).
#[inline(never)]
fn decode_loop(app: &mut App, actions: Vec<Action>) {
    for action in actions {
        black_box(app.update(action));
    }
}

/// An app listing `jobs` jobs with `filter` typed (None: no filter), and one `TokenDecoded`
/// per job, as the runtime sends them.
fn decode_setup(jobs: usize, filter: Option<&str>, sort: SortColumn) -> (App, Vec<Action>) {
    let header = HeaderInfo {
        account: Some("111122223333".into()),
        caller_arn: Some("arn:aws:iam::111122223333:user/bench".into()),
        region: "us-east-1".into(),
        profile: None,
        sandbox: true,
        read_only: false,
    };
    let mut app = App::new(header, (160, 45));
    let _ = app.start();
    let generation = app.generation;
    let _ = app.update(Action::JobsLoaded {
        generation,
        result: Ok((0..jobs).map(job).collect()),
    });
    while app.sort != sort {
        let _ = app.update(Action::CycleSort);
    }
    if let Some(filter) = filter {
        let _ = app.update(Action::StartFilter);
        for ch in filter.chars() {
            let _ = app.update(Action::InputChar(ch));
        }
        let _ = app.update(Action::InputSubmit);
    }
    let message = DecodedMessage::parse(include_str!(
        "../assets/examples/backup-passrole-implicit-deny.json"
    ))
    .expect("the example parses");
    let diagnosis = diagnose(&message, Scope::Exact);
    let decoded = Arc::new((message, diagnosis));
    let actions: Vec<Action> = (0..jobs)
        .map(|i| Action::TokenDecoded {
            generation,
            token: format!("tok{i:05}").into(),
            result: Ok(decoded.clone()),
        })
        .collect();
    (app, actions)
}

/// One decode round, filter on or off, for an instruction count of [`decode_loop`] alone:
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*decode_loop*'
/// target/release/deps/render-HASH decode_once JOBS on|off [SORT]` (SORT: a column's name, as
/// the palette's `sort` takes it; created when not given).
fn decode_once(args: &[String]) {
    let jobs = args
        .get(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(DECODE_JOBS[0]);
    let filter = (args.get(3).map(String::as_str) == Some("on")).then_some("passrole");
    let sort = args
        .get(4)
        .and_then(|name| SortColumn::parse(name))
        .unwrap_or(SortColumn::Created);
    let (spent, shown) = decode_round_sorted(jobs, filter, sort);
    println!(
        "decode_once {jobs} jobs, sorted by {}, filter {}: {:.1} ms of CPU, {shown} rows shown",
        sort.name(),
        filter.unwrap_or("off"),
        spent.as_secs_f64() * 1e3
    );
}

fn median(mut times: Vec<std::time::Duration>) -> std::time::Duration {
    times.sort();
    times[times.len() / 2]
}

/// Prints the decode measurements: median CPU time with the filter off and on, and the
/// ratio, at each size of [`DECODE_JOBS`].
fn decode_cpu() {
    let filter = "passrole";
    for jobs in DECODE_JOBS {
        let (mut off, mut on) = (Vec::new(), Vec::new());
        for round in 0..DECODE_ROUNDS {
            let (time_off, shown_off) = decode_round(jobs, None);
            let (time_on, shown_on) = decode_round(jobs, Some(filter));
            eprintln!(
                "{jobs} jobs, round {round}: filter off {time_off:?} ({shown_off} rows shown), filter /{filter} {time_on:?} ({shown_on} rows shown)"
            );
            off.push(time_off);
            on.push(time_on);
        }
        let (off, on) = (median(off), median(on));
        println!(
            "decode {jobs} jobs, CPU time of App::update (median of {DECODE_ROUNDS}): filter off {:.1} ms, filter /{filter} {:.1} ms, ratio {:.2}x",
            off.as_secs_f64() * 1e3,
            on.as_secs_f64() * 1e3,
            on.as_secs_f64() / off.as_secs_f64()
        );
    }
}

/// Prints the frame's thread CPU time: the median over batches of frames.
fn frame_cpu() {
    let app = app();
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("test backend");
    let (batches, frames) = (21, 50u32);
    let mut times = Vec::new();
    for _ in 0..batches {
        let start = thread_cpu();
        for _ in 0..frames {
            terminal
                .draw(|frame| ui::render(black_box(&app), frame))
                .expect("draw");
        }
        times.push((thread_cpu() - start) / frames);
    }
    let (min, max) = (times.iter().min().copied(), times.iter().max().copied());
    println!(
        "frame 160x45, {JOBS} jobs, 1,000-node tree opened: thread CPU per frame, median of {batches} batches of {frames}: {:.3} ms (batches {:.3} to {:.3} ms)",
        median(times).as_secs_f64() * 1e3,
        min.unwrap_or_default().as_secs_f64() * 1e3,
        max.unwrap_or_default().as_secs_f64() * 1e3
    );
}

/// Rounds of the key measurement.
const KEY_ROUNDS: usize = 15;

/// The keys measured, in the order pressed each round (a round ends where it started: the
/// selection, the sort and the filter come back), with the name printed for each.
fn key_script() -> Vec<(&'static str, Vec<Action>)> {
    let mut script = vec![
        ("j (move down)", vec![Action::MoveDown]),
        ("k (move up)", vec![Action::MoveUp]),
        ("PageDown", vec![Action::PageDown]),
        ("PageUp", vec![Action::PageUp]),
        ("G (last)", vec![Action::Last]),
        ("g (first)", vec![Action::First]),
    ];
    for name in [
        "o (sort by type)",
        "o (sort by role)",
        "o (sort by status)",
        "o (sort by badge)",
        "o (sort by created)",
    ] {
        script.push((name, vec![Action::CycleSort]));
    }
    script.push(("/ (start the filter)", vec![Action::StartFilter]));
    for (name, ch) in [
        ("type p (/p)", 'p'),
        ("type a (/pa)", 'a'),
        ("type s (/pas)", 's'),
        ("type s (/pass)", 's'),
    ] {
        script.push((name, vec![Action::InputChar(ch)]));
    }
    for _ in 0..4 {
        script.push(("Backspace", vec![Action::InputBackspace]));
    }
    script.push(("Esc (clear the filter)", vec![Action::InputCancel]));
    script.push(("Tab (to the tree)", vec![Action::FocusNext]));
    script.push(("j in the 1,000-node tree", vec![Action::MoveDown]));
    script.push(("k in the 1,000-node tree", vec![Action::MoveUp]));
    script.push(("Tab (back to the jobs)", vec![Action::FocusPrev]));
    script
}

/// Prints, per key, the median and the slowest wall time of `App::update` plus the frame
/// drawn after it, with 100,000 jobs listed and decoded and the 1,000-node tree opened.
fn keys() {
    let mut app = app();
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("test backend");
    terminal
        .draw(|frame| ui::render(&app, frame))
        .expect("draw");
    let script = key_script();
    let mut times: Vec<Vec<std::time::Duration>> = vec![Vec::new(); script.len()];
    for _ in 0..KEY_ROUNDS {
        for (step, (_, actions)) in script.iter().enumerate() {
            let start = std::time::Instant::now();
            for action in actions {
                black_box(app.update(action.clone()));
            }
            terminal
                .draw(|frame| ui::render(black_box(&app), frame))
                .expect("draw");
            times[step].push(start.elapsed());
        }
    }
    let mut worst = std::time::Duration::ZERO;
    for ((name, _), samples) in script.iter().zip(times) {
        let max = samples.iter().copied().max().unwrap_or_default();
        worst = worst.max(median(samples.clone()));
        println!(
            "key {name:<28} update + draw, {JOBS} jobs: median {:>8.3} ms, max {:>8.3} ms",
            median(samples).as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    println!(
        "keys: slowest median {:.3} ms (target <= 16 ms)",
        worst.as_secs_f64() * 1e3
    );
}

criterion_group!(benches, render);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("decode_once") {
        decode_once(&args);
        return;
    }
    if std::env::args().any(|arg| arg == "decode_cpu") {
        decode_cpu();
        return;
    }
    if std::env::args().any(|arg| arg == "frame_cpu") {
        frame_cpu();
        return;
    }
    if std::env::args().any(|arg| arg == "keys") {
        keys();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
