//! A job's case: its message decoded and diagnosed, the policy layers read for that principal,
//! action and resource, the judgement (`diagnosis::judge`, pure) and, when an identity write is
//! the remedy, the plan of exactly that write. Computed once; the CLI's `fix`, `export` and
//! `rerun` and every view of the UI (the row's badge, the tree's verdict, the diagnosis pane,
//! the footer's keys, the preview, the export viewer) read it, so they cannot disagree.
//!
//! The pipeline is read → judge → plan: `read.rs` gathers what AWS says (the identity layers,
//! `identity_layers.rs`; the guardrails, `guardrail_layers.rs`; what the same restore also
//! needs, `restore_round.rs`), `diagnosis::judge` decides, and `plan.rs` plans the write.

mod guardrail_layers;
mod identity_layers;
mod plan;
mod read;
mod restore_round;

use serde::Serialize;

use super::{FixPlan, JobSummary, WorkflowError};
use crate::aws::Session;
use crate::diagnosis::blocking::Blocked;
use crate::diagnosis::judge::{self, Facts, Refusal, Remedy};
use crate::diagnosis::layered::Blocker;
use crate::diagnosis::{DecodedMessage, Diagnosis, Scope, Site, Verdict, diagnose};

pub use guardrail_layers::guardrail_layers;

/// Whose policy the case's remedy changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum CaseTarget {
    /// An IAM role's identity policy.
    Role(String),
    /// An IAM user's identity policy.
    User(String),
    /// An IAM Identity Center permission set.
    PermissionSet(String),
    /// No identity policy: another layer's owner must change it, or nothing can.
    None,
}

/// What a case concludes, as `fix --output json` prints it (`"case"`) and every view of the UI
/// shows it: the site, the verdict, the remedy, the blocking layers and whose policy changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    /// Where the target is.
    pub site: Site,
    /// The job, when the case is a job's.
    pub job_id: Option<String>,
    /// The decoded message's verdict.
    pub verdict: Verdict,
    /// `identity` (a write fixes it), `fixed` (IAM holds the fix), `blocked` (another layer's
    /// owner must change it), `permission_set`, or `refused` (nothing can be written).
    pub remedy: &'static str,
    /// The layers that block, other than a missing identity allow.
    pub blocking_layers: Vec<Blocker>,
    /// Whose policy the remedy changes.
    pub target: CaseTarget,
    /// Why nothing is written, when nothing is.
    pub refused: Option<String>,
}

/// One job's (or one message's) case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The site of the target: the principal's account, in the job's (or session's) region.
    pub site: Site,
    /// The job, when the case is a job's.
    pub job_id: Option<String>,
    /// The diagnosis of the message, with what the same restore also needs.
    pub diagnosis: Diagnosis,
    /// What fixes it.
    pub remedy: Remedy,
    /// What blocks the request today over every layer read (empty when they were not read).
    pub blocking_today: Vec<Blocker>,
    /// The layers read.
    pub layers_read: Vec<String>,
    /// The layers that could not be read, and why (not checked).
    pub layers_unreadable: Vec<String>,
    /// The write, when the remedy is an identity statement.
    pub plan: Option<Box<FixPlan>>,
}

impl Case {
    /// What the case concludes.
    pub fn summary(&self) -> CaseSummary {
        CaseSummary {
            site: self.site.clone(),
            job_id: self.job_id.clone(),
            verdict: self.verdict(),
            remedy: match &self.remedy {
                Remedy::Identity if self.fixed() => "fixed",
                Remedy::Identity => "identity",
                Remedy::Blocked(_) => "blocked",
                Remedy::PermissionSet { .. } => "permission_set",
                Remedy::Refused(_) => "refused",
            },
            blocking_layers: self
                .blocked()
                .map(|b| b.blockers.clone())
                .unwrap_or_default(),
            target: self.target(),
            refused: self.refusal_sentence(),
        }
    }

    /// The verdict of the decoded message.
    pub fn verdict(&self) -> Verdict {
        self.diagnosis.verdict
    }

    /// The layer that blocks, other than a missing identity allow, when one does.
    pub fn blocked(&self) -> Option<&Blocked> {
        match &self.remedy {
            Remedy::Blocked(blocked) => Some(blocked),
            _ => None,
        }
    }

    /// Whose policy the remedy changes.
    pub fn target(&self) -> CaseTarget {
        match (&self.remedy, &self.plan) {
            (Remedy::Identity, Some(plan)) => match plan.target_type {
                crate::diagnosis::TargetType::Role => CaseTarget::Role(plan.target_name.clone()),
                crate::diagnosis::TargetType::User => CaseTarget::User(plan.target_name.clone()),
            },
            (Remedy::PermissionSet { permission_set, .. }, _) => {
                CaseTarget::PermissionSet(permission_set.clone())
            }
            _ => CaseTarget::None,
        }
    }

