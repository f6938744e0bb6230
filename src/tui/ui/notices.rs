//! Notices: lines that stay above the footer's right end for a while, over whatever is open
//! (a re-run that ended after its window was closed, what reconciling the journal settled).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::App;

/// Draws the notices in the rows above `footer`, within `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect, footer: Rect) {
    if app.notices.is_empty() {
        return;
    }
    let longest = app
        .notices
        .iter()
        .map(|n| n.text.chars().count())
        .max()
        .unwrap_or(0);
    let width = u16::try_from(longest + 4)
        .unwrap_or(u16::MAX)
        .clamp(30, 100)
        .min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // Word wrapping may break a line early: one spare row per notice that wraps.
    let rows: usize = app
        .notices
        .iter()
        .map(|n| {
            let len = n.text.chars().count();
            if len <= inner {
                1
            } else {
                len.div_ceil(inner) + 1
            }
        })
        .sum();
    let room = footer.y.saturating_sub(area.y);
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).min(room);
    let rect = Rect {
        x: area.x + area.width - width,
        y: footer.y - height,
        width,
        height,
    };
    let error = app.notices.iter().any(|n| n.error);
    let lines: Vec<Line> = app
        .notices
        .iter()
        .map(|n| {
            let colour = if n.error { Color::Red } else { Color::Green };
            Line::styled(n.text.clone(), Style::new().fg(colour))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(if error { Color::Red } else { Color::Green }))
        .title(" Notice ");
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
}
