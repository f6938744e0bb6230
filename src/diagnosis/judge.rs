//! The case's judgement: given the diagnosis of a denial and what was read about it (the
//! layers, the target's kind from IAM, the job's role and vault), which remedy is right. Pure:
//! every read happens before (`workflow::case::read`), and the plan of a write after
//! (`workflow::case::plan`). A refusal is a variant with its data; its sentence is made by
//! `Display`, at the edge.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use super::blocking::{self, Blocked};
use super::decoded::DecodedMessage;
use super::evaluate::{NamedPolicy, RequestContext};
use super::evidence::{Evidence, RerunVault, vault_of};
use super::fix::FixTargetKind;
use super::layered::{Blocker, ResourcePolicy, ResourcePolicyKind, evaluate_layers};
use super::principal::Principal;
use super::protected::{self, ProtectedRole};
use super::report::{self, Diagnosis, Verdict};

/// The target role as IAM describes it (`GetRole`): its path says what kind of role it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRole {
    /// Its name.
    pub name: String,
    /// Its ARN, with its path.
    pub arn: String,
    /// Its IAM path.
    pub path: String,
}

/// Everything the judgement is made on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The decoded message.
    pub message: &'a DecodedMessage,
    /// Its diagnosis.
    pub diagnosis: &'a Diagnosis,
    /// The caller's account (whose identity policies can be written).
    pub caller_account: &'a str,
    /// The caller's ARN (who would re-run the restore).
    pub caller_arn: &'a str,
    /// The target role from IAM, when the target is a role and it was read.
    pub role: Option<&'a TargetRole>,
    /// The role the job ran as, when the case is a job's.
    pub job_role_arn: Option<&'a str>,
    /// The layers read (the identity layers only when the principal is the caller's account's
    /// role or user and its fix is an identity statement).
    pub evidence: &'a Evidence,
    /// The statements an identity fix would add: the fix, then what the same restore needs.
    pub statements: &'a [Value],
    /// The vault access policy of the job's recovery point, read for the re-run.
    pub rerun_vault: Option<&'a RerunVault>,
}

/// Why restore-doctor writes nothing for a denial, with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// An explicit deny no readable guardrail names.
    ExplicitDeny {
        /// The diagnosis sentence.
        summary: String,
        /// Why no SCP is blamed, when SCPs do not apply to the principal.
        scps_do_not_apply: Option<String>,
    },
    /// The decoded request was allowed.
    Allowed,
    /// No identity statement can be proposed (a federated user, root, a service, a message
    /// without a resource, a service-linked role known from its name, …).
    NoFix {
        /// Why, as the diagnosis says it.
        reason: String,
        /// Why no SCP is blamed, when SCPs do not apply to the principal.
        scps_do_not_apply: Option<String>,
    },
    /// The denied principal is in another account than the credentials'.
    OtherAccount {
        /// The principal's account.
        principal_account: String,
        /// The credentials' account.
        caller_account: String,
        /// Why no SCP is blamed, when SCPs do not apply to the principal.
        scps_do_not_apply: Option<String>,
    },
    /// The role is a service-linked role (IAM's path says so): its permissions cannot change.
    ServiceLinked {
        /// The sentence naming the role and what to do instead.
        sentence: String,
    },
    /// The identity statement cannot be written: IAM Access Analyzer reports an ERROR in the
    /// document, or it fits neither the inline policies nor the managed policy.
    Unwritable {
        /// Why, in one sentence.
        reason: String,
    },
    /// The decoded principal is not the role the job ran as.
    JobRoleMismatch {
        /// The decoded role.
        role: String,
        /// The job's role ARN.
        job_role: String,
    },
}

fn with_scps(sentence: String, scps_do_not_apply: &Option<String>) -> String {
    match scps_do_not_apply {
        Some(reason) => format!("{sentence}; {reason}, so no SCP is blamed"),
        None => sentence,
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sentence = match self {
            Refusal::ExplicitDeny {
                summary,
                scps_do_not_apply,
            } => with_scps(
                format!("not fixing: {summary} (an allow statement cannot override a deny)"),
                scps_do_not_apply,
            ),
            Refusal::Allowed => "not fixing: the decoded request was allowed".into(),
            Refusal::NoFix {
                reason,
                scps_do_not_apply,
            } => with_scps(format!("no fix: {reason}"), scps_do_not_apply),
            Refusal::OtherAccount {
                principal_account,
                caller_account,
                scps_do_not_apply,
            } => with_scps(
                format!(
                    "the denied principal is in account {principal_account} but your credentials are for account {caller_account}: run restore-doctor with credentials for {principal_account}"
                ),
                scps_do_not_apply,
            ),
            Refusal::ServiceLinked { sentence } => format!("not fixing: {sentence}"),
            Refusal::Unwritable { reason } => reason.clone(),
            Refusal::JobRoleMismatch { role, job_role } => format!(
                "the decoded principal is role {role} but the job ran as {job_role}: not fixing a role the job did not use"
            ),
        };
        f.write_str(&sentence)
    }
}

