//! What a confirmation says before a write and the one sentence that reports its result: the
//! exact policy document, target, recovery point, role and journal time, never a vague verb.

use serde_json::Value;

use super::{ConfirmField, ConfirmModal, PendingWrite};
use crate::diagnosis::Token;
use crate::workflow::journal::JournalEntry;
use crate::workflow::{ApplyOutcome, FixPlan, JobSummary, Verification};

/// The statement's `Action` and `Resource` as text (`a, b` for lists).
fn statement_part(statement: &Value, key: &str) -> String {
    match statement.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => "?".into(),
    }
}

/// What a plan grants (`iam:PassRole on arn:…`) and whether it is WIDER than the request.
pub fn plan_grant(plan: &FixPlan) -> Option<(String, bool)> {
    let fix = &plan.diagnosis.fix.as_ref()?.fix;
    Some((
        format!(
            "{} on {}",
            statement_part(&fix.statement, "Action"),
            statement_part(&fix.statement, "Resource")
        ),
        fix.wider,
    ))
}

/// The scope line shared by the preview and the confirmation.
pub fn scope_text(plan: &FixPlan) -> (String, bool) {
    match plan_grant(plan) {
        Some((_, true)) => (
            format!(
                "{}: WIDER than the failed request (the denied resource was {})",
                plan.scope.as_str(),
                plan.diagnosis.resource
            ),
            true,
        ),
        _ => (
            format!("{}: exactly the denied resource", plan.scope.as_str()),
            false,
        ),
    }
}

/// "Apply fix?": which inline policy document goes to which role or user, in which account.
pub fn apply(plan: Box<FixPlan>, token: Option<Token>) -> ConfirmModal {
    let mut fields = vec![
        ConfirmField::new(
            "Write",
            format!(
                "inline policy {} (the document shown in the preview, {} of {} characters)",
                plan.policy_name, plan.size, plan.quota
            ),
        ),
        ConfirmField::new("To", format!("{} {}", plan.target_type, plan.target_arn)),
        ConfirmField::new(
            "Account",
            format!("{} ({})", plan.site.account, plan.site.region),
        ),
    ];
    if let Some((grant, _)) = plan_grant(&plan) {
        fields.push(ConfirmField::new("Allows", grant));
    }
    let (scope, wider) = scope_text(&plan);
    fields.push(if wider {
        ConfirmField::warning("Scope", scope)
    } else {
        ConfirmField::new("Scope", scope)
    });
    fields.push(ConfirmField::new(
        "Replaces",
        if plan.current_document.is_some() {
            format!(
                "the current {} (its other statements are kept)",
                plan.policy_name
            )
        } else {
            "nothing: the policy does not exist yet and is created".into()
        },
    ));
    ConfirmModal {
        action: "Apply fix".into(),
        fields,
        pending: PendingWrite::Apply { plan, token },
    }
}

/// "Re-run restore?": which restore starts, from which recovery point, as which role, with
/// which metadata.
pub fn rerun(
    job: &JobSummary,
    account: &str,
    offers_without_instance_profile: bool,
    wait_for_propagation: bool,
) -> ConfirmModal {
    let mut fields = restore_fields(job);
    fields.extend([
        ConfirmField::new(
            "Metadata",
            format!(
                "the restore metadata of job {} (GetRestoreJobMetadata); for EC2, NetworkInterfaces are dropped when SubnetId or SecurityGroupIds is set (EC2 refuses both)",
                job.restore_job_id
            ),
        ),
    ]);
    if wait_for_propagation {
        fields.push(ConfirmField::new(
            "First",
            format!(
                "wait (at most {}s) until IAM's simulator allows the request the job failed on (a fix for it was written); no restore starts while IAM still denies it",
                crate::workflow::PROPAGATION_TIMEOUT.as_secs()
            ),
        ));
    }
    fields.push(ConfirmField::new("Account", account.to_string()));
    if offers_without_instance_profile {
        fields.push(ConfirmField::new(
            "Or",
            "press i to re-run WITHOUT the instance profile instead (no PassRole needed; changes what is restored)".to_string(),
        ));
    }
    ConfirmModal {
        action: "Re-run restore".into(),
        fields,
        pending: PendingWrite::Rerun {
            job_id: job.restore_job_id.clone(),
            without_instance_profile: false,
            offers_without_instance_profile,
            wait_for_propagation,
        },
    }
}

/// "Re-run restore WITHOUT its instance profile?": the Knowledge Center's alternative for a
/// PassRole failure on the instance profile, which changes what is restored.
pub fn rerun_without_instance_profile(job: &JobSummary, account: &str) -> ConfirmModal {
    let mut warning = ConfirmField::new(
        "Changes",
        "the instance is restored WITHOUT its instance profile (IamInstanceProfileName is dropped from the metadata); attach one afterwards if it needs it".to_string(),
    );
    warning.warning = true;
    ConfirmModal {
        action: "Re-run restore WITHOUT its instance profile".into(),
        fields: restore_fields(job)
            .into_iter()
            .chain([
            warning,
            ConfirmField::new(
                "Metadata",
                format!(
                    "the rest of job {}'s restore metadata (GetRestoreJobMetadata), as the re-run above would send it",
                    job.restore_job_id
                ),
            ),
            ConfirmField::new("Account", account.to_string()),
            ])
            .collect(),
        pending: PendingWrite::Rerun {
            job_id: job.restore_job_id.clone(),
            without_instance_profile: true,
            offers_without_instance_profile: false,
            wait_for_propagation: false,
        },
    }
}

