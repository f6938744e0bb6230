//! What the diagnosis pane says (as plain lines the render styles) and where the panes are, so
//! the render, the page size and mouse clicks agree on one layout.

use ratatui::layout::Rect;

use super::{App, Badge, Modal, PreviewState};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::layout::{self, Areas};

/// How a diagnosis line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosisLine {
    /// The diagnosis sentence, or the job's status message.
    Sentence,
    /// "Fix: add to role …".
    FixHeading,
    /// A line of the proposed statement's JSON.
    Statement,
}

impl App {
    /// The blocking layers and sentence the selected job's preview found, if any.
    pub fn selected_blocked(&self) -> Option<&(Vec<String>, String)> {
        let row = self.selected_row()?;
        self.blocked.get(&row.job.restore_job_id)
    }

    /// The diagnosis pane's lines for the selected job: the sentence, then the whole fix.
    pub fn diagnosis_lines(&self) -> Vec<(DiagnosisLine, String)> {
        let mut lines = Vec::new();
        // What the preview read beats what the decoded message alone suggests: another layer
        // blocks, so no identity statement helps.
        if let Some((layers, sentence)) = self.selected_blocked() {
            for layer in layers {
                lines.push((
                    DiagnosisLine::FixHeading,
                    format!("Blocking layer: {layer}"),
                ));
            }
            lines.push((DiagnosisLine::Sentence, sentence.clone()));
            return lines;
        }
        if let Some(decoded) = self.selected_decoded() {
            let diagnosis = &decoded.1;
            lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
            match &diagnosis.fix {
                Some(report) => {
                    let fix = &report.fix;
                    lines.push((
                        DiagnosisLine::FixHeading,
                        format!(
                            "Fix: add to {} {} (inline policy {}, {} scope{}):",
                            fix.target.kind.as_str(),
                            fix.target.name,
                            fix.policy_name,
                            fix.scope.as_str(),
                            if fix.wider { ", WIDER" } else { "" }
                        ),
                    ));
                    let statement =
                        serde_json::to_string_pretty(&fix.statement).unwrap_or_default();
                    lines.extend(
                        statement
                            .lines()
                            .map(|l| (DiagnosisLine::Statement, l.to_string())),
                    );
                }
                None => lines.push((
                    DiagnosisLine::Sentence,
                    format!(
                        "No fix proposed: {}",
                        diagnosis
                            .no_fix_reason
                            .as_deref()
                            .unwrap_or("see the verdict")
                    ),
                )),
            }
        } else if let Some(row) = self.selected_row() {
            lines.push((
                DiagnosisLine::Sentence,
                row.job
                    .status_message
                    .as_ref()
                    .map_or_else(|| "No status message.".into(), |m| m.to_string()),
            ));
        }
        lines
    }

    /// The rows the diagnosis needs at `width` columns (a wrapped line may take one more row
    /// than its length says: word wrapping breaks early).
    pub fn diagnosis_rows(&self, width: u16) -> usize {
        let width = usize::from(width).max(1);
        self.diagnosis_lines()
            .iter()
            .map(|(_, text)| {
                let n = text.chars().count();
                if n <= width { 1 } else { n.div_ceil(width) + 1 }
            })
            .sum()
    }

    /// The main screen's panes at the current size.
    pub fn layout(&self) -> Areas {
        self.layout_in(Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// The main screen's panes in `area`.
    pub fn layout_in(&self, area: Rect) -> Areas {
        layout::areas(area, self.visible.len(), |width| self.diagnosis_rows(width))
    }

    /// Whether `action` can do something for the selected job in `context` (the footer offers
    /// only those): no preview, apply or export without a proposed fix (an explicit deny, a job
    /// without an encoded message), no re-run where the deny still stands.
    pub fn offers(&self, context: Context, action: &Action) -> bool {
        let has_fix = self.selected_decoded().is_some_and(|d| d.1.fix.is_some());
        match (context, action) {
            (Context::Jobs | Context::Tree, Action::Preview | Action::Export) => has_fix,
            (Context::Jobs | Context::Tree, Action::Copy) => self.selected_decoded().is_some(),
            // Only a failed job is re-run, and an explicit deny would fail it again.
            (Context::Jobs | Context::Tree, Action::AskRerun) => self.selected_row().is_some_and(|row| {
                row.job.status == crate::diagnosis::RestoreJobStatus::Failed
                    && self.badge(row) != Badge::ExplicitDeny
            }),
            (Context::Confirm, Action::AskRerunWithoutInstanceProfile) => matches!(
                self.modals.last(),
                Some(Modal::Confirm(c)) if matches!(c.pending, super::PendingWrite::Rerun { offers_without_instance_profile: true, .. })
            ),
            (Context::Preview, Action::AskApply | Action::Export) => {
                self.modals.iter().rev().any(|m| {
                    matches!(m, Modal::Preview(p) if matches!(&p.state, PreviewState::Ready(plan) if !plan.already_in_place))
                })
            }
            _ => true,
        }
    }

    /// Job rows the table shows at the current size.
    pub fn table_rows(&self) -> usize {
        usize::from(self.layout().table.height.saturating_sub(3)).max(1)
    }
}
