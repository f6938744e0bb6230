//! `rerun`, `undo`, `export` and `sandbox`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::confirm::confirm;
use super::connect::journal;
use super::fix::{find_job, resolve_message};
use super::{Connection, GlobalArgs, OutputFormat};
use crate::diagnosis::protected::{self, ProtectedRole};
use crate::diagnosis::{RestoreJobStatus, diagnose, fix as fixes};
use crate::error::AppError;
use crate::sandbox::{FaultSpec, HoldReply, SandboxConfig, serve_forever};
use crate::workflow::{self, ExportFormat};

/// Arguments of `rerun`.
#[derive(Debug, Clone, Args)]
pub struct RerunArgs {
    /// The failed restore job to start again.
    #[arg(long)]
    pub job: String,
    /// Start without asking.
    #[arg(long)]
    pub yes: bool,
    /// Print the new job's ID and return without following it.
    #[arg(long)]
    pub no_wait: bool,
    /// Re-run a job that is not FAILED, skip the wait for IAM, and start a fresh restore even
    /// if this re-run was started before.
    #[arg(long)]
    pub force: bool,
    /// For an EC2 restore that failed on iam:PassRole of its instance profile: restore the
    /// instance WITHOUT the instance profile instead of fixing IAM (changes what is restored).
    #[arg(long)]
    pub without_instance_profile: bool,
    /// How long to wait for IAM to allow the request the job failed on (e.g. 60s, 2m).
    #[arg(long, default_value = "60s", value_parser = super::parse_since)]
    pub propagation_timeout: Duration,
}

/// Arguments of `undo`.
#[derive(Debug, Clone, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("which").multiple(false).args(["last", "entry"])))]
pub struct UndoArgs {
    /// Undo the newest applied fix (the default).
    #[arg(long)]
    pub last: bool,
    /// Undo this journal entry.
    #[arg(long)]
    pub entry: Option<String>,
    /// Undo without asking.
    #[arg(long)]
    pub yes: bool,
}

/// Arguments of `export`.
#[derive(Debug, Clone, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(false).args(["job", "decoded"])))]
pub struct ExportArgs {
    /// A failed restore job's ID.
    #[arg(long)]
    pub job: Option<String>,
    /// A decoded message file, or `-` for stdin.
    #[arg(long)]
    pub decoded: Option<PathBuf>,
    /// terraform, cloudformation, cli or json.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// `exact` (least privilege) or `account` (wider).
    #[arg(long, value_enum, default_value_t = super::ScopeArg::Exact)]
    pub scope: super::ScopeArg,
}

/// Arguments of `sandbox`.
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// Scenario name (in assets/sandbox) or a scenario file.
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// Extra historical failed jobs to generate (at most 1,000,000).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub jobs: u32,
    /// Delay every response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Inject faults, e.g. throttle=0.2,error=0.05,reset=0.01.
    #[arg(long)]
    pub faults: Option<FaultSpec>,
    /// Seed for the fault injection.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Carry out OPERATION, then hold its reply back MILLIS ms (a frozen endpoint after a
    /// write), e.g. PutRolePolicy=10000.
    #[arg(long, value_name = "OPERATION=MILLIS")]
    pub hold_reply: Option<HoldReply>,
}

fn print_rerun_plan(plan: &workflow::RerunPlan) {
    println!("Re-run of:       {}", plan.source_job_id);
    println!("Recovery point:  {}", plan.recovery_point_arn);
    println!("Role:            {}", plan.iam_role_arn);
    println!(
        "Resource type:   {}",
        plan.resource_type.as_deref().unwrap_or("-")
    );
    println!("Metadata:");
    for (key, value) in &plan.metadata {
        println!("  {key} = {}", super::printable(value));
    }
    for change in &plan.changes {
        println!("  {}: {}", change.key, change.reason);
    }
}

