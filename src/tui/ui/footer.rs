//! The footer: the filter being typed or a status line, what is running (spinner and elapsed
//! time), then the focused context's key hints (from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keymap::{self, Context};

/// Draws the footer line.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let context = app.context();
    let mut spans = Vec::new();
    if context == Context::Filter {
        let (name, text) = match app.focus {
            crate::tui::app::Pane::Tree => (" filter tree: ", &app.tree_filter),
            crate::tui::app::Pane::Jobs => (" filter: ", &app.filter),
        };
        spans.push(Span::from(name).bold());
        spans.push(Span::from(format!("{text}▏")));
        spans.push(Span::from("   "));
    } else if let Some(status) = &app.status {
        spans.push(Span::styled(
            format!(" {status} "),
            Style::new().fg(Color::Yellow),
        ));
        spans.push(Span::from("  "));
    }
    for line in app.operation_lines() {
        spans.push(Span::styled(
            format!(" {line} "),
            Style::new().fg(Color::Cyan),
        ));
    }
    for (label, description) in keymap::hints_where(context, |action| app.offers(context, action)) {
        spans.push(Span::from(format!(" {label}")).bold().fg(Color::Cyan));
        spans.push(Span::from(format!(" {description} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
