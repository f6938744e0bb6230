//! The export viewer: the exported text in one of four formats (Tab/←/→ switch), copied with
//! `c` or saved with `s` to a path the user confirms; an existing file is never overwritten
//! without a second, explicit `y`. With a preview plan for the job the export is the merged
//! document restore-doctor would write ([`export_plan`]); without one, a policy of its own
//! that replaces nothing ([`export_fix`]).

use std::path::{Path, PathBuf};

use super::{App, CaseState, MessageModal, Modal, PreviewModal, PreviewState};
use crate::diagnosis::Fix;
use crate::diagnosis::judge::Remedy;
use crate::tui::action::{Effect, SaveFailure};
use crate::tui::keymap::Context;
use crate::workflow::{
    Case, CaseExport, ExportFormat, ExportTarget, FixPlan, export_case, export_fix, export_plan,
};

/// The formats in the order Tab cycles them.
pub const FORMATS: [ExportFormat; 4] = [
    ExportFormat::Terraform,
    ExportFormat::Cloudformation,
    ExportFormat::Cli,
    ExportFormat::Json,
];

/// A format's name as the viewer's tabs and the palette show it.
pub fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Terraform => "terraform",
        ExportFormat::Cloudformation => "cloudformation",
        ExportFormat::Cli => "cli",
        ExportFormat::Json => "json",
    }
}

/// What is exported.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportSource {
    /// The job's case: what `export --job` prints for it (the merged document, the permission
    /// set's change, or the blocking layer's owner's change).
    Case(std::sync::Arc<Case>),
    /// The open preview's plan (its scope may be the wider one): the merged document.
    Merged(Box<FixPlan>),
    /// The policy layers could not be read: the diagnosis's fix alone, a separate policy that
    /// replaces nothing.
    Standalone(Box<Fix>),
}

/// Saving the export: the path being typed, and whether an existing file waits for `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct SavePrompt {
    /// The path, prefilled under the current directory.
    pub path: String,
    /// The file exists: `y` overwrites it, anything else keeps it.
    pub confirm_overwrite: bool,
    /// The write is running.
    pub saving: bool,
}

/// The export viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportModal {
    /// The job it is for.
    pub job_id: String,
    /// What is exported.
    pub source: ExportSource,
    /// The format shown.
    pub format: ExportFormat,
    /// Scroll offset of the text.
    pub scroll: usize,
    /// The save prompt, while open.
    pub save: Option<SavePrompt>,
    /// The last save: the path written, or why not.
    pub result: Option<Result<PathBuf, String>>,
}

impl ExportModal {
    /// The exported text in the current format, or why there is none.
    pub fn text(&self) -> Result<String, String> {
        match &self.source {
            ExportSource::Case(case) => match export_case(case, self.format) {
                CaseExport::Change(text) | CaseExport::OwnerChange { text, .. } => Ok(text),
                CaseExport::Nothing(reason) => Err(reason),
            },
            ExportSource::Merged(plan) => export_plan(plan, self.format),
            ExportSource::Standalone(fix) => Ok(export_fix(fix, self.format)),
        }
    }

    /// What the export replaces, in one sentence.
    pub fn note(&self) -> String {
        match &self.source {
            ExportSource::Case(case) => match (&case.remedy, &case.plan) {
                (Remedy::Identity, Some(plan)) => ExportTarget::merged(plan)
                    .map(|t| {
                        format!(
                            "The merged document restore-doctor would write: {}.",
                            t.note
                        )
                    })
                    .unwrap_or_else(|e| e),
                (Remedy::Blocked(blocked), _) => format!(
                    "Another layer blocks, so this is its owner's change, not an identity policy (restore-doctor writes nothing): {}",
                    blocked.sentence
                ),
                (
                    Remedy::PermissionSet {
                        permission_set,
                        role,
                        ..
                    },
                    _,
                ) => format!(
                    "The change for IAM Identity Center permission set {permission_set} (IAM refuses changes to role {role}); it needs Identity Center administrator rights."
                ),
                _ => case.refusal_sentence().unwrap_or_default(),
            },
            ExportSource::Merged(plan) => ExportTarget::merged(plan)
                .map(|t| {
                    format!(
                        "The merged document restore-doctor would write: {}.",
                        t.note
                    )
                })
                .unwrap_or_else(|e| e),
            ExportSource::Standalone(fix) => match fix.target.kind.iam() {
                Some(kind) => format!(
                    "The policy layers could not be read, so the current {} was not read either: this is a separate inline policy {} that replaces nothing.",
                    fix.policy_name,
                    ExportTarget::standalone(fix, kind).policy_name
                ),
                None => format!(
                    "The change for IAM Identity Center permission set {}; it needs Identity Center administrator rights.",
                    fix.target.name
                ),
            },
        }
    }
}

/// The file an export of `job_id` in `format` is saved to by default.
pub fn export_file_name(job_id: &str, format: ExportFormat) -> String {
    let safe: String = job_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let extension = match format {
        ExportFormat::Terraform => "tf",
        ExportFormat::Cloudformation => "cfn.json",
        ExportFormat::Cli => "sh",
        ExportFormat::Json => "json",
    };
    format!("restore-doctor-fix-{safe}.{extension}")
}

