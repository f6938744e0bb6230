//! The help overlay, generated from the keymap; `/` searches it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::keymap;

/// Draws the help overlay.
pub fn render(search: &str, editing: bool, scroll: usize, frame: &mut Frame, area: Rect) {
    let modal = super::centered(area, 90, area.height.saturating_sub(4));
    let mut lines = vec![Line::from(vec![
        Span::from("search: ").bold(),
        Span::from(search.to_string()),
        Span::from(if editing { "▏" } else { "  (/ to search)" }).dim(),
    ])];
    let mut last_context = "";
    for (context, label, description) in keymap::help_lines(search) {
        if context != last_context {
            lines.push(Line::from(context).bold().underlined());
            last_context = context;
        }
        lines.push(Line::from(vec![
            Span::from(format!("  {label:<14}")).fg(Color::Cyan),
            Span::from(description),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(" Keys ")
        .title_bottom(" / search  j/k scroll  Esc close ");
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(scroll).unwrap_or(0), 0))
            .block(block),
        modal,
    );
}
