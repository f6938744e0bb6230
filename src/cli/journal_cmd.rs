//! `journal`: every journalled write and where it stands, after settling with IAM the ones a
//! crash or a lost reply left unresolved.

use clap::Args;

use super::connect::journal;
use super::{Connection, GlobalArgs, OutputFormat};
use crate::error::AppError;
use crate::workflow::{self, Reconciled, Resolution};

/// Arguments of `journal`.
#[derive(Debug, Clone, Args)]
pub struct JournalArgs {
    /// List only; do not check unresolved entries against IAM.
    #[arg(long)]
    pub no_reconcile: bool,
}

/// Says (on stderr, or nowhere for JSON) what reconciling settled.
pub fn report_reconciled(reconciled: &[Reconciled], output: OutputFormat) {
    if output == OutputFormat::Json {
        return;
    }
    for item in reconciled {
        let was = serde_json::to_value(item.was).unwrap_or_default();
        let was = was.as_str().unwrap_or("unresolved");
        match &item.resolution {
            Resolution::Applied => eprintln!(
                "journal entry {} was {was}: IAM holds its document, so it is now recorded as applied",
                item.id
            ),
            Resolution::NotApplied => eprintln!(
                "journal entry {} was {was}: IAM does not hold its document, so it is now recorded as not applied",
                item.id
            ),
            Resolution::Unchecked { reason } => eprintln!(
                "journal entry {} is still {was}: it could not be checked ({reason})",
                item.id
            ),
        }
    }
}

/// Runs `journal`.
pub async fn run(
    args: JournalArgs,
    connection: &Connection,
    global: &GlobalArgs,
) -> Result<(), AppError> {
    let journal = journal(global)?;
    let reconciled = if args.no_reconcile {
        Vec::new()
    } else {
        workflow::reconcile(&connection.session, &journal).await?
    };
    report_reconciled(&reconciled, global.output);
    let read = journal.read().map_err(workflow::WorkflowError::from)?;
    let entries = journal.entries().map_err(workflow::WorkflowError::from)?;
    match global.output {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "journal": journal.path().display().to_string(),
                "entries": entries,
                "skipped_lines": read.skipped,
                "reconciled": reconciled,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).map_err(|e| AppError::aws(e.to_string()))?
            );
        }
        OutputFormat::Text => {
            if entries.is_empty() {
                println!("No journalled writes in {}.", journal.path().display());
            }
            for entry in &entries {
                let phase = serde_json::to_value(entry.phase).unwrap_or_default();
                let operation = serde_json::to_value(entry.operation).unwrap_or_default();
                println!(
                    "{}  {}  {:<11}  {:<4}  account {} {}  {} {}  policy {}{}",
                    entry.id,
                    entry.time,
                    phase.as_str().unwrap_or("?"),
                    operation.as_str().unwrap_or("?"),
                    entry.site.account,
                    entry.site.region,
                    entry.target_type,
                    entry.target_name,
                    entry.policy_name,
                    entry
                        .job_id
                        .as_deref()
                        .map(|j| format!("  job {j}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    if !read.skipped.is_empty() {
        eprintln!(
            "restore-doctor: {} unreadable line(s) in {} were skipped (lines {}); every other entry is listed",
            read.skipped.len(),
            journal.path().display(),
            read.skipped
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
