//! The message shown instead of the layout when the terminal is under 80x24 (or a confirmation
//! would not fit whole).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the too-small message (`needed`: the size that would do); `confirming`: a confirmation is waiting and cannot be answered
/// here.
pub fn render(frame: &mut Frame, area: Rect, needed: (u16, u16), confirming: bool) {
    let mut lines = vec![
        Line::from("Terminal too small".bold()),
        Line::from(format!(
            "restore-doctor needs at least {}x{}; this one is {}x{}.",
            needed.0, needed.1, area.width, area.height
        )),
    ];
    if confirming {
        lines.push(Line::from(
            "A confirmation is waiting: enlarge the window to read and answer it; q or Esc cancels it (nothing is written).".red(),
        ));
    } else {
        lines.push(Line::from("Enlarge the window, or press q to quit."));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
