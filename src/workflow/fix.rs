//! Preview a fix: resolve the target in IAM, merge into the canonical inline policy, show the
//! exact document and diff (applying it is `apply.rs`); when the inline quota is full, the plan
//! is a customer-managed policy's (`managed.rs`).

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::restore_round::{Round, restore_round};
use super::{
    FixPlan, JobSummary, WorkflowError, blocking, gather, guardrails, managed, policy_checks,
    rerun_guard,
};
use crate::aws::Session;
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::fix::TargetType;
use crate::diagnosis::merge::{self, MergeError, policy_size, quota_for};
use crate::diagnosis::protected;
use crate::diagnosis::report;
use crate::diagnosis::{DecodedMessage, Diagnosis, Scope, Site, Verdict, diagnose};

/// SHA-256 in hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text a current document is fingerprinted by (compact, key order as IAM returned it).
pub(crate) fn fingerprint(document: Option<&Value>) -> String {
    document
        .map(|d| sha256_hex(&d.to_string()))
        .unwrap_or_default()
}

/// Builds the plan for fixing `message` (no writes). Refuses explicit denies, allowed requests,
/// federated/root principals and a principal in another account than the caller's.
pub async fn preview_fix(
    session: &Session,
    message: &DecodedMessage,
    scope: Scope,
    job: Option<&JobSummary>,
) -> Result<FixPlan, WorkflowError> {
    let mut diagnosis = diagnose(message, scope);
    match diagnosis.verdict {
        Verdict::ExplicitDeny => {
            let refusal = format!(
                "not fixing: {} (an allow statement cannot override a deny)",
                diagnosis.summary
            );
            return Err(guardrail_refusal(session, message, &diagnosis, refusal).await);
        }
        Verdict::Allowed => {
            return Err(WorkflowError::Refused(
                "not fixing: the decoded request was allowed".into(),
            ));
        }
        Verdict::MissingAllow => {}
    }
    let Some(report) = diagnosis.fix.clone() else {
        // An allow already matched (a guardrail denies), or nothing can be written: name the
        // guardrail where it can be read.
        let refusal = format!(
            "no fix: {}",
            diagnosis.no_fix_reason.clone().unwrap_or_default()
        );
        return Err(guardrail_refusal(session, message, &diagnosis, refusal).await);
    };
    let fix = report.fix;
    let (caller_account, caller_arn) = session.caller_identity().await?;
    let principal_account = diagnosis.principal.account.clone().unwrap_or_default();
    if principal_account != caller_account {
        let refusal = format!(
            "the denied principal is in account {principal_account} but your credentials are for account {caller_account}: run restore-doctor with credentials for {principal_account}"
        );
        return Err(guardrail_refusal(session, message, &diagnosis, refusal).await);
    }
    let (target_arn, current, other_size, others, boundary_arn, round, attached) = match fix
        .target
        .kind
    {
        TargetType::Role => {
            let role = session.get_role(&fix.target.name).await?;
            // The role's kind comes from IAM (its path) before anything is previewed.
            if let Some(protected) = protected::classify_role(&role.name, Some(&role.path)) {
                let change = protected
                    .permission_set()
                    .map(|set| protected::permission_set_cli(set, &caller_account, &fix.statement));
                return Err(WorkflowError::Protected {
                    sentence: protected.sentence(),
                    change,
                });
            }
            if let Some(job_role) = job.and_then(|j| j.iam_role_arn.as_deref())
                && job_role.rsplit('/').next() != Some(role.name.as_str())
            {
                return Err(WorkflowError::Refused(format!(
                    "the decoded principal is role {} but the job ran as {job_role}: not fixing a role the job did not use",
                    role.name
                )));
            }
            let (current, other_size, others) =
                current_and_other_size(session, TargetType::Role, &role.name, &fix.policy_name)
                    .await?;
            // Read once: the round (is the managed restore policy attached?) and the layers use it.
            let attached = session
                .list_attached_policies(TargetType::Role, &role.name)
                .await;
            let round = restore_round(
                session,
                message,
                scope,
                job,
                attached.as_deref().ok(),
                &role.arn,
            )
            .await;
            (
                role.arn,
                current,
                other_size,
                others,
                role.permissions_boundary,
                round,
                attached,
            )
        }
        TargetType::User => {
            // Users: the ARN (with path) is in the decoded message itself.
            let (current, other_size, others) = current_and_other_size(
                session,
                TargetType::User,
                &fix.target.name,
                &fix.policy_name,
            )
            .await?;
            let attached = session
                .list_attached_policies(TargetType::User, &fix.target.name)
                .await;
            (
                diagnosis.principal.arn.clone(),
                current,
                other_size,
                others,
                None,
                Round::default(),
                attached,
            )
        }
    };
    // The fix first, then what the same restore also needs (one round per restore).
    let statements: Vec<&Value> = std::iter::once(&fix.statement)
        .chain(round.also_needed.iter().map(|a| &a.statement))
        .collect();
    let (policy_name, current, merged, managed, others) = match merge::merge_all(
        current.as_ref(),
        &statements,
        other_size,
        quota_for(fix.target.kind),
    ) {
        Ok(merged) => (fix.policy_name.clone(), current, merged, None, others),
        // The inline policies are full: the fix goes into a customer-managed policy.
        Err(MergeError::OverQuota { size, quota }) => {
            let (managed_current, merged, plan) = managed::plan(
                session,
                fix.target.kind,
                &fix.target.name,
                &caller_account,
                &statements,
                size,
                quota,
            )
            .await?;
            let mut others = others;
            if let Some(inline) = current {
                others.push(NamedPolicy {
                    name: format!("inline:{}", fix.policy_name),
                    document: inline,
                });
            }
            let name = managed::managed_policy_name(&fix.target.name);
            (name, managed_current, merged, Some(plan), others)
        }
        Err(e) => return Err(WorkflowError::Refused(e.to_string())),
    };
    diagnosis.notes.extend(round.notes);
    diagnosis.also_needed = round.also_needed;
    diagnosis.wider_alternatives = round.wider_alternatives;
    let proposed_text = serde_json::to_string_pretty(&merged.document)
        .map_err(|e| WorkflowError::BadInput(format!("cannot render the policy: {e}")))?;
    let current_text = current
        .as_ref()
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default())
        .unwrap_or_default();
    let diff = similar::TextDiff::from_lines(&current_text, &proposed_text)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{}:{} (current)", fix.target.name, policy_name),
            &format!("{}:{} (proposed)", fix.target.name, policy_name),
        )
        .to_string();
    // Every other layer IAM will evaluate: a write is only worth making where the identity
    // layer is the cause.
    let request = with_global_keys(report::request_context(message), &principal_account);
    // An exact fix must not grant its action on `*`; a WIDER one is asked about its own
    // resource, which it grants, and the check says so.
    let checked_resource = match (fix.wider, fix.statement.get("Resource")) {
        (true, Some(Value::String(resource))) => resource.clone(),
        _ => "*".to_string(),
    };
    let (mut gathered, guarded, checks) = tokio::join!(
        gather::identity_layers(
            session,
            fix.target.kind,
            &fix.target.name,
            boundary_arn.as_deref(),
            attached,
            others,
            &policy_name,
            &merged.document,
        ),
        guardrails::guardrail_layers(session, &principal_account, &caller_account, &request),
        policy_checks::check_policy(session, &proposed_text, &request.action, &checked_resource)
    );
    gathered.absorb(guarded);
    let subject = format!("{} {}", fix.target.kind, fix.target.name);
    blocking::check_layers(&gathered, &request, &subject, &fix.statement)?;
    // The re-run the fix is for: the vault's access policy may deny it to the caller.
    if let Some(job) = job
        && let (Some(vault), Some(point)) = (&job.backup_vault_arn, &job.recovery_point_arn)
    {
        rerun_guard::check_rerun(session, &mut gathered, vault, point, &caller_arn).await?;
    }
    if let Some(error) = checks.errors().first() {
        return Err(WorkflowError::Refused(format!(
            "not writing: IAM Access Analyzer's ValidatePolicy reports an ERROR in the proposed document: {} {}",
            error.issue_code, error.details
        )));
    }
    // What blocks today, without the proposed document (normally the missing identity allow).
    let mut today = gathered.clone();
    today
        .layers
        .identity
        .retain(|p| !p.name.ends_with("(proposed)"));
    let blocking_layers = blocking::blockers(&today, &request);
    let verified_locally = report::verify(
        message,
        &[NamedPolicy {
            name: policy_name.clone(),
            document: merged.document.clone(),
        }],
    );
    Ok(FixPlan {
        target_type: fix.target.kind,
        target_name: fix.target.name.clone(),
        target_arn,
        site: Site::new(caller_account, session.region()),
        policy_name: policy_name.clone(),
        current_sha256: fingerprint(current.as_ref()),
        current_document: current,
        proposed_sha256: sha256_hex(&proposed_text),
        proposed_text,
        diff,
        size: merged.total_size,
        quota: merged.quota,
        verified_locally,
        already_in_place: !merged.changed,
        job_id: job.map(|j| j.restore_job_id.clone()),
        scope,
        diagnosis,
        layers_read: gathered.read,
        layers_unreadable: gathered.unreadable,
        blocking_layers,
        policy_checks: checks,
        boundary_document: gathered.layers.boundary.map(|b| b.document),
        managed,
    })
}