/// What a re-run starts, from where and as whom (both re-run confirmations).
fn restore_fields(job: &JobSummary) -> Vec<ConfirmField> {
    vec![
        ConfirmField::new(
            "Start",
            format!(
                "a new {} restore job (StartRestoreJob) like failed job {}",
                job.resource_type.as_deref().unwrap_or("AWS Backup"),
                job.restore_job_id
            ),
        ),
        ConfirmField::new(
            "From",
            format!(
                "recovery point {}",
                job.recovery_point_arn.as_deref().unwrap_or("?")
            ),
        ),
        ConfirmField::new(
            "As role",
            job.iam_role_arn.as_deref().unwrap_or("?").to_string(),
        ),
    ]
}

/// What undoing `entry` does, as a phrase (`delete policy X from role Y`).
fn undo_phrase(entry: &JournalEntry) -> String {
    match entry.before {
        None => format!(
            "delete inline policy {} from {} {}",
            entry.policy_name, entry.target_type, entry.target_arn
        ),
        Some(_) => format!(
            "put back inline policy {} on {} {} as it was before {}",
            entry.policy_name, entry.target_type, entry.target_arn, entry.time
        ),
    }
}

/// "Undo fix?": delete the policy, or put it back as it was before the journalled write.
pub fn undo(entry: Box<JournalEntry>) -> ConfirmModal {
    let mut phrase = undo_phrase(&entry);
    if let Some(first) = phrase.get(..1) {
        phrase = first.to_uppercase() + &phrase[1..];
    }
    ConfirmModal {
        action: "Undo fix".into(),
        fields: vec![
            ConfirmField::new("Will", phrase),
            ConfirmField::new(
                "Undoes",
                format!(
                    "journal entry {} written at {}{}",
                    entry.id,
                    entry.time,
                    entry
                        .job_id
                        .as_deref()
                        .map(|job| format!(" for restore job {job}"))
                        .unwrap_or_default()
                ),
            ),
            ConfirmField::new(
                "Account",
                format!("{} ({})", entry.site.account, entry.site.region),
            ),
        ],
        pending: PendingWrite::Undo(entry),
    }
}

/// The one sentence after an undo.
pub fn undone(entry: Option<&JournalEntry>) -> String {
    match entry {
        Some(entry) if entry.before.is_none() => format!(
            "Deleted inline policy {} from {} {}.",
            entry.policy_name, entry.target_type, entry.target_arn
        ),
        Some(entry) => format!(
            "Put inline policy {} on {} {} back as it was before {}.",
            entry.policy_name, entry.target_type, entry.target_arn, entry.time
        ),
        None => "The policy is back as it was before the fix.".into(),
    }
}

/// The one sentence after an apply: what was written and what IAM's simulator says now.
pub fn applied(plan: &FixPlan, outcome: &ApplyOutcome) -> String {
    let wrote = if outcome.written {
        format!(
            "Wrote inline policy {} to {} {}",
            plan.policy_name, plan.target_type, plan.target_arn
        )
    } else {
        format!(
            "Nothing was written ({} already allows it)",
            plan.policy_name
        )
    };
    let verdict = match &outcome.verification {
        Verification::Allowed => "and IAM's policy simulator now allows the request".to_string(),
        Verification::Denied {
            decision,
            missing_context_values,
        } if missing_context_values.is_empty() => {
            format!("but IAM's policy simulator still answers {decision}")
        }
        Verification::Denied {
            decision,
            missing_context_values,
        } => format!(
            "but IAM's policy simulator still answers {decision} (it lacked {})",
            missing_context_values.join(", ")
        ),
        Verification::Unavailable { reason } => {
            format!("and the local check allows the request (IAM's simulator: {reason})")
        }
    };
    format!("{wrote}, {verdict}.")
}

/// The notice when a re-run ends after its window was closed: the new job and how it ended.
pub fn rerun_ended(source_job: &str, done: &crate::workflow::JobProgress) -> String {
    let mut text = format!(
        "re-run of restore job {source_job} ended: new job {} {}",
        done.restore_job_id, done.status
    );
    match (&done.created_resource_arn, &done.status_message) {
        (Some(arn), _) if done.status == crate::diagnosis::RestoreJobStatus::Completed => {
            text.push_str(&format!(", created {arn}"));
        }
        (_, Some(message)) if done.status != crate::diagnosis::RestoreJobStatus::Completed => {
            let short: String = message.chars().take(120).collect();
            text.push_str(&format!(": {short}"));
        }
        _ => {}
    }
    text
}
