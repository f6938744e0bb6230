//! The export viewer: the format tabs, what the export replaces, the exported text (scrolled),
//! and the save prompt with its overwrite question or the path written.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{ExportModal, FORMATS, format_name};

/// Rows `text` takes wrapped at `width` (word wrapping may break a line one row early).
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width).max(1);
    let n = text.chars().count();
    let rows = if n <= width { 1 } else { n.div_ceil(width) + 1 };
    u16::try_from(rows).unwrap_or(u16::MAX)
}

fn prompt_lines(export: &ExportModal) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(save) = &export.save {
        lines.push(Line::from(vec![
            Span::from("Save to: ").bold(),
            Span::from(if save.confirm_overwrite || save.saving {
                save.path.clone()
            } else {
                format!("{}▏", save.path)
            }),
        ]));
        lines.push(if save.confirm_overwrite {
            Line::from(format!(
                "{} exists. y overwrites it; n, Enter or Esc keeps it.",
                save.path
            ))
            .red()
            .bold()
        } else if save.saving {
            Line::from("Saving…").yellow()
        } else {
            Line::from("Enter saves, Esc cancels; an existing file is never overwritten without y.")
                .dim()
        });
    }
    match &export.result {
        Some(Ok(path)) => lines.push(Line::from(format!("Saved to {}", path.display())).green()),
        Some(Err(reason)) => lines.push(Line::from(reason.clone()).red()),
        None => {}
    }
    lines
}

/// Draws the export viewer.
pub fn render(export: &ExportModal, frame: &mut Frame, area: Rect) {
    let modal = super::centered(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(format!(" Export: job {} ", export.job_id))
        .title_bottom(" Tab/←/→ format  c copy  s save  j/k scroll  Esc close ");
    let inner = block.inner(modal);
    frame.render_widget(Clear, modal);
    frame.render_widget(block, modal);

    let note = export.note();
    let prompt = prompt_lines(export);
    let [tabs, note_area, _, text_area, prompt_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(wrapped_rows(&note, inner.width)),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::try_from(prompt.len()).unwrap_or(0)),
    ])
    .areas(inner);

    let mut spans = vec![Span::from("Format: ").bold()];
    for format in FORMATS {
        let name = format!(" {} ", format_name(format));
        spans.push(if format == export.format {
            Span::styled(
                name,
                Style::new()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::from(name)
        });
        spans.push(Span::from(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    frame.render_widget(
        Paragraph::new(note)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(Color::Yellow)),
        note_area,
    );
    let text = match export.text() {
        Ok(text) => Paragraph::new(text),
        Err(reason) => Paragraph::new(Line::from(reason).red()),
    };
    let scroll = u16::try_from(export.scroll).unwrap_or(u16::MAX);
    frame.render_widget(text.scroll((scroll, 0)), text_area);
    frame.render_widget(
        Paragraph::new(prompt).wrap(Wrap { trim: false }),
        prompt_area,
    );
}
