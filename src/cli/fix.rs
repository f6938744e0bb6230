//! `fix`: diagnose, preview the least-privilege fix, apply it after confirmation, verify it.

use std::path::PathBuf;

use clap::Args;

use super::confirm::confirm;
use super::connect::journal;
use super::input::resolve_text;
use super::{Connection, GlobalArgs, OutputFormat, read_input};
use crate::diagnosis::DecodedMessage;
use crate::diagnosis::decoded::MAX_DECODED_LEN;
use crate::diagnosis::denial::{FailureKind, classify_status_message};
use crate::error::AppError;
use crate::workflow::{self, FixPlan, JobSummary, Verification};

/// Arguments of `fix`.
#[derive(Debug, Clone, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(false).args(["job", "token", "decoded"])))]
pub struct FixArgs {
    /// A failed restore job's ID: its message is decoded through STS.
    #[arg(long)]
    pub job: Option<String>,
    /// An encoded message, text containing it, or a plain-text access-denied message.
    #[arg(long)]
    pub token: Option<String>,
    /// A decoded message (any JSON form) or a plain-text denial, in a file or `-` for stdin.
    #[arg(long)]
    pub decoded: Option<PathBuf>,
    /// `exact` (least privilege) or `account` (wider).
    #[arg(long, value_enum, default_value_t = super::ScopeArg::Exact)]
    pub scope: super::ScopeArg,
    /// Preview only; never write.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

/// The message to fix and where it came from: (message, job, token). Every source goes
/// through the one parser: a decoded file, a plain-text denial, a token, a hybrid, or a job's
/// status message (a job whose message is not a permissions problem is refused with a sentence
/// saying what it is).
pub async fn resolve_message(
    connection: &Connection,
    job: Option<&str>,
    token_text: Option<&str>,
    decoded: Option<&PathBuf>,
    since: std::time::Duration,
) -> Result<(DecodedMessage, Option<JobSummary>, Option<String>), AppError> {
    if let Some(path) = decoded {
        let text = read_input(Some(path), MAX_DECODED_LEN)?;
        let resolved = resolve_text(connection, &text).await?;
        return Ok((resolved.message, None, resolved.token));
    }
    match (job, token_text) {
        (Some(id), _) => {
            let found = find_job(connection, id, since).await?;
            let status = found
                .status_message
                .as_ref()
                .map(|m| m.text().into_owned())
                .unwrap_or_default();
            let failure = classify_status_message(Some(&status));
            if matches!(
                failure.kind,
                FailureKind::NotPermissions | FailureKind::NoMessage
            ) {
                return Err(AppError::refused(format!(
                    "restore job {id} did not fail for lack of a permission, so there is nothing to fix: {}",
                    failure.explanation.unwrap_or_default()
                )));
            }
            let resolved = resolve_text(connection, &status).await?;
            Ok((resolved.message, Some(found), resolved.token))
        }
        (None, Some(text)) => {
            let resolved = resolve_text(connection, text).await?;
            Ok((resolved.message, None, resolved.token))
        }
        (None, None) => Err(AppError::bad_input("give --job, --token or --decoded")),
    }
}

/// Finds a job among the failed ones listed in the period (or by describing it).
pub async fn find_job(
    connection: &Connection,
    id: &str,
    since: std::time::Duration,
) -> Result<JobSummary, AppError> {
    let jobs = workflow::list_failed_jobs(&connection.session, since, None).await?;
    jobs.into_iter()
        .find(|j| j.restore_job_id == id)
        .ok_or_else(|| {
            AppError::bad_input(format!(
                "no failed restore job {id} in the last {} (check the ID, or widen --since)",
                human_duration(since)
            ))
        })
}

/// The writes a managed-policy plan makes, in order.
fn managed_steps(managed: &workflow::ManagedPlan) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(oldest) = &managed.delete_first {
        steps.push(format!(
            "delete its oldest version {oldest} (IAM keeps five)"
        ));
    }
    steps.push(if managed.exists {
        format!("create a new default version of {}", managed.policy_arn)
    } else {
        format!("create managed policy {}", managed.policy_arn)
    });
    if !managed.attached {
        steps.push("attach it".into());
    }
    steps
}

