//! A re-run's live progress until COMPLETED or FAILED; a new failure is diagnosed in place.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::diagnosis::RestoreJobStatus;
use crate::tui::app::{App, DecodeState, OperationKind, ProgressModal};

/// Draws the progress modal.
pub fn render(app: &App, progress: &ProgressModal, frame: &mut Frame, area: Rect) {
    let modal = super::centered(area, 110, 14);
    let mut lines = vec![Line::from(format!(
        "Re-run of restore job {}",
        progress.source_job
    ))];
    let source = Some(progress.source_job.as_str());
    match &progress.new_job {
        Some(job) => lines.push(Line::from(format!("New restore job: {job}"))),
        None if progress.error.is_none()
            && let Some(spin) = app.running(OperationKind::Propagation, source) =>
        {
            lines.push(Line::from(format!(
                "Waiting for IAM to propagate the fix (its simulator must allow the failed request; at most 60s)… {spin}"
            )))
        }
        None if progress.error.is_none() => lines.push(Line::from(format!(
            "Starting the restore (reading the job's metadata, StartRestoreJob)… {}",
            app.running(OperationKind::RerunStart, source)
                .unwrap_or_default()
        ))),
        None => {}
    }
    let following = app.running(OperationKind::RerunFollow, source);
    if progress.progress.is_none()
        && let Some(spin) = &following
    {
        lines.push(Line::from(format!("Waiting for its first status… {spin}")));
    }
    if let Some(status) = &progress.progress {
        let colour = match status.status {
            RestoreJobStatus::Completed => Color::Green,
            RestoreJobStatus::Failed | RestoreJobStatus::Aborted => Color::Red,
            _ => Color::Yellow,
        };
        let percent = status
            .percent_done
            .as_deref()
            .map(|p| format!(" ({p}%)"))
            .unwrap_or_default();
        let spin = following
            .as_deref()
            .map(|s| format!("  {s}"))
            .unwrap_or_default();
        lines.push(
            Line::from(format!("Status: {}{percent}{spin}", status.status))
                .fg(colour)
                .bold(),
        );
        if let Some(arn) = &status.created_resource_arn {
            lines.push(Line::from(format!("Created: {arn}")));
        }
        if status.status != RestoreJobStatus::Completed
            && let Some(message) = &status.status_message
        {
            let short: String = message.chars().take(200).collect();
            lines.push(Line::from(short).dim());
        }
    }
    if let Some(error) = &progress.error {
        lines.push(Line::from(error.clone()).red());
    }
    if let Some(token) = &progress.failure_token {
        match app.decodes.get(token) {
            Some(DecodeState::Done(decoded)) => {
                lines.push(Line::from(format!("Diagnosis: {}", decoded.1.summary)).yellow());
            }
            Some(DecodeState::Failed(reason)) => {
                lines.push(Line::from(format!("decode failed: {reason}")).red());
            }
            // Only its badge was kept: the job's describe view decodes it again.
            Some(DecodeState::Evicted(badge)) => {
                lines.push(Line::from(format!("Diagnosis: {}", badge.label())).yellow());
            }
            _ => lines.push(Line::from("decoding the new failure…").dim()),
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(" Re-run ")
        .title_bottom(match &progress.progress {
            // A job runs only once one was started, and until it ends.
            Some(p) if p.is_terminal() => " Esc close ",
            _ if progress.new_job.is_some() => " Esc close (the job keeps running) ",
            _ if progress.error.is_some() => " Esc close (no restore was started) ",
            _ => " Esc close (the re-run goes on) ",
        });
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        modal,
    );
}
