//! The diagnosis sentence and the proposed fix, in short.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::app::App;

/// Draws the diagnosis pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(false))
        .title(" Diagnosis ");
    let mut lines = Vec::new();
    if let Some(decoded) = app.selected_decoded() {
        let diagnosis = &decoded.1;
        lines.push(Line::from(diagnosis.summary.clone()));
        match &diagnosis.fix {
            Some(report) => {
                let fix = &report.fix;
                let statement = serde_json::to_string(&fix.statement).unwrap_or_default();
                lines.push(Line::from(vec![
                    "Fix: ".bold(),
                    format!(
                        "add to {} {} (inline policy {}, {} scope): ",
                        serde_json::to_value(fix.target.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        fix.target.name,
                        fix.policy_name,
                        fix.scope.as_str()
                    )
                    .into(),
                ]));
                lines.push(Line::from(statement).dim());
            }
            None => lines.push(Line::from(format!(
                "No fix proposed: {}",
                diagnosis
                    .no_fix_reason
                    .as_deref()
                    .unwrap_or("see the verdict")
            ))),
        }
    } else if let Some(row) = app.selected_row() {
        lines.push(Line::from(
            row.job
                .status_message
                .clone()
                .unwrap_or_else(|| "No status message.".into()),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
