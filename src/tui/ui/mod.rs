//! Pure render functions: they read the [`App`] and draw, nothing else. One file per pane or
//! modal.

mod confirm;
mod context_tree;
mod describe;
mod export;
mod footer;
mod header;
mod help;
mod jobs_table;
mod message;
mod notices;
mod palette;
mod preview;
mod progress;
mod summary;
mod too_small;

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_sizes;
#[cfg(test)]
mod tests_tree;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

use super::app::{App, Modal};

pub use super::app::MIN_SIZE;

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let hidden_confirm = matches!(app.context(), super::keymap::Context::HiddenConfirm);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 || hidden_confirm {
        let needed = match app.modals.last() {
            Some(Modal::Confirm(confirm)) => {
                let rows = u16::try_from(confirm.height(area.width.max(MIN_SIZE.0)));
                (MIN_SIZE.0, rows.unwrap_or(u16::MAX).max(MIN_SIZE.1))
            }
            _ => MIN_SIZE,
        };
        too_small::render(frame, area, needed, hidden_confirm);
        return;
    }
    let areas = app.layout_in(area);
    header::render(app, frame, areas.header);
    jobs_table::render(app, frame, areas.table);
    context_tree::render(app, frame, areas.tree);
    summary::render(app, frame, areas.diagnosis);
    footer::render(app, frame, areas.footer);
    for modal in &app.modals {
        match modal {
            Modal::Preview(preview) => preview::render(app, preview, frame, area),
            Modal::Confirm(confirm) => confirm::render(confirm, frame, area),
            Modal::Message(message) => message::render(message, frame, area),
            Modal::Help {
                search,
                editing,
                scroll,
            } => help::render(search, *editing, *scroll, frame, area),
            Modal::Progress(progress) => progress::render(app, progress, frame, area),
            Modal::Export(export) => export::render(export, frame, area),
            Modal::Describe(describe) => describe::render(app, describe, frame, area),
            Modal::Palette(palette) => palette::render(palette, frame, area),
        }
    }
    notices::render(app, frame, area, areas.footer);
}

/// A rectangle of `width` x `height` (clamped) centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The border style of a focused (or unfocused) pane.
pub(crate) fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}
