//! One full frame of the terminal UI at 160x45 with 10,000 listed jobs and a context tree of
//! about 1,000 nodes, drawn into ratatui's `TestBackend` (layout, widgets and buffer diff; no
//! terminal I/O). Run: `cargo bench --bench render`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use restore_doctor::diagnosis::{DecodedMessage, Scope, diagnose};
use restore_doctor::tui::action::Action;
use restore_doctor::tui::app::tree::{self, Node};
use restore_doctor::tui::app::{App, HeaderInfo};
use restore_doctor::tui::ui;
use restore_doctor::workflow::JobSummary;
use serde_json::json;

const JOBS: usize = 10_000;

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

fn job(i: usize) -> JobSummary {
    let token = format!("tok{i:05}");
    JobSummary {
        restore_job_id: format!("{i:08X}-1111-2222-3333-444455556666"),
        status: restore_doctor::diagnosis::RestoreJobStatus::Failed,
        created: format!("2026-11-{:02}T10:00:00Z", 28 - (i / 1000)),
        resource_type: Some(if i.is_multiple_of(3) { "EBS" } else { "EC2" }.into()),
        recovery_point_arn: Some(format!("arn:aws:ec2:us-east-1::image/ami-{i:017x}")),
        iam_role_arn: Some(format!(
            "arn:aws:iam::111122223333:role/service-role/Role{i}"
        )),
        status_message: Some(format!("Encoded authorization failure message: {token}")),
        encoded_message: Some(token),
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
            token: format!("tok{i:05}"),
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
        let nodes = tree::nodes(&decoded.0, &decoded.1);
        let all = tree::visible(&nodes, &every_path(&nodes));
        let open = tree::visible(&nodes, &app.tree_opened);
        eprintln!(
            "context tree: {} nodes, {} visible with the nodes opened",
            all.len(),
            open.len()
        );
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("test backend");
    c.bench_function("render_frame_160x45_10k_jobs_1k_node_tree", |b| {
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

criterion_group!(benches, render);
criterion_main!(benches);
