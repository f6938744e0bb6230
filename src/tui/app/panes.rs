//! What the diagnosis pane says (as plain lines the render styles) and where the panes are, so
//! the render, the page size and mouse clicks agree on one layout.

use ratatui::layout::Rect;

use super::{App, CaseState, Modal, PreviewState};
use crate::diagnosis::blocking::Blocked;
use crate::diagnosis::judge::Remedy;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::layout::{self, Areas};
use crate::workflow::Case;

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
    /// The blocking layer the selected job's case found, if any.
    pub fn selected_blocked(&self) -> Option<&Blocked> {
        self.selected_case()?.blocked()
    }

    /// What `job`'s case adds to its verdict in the tree (`blocked: boundary`, `fixed`,
    /// `reading layers…`), or nothing.
    pub fn case_note_of(&self, job: &crate::workflow::JobSummary) -> String {
        match self.case_of(job) {
            None => String::new(),
            Some(CaseState::Reading) => "reading layers…".into(),
            Some(CaseState::Failed(_)) => "layers not read".into(),
            Some(CaseState::Ready(case)) => match &case.remedy {
                Remedy::Identity if case.fixed() => "fixed".into(),
                // The identity policy is the cause, as "missing allow" already says.
                Remedy::Identity => String::new(),
                Remedy::Blocked(blocked) => format!(
                    "blocked: {}",
                    blocked
                        .blockers
                        .first()
                        .map_or("another layer", |b| b.layer_name())
                ),
                Remedy::PermissionSet { .. } => "fix: permission set".into(),
                Remedy::Refused(_) => "no fix".into(),
            },
        }
    }

    /// [`App::case_note_of`] the selected job.
    pub fn case_note(&self) -> String {
        self.selected_row()
            .map(|row| self.case_note_of(&row.job))
            .unwrap_or_default()
    }

    /// The diagnosis pane's lines for the selected job: the sentence, then what its case says
    /// (the whole fix only once every layer is read and the identity policy is the cause).
    pub fn diagnosis_lines(&self) -> Vec<(DiagnosisLine, String)> {
        let mut lines = Vec::new();
        let Some(row) = self.selected_row() else {
            return lines;
        };
        let Some(decoded) = self.selected_decoded() else {
            lines.push((
                DiagnosisLine::Sentence,
                row.job
                    .status_message
                    .as_ref()
                    .map_or_else(|| "No status message.".into(), |m| m.to_string()),
            ));
            return lines;
        };
        let diagnosis = &decoded.1;
        match self.case_of(&row.job) {
            None | Some(CaseState::Reading) => {
                lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
                lines.push((
                    DiagnosisLine::Sentence,
                    "Reading policy layers… (the fix shows once they are read)".into(),
                ));
                reserve_fix_rows(diagnosis, &mut lines);
            }
            Some(CaseState::Failed(reason)) => {
                lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
                lines.push((
                    DiagnosisLine::Sentence,
                    format!("The policy layers could not be read, so no fix is proposed: {reason}"),
                ));
                reserve_fix_rows(diagnosis, &mut lines);
            }
            Some(CaseState::Ready(case)) => case_lines(case, &mut lines),
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
    /// only those), as its case says: a preview only where an identity write is the remedy, an
    /// export where there is a change to export (the write, a permission set's change, or the
    /// blocking layer's owner's change), no re-run where another layer or a deny still blocks.
    pub fn offers(&self, context: Context, action: &Action) -> bool {
        let row = self.selected_row();
        let case = row.and_then(|row| self.case_of(&row.job));
        let ready = match case {
            Some(CaseState::Ready(case)) => Some(case),
            _ => None,
        };
        match (context, action) {
            (Context::Jobs | Context::Tree, Action::Preview) => {
                ready.is_some_and(|case| case.remedy == Remedy::Identity)
            }
            (Context::Jobs | Context::Tree, Action::Export) => match case {
                Some(CaseState::Ready(case)) => !matches!(case.remedy, Remedy::Refused(_)),
                // The layers could not be read: the fix alone, as a policy of its own.
                Some(CaseState::Failed(_)) => self
                    .selected_decoded()
                    .is_some_and(|d| d.1.fix.is_some()),
                _ => false,
            },
            (Context::Jobs | Context::Tree, Action::Copy) => self.selected_decoded().is_some(),
            // Only a failed job is re-run, and only where its case leaves the identity policy
            // as the cause (a job that failed for no permission may simply be run again).
            (Context::Jobs | Context::Tree, Action::AskRerun) => row.is_some_and(|row| {
                row.job.status == crate::diagnosis::RestoreJobStatus::Failed
                    && match self.decode_of(&row.job) {
                        None => true,
                        Some(_) => ready.is_some_and(|case| case.rerun_may_help()),
                    }
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

/// What a built case says in the diagnosis pane.
fn case_lines(case: &Case, lines: &mut Vec<(DiagnosisLine, String)>) {
    let diagnosis = &case.diagnosis;
    let statement_lines = |lines: &mut Vec<(DiagnosisLine, String)>,
                           statement: &serde_json::Value| {
        let text = serde_json::to_string_pretty(statement).unwrap_or_default();
        lines.extend(
            text.lines()
                .map(|l| (DiagnosisLine::Statement, l.to_string())),
        );
    };
    match &case.remedy {
        Remedy::Identity => {
            lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
            let (Some(plan), Some(report)) = (&case.plan, &diagnosis.fix) else {
                return;
            };
            if plan.already_in_place {
                lines.push((
                    DiagnosisLine::FixHeading,
                    format!(
                        "Fixed: {} {} already holds this fix (policy {}); r re-runs the restore",
                        plan.target_type, plan.target_name, plan.policy_name
                    ),
                ));
                return;
            }
            let fix = &report.fix;
            lines.push((
                DiagnosisLine::FixHeading,
                format!(
                    "Fix: add to {} {} ({} {}, {} scope{}):",
                    plan.target_type,
                    plan.target_name,
                    if plan.managed.is_some() {
                        "customer-managed policy"
                    } else {
                        "inline policy"
                    },
                    plan.policy_name,
                    fix.scope.as_str(),
                    if fix.wider { ", WIDER" } else { "" }
                ),
            ));
            statement_lines(lines, &fix.statement);
            // What the same restore also needs is in the preview (p), with each statement:
            // here the pane keeps the height it had while the layers were read, so the table
            // keeps its rows under the cursor.
        }
        Remedy::Blocked(blocked) => {
            for blocker in &blocked.blockers {
                lines.push((
                    DiagnosisLine::FixHeading,
                    format!("Blocking layer: {}", blocker.label()),
                ));
            }
            lines.push((DiagnosisLine::Sentence, blocked.sentence.clone()));
            lines.push((
                DiagnosisLine::Sentence,
                format!("Owner's change: {}", blocked.owner_change),
            ));
        }
        Remedy::PermissionSet {
            permission_set,
            role,
            ..
        } => {
            lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
            lines.push((
                DiagnosisLine::FixHeading,
                format!(
                    "Fix: add to IAM Identity Center permission set {permission_set} (not to role {role}: IAM refuses changes to it; e exports the change):"
                ),
            ));
            if let Some(report) = &diagnosis.fix {
                statement_lines(lines, &report.fix.statement);
            }
        }
        Remedy::Refused(refusal) => {
            lines.push((DiagnosisLine::Sentence, diagnosis.summary.clone()));
            let why = match (refusal, &diagnosis.no_fix_reason) {
                // The summary already names the deny or the principal: the reason suffices.
                (
                    crate::diagnosis::judge::Refusal::ExplicitDeny { .. }
                    | crate::diagnosis::judge::Refusal::NoFix { .. },
                    Some(reason),
                ) => format!("No fix proposed: {reason}"),
                _ => format!("No fix: {refusal}"),
            };
            lines.push((DiagnosisLine::Sentence, why));
        }
    }
    for unread in &case.layers_unreadable {
        lines.push((
            DiagnosisLine::Sentence,
            format!("NOT read (so not checked): {unread}"),
        ));
    }
}

/// Blank rows where the proposed fix will show, so the panes keep their sizes (and the table
/// its rows under the cursor) when the case arrives with an identity fix.
fn reserve_fix_rows(
    diagnosis: &crate::diagnosis::Diagnosis,
    lines: &mut Vec<(DiagnosisLine, String)>,
) {
    if let Some(report) = &diagnosis.fix {
        let statement = serde_json::to_string_pretty(&report.fix.statement).unwrap_or_default();
        // The statement's lines (the line above takes the "Fix: …" heading's place).
        let rows = statement.lines().count();
        lines.extend(std::iter::repeat_n(
            (DiagnosisLine::Sentence, String::new()),
            rows,
        ));
    }
}