    /// True when an identity write would fix it and is not in place yet.
    pub fn offers_write(&self) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|plan| !plan.already_in_place)
    }

    /// True when the identity fix is already in IAM (written by anyone).
    pub fn fixed(&self) -> bool {
        self.plan.as_ref().is_some_and(|plan| plan.already_in_place)
    }

    /// True when a re-run of the job could succeed as far as the case knows: no layer other
    /// than the identity policies blocks, and the request is not explicitly denied.
    pub fn rerun_may_help(&self) -> bool {
        matches!(self.remedy, Remedy::Identity)
    }

    /// The sentence that says why nothing is written, when nothing is.
    pub fn refusal_sentence(&self) -> Option<String> {
        match &self.remedy {
            Remedy::Identity => None,
            Remedy::Blocked(blocked) => Some(blocked.sentence.clone()),
            Remedy::PermissionSet { sentence, .. } => Some(format!("not fixing: {sentence}")),
            Remedy::Refused(refusal) => Some(refusal.to_string()),
        }
    }

    /// The plan, or the refusal as the workflow error the CLI maps to exit code 3 (the
    /// permission set's change and the blocking layer's owner's change carried with it).
    pub fn into_plan(self) -> Result<FixPlan, WorkflowError> {
        match self.remedy {
            Remedy::Identity => self.plan.map(|plan| *plan).ok_or_else(|| {
                WorkflowError::Refused("no plan was made for the identity fix".into())
            }),
            Remedy::Blocked(blocked) => Err(WorkflowError::Blocked {
                sentence: blocked.sentence,
                blockers: blocked.blockers,
                owner_change: blocked.owner_change,
                layers_read: self.layers_read,
                layers_unreadable: self.layers_unreadable,
            }),
            Remedy::PermissionSet {
                sentence, change, ..
            } => Err(WorkflowError::Protected {
                sentence,
                change: Some(change),
            }),
            Remedy::Refused(Refusal::ServiceLinked { sentence }) => Err(WorkflowError::Protected {
                sentence,
                change: None,
            }),
            Remedy::Refused(refusal) => Err(WorkflowError::Refused(refusal.to_string())),
        }
    }
}

/// Builds the case of `message` (the job's, when `job` is given): read every layer that
/// matters for it (through the session's read cache, so cases sharing a principal, an action
/// or a resource share each read), judge, and plan the write when an identity statement is
/// the remedy.
pub async fn build_case(
    session: &Session,
    message: &DecodedMessage,
    scope: Scope,
    job: Option<&JobSummary>,
) -> Result<Case, WorkflowError> {
    let mut diagnosis = diagnose(message, scope);
    let reading = read::read(session, message, &diagnosis, job).await?;
    diagnosis.notes.extend(reading.round.notes.iter().cloned());
    diagnosis.also_needed = reading.round.also_needed.clone();
    diagnosis.wider_alternatives = reading.round.wider_alternatives.clone();
    let statements = reading.statements(&diagnosis);
    let judgement = judge::judge(Facts {
        message,
        diagnosis: &diagnosis,
        caller_account: &reading.caller_account,
        caller_arn: &reading.caller_arn,
        role: reading.role.as_ref(),
        job_role_arn: job.and_then(|j| j.iam_role_arn.as_deref()),
        evidence: &reading.evidence,
        statements: &statements,
        rerun_vault: reading.rerun_vault.as_ref(),
    });
    let mut case = Case {
        site: reading.site(&diagnosis, job, session),
        job_id: job.map(|j| j.restore_job_id.clone()),
        diagnosis,
        remedy: judgement.remedy,
        blocking_today: judgement.blocking_today,
        layers_read: reading.evidence.read.clone(),
        layers_unreadable: reading.evidence.unreadable.clone(),
        plan: None,
    };
    if case.remedy == Remedy::Identity {
        match plan::plan_write(session, message, &case, &reading, &statements, scope).await? {
            Ok(plan) => case.plan = Some(Box::new(plan)),
            Err(reason) => case.remedy = Remedy::Refused(Refusal::Unwritable { reason }),
        }
    }
    Ok(case)
}

/// The plan for fixing `message` (no writes): [`build_case`] from fresh reads (a preview
/// shows what IAM holds now, not what an earlier case read), then its plan, or its refusal as
/// a workflow error.
pub async fn preview_fix(
    session: &Session,
    message: &DecodedMessage,
    scope: Scope,
    job: Option<&JobSummary>,
) -> Result<FixPlan, WorkflowError> {
    session.forget_reads();
    build_case(session, message, scope, job).await?.into_plan()
}