impl App {
    pub(super) fn export_mut(&mut self) -> Option<&mut ExportModal> {
        match self.modals.last_mut() {
            Some(Modal::Export(export)) => Some(export),
            _ => None,
        }
    }

    /// `e`: the viewer for the selected job (or the open preview), in `format`.
    pub(super) fn open_export(&mut self, format: ExportFormat) -> Vec<Effect> {
        let modals_before = self.modals.len();
        let from_preview = self.modals.iter().rev().find_map(|m| match m {
            Modal::Preview(PreviewModal {
                state: PreviewState::Ready(plan),
                job_id,
                ..
            }) => Some((job_id.clone(), ExportSource::Merged(plan.clone()))),
            _ => None,
        });
        let source = from_preview.or_else(|| {
            let row = self.selected_row()?;
            let job_id = row.job.restore_job_id.clone();
            match self.case_of(&row.job) {
                Some(CaseState::Ready(case)) => match export_case(case, FORMATS[0]) {
                    // Nothing restore-doctor can export: say why.
                    CaseExport::Nothing(reason)
                        if !matches!(case.remedy, Remedy::PermissionSet { .. }) =>
                    {
                        self.modals.push(Modal::Message(MessageModal::error(
                            "No fix to export",
                            &reason,
                        )));
                        None
                    }
                    _ => Some((job_id, ExportSource::Case(case.clone()))),
                },
                // The layers could not be read: the fix alone, replacing nothing.
                Some(CaseState::Failed(_)) => {
                    let report = self.selected_decoded()?.1.fix.clone()?;
                    Some((job_id, ExportSource::Standalone(Box::new(report.fix))))
                }
                Some(CaseState::Reading) | None => {
                    self.status = Some(
                        "reading this job's policy layers; e exports once they are read".into(),
                    );
                    None
                }
            }
        });
        match source {
            Some((job_id, source)) => self.modals.push(Modal::Export(ExportModal {
                job_id,
                source,
                format,
                scroll: 0,
                save: None,
                result: None,
            })),
            // "No fix to export" already says why.
            None if self.modals.len() > modals_before => {}
            None if self.status.is_some() => {}
            None => self.status = Some("select a decoded job to export its fix".into()),
        }
        Vec::new()
    }

    /// Tab/→ (`step` 1) or ←/S-Tab (`step` -1): the next format.
    pub(super) fn switch_format(&mut self, step: isize) -> Vec<Effect> {
        if let Some(export) = self.export_mut() {
            let here = FORMATS
                .iter()
                .position(|f| *f == export.format)
                .unwrap_or(0);
            let next = (here as isize + step).rem_euclid(FORMATS.len() as isize) as usize;
            export.format = FORMATS[next];
            export.scroll = 0;
            export.result = None;
        }
        Vec::new()
    }

    /// `s`: the save prompt, prefilled with a file under the export directory.
    pub(super) fn start_save(&mut self) -> Vec<Effect> {
        let dir = self.export_dir.clone();
        if let Some(export) = self.export_mut() {
            let path = dir.join(export_file_name(&export.job_id, export.format));
            export.save = Some(SavePrompt {
                path: path.display().to_string(),
                confirm_overwrite: false,
                saving: false,
            });
            export.result = None;
        }
        Vec::new()
    }

    /// Enter on the save prompt (`overwrite` false), or `y` on "the file exists" (true).
    pub(super) fn save_export(&mut self, overwrite: bool) -> Vec<Effect> {
        let Some(export) = self.export_mut() else {
            return Vec::new();
        };
        let text = match export.text() {
            Ok(text) => text,
            Err(reason) => {
                export.result = Some(Err(reason));
                return Vec::new();
            }
        };
        let Some(save) = export.save.as_mut() else {
            return Vec::new();
        };
        if save.path.trim().is_empty() {
            export.result = Some(Err("type a path to save to".into()));
            return Vec::new();
        }
        save.saving = true;
        save.confirm_overwrite = false;
        vec![Effect::SaveExport {
            path: PathBuf::from(save.path.trim()),
            text,
            overwrite,
        }]
    }

    /// The save finished.
    pub(super) fn export_saved(
        &mut self,
        path: &Path,
        result: Result<(), SaveFailure>,
    ) -> Vec<Effect> {
        let Some(export) = self.export_mut() else {
            return Vec::new();
        };
        match result {
            Ok(()) => {
                export.save = None;
                export.result = Some(Ok(path.to_path_buf()));
            }
            Err(SaveFailure::Exists) => {
                if let Some(save) = export.save.as_mut() {
                    save.saving = false;
                    save.confirm_overwrite = true;
                }
            }
            Err(SaveFailure::Failed(reason)) => {
                if let Some(save) = export.save.as_mut() {
                    save.saving = false;
                }
                export.result = Some(Err(reason));
            }
        }
        Vec::new()
    }

    /// The export text `c` copies, in the viewer.
    pub(super) fn export_text(&mut self, context: Context) -> Option<String> {
        if context != Context::Export {
            return None;
        }
        self.export_mut().and_then(|e| e.text().ok())
    }
}
