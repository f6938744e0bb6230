//! The decoded context as a collapsible tree, drawn from our own node model: only the rows
//! that fit are built. It draws what tui-tree-widget 0.24 drew (the same symbols, indentation,
//! highlight and scrolling to the selected node; `tests` compares the two buffers), without
//! that widget's flattening of every opened node into items and cloned paths on every frame,
//! which was about a third of a frame with a 1,000-node tree opened.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Text;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use crate::tui::action::Decoded;
use crate::tui::app::tree::{self, Node, Shown};
use crate::tui::app::{App, DecodeState, Pane};

type Fitted = Rc<Vec<Node>>;
/// The message the nodes were built for (weakly held), the width they fit, what its case
/// says, and the nodes.
type Cached = (
    Weak<<Decoded as std::ops::Deref>::Target>,
    usize,
    String,
    Fitted,
);

thread_local! {
    /// The fitted nodes of the last decoded message drawn. Building a 1,000-node tree takes
    /// longer than a whole frame may, and the nodes change only when another message is
    /// selected; the weak pointer keeps the allocation alive, so an address is never reused.
    static NODES: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// The selected job's tree nodes with their texts fitted to `width`, built once per message
/// and width.
fn cached_nodes(app: &App, width: usize) -> Option<Fitted> {
    let decoded = app.selected_decoded()?;
    let note = app.case_note();
    NODES.with_borrow_mut(|cache| {
        if let Some((weak, built_for, built_note, nodes)) = cache.as_ref()
            && std::ptr::eq(weak.as_ptr(), Arc::as_ptr(decoded))
            && *built_for == width
            && *built_note == note
        {
            return Some(nodes.clone());
        }
        let nodes = Rc::new(tree::fitted(
            &tree::nodes(&decoded.0, &decoded.1, &note),
            width,
            0,
        ));
        *cache = Some((Arc::downgrade(decoded), width, note, nodes.clone()));
        Some(nodes)
    })
}

/// How the rows are marked.
pub(crate) struct Symbols<'a> {
    /// Before the selected row (the other rows get as many spaces).
    pub highlight: &'a str,
    /// The selected row's style.
    pub highlight_style: Style,
    /// Before a node with children that are hidden.
    pub closed: &'a str,
    /// Before a node whose children show.
    pub open: &'a str,
    /// Before a node without children.
    pub leaf: &'a str,
}

/// How many lines a node's text takes (as `Text::raw` splits it).
fn height(text: &str) -> usize {
    if text.is_empty() {
        1
    } else {
        text.lines().count()
    }
}

/// The first and one-past-the-last rows of `shown` that fit `rows` lines with the selected
/// row in view, from the top (the pane keeps no scroll position between frames).
fn window(shown: &[Shown], rows: usize) -> (usize, usize) {
    let mut end = 0;
    let mut used = 0;
    for row in shown {
        let h = height(&row.node.text);
        if used + h > rows {
            break;
        }
        used += h;
        end += 1;
    }
    let mut start = 0;
    if let Some(selected) = shown.iter().position(|row| row.selected) {
        while selected >= end {
            used += height(&shown[end].node.text);
            end += 1;
            while used > rows {
                used = used.saturating_sub(height(&shown[start].node.text));
                start += 1;
            }
        }
    }
    (start, end)
}

/// Draws the visible rows of `nodes` inside `area` (already inside the block).
pub(crate) fn draw_rows(
    nodes: &[Node],
    opened: &std::collections::HashSet<Vec<String>>,
    selected: &[String],
    symbols: &Symbols,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.width < 1 || area.height < 1 {
        return;
    }
    let shown = tree::shown(nodes, opened, selected);
    if shown.is_empty() {
        return;
    }
    let (start, end) = window(&shown, usize::from(area.height));
    let has_selection = !selected.is_empty();
    let blank = " ".repeat(ratatui::text::Line::from(symbols.highlight).width());
    let mut y = area.y;
    for row in &shown[start..end] {
        let lines = u16::try_from(height(&row.node.text)).unwrap_or(u16::MAX);
        let line_area = Rect {
            y,
            height: lines,
            ..area
        };
        y = y.saturating_add(lines);
        let style = Style::default();
        let mut x = area.x;
        if has_selection {
            let symbol = if row.selected {
                symbols.highlight
            } else {
                &blank
            };
            x = buf
                .set_stringn(x, line_area.y, symbol, usize::from(area.width), style)
                .0;
        }
        let indent = row.depth * 2;
        let (after_indent, _) = buf.set_stringn(x, line_area.y, " ".repeat(indent), indent, style);
        let symbol = if row.node.children.is_empty() {
            symbols.leaf
        } else if row.open {
            symbols.open
        } else {
            symbols.closed
        };
        let room = area.width.saturating_sub(after_indent - area.x);
        let (after_symbol, _) =
            buf.set_stringn(after_indent, line_area.y, symbol, usize::from(room), style);
        let text_area = Rect {
            x: after_symbol,
            width: area.width.saturating_sub(after_symbol - area.x),
            ..line_area
        };
        Text::raw(row.node.text.as_str()).render(text_area, buf);
        if row.selected {
            buf.set_style(line_area, symbols.highlight_style);
        }
    }
}

/// Draws the context tree pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(
            app.focus == Pane::Tree && app.modals.is_empty(),
        ))
        .title(match (app.tree_filter.is_empty(), app.selected_blocked()) {
            (true, None) => " Decoded context ".to_string(),
            // The layer the case found blocking, which the decoded message cannot show.
            (true, Some(blocked)) => format!(
                " Decoded context · blocking layer: {} ",
                blocked
                    .blockers
                    .first()
                    .map(|b| b.label())
                    .unwrap_or_default()
            ),
            (false, _) => format!(" Decoded context /{} ", app.tree_filter),
        });
    let width = usize::from(area.width.saturating_sub(2));
    let nodes = if app.tree_filter.is_empty() {
        cached_nodes(app, width)
    } else {
        // Filtered trees are small and change with each key: built fresh.
        app.tree_nodes()
            .map(|nodes| Rc::new(tree::fitted(&nodes, width, 0)))
    };
    if nodes.as_ref().is_some_and(|n| n.is_empty()) {
        let text = format!("No node matches /{} (Esc clears it).", app.tree_filter);
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let Some(nodes) = nodes else {
        let text = match app.selected_row().map(|r| app.decode_of(&r.job)) {
            None => "No job selected.".to_string(),
            Some(None) => {
                "This job's status message holds no encoded authorization message.".into()
            }
            Some(Some(DecodeState::Pending | DecodeState::Evicted(_))) => {
                "decoding… (STS DecodeAuthorizationMessage)".into()
            }
            Some(Some(DecodeState::Failed(reason))) => format!("decode failed: {reason}"),
            Some(Some(DecodeState::Done(_))) => String::new(),
        };
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
            area,
        );
        return;
    };
    let focused = app.focus == Pane::Tree;
    let symbols = Symbols {
        highlight: if focused { "▶ " } else { "" },
        highlight_style: if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        },
        // Not ▶ for a closed node: the selection's ▶ would stand beside it.
        closed: "▸ ",
        open: "▾ ",
        leaf: "  ",
    };
    let inner = block.inner(area);
    let buf = frame.buffer_mut();
    block.render(area, buf);
    draw_rows(
        &nodes,
        &app.tree_open(),
        &app.tree_selected,
        &symbols,
        inner,
        buf,
    );
}
