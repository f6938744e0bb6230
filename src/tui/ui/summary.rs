//! The diagnosis sentence and the whole proposed fix statement.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::app::{App, DiagnosisLine};

/// Draws the diagnosis pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(false))
        .title(" Diagnosis ");
    let lines: Vec<Line> = app
        .diagnosis_lines()
        .into_iter()
        .map(|(kind, text)| match kind {
            DiagnosisLine::Sentence => Line::from(text),
            DiagnosisLine::FixHeading => Line::from(text).bold(),
            DiagnosisLine::Statement => Line::from(text).dim(),
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