fn print_preview(plan: &FixPlan) {
    println!("Target:    {} ({})", plan.target_arn, plan.target_type);
    println!(
        "Account:   {}  Region: {}",
        plan.site.account, plan.site.region
    );
    match &plan.managed {
        None => println!("Policy:    {} (inline)", plan.policy_name),
        Some(managed) => {
            println!(
                "Policy:    {} (customer-managed policy {})",
                plan.policy_name, managed.policy_arn
            );
            println!("Why:       MANAGED-POLICY PLAN: {}", managed.reason);
            println!("Steps:     {}", managed_steps(managed).join("; then "));
        }
    }
    println!(
        "Scope:     {}{}",
        plan.scope.as_str(),
        if plan.diagnosis.fix.as_ref().is_some_and(|f| f.fix.wider) {
            " (WIDER than the failed request)"
        } else {
            ""
        }
    );
    println!(
        "Size:      {} of {} characters ({})",
        plan.size,
        plan.quota,
        if plan.managed.is_some() {
            "the managed policy version"
        } else {
            "all inline policies"
        }
    );
    println!("Diagnosis: {}", super::printable(&plan.diagnosis.summary));
    for added in &plan.diagnosis.also_needed {
        println!(
            "Also:      {} on {}: {} ({}), denied by IAM today",
            added.action, added.resource, added.label, added.restore_type
        );
    }
    for note in &plan.diagnosis.notes {
        println!("Note:      {}", super::printable(note));
    }
    for alternative in &plan.diagnosis.wider_alternatives {
        println!("Wider:     {}", super::printable(&alternative.sentence));
    }
    println!();
    if plan.already_in_place {
        println!("The fix is already in place: nothing to write.");
        return;
    }
    println!("Document to write:");
    println!("{}", plan.proposed_text);
    println!();
    println!("Diff against the current policy:");
    print!("{}", plan.diff);
    println!();
    println!(
        "Local verification: {}",
        match plan.verified_locally {
            Some(true) => "the decoded request would be allowed",
            Some(false) => "the decoded request would still NOT be allowed",
            None =>
                "not done (the request cannot be evaluated locally, as with a redacted account ID)",
        }
    );
    println!("Layers read: {}", plan.layers_read.join("; "));
    for unread in &plan.layers_unreadable {
        println!("NOT read (so not checked): {unread}");
    }
    for blocker in &plan.blocking_layers {
        println!("Blocking layer (before the fix): {}", blocker.label());
    }
    for line in plan.policy_checks.lines(&plan.diagnosis.action) {
        println!("Check: {line}");
    }
}

/// One line for IAM's verification.
pub fn verification_line(verification: &Verification) -> String {
    match verification {
        Verification::Allowed => "IAM SimulatePrincipalPolicy: allowed".into(),
        Verification::Denied {
            decision,
            missing_context_values,
        } if missing_context_values.is_empty() => {
            format!("IAM SimulatePrincipalPolicy: still denied ({decision})")
        }
        Verification::Denied {
            decision,
            missing_context_values,
        } => format!(
            "IAM SimulatePrincipalPolicy: still denied ({decision}); missing context values: {}",
            missing_context_values.join(", ")
        ),
        Verification::Unavailable { reason } => {
            format!("IAM SimulatePrincipalPolicy could not run: {reason}")
        }
    }
}

