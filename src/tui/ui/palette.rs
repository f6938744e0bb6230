//! The `:` command palette: the typed command, its completions (the highlighted one is what
//! Tab takes), and what it does or why it could not run.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::app::{COMMANDS, PaletteModal, candidates};

/// At most this many completions show.
const SHOWN: usize = 10;

/// A completion as listed (`sort COLUMN` for a bare command that takes one) and what it does.
fn described(candidate: &str) -> (String, &'static str) {
    let word = candidate.split(' ').next().unwrap_or("");
    match COMMANDS.iter().find(|(name, ..)| *name == word) {
        Some((name, argument, what)) if candidate.trim_end() == *name => {
            (format!("{name} {argument}").trim_end().to_string(), what)
        }
        Some((_, _, what)) => (candidate.to_string(), what),
        None => (candidate.to_string(), ""),
    }
}

/// Draws the palette near the top of `area`.
pub fn render(palette: &PaletteModal, frame: &mut Frame, area: Rect) {
    let choices = candidates(&palette.input, &palette.profiles);
    let shown = choices.len().min(SHOWN);
    let width = area.width.saturating_sub(4).min(90);
    let height = u16::try_from(shown + 4)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 2.min(area.height.saturating_sub(height)),
        width,
        height,
    };
    let mut lines = vec![Line::from(vec![
        Span::from(":").bold().fg(Color::Cyan),
        Span::from(format!("{}▏", palette.input)),
    ])];
    let skip = palette.selected.saturating_sub(SHOWN - 1);
    for (i, choice) in choices.iter().enumerate().skip(skip).take(SHOWN) {
        let (shown, what) = described(choice);
        let text = format!("  {shown:<24} {what}");
        lines.push(if i == palette.selected {
            Line::styled(text, Style::new().add_modifier(Modifier::REVERSED))
        } else {
            Line::from(text)
        });
    }
    lines.push(match &palette.error {
        Some(error) => Line::from(error.clone()).red(),
        None if choices.is_empty() => Line::from(
            "Enter runs it; jobs, status, region, profile, filter, sort, export, help, quit",
        )
        .dim(),
        None => Line::from("Tab completes, ↑/↓ choose, Enter runs, Esc closes").dim(),
    });
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(" Command ");
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