/// The change the remedy names, where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Add the statements to the target's identity policy: the identity layer is the only
    /// cause (a plan of the write follows).
    Identity,
    /// Another layer blocks: its owner's change, never written by restore-doctor.
    Blocked(Blocked),
    /// An IAM Identity Center role: the statement goes into its permission set.
    PermissionSet {
        /// The permission set.
        permission_set: String,
        /// The role provisioned from it.
        role: String,
        /// Why nothing is written to the role.
        sentence: String,
        /// The change, as AWS CLI commands.
        change: String,
    },
    /// Nothing can be written, and why.
    Refused(Refusal),
}

/// The judgement of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// What fixes it, if anything.
    pub remedy: Remedy,
    /// What blocks the request today over every layer read (normally the identity layer's
    /// missing allow); empty when the layers were not read.
    pub blocking_today: Vec<Blocker>,
}

impl Judgement {
    fn of(remedy: Remedy) -> Judgement {
        Judgement {
            remedy,
            blocking_today: Vec::new(),
        }
    }
}

/// The request with the context keys IAM always has for it, where the decoded message did not
/// carry them: `aws:PrincipalAccount`, `aws:PrincipalArn` (an assumed role's role ARN) and, for
/// KMS, `kms:CallerAccount`; key and vault policies commonly condition on them
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
pub fn request_with_global_keys(message: &DecodedMessage, account: &str) -> RequestContext {
    let mut request = report::request_context(message);
    let principal_arn = Principal::parse(&request.principal_arn).policy_arn();
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

/// The evidence restore-doctor needs for `diagnosis`: only the guardrails (to name one) when
/// no identity statement of the caller's account can be the remedy, every layer otherwise.
pub fn needs_identity_layers(diagnosis: &Diagnosis, caller_account: &str) -> bool {
    diagnosis.verdict == Verdict::MissingAllow
        && diagnosis
            .fix
            .as_ref()
            .is_some_and(|report| report.fix.target.kind.iam().is_some())
        && diagnosis.principal.account.as_deref() == Some(caller_account)
}

/// Judges the case.
pub fn judge(facts: Facts<'_>) -> Judgement {
    let diagnosis = facts.diagnosis;
    let principal_account = diagnosis.principal.account.clone().unwrap_or_default();
    let guardrail = |refusal: Refusal| guardrail_judgement(&facts, refusal);
    let scps = facts.evidence.facts.scps_do_not_apply.clone();
    match diagnosis.verdict {
        Verdict::ExplicitDeny => {
            return guardrail(Refusal::ExplicitDeny {
                summary: diagnosis.summary.clone(),
                scps_do_not_apply: scps,
            });
        }
        Verdict::Allowed => return Judgement::of(Remedy::Refused(Refusal::Allowed)),
        Verdict::MissingAllow => {}
    }
    let Some(report) = &diagnosis.fix else {
        return guardrail(Refusal::NoFix {
            reason: diagnosis.no_fix_reason.clone().unwrap_or_default(),
            scps_do_not_apply: scps,
        });
    };
    if principal_account != facts.caller_account {
        return guardrail(Refusal::OtherAccount {
            principal_account,
            caller_account: facts.caller_account.to_string(),
            scps_do_not_apply: scps,
        });
    }
    let fix = &report.fix;
    // An IAM Identity Center role known from its name: the statement is its permission set's.
    if let (FixTargetKind::PermissionSet, Some(role)) = (fix.target.kind, &fix.target.role) {
        let protected = ProtectedRole::IdentityCenter {
            role: role.clone(),
            permission_set: fix.target.name.clone(),
        };
        return Judgement::of(Remedy::PermissionSet {
            change: protected::permission_set_cli(
                &fix.target.name,
                facts.caller_account,
                &fix.statement,
            ),
            permission_set: fix.target.name.clone(),
            role: role.clone(),
            sentence: protected.sentence(),
        });
    }
    if let Some(role) = facts.role {
        // The role's kind comes from IAM (its path), not from its name alone.
        match protected::classify_role(&role.name, Some(&role.path)) {
            Some(ProtectedRole::IdentityCenter {
                role: name,
                permission_set,
            }) => {
                let sentence = ProtectedRole::IdentityCenter {
                    role: name.clone(),
                    permission_set: permission_set.clone(),
                }
                .sentence();
                return Judgement::of(Remedy::PermissionSet {
                    change: protected::permission_set_cli(
                        &permission_set,
                        facts.caller_account,
                        &fix.statement,
                    ),
                    permission_set,
                    role: name,
                    sentence,
                });
            }
            Some(linked @ ProtectedRole::ServiceLinked { .. }) => {
                return Judgement::of(Remedy::Refused(Refusal::ServiceLinked {
                    sentence: linked.sentence(),
                }));
            }
            None => {}
        }
        if let Some(job_role) = facts.job_role_arn
            && job_role.rsplit('/').next() != Some(role.name.as_str())
        {
            return Judgement::of(Remedy::Refused(Refusal::JobRoleMismatch {
                role: role.name.clone(),
                job_role: job_role.to_string(),
            }));
        }
    }
    let request = request_with_global_keys(facts.message, &principal_account);
    let subject = format!("{} {}", fix.target.kind, fix.target.name);
    // Every layer IAM will evaluate, with the statements among the identity policies: a write
    // is only worth making where the identity layer is the cause.
    let mut with_fix = facts.evidence.clone();
    with_fix.layers.identity.push(NamedPolicy {
        name: format!("inline:{} (proposed)", fix.policy_name),
        document: json!({"Version": "2012-10-17", "Statement": facts.statements}),
    });
    let blocking_today = blocking::blockers(facts.evidence, &request);
    if let Some(blocked) = blocking::check_layers(&with_fix, &request, &subject, &fix.statement) {
        return Judgement {
            remedy: Remedy::Blocked(blocked),
            blocking_today,
        };
    }
    if let Some(blocked) = facts
        .rerun_vault
        .and_then(|vault| rerun_denied(facts.evidence, vault, facts.caller_arn))
    {
        return Judgement {
            remedy: Remedy::Blocked(blocked),
            blocking_today,
        };
    }
    Judgement {
        remedy: Remedy::Identity,
        blocking_today,
    }
}

/// A request this account's identity policies cannot be fixed for (an explicit deny, no fix, a
/// principal in another account): when a guardrail that could be read blocks it, that layer
/// and its owner's change; otherwise `refusal`.
fn guardrail_judgement(facts: &Facts<'_>, refusal: Refusal) -> Judgement {
    let diagnosis = facts.diagnosis;
    let Some(account) = diagnosis.principal.account.as_deref() else {
        return Judgement::of(Remedy::Refused(refusal));
    };
    let request = request_with_global_keys(facts.message, account);
    let blockers = blocking::guardrail_blockers(facts.evidence, &request);
    let statement = diagnosis
        .fix
        .as_ref()
        .map(|r| r.fix.statement.clone())
        .unwrap_or(Value::Null);
    match blockers.first() {
        Some(first) => Judgement {
            remedy: Remedy::Blocked(blocking::blocked(
                facts.evidence,
                &request,
                &diagnosis.principal.arn,
                first,
                &blockers,
                &statement,
            )),
            blocking_today: blockers.clone(),
        },
        None => Judgement::of(Remedy::Refused(refusal)),
    }
}

/// The re-run a fix is for must itself be allowed: `backup:StartRestoreJob` is called by
/// whoever re-runs the restore (the caller), and the access policy of the vault holding the
/// recovery point can deny it
/// (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html).
fn rerun_denied(evidence: &Evidence, vault: &RerunVault, caller_arn: &str) -> Option<Blocked> {
    let document = vault.document.clone()?;
    let caller = Principal::parse(caller_arn).policy_arn();
    let request = RequestContext {
        principal_arn: caller_arn.to_string(),
        action: "backup:StartRestoreJob".into(),
        resource: vault.recovery_point.clone(),
        conditions: [("aws:PrincipalArn".to_string(), vec![caller.clone()])]
            .into_iter()
            .collect(),
    };
    let mut layers = evidence.layers.clone();
    layers.identity = vec![NamedPolicy {
        name: "identity (assumed to allow)".into(),
        document: json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "backup:StartRestoreJob", "Resource": "*"}
        ]}),
    }];
    layers.boundary = None;
    layers.resource = Some(ResourcePolicy {
        kind: ResourcePolicyKind::VaultAccessPolicy,
        policy: NamedPolicy {
            name: vault.vault_arn.clone(),
            document,
        },
    });
    // A malformed policy read from AWS: nothing is claimed about it.
    let evaluation = evaluate_layers(&layers, &request).ok()?;
    let denies: Vec<Blocker> = evaluation
        .blockers
        .into_iter()
        .filter(|b| matches!(b, Blocker::ResourceDeny { .. }))
        .collect();
    let Some(Blocker::ResourceDeny { sid, .. }) = denies.first() else {
        return None;
    };
    let statement = match sid {
        Some(sid) => format!("an explicit deny in statement \"{sid}\" (Effect Deny)"),
        None => "an explicit deny in a statement without a Sid (Effect Deny)".into(),
    };
    let vault_name = vault_of(&vault.vault_arn).unwrap_or(&vault.vault_arn);
    let (vault_arn, recovery_point) = (&vault.vault_arn, &vault.recovery_point);
    Some(Blocked {
        sentence: format!(
            "not writing: the access policy of vault {vault_arn} denies backup:StartRestoreJob on {recovery_point} to {caller} (who would re-run the restore) with {statement}, so fixing the role would not let this restore run again; the vault's owner must change that policy, or the restore must be re-run by a principal it allows"
        ),
        blockers: denies.clone(),
        owner_change: format!(
            "in the access policy of vault {vault_name} (PutBackupVaultAccessPolicy), remove that statement or exempt {caller} from it"
        ),
    })
}
