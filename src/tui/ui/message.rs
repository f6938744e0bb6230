//! A dismissable message or error, with the one-line remedy.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::MessageModal;

/// Draws the message modal.
pub fn render(message: &MessageModal, frame: &mut Frame, area: Rect) {
    let colour = if message.error {
        Color::Red
    } else {
        Color::Green
    };
    let mut lines: Vec<Line> = message
        .lines
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    if let Some(remedy) = &message.remedy {
        lines.push(Line::from(remedy.clone()).fg(colour));
    }
    // Wrapped lines count as many rows as they take (word wrapping may take one more; the
    // close hint sits on the border, so it shows whatever the wrap does).
    let inner_width = usize::from(area.width.min(100).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let height = u16::try_from(rows + 1)
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let modal = super::centered(area, 100, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(colour))
        .title(format!(" {} ", message.title))
        .title_bottom(" Esc / Enter close ");
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        modal,
    );
}
