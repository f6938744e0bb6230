//! The reads of a case, all in one place, read-only, concurrent where they do not depend on
//! each other: who the caller is (once per session), the target role (`GetRole`: its path says
//! whether it is an Identity Center or service-linked role), its inline and attached policies
//! and boundary, what the same restore also needs (`SimulatePrincipalPolicy`), the guardrails
//! (SCPs and RCPs, the key or vault policy), and the access policy of the vault the re-run
//! restores from. What is read depends only on the diagnosis (no identity layer is read for a
//! denial no identity statement of this account can fix); what it means is judged after.

use serde_json::Value;

use super::guardrail_layers::guardrail_layers;
use super::identity_layers::identity_layers;
use super::restore_round::{Round, restore_round};
use crate::aws::{AwsError, Session};
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::evidence::{Evidence, RerunVault, vault_of};
use crate::diagnosis::fix::TargetType;
use crate::diagnosis::judge::{TargetRole, needs_identity_layers, request_with_global_keys};
use crate::diagnosis::{DecodedMessage, Diagnosis, Site};
use crate::workflow::{JobSummary, WorkflowError};

/// What was read for a case.
#[derive(Debug, Default)]
pub(super) struct Reading {
    /// The caller's account.
    pub caller_account: String,
    /// The caller's ARN.
    pub caller_arn: String,
    /// The target role, from IAM.
    pub role: Option<TargetRole>,
    /// The target's fix policy as it is now (None: it does not exist).
    pub current: Option<Value>,
    /// The target's inline policies (the fix policy among them, when it exists).
    pub inline: Vec<NamedPolicy>,
    /// The size of its other inline policies (they count against the same quota).
    pub other_size: usize,
    /// Its attached managed policies, where IAM listed them.
    pub attached: Option<Vec<String>>,
    /// What the same restore also needs.
    pub round: Round,
    /// Every layer read.
    pub evidence: Evidence,
    /// The access policy of the vault the re-run restores from.
    pub rerun_vault: Option<RerunVault>,
}

impl Reading {
    /// The statements an identity fix adds: the fix, then what the same restore also needs.
    pub fn statements(&self, diagnosis: &Diagnosis) -> Vec<Value> {
        diagnosis
            .fix
            .iter()
            .map(|report| report.fix.statement.clone())
            .chain(self.round.also_needed.iter().map(|a| a.statement.clone()))
            .collect()
    }

    /// The case's site: the principal's account (the caller's when the message names none) in
    /// the job's region, or the session's.
    pub fn site(&self, diagnosis: &Diagnosis, job: Option<&JobSummary>, session: &Session) -> Site {
        let account = diagnosis
            .principal
            .account
            .clone()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| self.caller_account.clone());
        let region = job.map_or(session.region(), |j| j.site.region.as_str());
        Site::new(account, region)
    }
}