/// The target's inline policy `policy` as it is now, and the size of its other inline policies
/// (they count against the same quota).
async fn current_and_other_size(
    session: &Session,
    target: TargetType,
    name: &str,
    policy: &str,
) -> Result<(Option<Value>, usize, Vec<NamedPolicy>), WorkflowError> {
    let mut other_size = 0;
    let mut current = None;
    let mut others = Vec::new();
    for existing in session.list_inline_policies(target, name).await? {
        let document = session.get_inline_policy(target, name, &existing).await?;
        if existing == policy {
            current = document;
        } else if let Some(document) = document {
            other_size += policy_size(&document);
            others.push(NamedPolicy {
                name: format!("inline:{existing}"),
                document,
            });
        }
    }
    Ok((current, other_size, others))
}

/// The refusal for a request this account's identity policies cannot be fixed for (an explicit
/// deny, a principal in another account): when a guardrail that could be read blocks it, the
/// refusal names that layer and its owner's change; otherwise `refusal`, with why no SCP is
/// blamed when SCPs do not apply.
async fn guardrail_refusal(
    session: &Session,
    message: &DecodedMessage,
    diagnosis: &Diagnosis,
    refusal: String,
) -> WorkflowError {
    let Some(account) = diagnosis.principal.account.clone() else {
        return WorkflowError::Refused(refusal);
    };
    let caller_account = match session.caller_identity().await {
        Ok((caller, _)) => caller,
        Err(_) => return WorkflowError::Refused(refusal),
    };
    let request = with_global_keys(report::request_context(message), &account);
    let gathered = guardrails::guardrail_layers(session, &account, &caller_account, &request).await;
    let blockers = blocking::guardrail_blockers(&gathered, &request);
    let statement = diagnosis
        .fix
        .as_ref()
        .map(|r| r.fix.statement.clone())
        .unwrap_or(Value::Null);
    let subject = diagnosis.principal.arn.clone();
    match blockers.first() {
        Some(first) => {
            blocking::blocked(&gathered, &request, &subject, first, &blockers, &statement)
        }
        None => match &gathered.facts.scps_do_not_apply {
            Some(reason) => {
                WorkflowError::Refused(format!("{refusal}; {reason}, so no SCP is blamed"))
            }
            None => WorkflowError::Refused(refusal),
        },
    }
}

/// The request with the context keys IAM always has for it, where the decoded message did not
/// carry them: `aws:PrincipalAccount`, `aws:PrincipalArn` (an assumed role's role ARN) and, for
/// KMS, `kms:CallerAccount`; key and vault policies commonly condition on them
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
fn with_global_keys(
    mut request: crate::diagnosis::evaluate::RequestContext,
    account: &str,
) -> crate::diagnosis::evaluate::RequestContext {
    let principal_arn =
        crate::diagnosis::principal::Principal::parse(&request.principal_arn).policy_arn();
    let mut keys = vec![
        ("aws:PrincipalAccount", account.to_string()),
        ("aws:PrincipalArn", principal_arn),
    ];
    if request.action.starts_with("kms:") {
        keys.push(("kms:CallerAccount", account.to_string()));
    }
    for (key, value) in keys {
        request
            .conditions
            .entry(key.to_string())
            .or_insert_with(|| vec![value]);
    }
    request
}