/// Runs `rerun`.
pub async fn rerun(
    args: RerunArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let Some(writer) = connection.session.writer() else {
        return Err(AppError::refused(
            "read-only mode: no restore started (drop --read-only to re-run)",
        ));
    };
    let options = workflow::RerunOptions {
        force: args.force,
        without_instance_profile: args.without_instance_profile,
    };
    let plan = workflow::plan_rerun(&connection.session, &args.job, options)
        .await
        .map_err(|e| match &e {
            workflow::WorkflowError::Aws(aws)
                if aws.kind == crate::aws::AwsErrorKind::NoSuchEntity =>
            {
                AppError::bad_input(format!(
                    "no restore job {}: check the ID (`restore-doctor list` shows the failed ones)",
                    args.job
                ))
            }
            _ => AppError::from(e),
        })?;
    let json = global.output == OutputFormat::Json;
    if !json {
        print_rerun_plan(&plan);
    }
    confirm(
        &format!(
            "Start a new {} restore of {} as {}{}?",
            plan.resource_type.as_deref().unwrap_or("?"),
            plan.recovery_point_arn,
            plan.iam_role_arn,
            if args.without_instance_profile {
                " WITHOUT its instance profile"
            } else {
                ""
            }
        ),
        args.yes,
    )?;
    // IAM has something to propagate only when a fix for the job's cause was written.
    let journal = journal(global)?;
    let (account, _) = connection
        .session
        .caller_identity()
        .await
        .map_err(workflow::WorkflowError::from)?;
    let fixed = workflow::fix_written_for(&journal, &account, &args.job, &plan.iam_role_arn)?;
    let wait = (!(args.force || args.without_instance_profile) && fixed)
        .then_some(args.propagation_timeout);
    if wait.is_none() && !args.force && !args.without_instance_profile && !json {
        eprintln!(
            "  not waiting for IAM: the journal holds no fix for this job or its role ({}), so there is nothing to propagate",
            journal.path().display()
        );
    }
    let (new_id, waited) =
        workflow::start_planned(&connection.session, &writer, &plan, wait, |elapsed| {
            if !json {
                eprintln!(
                    "  waiting for IAM to allow the failed request ({}s of {}s)…",
                    elapsed.as_secs(),
                    args.propagation_timeout.as_secs()
                );
            }
        })
        .await?;
    if !json && let Some(workflow::Propagation::Unavailable { reason }) = &waited {
        eprintln!("  not waiting for IAM: the simulator could not be asked ({reason})");
    }
    let started = workflow::job_progress(&connection.session, &new_id).await?;
    if started.is_terminal() {
        // The idempotency token found a re-run started before (its reply may have been lost).
        eprintln!(
            "restore-doctor: this re-run was already started as restore job {new_id} (now {}); nothing new was started (--force starts a fresh restore)",
            started.status
        );
    }
    let json = global.output == OutputFormat::Json;
    if args.no_wait {
        if json {
            println!(
                "{}",
                serde_json::json!({"restore_job_id": new_id, "status": "STARTED"})
            );
        } else {
            println!("Started restore job {new_id}.");
        }
        return Ok(());
    }
    if !json {
        println!("Started restore job {new_id}; following it…");
    }
    let outcome = workflow::follow_job(
        &connection.session,
        &new_id,
        Duration::from_millis(500),
        Duration::from_secs(900),
        |p| {
            if !json {
                eprintln!(
                    "  {} {}{}",
                    p.restore_job_id,
                    p.status,
                    p.percent_done
                        .as_deref()
                        .map(|d| format!(" ({d}%)"))
                        .unwrap_or_default()
                );
            }
        },
    )
    .await?;
    let diagnosis = match workflow::encoded_message_in(outcome.status_message.as_deref()) {
        Some(token) if outcome.status == RestoreJobStatus::Failed => {
            workflow::decode_token(&connection.session, &token)
                .await
                .ok()
                .map(|(_, d)| d)
        }
        _ => None,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"job": outcome, "diagnosis": diagnosis})
            )
            .unwrap_or_default()
        );
    } else {
        match &outcome.status {
            RestoreJobStatus::Completed => println!(
                "Restore {new_id} COMPLETED: {}",
                outcome.created_resource_arn.as_deref().unwrap_or("")
            ),
            status => {
                println!(
                    "Restore {new_id} {status}: {}",
                    super::printable(outcome.status_message.as_deref().unwrap_or(""))
                );
                if let Some(d) = &diagnosis {
                    println!("New diagnosis: {}", super::printable(&d.summary));
                }
            }
        }
    }
    if outcome.status == RestoreJobStatus::Completed {
        Ok(())
    } else {
        Err(AppError::aws(format!(
            "restore job {new_id} ended {}",
            outcome.status
        )))
    }
}

/// Runs `undo`.
pub async fn undo(
    args: UndoArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let journal = journal(global)?;
    // A write a crash or a lost reply left unresolved is settled first, so it can be undone.
    let reconciled = workflow::reconcile(&connection.session, &journal).await?;
    super::journal_cmd::report_reconciled(&reconciled, global.output);
    // The newest entry of the credentials' account: a journal shared by several accounts
    // never offers another account's write.
    let (account, _) = connection
        .session
        .caller_identity()
        .await
        .map_err(workflow::WorkflowError::from)?;
    let entry = workflow::undo_target(&journal, args.entry.as_deref(), &account)?;
    let Some(writer) = connection.session.writer() else {
        return Err(AppError::refused(
            "read-only mode: nothing undone (drop --read-only to undo)",
        ));
    };
    let what = match entry.before {
        Some(_) => format!(
            "Restore policy {} on {} {} to its state before {}?",
            entry.policy_name, entry.target_type, entry.target_name, entry.time
        ),
        None => format!(
            "Delete policy {} from {} {} (it did not exist before {})?",
            entry.policy_name, entry.target_type, entry.target_name, entry.time
        ),
    };
    confirm(&what, args.yes)?;
    let done = workflow::undo(&connection.session, &writer, &journal, &entry).await?;
    if global.output == OutputFormat::Json {
        println!(
            "{}",
            serde_json::json!({"undone": entry.id, "result": done})
        );
    } else {
        println!("{done}.");
    }
    Ok(())
}