/// Reads what the case of `message` (for `job`) is judged on.
pub(super) async fn read(
    session: &Session,
    message: &DecodedMessage,
    diagnosis: &Diagnosis,
    job: Option<&JobSummary>,
) -> Result<Reading, WorkflowError> {
    let (caller_account, caller_arn) = session.caller_identity().await?;
    let mut reading = Reading {
        caller_account: caller_account.clone(),
        caller_arn,
        ..Reading::default()
    };
    let principal_account = diagnosis.principal.account.clone();
    if !needs_identity_layers(diagnosis, &caller_account) {
        // Nothing of this account's identity policies can be the remedy: the guardrails are
        // read to name the one that blocks, where one can be read.
        if let Some(account) = principal_account.filter(|a| !a.is_empty()) {
            let request = request_with_global_keys(message, &account);
            reading.evidence = guardrail_layers(session, &account, &caller_account, &request).await;
        }
        return Ok(reading);
    }
    let Some(report) = &diagnosis.fix else {
        return Ok(reading);
    };
    let fix = &report.fix;
    let account = principal_account.unwrap_or_default();
    // A permission set's change is not read or written through IAM.
    let Some(target) = fix.target.kind.iam() else {
        return Ok(reading);
    };
    let name = fix.target.name.as_str();
    let boundary_arn = match target {
        TargetType::Role => {
            let role = session
                .cached(format!("GetRole {name}"), session.get_role(name))
                .await?;
            let boundary = role.permissions_boundary.clone();
            let target_role = TargetRole {
                name: role.name,
                arn: role.arn,
                path: role.path,
            };
            let protected = crate::diagnosis::protected::classify_role(
                &target_role.name,
                Some(&target_role.path),
            )
            .is_some();
            let job_role = job.and_then(|j| j.iam_role_arn.as_deref());
            let other_role = job_role.is_some_and(|r| r.rsplit('/').next() != Some(name));
            reading.role = Some(target_role);
            // The judgement needs nothing more for a role IAM refuses to change, or a role the
            // job did not run as.
            if protected || other_role {
                return Ok(reading);
            }
            boundary
        }
        TargetType::User => None,
    };
    let (inline, attached) = tokio::join!(
        inline_policies(session, target, name),
        session.cached(
            format!("ListAttached{target}Policies {name}"),
            session.list_attached_policies(target, name)
        )
    );
    let inline = inline?;
    for policy in &inline {
        if policy.name == format!("inline:{}", fix.policy_name) {
            reading.current = Some(policy.document.clone());
        } else {
            reading.other_size += crate::diagnosis::merge::policy_size(&policy.document);
        }
    }
    reading.inline = inline.clone();
    reading.attached = attached.as_ref().ok().cloned();
    let request = request_with_global_keys(message, &account);
    let principal_arn = match &reading.role {
        Some(role) => role.arn.clone(),
        None => diagnosis.principal.arn.clone(),
    };
    let (round, mut evidence, guardrails, rerun_vault) = tokio::join!(
        async {
            match target {
                TargetType::Role => {
                    restore_round(
                        session,
                        message,
                        fix.scope,
                        job,
                        reading.attached.as_deref(),
                        &principal_arn,
                    )
                    .await
                }
                TargetType::User => Round::default(),
            }
        },
        identity_layers(
            session,
            target,
            name,
            boundary_arn.as_deref(),
            attached,
            inline,
            &fix.policy_name,
        ),
        guardrail_layers(session, &account, &caller_account, &request),
        rerun_vault(session, job)
    );
    evidence.absorb(guardrails);
    if let Some((vault, read_line)) = rerun_vault {
        match read_line {
            Ok(line) => evidence.read.push(line),
            Err(line) => evidence.unreadable.push(line),
        }
        reading.rerun_vault = vault;
    }
    reading.round = round;
    reading.evidence = evidence;
    Ok(reading)
}

/// The target's inline policies, each read once, named `inline:<name>`.
async fn inline_policies(
    session: &Session,
    target: TargetType,
    name: &str,
) -> Result<Vec<NamedPolicy>, AwsError> {
    let mut policies = Vec::new();
    let names = session
        .cached(
            format!("List{target}Policies {name}"),
            session.list_inline_policies(target, name),
        )
        .await?;
    for existing in names {
        let document = session
            .cached(
                format!("Get{target}Policy {name} {existing}"),
                session.get_inline_policy(target, name, &existing),
            )
            .await?;
        if let Some(document) = document {
            policies.push(NamedPolicy {
                name: format!("inline:{existing}"),
                document,
            });
        }
    }
    Ok(policies)
}

/// The access policy of the vault holding the job's recovery point, for the re-run
/// (`BackupVaultArn`), with the line saying what was read or why it could not be.
async fn rerun_vault(
    session: &Session,
    job: Option<&JobSummary>,
) -> Option<(Option<RerunVault>, Result<String, String>)> {
    let job = job?;
    let (vault_arn, point) = (
        job.backup_vault_arn.as_deref()?,
        job.recovery_point_arn.as_deref()?,
    );
    let vault = vault_of(vault_arn)?;
    Some(
        match session
            .cached(
                format!("GetBackupVaultAccessPolicy {vault}"),
                session.vault_access_policy(vault),
            )
            .await
        {
            Ok(document) => (
                Some(RerunVault {
                    vault_arn: vault_arn.to_string(),
                    recovery_point: point.to_string(),
                    document: document.clone(),
                }),
                Ok(match document {
                    Some(_) => format!("vault access policy of {vault}, for the re-run"),
                    None => format!("vault access policy of {vault}, for the re-run (none set)"),
                }),
            ),
            Err(error) => (
                None,
                Err(format!(
                    "vault access policy of {vault}, for the re-run: {}",
                    error.unreadable_reason()
                )),
            ),
        },
    )
}
