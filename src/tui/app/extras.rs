//! The smaller parts of `update`: export, copy and mouse clicks.

use super::tree;
use super::{App, Modal, Pane, PreviewState};
use crate::tui::action::Effect;
use crate::tui::keymap::Context;

impl App {
    pub(super) fn open_describe(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            self.status = Some("no job selected".into());
            return Vec::new();
        };
        let job_id = row.job.restore_job_id.clone();
        self.modals.push(Modal::Describe(super::DescribeModal {
            job_id: job_id.clone(),
            scroll: 0,
            journal: None,
        }));
        vec![Effect::LoadJobJournal { job_id }]
    }

    pub(super) fn copy(&mut self, context: Context) -> Vec<Effect> {
        let text = match context {
            Context::Export => self.export_text(context),
            Context::Preview => self.preview_mut().and_then(|p| match &p.state {
                PreviewState::Ready(plan) => Some(plan.proposed_text.clone()),
                _ => None,
            }),
            Context::Tree => self
                .tree_nodes()
                .and_then(|nodes| tree::find(&nodes, &self.tree_selected).map(|n| n.value.clone())),
            _ => self
                .selected_decoded()
                .map(|d| serde_json::to_string_pretty(&d.0.raw).unwrap_or_default()),
        };
        match text {
            Some(text) if !text.is_empty() => {
                self.status = Some(format!(
                    "copied {} characters to the clipboard (OSC 52)",
                    text.chars().count()
                ));
                vec![Effect::Copy(text)]
            }
            _ => {
                self.status = Some("nothing to copy here".into());
                Vec::new()
            }
        }
    }

    /// The first table row shown when `rows` rows fit (keeps the selection in view).
    pub fn jobs_offset(&self, rows: usize) -> usize {
        self.selected.saturating_sub(rows.saturating_sub(1))
    }

    pub(super) fn click(&mut self, column: u16, row: u16) {
        if !self.modals.is_empty() {
            return;
        }
        let table = self.layout().table;
        // The table's border and column titles come before the first row.
        let first = table.y + 2;
        let inside = column >= table.x
            && column < table.x + table.width
            && row >= first
            && row < table.y + table.height.saturating_sub(1);
        if inside {
            let index = self.jobs_offset(self.table_rows()) + usize::from(row - first);
            if index < self.visible.len() {
                self.selected = index;
                self.focus = Pane::Jobs;
            }
        }
    }
}
