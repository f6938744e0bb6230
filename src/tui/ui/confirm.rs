//! The confirmation of a write: says exactly what will be written where (a WIDER scope in red);
//! Cancel is the default.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::app::ConfirmModal;

/// Draws the confirmation modal. The rows are wrapped by [`ConfirmModal::rows`], the same
/// function the app uses to decide whether the confirmation is fully visible.
pub fn render(confirm: &ConfirmModal, frame: &mut Frame, area: Rect) {
    let width = ConfirmModal::width(area.width);
    let height = u16::try_from(confirm.height(area.width)).unwrap_or(u16::MAX);
    let modal = super::centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Yellow))
        .title(format!(" {}? ", confirm.action));
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = confirm
        .rows(inner)
        .into_iter()
        .map(|row| {
            let text = if row.warning {
                Span::from(row.text).red().bold()
            } else {
                Span::from(row.text)
            };
            Line::from(vec![Span::from(row.label).bold(), text])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::from(" [ Cancel ] ").reversed().bold(),
        Span::from("   "),
        Span::from("y").bold().fg(Color::Yellow),
        Span::from(" confirm    n / Enter / Esc cancel"),
    ]));
    frame.render_widget(Clear, modal);
    frame.render_widget(Paragraph::new(lines).block(block), modal);
}
