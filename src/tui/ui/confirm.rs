//! The confirmation of a write: names the action, target and account; Cancel is the default.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::ConfirmModal;

/// Draws the confirmation modal.
pub fn render(confirm: &ConfirmModal, frame: &mut Frame, area: Rect) {
    let height = 9 + u16::try_from(confirm.details.len()).unwrap_or(0);
    let modal = super::centered(area, 100, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Yellow))
        .title(format!(" {}? ", confirm.action));
    let mut lines = vec![
        Line::from(vec![
            Span::from("Action:  ").bold(),
            Span::from(confirm.action.clone()),
        ]),
        Line::from(vec![
            Span::from("Target:  ").bold(),
            Span::from(confirm.target.clone()),
        ]),
        Line::from(vec![
            Span::from("Account: ").bold(),
            Span::from(confirm.account.clone()),
        ]),
    ];
    lines.extend(
        confirm
            .details
            .iter()
            .map(|d| Line::from(format!("         {d}"))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::from(" [ Cancel ] ").reversed().bold(),
        Span::from("   "),
        Span::from("y").bold().fg(Color::Yellow),
        Span::from(" confirm    n / Enter / Esc cancel"),
    ]));
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        modal,
    );
}
