//! The decoded context as a collapsible tree (tui-tree-widget).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_tree_widget::Tree;

use crate::tui::app::{App, DecodeState, Pane, tree};

/// Draws the context tree pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(
            app.focus == Pane::Tree && app.modals.is_empty(),
        ))
        .title(" Decoded context ");
    let Some(nodes) = app.tree_nodes() else {
        let text = match app.selected_row().map(|r| app.decode_of(&r.job)) {
            None => "No job selected.".to_string(),
            Some(None) => {
                "This job's status message holds no encoded authorization message.".into()
            }
            Some(Some(DecodeState::Pending)) => "decoding… (STS DecodeAuthorizationMessage)".into(),
            Some(Some(DecodeState::Failed(reason))) => format!("decode failed: {reason}"),
            Some(Some(DecodeState::Done(_))) => String::new(),
        };
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
            area,
        );
        return;
    };
    let items = tree::items(&nodes);
    let mut state = tree::state(&app.tree_opened, &app.tree_selected);
    let highlight = if app.focus == Pane::Tree {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    match Tree::new(&items) {
        Ok(widget) => {
            let symbol = if app.focus == Pane::Tree { "▶ " } else { "" };
            let widget = widget
                .block(block)
                .highlight_style(highlight)
                .highlight_symbol(symbol);
            frame.render_stateful_widget(widget, area, &mut state);
        }
        Err(error) => frame.render_widget(
            Paragraph::new(format!("cannot draw the tree: {error}")).block(block),
            area,
        ),
    }
}
