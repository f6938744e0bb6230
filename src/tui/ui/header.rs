//! The header: account, region, profile and the SANDBOX / READ-ONLY badges.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;

/// Draws the header line.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let header = &app.header;
    // The mode badges come first so a narrow terminal never cuts them off.
    let mut spans = vec![Span::from(" restore-doctor ").bold().reversed()];
    if header.sandbox {
        spans.push(Span::from(" "));
        spans.push(Span::styled(
            " SANDBOX ",
            Style::new().fg(Color::Black).bg(Color::Magenta).bold(),
        ));
    }
    if header.read_only {
        spans.push(Span::from(" "));
        spans.push(Span::styled(
            " READ-ONLY ",
            Style::new().fg(Color::Black).bg(Color::Yellow).bold(),
        ));
    }
    spans.extend([
        Span::from("  account "),
        Span::from(header.account.clone().unwrap_or_else(|| "…".into())).bold(),
        Span::from("  region "),
        Span::from(header.region.clone()).bold(),
        Span::from("  profile "),
        Span::from(header.profile.clone().unwrap_or_else(|| "default".into())).bold(),
    ]);
    if let Some(watch) = app.watch_label() {
        spans.push(Span::from("  "));
        spans.push(Span::from(watch).fg(Color::Cyan));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