/// Runs `export`. With AWS readable, the export is the case's (`workflow::export_case`, what
/// the UI's export viewer shows for the same job): the merged document, the permission set's
/// change, or the blocking layer's owner's change (exit 3). Offline, or when the layers cannot
/// be read, the fix alone as a policy of its own that replaces nothing.
pub async fn export(
    args: ExportArgs,
    connection: Option<&Connection>,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let (message, job) = match connection {
        None => (resolve_offline(&args)?, None),
        Some(connection) => {
            let job = match &args.job {
                Some(id) => Some(find_job(connection, id, global.since).await?),
                None => None,
            };
            let message = resolve_message(
                connection,
                job.as_ref().map(|j| j.restore_job_id.as_str()),
                None,
                args.decoded.as_ref(),
                global.since,
            )
            .await?
            .0;
            (message, job)
        }
    };
    if let Some(connection) = connection {
        match workflow::build_case(
            &connection.session,
            &message,
            args.scope.into(),
            job.as_ref(),
        )
        .await
        {
            Ok(case) => {
                return match workflow::export_case(&case, args.format) {
                    workflow::CaseExport::Change(text) => {
                        print!("{}", printable_export(args.format, &text));
                        Ok(())
                    }
                    // Another layer blocks: its owner's change is the export, not an identity
                    // statement that would not help.
                    workflow::CaseExport::OwnerChange { text, refusal } => {
                        print!("{}", printable_export(args.format, &text));
                        Err(AppError::refused(refusal))
                    }
                    workflow::CaseExport::Nothing(reason) => Err(AppError::refused(reason)),
                };
            }
            Err(error) if error.kind() == workflow::WorkflowErrorKind::Aws => {
                eprintln!(
                    "restore-doctor: cannot read the current policy ({error}); exporting the fix as a separate inline policy"
                );
            }
            Err(error) => return Err(error.into()),
        }
    }
    // Offline (or the layers could not be read): the diagnosis alone.
    let diagnosis = diagnose(&message, args.scope.into());
    let fix = match fixes::synthesize(&message, args.scope.into()) {
        Ok(fix) => fix,
        Err(reason) => {
            return Err(AppError::refused(format!(
                "nothing to export: {reason} ({})",
                diagnosis.summary
            )));
        }
    };
    match &diagnosis.protected_target {
        Some(ProtectedRole::ServiceLinked { .. }) | None if diagnosis.fix.is_none() => {
            Err(AppError::refused(format!(
                "nothing to export: {}",
                diagnosis.no_fix_reason.unwrap_or_default()
            )))
        }
        // An Identity Center role: the change goes into its permission set.
        Some(role @ ProtectedRole::IdentityCenter { permission_set, .. }) => {
            let account = diagnosis
                .principal
                .account
                .as_deref()
                .unwrap_or("ACCOUNT_ID");
            match args.format {
                ExportFormat::Cli => print!(
                    "{}",
                    protected::permission_set_cli(permission_set, account, &fix.statement)
                ),
                ExportFormat::Terraform => print!(
                    "{}",
                    protected::permission_set_terraform(permission_set, &fix.statement)
                ),
                ExportFormat::Json => print!("{}", workflow::export_fix(&fix, args.format)),
                ExportFormat::Cloudformation => {
                    return Err(AppError::refused(format!(
                        "{}; a CloudFormation role policy cannot hold it: use --format cli or --format terraform",
                        role.sentence()
                    )));
                }
            }
            Ok(())
        }
        _ => {
            print!("{}", workflow::export_fix(&fix, args.format));
            Ok(())
        }
    }
}

/// Exported text for the terminal: JSON is escaped already; `#` comments and commands carry
/// sentences built from AWS's text, whose control characters are shown escaped.
fn printable_export(format: ExportFormat, text: &str) -> String {
    match format {
        ExportFormat::Json => text.to_string(),
        _ => super::printable(text).into_owned(),
    }
}

fn resolve_offline(args: &ExportArgs) -> Result<crate::diagnosis::DecodedMessage, AppError> {
    let text = super::read_input(
        args.decoded.as_ref(),
        crate::diagnosis::decoded::MAX_DECODED_LEN,
    )?;
    Ok(super::input::resolve_offline(&text)?.message)
}

/// Runs `sandbox` until Ctrl-C.
pub async fn sandbox(args: SandboxArgs) -> Result<(), AppError> {
    let config = SandboxConfig {
        scenario: args.scenario,
        extra_jobs: args.jobs as usize,
        latency_ms: args.latency_ms,
        faults: args.faults.unwrap_or_default(),
        seed: args.seed,
        port: args.port,
        hold_reply: args.hold_reply,
    };
    serve_forever(config).await.map_err(|e| match e {
        // A scenario that cannot be used is bad input (exit 2), like a bad flag.
        crate::sandbox::SandboxError::Scenario(_) => AppError::bad_input(e.to_string()),
        other => AppError::aws(other.to_string()),
    })
}
