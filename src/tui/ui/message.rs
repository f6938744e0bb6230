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
    lines.push(Line::from(""));
    lines.push(Line::from("Esc / Enter close").dim());
    let height = u16::try_from(lines.len()).unwrap_or(20).saturating_add(4);
    let modal = super::centered(area, 100, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(colour))
        .title(format!(" {} ", message.title));
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        modal,
    );
}
