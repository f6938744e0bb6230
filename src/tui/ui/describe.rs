//! The describe view of one restore job: every field in full (the whole status message, every
//! ARN), the decoded context, the diagnosis with the whole fix, and the journal entries for it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::tree::{self, Node};
use crate::tui::app::{App, DecodeState, DescribeModal, DiagnosisLine};
use crate::workflow::journal::{JournalEntry, Phase};

fn field(name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::from(format!("{name:<18}")).bold(),
        Span::from(value.into()),
    ])
}

fn heading(text: &str) -> Line<'static> {
    Line::from(text.to_string()).bold().underlined()
}

fn tree_lines(nodes: &[Node], depth: usize, lines: &mut Vec<Line<'static>>) {
    for node in nodes {
        lines.push(Line::from(format!("{}{}", "  ".repeat(depth), node.text)));
        tree_lines(&node.children, depth + 1, lines);
    }
}

fn journal_line(entry: &JournalEntry) -> Line<'static> {
    let operation = entry.operation.name();
    let phase = match entry.phase {
        Phase::Pending => "pending (not yet reconciled with IAM)",
        Phase::Applied => "applied",
        Phase::Failed => "failed (IAM refused it)",
        Phase::Unknown => "unknown (no answer came; not yet reconciled with IAM)",
        Phase::NotApplied => "not applied (reconciled: IAM never took it)",
    };
    Line::from(format!(
        "{}  {operation} {phase}: inline policy {} on {} {} (entry {})",
        entry.time, entry.policy_name, entry.target_type, entry.target_arn, entry.id
    ))
}

/// The describe view's lines for the job it shows.
fn lines(app: &App, describe: &DescribeModal) -> Vec<Line<'static>> {
    let Some(row) = app
        .jobs
        .iter()
        .find(|r| r.job.restore_job_id == describe.job_id)
    else {
        return vec![Line::from(
            "This job is no longer listed (refresh with Ctrl-r).",
        )];
    };
    let job = &row.job;
    let or_dash = |v: Option<&str>| v.unwrap_or("-").to_string();
    let mut lines = vec![
        field("Restore job", job.restore_job_id.clone()),
        field("Status", job.status.to_string()),
        field("Created", job.created.clone()),
        field("Resource type", or_dash(job.resource_type.as_deref())),
        field("Recovery point", or_dash(job.recovery_point_arn.as_deref())),
        field("IAM role", or_dash(job.iam_role_arn.as_deref())),
        field(
            "Created resource",
            or_dash(job.created_resource_arn.as_deref()),
        ),
        field("Badge", app.badge(row).label()),
        field(
            "Encoded message",
            match &job.encoded_message {
                Some(token) => format!("{} characters", token.chars().count()),
                None => "none in the status message".into(),
            },
        ),
        Line::from(""),
        heading("Status message"),
        Line::from(
            job.status_message
                .as_ref()
                .map_or_else(|| "-".into(), |m| m.to_string()),
        ),
        Line::from(""),
        heading("Decoded context"),
    ];
    match app.decode_of(job) {
        None => lines.push(Line::from("No encoded authorization message to decode.")),
        Some(DecodeState::Pending | DecodeState::Evicted(_)) => {
            lines.push(Line::from("decoding…").dim())
        }
        Some(DecodeState::Failed(reason)) => {
            lines.push(Line::from(format!("decode failed: {reason}")).red())
        }
        Some(DecodeState::Done(decoded)) => {
            tree_lines(
                &tree::nodes(&decoded.0, &decoded.1, &app.case_note_of(job)),
                0,
                &mut lines,
            );
        }
    }
    lines.push(Line::from(""));
    lines.push(heading("Diagnosis"));
    for (kind, text) in app.diagnosis_lines() {
        lines.push(match kind {
            DiagnosisLine::Sentence => Line::from(text),
            DiagnosisLine::FixHeading => Line::from(text).bold(),
            DiagnosisLine::Statement => Line::from(text).dim(),
        });
    }
    lines.push(Line::from(""));
    lines.push(heading("Journal (writes for this job)"));
    match &describe.journal {
        None => lines.push(Line::from("reading the journal…").dim()),
        Some(Err(reason)) => lines.push(Line::from(format!("cannot read it: {reason}")).red()),
        Some(Ok(entries)) if entries.is_empty() => {
            lines.push(Line::from("No write for this job was journalled."))
        }
        Some(Ok(entries)) => lines.extend(entries.iter().map(journal_line)),
    }
    lines
}

/// Draws the describe view.
pub fn render(app: &App, describe: &DescribeModal, frame: &mut Frame, area: Rect) {
    let modal = super::centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(format!(" Restore job {} ", describe.job_id))
        .title_bottom(" j/k PgUp/PgDn scroll  Esc back ");
    let lines = lines(app, describe);
    // Scrolling stops when the last line is at the bottom (G goes there).
    let inner = usize::from(modal.width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let bottom = rows.saturating_sub(usize::from(modal.height.saturating_sub(2)));
    let scroll = u16::try_from(describe.scroll.min(bottom)).unwrap_or(u16::MAX);
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        modal,
    );
}
