//! The export chooser (Terraform, CloudFormation, CLI, JSON) and the path written.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::ExportModal;

/// Draws the export modal.
pub fn render(export: &ExportModal, frame: &mut Frame, area: Rect) {
    let modal = super::centered(area, 100, 12);
    let mut lines = vec![Line::from(format!(
        "Export the fix for job {} ({} {}):",
        export.job_id,
        export.fix.target.name,
        export.fix.scope.as_str()
    ))];
    for (key, name) in [
        ("t", "Terraform"),
        ("f", "CloudFormation"),
        ("l", "AWS CLI command"),
        ("J", "policy JSON"),
    ] {
        lines.push(Line::from(vec![
            Span::from(format!("  {key}  ")).fg(Color::Cyan).bold(),
            Span::from(name),
        ]));
    }
    if export.writing {
        lines.push(Line::from("Writing…").yellow());
    }
    match &export.result {
        Some(Ok(path)) => lines.push(Line::from(format!("Written to {}", path.display())).green()),
        Some(Err(reason)) => lines.push(Line::from(reason.clone()).red()),
        None => {}
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(" Export fix ")
        .title_bottom(" Esc close ");
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        modal,
    );
}
