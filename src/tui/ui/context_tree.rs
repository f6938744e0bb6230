//! The decoded context as a collapsible tree (tui-tree-widget).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_tree_widget::Tree;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use tui_tree_widget::TreeItem;

use crate::tui::action::Decoded;
use crate::tui::app::{App, DecodeState, Pane, tree};

type Items = Rc<Vec<TreeItem<'static, String>>>;
/// The message the items were built for (weakly held), the width they fit, and the items.
type Cached = (Weak<<Decoded as std::ops::Deref>::Target>, usize, Items);

thread_local! {
    /// The widget items of the last decoded message drawn. Building a 1,000-node tree takes
    /// longer than a whole frame may, and the items change only when another message is
    /// selected; the weak pointer keeps the allocation alive, so an address is never reused.
    static ITEMS: RefCell<Option<Cached>> =
        const { RefCell::new(None) };
}

/// The tree items of the selected job's decoded message, fitted to `width`, built once per
/// message and width.
fn cached_items(app: &App, width: usize) -> Option<Items> {
    let decoded = app.selected_decoded()?;
    ITEMS.with_borrow_mut(|cache| {
        if let Some((weak, built_for, items)) = cache.as_ref()
            && std::ptr::eq(weak.as_ptr(), Arc::as_ptr(decoded))
            && *built_for == width
        {
            return Some(items.clone());
        }
        let nodes = tree::nodes(&decoded.0, &decoded.1);
        let items = Rc::new(tree::items_fitting(&nodes, width, 0));
        *cache = Some((Arc::downgrade(decoded), width, items.clone()));
        Some(items)
    })
}

/// Draws the context tree pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(
            app.focus == Pane::Tree && app.modals.is_empty(),
        ))
        .title(if app.tree_filter.is_empty() {
            " Decoded context ".to_string()
        } else {
            format!(" Decoded context /{} ", app.tree_filter)
        });
    let width = usize::from(area.width.saturating_sub(2));
    let items = if app.tree_filter.is_empty() {
        cached_items(app, width)
    } else {
        // Filtered trees are small and change with each key: built fresh.
        app.tree_nodes()
            .map(|nodes| Rc::new(tree::items_fitting(&nodes, width, 0)))
    };
    if items.as_ref().is_some_and(|i| i.is_empty()) {
        let text = format!("No node matches /{} (Esc clears it).", app.tree_filter);
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let Some(items) = items else {
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
    let mut state = tree::state(&app.tree_open(), &app.tree_selected);
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
                // Not ▶ for a closed node: the selection's ▶ would stand beside it.
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .highlight_symbol(symbol);
            frame.render_stateful_widget(widget, area, &mut state);
        }
        Err(error) => frame.render_widget(
            Paragraph::new(format!("cannot draw the tree: {error}")).block(block),
            area,
        ),
    }
}
