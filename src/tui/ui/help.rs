//! The help overlay, generated from the keymap; `/` searches it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::keymap;

/// Draws the help overlay.
pub fn render(search: &str, editing: bool, scroll: usize, frame: &mut Frame, area: Rect) {
    let modal = super::centered(area, 130, area.height.saturating_sub(4));
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
    let inner = block.inner(modal);
    frame.render_widget(block, modal);
    let rows = usize::from(inner.height);
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    // Two columns when one does not fit, so the whole keymap shows at 160x45.
    if lines.len() > rows && inner.width >= 80 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inner);
        let rest = lines[rows..].to_vec();
        frame.render_widget(Paragraph::new(lines[..rows].to_vec()), left);
        frame.render_widget(Paragraph::new(rest), right);
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
