//! The message shown instead of the layout when the terminal is under 80x24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the too-small message.
pub fn render(frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from("Terminal too small".bold()),
        Line::from(format!(
            "restore-doctor needs at least {}x{}; this one is {}x{}.",
            super::MIN_SIZE.0,
            super::MIN_SIZE.1,
            area.width,
            area.height
        )),
        Line::from("Enlarge the window, or press q to quit."),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
