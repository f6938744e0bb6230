//! Moving and typing: the selection, scrolling, and the text fields (the pane filters, the help
//! search, the export path, the command palette).

use super::tree::{self, Node};
use super::{App, Modal, Pane};
use crate::tui::action::Effect;
use crate::tui::keymap::Context;

impl App {
    pub(super) fn move_by(&mut self, context: Context, delta: isize) -> Vec<Effect> {
        match context {
            Context::Jobs => {
                let last = self.visible.len().saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(delta).min(last);
            }
            Context::Tree => {
                if let Some(nodes) = self.tree_nodes() {
                    let visible = tree::visible(&nodes, &self.tree_open());
                    let here = visible
                        .iter()
                        .position(|p| *p == self.tree_selected)
                        .unwrap_or(0);
                    let last = visible.len().saturating_sub(1);
                    let next = here.saturating_add_signed(delta).min(last);
                    if let Some(path) = visible.get(next) {
                        self.tree_selected = path.clone();
                    }
                }
            }
            Context::Preview => {
                if let Some(preview) = self.preview_mut() {
                    preview.scroll = preview.scroll.saturating_add_signed(delta).min(10_000);
                }
            }
            Context::Help => {
                if let Some(Modal::Help { scroll, .. }) = self.modals.last_mut() {
                    *scroll = scroll.saturating_add_signed(delta).min(500);
                }
            }
            Context::Describe => {
                if let Some(Modal::Describe(describe)) = self.modals.last_mut() {
                    describe.scroll = describe.scroll.saturating_add_signed(delta).min(10_000);
                }
            }
            Context::Palette => self.move_palette(delta.signum()),
            Context::Export => {
                if let Some(export) = self.export_mut() {
                    export.scroll = export.scroll.saturating_add_signed(delta).min(10_000);
                }
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    pub(super) fn edit_text(
        &mut self,
        context: Context,
        edit: impl FnOnce(&mut String),
    ) -> Vec<Effect> {
        match context {
            Context::Filter if self.focus == Pane::Tree => {
                edit(&mut self.tree_filter);
                // Keep the selection on a node that still shows.
                if let Some(nodes) = self.tree_nodes() {
                    let visible = tree::visible(&nodes, &self.tree_open());
                    if !visible.contains(&self.tree_selected) {
                        self.tree_selected = visible.first().cloned().unwrap_or_default();
                    }
                }
            }
            Context::Filter | Context::Jobs | Context::Tree => {
                edit(&mut self.filter);
                self.refilter();
            }
            Context::HelpFilter => {
                if let Some(Modal::Help { search, scroll, .. }) = self.modals.last_mut() {
                    edit(search);
                    *scroll = 0;
                }
            }
            Context::ExportSave => {
                if let Some(save) = self.export_mut().and_then(|e| e.save.as_mut()) {
                    edit(&mut save.path);
                }
            }
            Context::Palette => self.edit_palette(edit),
            _ => {}
        }
        Vec::new()
    }

    /// The tree nodes of the selected job, when decoded, narrowed by the tree's filter.
    pub fn tree_nodes(&self) -> Option<Vec<Node>> {
        let decoded = self.selected_decoded()?;
        let nodes = tree::nodes(&decoded.0, &decoded.1, &self.case_note());
        if self.tree_filter.is_empty() {
            Some(nodes)
        } else {
            Some(tree::filter(&nodes, &self.tree_filter.to_lowercase()))
        }
    }

    /// The opened tree nodes: while the tree is filtered, every node, so each match shows.
    pub fn tree_open(&self) -> std::borrow::Cow<'_, std::collections::HashSet<Vec<String>>> {
        if self.tree_filter.is_empty() {
            return std::borrow::Cow::Borrowed(&self.tree_opened);
        }
        let nodes = self.tree_nodes().unwrap_or_default();
        std::borrow::Cow::Owned(tree::all_paths(&nodes))
    }
}
