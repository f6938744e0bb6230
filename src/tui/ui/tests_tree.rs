//! The tree pane draws from our own model what tui-tree-widget 0.24 (a dev-dependency kept as
//! the oracle) draws for the same nodes, opened paths, selection and area: cell for cell, for
//! any tree, including the scrolling that keeps the selected node in view.

use std::collections::HashSet;

use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::StatefulWidget;
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::context_tree::{Symbols, draw_rows};
use crate::tui::app::tree::{self, Node};

/// The widget's items for `nodes` (ids are unique among siblings, so building cannot fail).
fn items(nodes: &[Node]) -> Vec<TreeItem<'static, String>> {
    nodes
        .iter()
        .map(|node| {
            if node.children.is_empty() {
                TreeItem::new_leaf(node.id.clone(), node.text.clone())
            } else {
                TreeItem::new(node.id.clone(), node.text.clone(), items(&node.children))
                    .expect("unique ids")
            }
        })
        .collect()
}

/// A tree of up to `breadth` children per node, `depth` levels, with texts of varied width
/// (some wider than any pane, some of two lines).
fn arbitrary_nodes(depth: u32) -> impl Strategy<Value = Vec<Node>> {
    let leaf = Just(Vec::<Node>::new());
    leaf.prop_recursive(depth, 64, 5, |children| {
        proptest::collection::vec((0usize..4, children), 0..5).prop_map(|kids| {
            kids.into_iter()
                .enumerate()
                .map(|(i, (kind, children))| Node {
                    id: format!("n{i}"),
                    text: match kind {
                        0 => format!("key{i} = value"),
                        1 => format!(
                            "Resource: arn:aws:iam::111122223333:role/{}",
                            "R".repeat(90)
                        ),
                        2 => format!("two\nlines {i}"),
                        _ => String::new(),
                    },
                    value: String::new(),
                    children,
                })
                .collect()
        })
    })
}

fn draw_both(
    nodes: &[Node],
    opened: &HashSet<Vec<String>>,
    selected: &[String],
    focused: bool,
    area: Rect,
) -> (Buffer, Buffer) {
    let highlight = if focused { "▶ " } else { "" };
    let highlight_style = if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let mut ours = Buffer::empty(area);
    let symbols = Symbols {
        highlight,
        highlight_style,
        closed: "▸ ",
        open: "▾ ",
        leaf: "  ",
    };
    draw_rows(nodes, opened, selected, &symbols, area, &mut ours);
    let mut theirs = Buffer::empty(area);
    let items = items(nodes);
    let mut state = TreeState::default();
    for path in opened {
        state.open(path.clone());
    }
    state.select(selected.to_vec());
    Tree::new(&items)
        .expect("unique ids")
        .highlight_style(highlight_style)
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .highlight_symbol(highlight)
        .render(area, &mut theirs, &mut state);
    (ours, theirs)
}

/// Every path in the tree, to pick opened and selected paths from.
fn paths(nodes: &[Node]) -> Vec<Vec<String>> {
    let mut all: Vec<_> = tree::all_paths(nodes).into_iter().collect();
    all.sort();
    all
}

proptest! {
    #[test]
    fn our_tree_draws_what_tui_tree_widget_draws(
        nodes in arbitrary_nodes(4),
        open_mask in proptest::collection::vec(any::<bool>(), 64),
        select in any::<Option<proptest::sample::Index>>(),
        focused in any::<bool>(),
        width in 1u16..60,
        height in 1u16..12,
    ) {
        let all = paths(&nodes);
        let opened: HashSet<Vec<String>> = all
            .iter()
            .zip(open_mask.iter().cycle())
            .filter(|(_, open)| **open)
            .map(|(path, _)| path.clone())
            .collect();
        let selected = match select {
            Some(index) if !all.is_empty() => all[index.index(all.len())].clone(),
            _ => Vec::new(),
        };
        let area = Rect::new(1, 2, width, height);
        let (ours, theirs) = draw_both(&nodes, &opened, &selected, focused, area);
        prop_assert_eq!(ours, theirs);
        let flattened: Vec<Vec<String>> = TreeState::default()
            .flatten(&items(&nodes))
            .into_iter()
            .map(|f| f.identifier)
            .collect();
        let mut state = TreeState::default();
        for path in &opened {
            state.open(path.clone());
        }
        let flattened_open: Vec<Vec<String>> =
            state.flatten(&items(&nodes)).into_iter().map(|f| f.identifier).collect();
        prop_assert_eq!(tree::visible(&nodes, &HashSet::new()), flattened);
        prop_assert_eq!(tree::visible(&nodes, &opened), flattened_open.clone());
        let shown = tree::shown(&nodes, &opened, &selected);
        prop_assert_eq!(shown.len(), flattened_open.len());
        let selected_at: Vec<usize> =
            shown.iter().enumerate().filter(|(_, s)| s.selected).map(|(i, _)| i).collect();
        let expected: Vec<usize> = flattened_open
            .iter()
            .position(|p| *p == selected)
            .into_iter()
            .collect();
        prop_assert_eq!(selected_at, expected);
    }
}

#[test]
fn a_selected_node_below_the_pane_scrolls_into_view() {
    let nodes: Vec<Node> = (0..30)
        .map(|i| Node {
            id: format!("{i}"),
            text: format!("row {i}"),
            value: String::new(),
            children: Vec::new(),
        })
        .collect();
    let selected = vec!["25".to_string()];
    let area = Rect::new(0, 0, 20, 5);
    let (ours, theirs) = draw_both(&nodes, &HashSet::new(), &selected, true, area);
    assert_eq!(ours, theirs);
    let last: String = (0..20).map(|x| ours[(x, 4)].symbol().to_string()).collect();
    assert_eq!(last.trim_end(), "▶   row 25");
}