/// Runs `fix`.
pub async fn fix(
    args: FixArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let (message, job, token) = resolve_message(
        connection,
        args.job.as_deref(),
        args.token.as_deref(),
        args.decoded.as_ref(),
        global.since,
    )
    .await?;
    let case = workflow::build_case(
        &connection.session,
        &message,
        args.scope.into(),
        job.as_ref(),
    )
    .await?;
    // What the case concludes, as the UI shows it for the same job.
    let summary = case.summary();
    let plan = match case.into_plan() {
        Ok(plan) => plan,
        // An Identity Center role: the change is shown where it belongs, and nothing is written.
        Err(workflow::WorkflowError::Protected {
            sentence,
            change: Some(change),
        }) => {
            if global.output == OutputFormat::Json {
                let value = serde_json::json!({"plan": null, "case": summary, "permission_set_change": change, "refused": sentence});
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                println!("The change belongs in the IAM Identity Center permission set:\n{change}");
            }
            return Err(AppError::refused(format!("not fixing: {sentence}")));
        }
        // Another layer blocks (an SCP, an RCP, the boundary, a key or vault policy): the
        // layer and its owner's change are shown, and nothing is written.
        Err(workflow::WorkflowError::Blocked {
            sentence,
            blockers,
            owner_change,
            layers_read,
            layers_unreadable,
        }) => {
            if global.output == OutputFormat::Json {
                let value = serde_json::json!({
                    "plan": null,
                    "case": summary,
                    "refused": sentence,
                    "blocking_layers": blockers,
                    "owner_change": owner_change,
                    "layers_read": layers_read,
                    "layers_unreadable": layers_unreadable,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                for blocker in &blockers {
                    println!("Blocking layer: {}", super::printable(&blocker.label()));
                }
                println!("Owner's change: {}", super::printable(&owner_change));
                println!("Layers read: {}", layers_read.join("; "));
                for unread in &layers_unreadable {
                    println!("NOT read (so not checked): {unread}");
                }
            }
            return Err(AppError::refused(sentence));
        }
        Err(error) => {
            if global.output == OutputFormat::Json {
                let value = serde_json::json!({"plan": null, "case": summary, "refused": error.to_string()});
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            }
            return Err(error.into());
        }
    };
    let json = global.output == OutputFormat::Json;
    if !json {
        print_preview(&plan);
        if !plan.already_in_place {
            let proof = workflow::prove(&connection.session, &plan).await;
            println!(
                "Before the write, {}",
                verification_line(&proof)
                    .replacen("IAM", "IAM's", 1)
                    .replacen(
                        "SimulatePrincipalPolicy",
                        "SimulatePrincipalPolicy with the proposed document",
                        1
                    )
            );
        }
    }
    let outcome = if plan.already_in_place || args.dry_run {
        None
    } else {
        let Some(writer) = connection.session.writer() else {
            emit_json(json, &summary, &plan, None)?;
            return Err(AppError::refused(
                "read-only mode: nothing was written (drop --read-only to apply)",
            ));
        };
        let question = match &plan.managed {
            None => format!(
                "Write policy {} to {} {} in account {}?",
                plan.policy_name, plan.target_type, plan.target_name, plan.site.account
            ),
            Some(managed) => format!(
                "{} in account {}?",
                managed_steps(managed).join(", then "),
                plan.site.account
            ),
        };
        if let Err(refusal) = confirm(&question, args.yes) {
            emit_json(json, &summary, &plan, None)?;
            return Err(refusal);
        }
        let journal = journal(global)?;
        let outcome = workflow::apply_fix(
            &connection.session,
            &writer,
            &plan,
            &journal,
            token.as_deref(),
        )
        .await?;
        if !json {
            println!(
                "Applied: policy {} written to {} (journal entry {}, {}).",
                plan.policy_name,
                plan.target_arn,
                outcome.journal_entry.as_deref().unwrap_or("-"),
                journal.path().display()
            );
            println!("{}", verification_line(&outcome.verification));
        }
        Some(outcome)
    };
    emit_json(json, &summary, &plan, outcome.as_ref())?;
    if !json && args.dry_run && !plan.already_in_place {
        println!("Dry run: nothing was written.");
    }
    if let Some(outcome) = &outcome
        && matches!(outcome.verification, Verification::Denied { .. })
    {
        return Err(AppError::still_denied(format!(
            "the policy was written (journal entry {}), but IAM's simulator still denies the request: `restore-doctor undo --last` puts it back",
            outcome.journal_entry.as_deref().unwrap_or("-")
        )));
    }
    Ok(())
}

fn emit_json(
    json: bool,
    summary: &workflow::CaseSummary,
    plan: &FixPlan,
    outcome: Option<&workflow::ApplyOutcome>,
) -> Result<(), AppError> {
    if json {
        let value = serde_json::json!({"plan": plan, "case": summary, "outcome": outcome});
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| AppError::aws(e.to_string()))?
        );
    }
    Ok(())
}

/// `30d`, `12h`, `90m` or `45s`: how `--since` was probably written.
fn human_duration(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
