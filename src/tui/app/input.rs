//! Moving and typing: the selection, scrolling, and the text fields (the pane filters, the help
//! search, the export path, the command palette).

use super::tree::{self, Node};
use super::{App, Modal};
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
                    let visible = tree::visible(&nodes, &self.tree_opened);
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
            _ => {}
        }
        Vec::new()
    }

    /// The tree nodes of the selected job, when decoded.
    pub fn tree_nodes(&self) -> Option<Vec<Node>> {
        self.selected_decoded()
            .map(|decoded| tree::nodes(&decoded.0, &decoded.1))
    }
}
