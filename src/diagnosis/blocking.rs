//! Write only where the identity layer is the cause: every layer that blocks a request, from
//! [`evaluate_layers`] over the evidence read, becomes one sentence naming the layer, its policy
//! and statement (Sid and effect), and the change its owner must make ([`Blocked`]). Pure: the
//! evidence is read in `workflow::case`, and the case's judgement uses this.

use serde_json::{Value, json};

use super::evaluate::{NamedPolicy, RequestContext};
use super::evidence::Evidence;
use super::layered::{Blocker, ResourcePolicyKind, evaluate_layers};
use super::principal::Principal;

/// A layer other than a missing identity allow blocks the request: no identity statement can
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// One sentence naming the layer, its policy and statement, and who must change what.
    pub sentence: String,
    /// Every blocking layer, the one the sentence names first.
    pub blockers: Vec<Blocker>,
    /// The change the layer's owner must make.
    pub owner_change: String,
}

/// The layers that block `request` over what `gathered` holds; a key in another account (whose
/// policy could not be read) is added as [`Blocker::KeyInAnotherAccount`]. Empty when the
/// evaluator cannot run (a malformed document read from AWS): nothing is claimed then.
pub fn blockers(gathered: &Evidence, request: &RequestContext) -> Vec<Blocker> {
    let mut blockers = evaluate_layers(&gathered.layers, request)
        .map(|e| e.blockers)
        .unwrap_or_default();
    if let Some(key) = &gathered.facts.foreign_key {
        blockers.push(Blocker::KeyInAnotherAccount {
            key: key.key_arn.clone(),
            account: key.account.clone(),
        });
    }
    blockers
}

/// The blockers over the guardrails alone, as if the identity policies allowed the request:
/// for an explicit deny or a principal in another account, whose identity layer is not ours to
/// read or write.
pub fn guardrail_blockers(gathered: &Evidence, request: &RequestContext) -> Vec<Blocker> {
    let mut assumed = gathered.clone();
    assumed.layers.identity = vec![NamedPolicy {
        name: "identity (assumed to allow)".into(),
        document: json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": request.action, "Resource": request.resource}
        ]}),
    }];
    blockers(&assumed, request)
        .into_iter()
        .filter(|b| !b.is_identity())
        .collect()
}

/// The blocking layers other than a missing identity allow, when the identity policies hold
/// the proposed statements (`fix_statement` is the one that would be written): None when the
/// identity layer is the only cause.
pub fn check_layers(
    gathered: &Evidence,
    request: &RequestContext,
    subject: &str,
    fix_statement: &Value,
) -> Option<Blocked> {
    let blocking: Vec<Blocker> = blockers(gathered, request)
        .into_iter()
        .filter(|b| *b != Blocker::IdentityMissingAllow)
        .collect();
    let first = blocking.first()?;
    Some(blocked(
        gathered,
        request,
        subject,
        first,
        &blocking,
        fix_statement,
    ))
}

/// The refusal for `blocking` (naming `first`).
pub fn blocked(
    gathered: &Evidence,
    request: &RequestContext,
    subject: &str,
    first: &Blocker,
    blocking: &[Blocker],
    fix_statement: &Value,
) -> Blocked {
    let (sentence, owner_change) = sentence(gathered, request, subject, first, fix_statement);
    Blocked {
        sentence: format!("not writing: {sentence}"),
        blockers: blocking.to_vec(),
        owner_change,
    }
}

/// The ARN a resource policy's `Principal` names the caller by (an assumed role's role).
fn policy_principal(principal_arn: &str) -> String {
    Principal::parse(principal_arn).policy_arn()
}

fn sid_text(sid: &Option<String>) -> String {
    match sid {
        Some(sid) => format!("an explicit deny in statement \"{sid}\" (Effect Deny)"),
        None => "an explicit deny in a statement without a Sid (Effect Deny)".into(),
    }
}

/// The request's context keys, for an allow-list change that should stay as narrow as the
/// request (`ec2:InstanceType = x2iedn.32xlarge`).
fn context_text(request: &RequestContext) -> String {
    if request.conditions.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = request
        .conditions
        .iter()
        .map(|(key, values)| format!("{key} = {}", values.join(", ")))
        .collect();
    format!(
        ", narrowed with conditions to this request's context ({})",
        keys.join("; ")
    )
}

fn level_text(target: &str) -> String {
    if target.starts_with("r-") {
        format!("the root {target}")
    } else if target.starts_with("ou-") {
        format!("the OU {target}")
    } else {
        format!("the account {target}")
    }
}

/// One sentence for `blocker`, and the change its owner must make.
fn sentence(
    gathered: &Evidence,
    request: &RequestContext,
    subject: &str,
    blocker: &Blocker,
    fix_statement: &Value,
) -> (String, String) {
    let label = |id: &str| {
        gathered
            .facts
            .policy_labels
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    let action = &request.action;
    let resource = &request.resource;
    let what = format!("{action} on {resource}");
    let mut allow = json!({"Effect": "Allow", "Action": action, "Resource": resource});
    if let Some(condition) = fix_statement.get("Condition") {
        allow["Condition"] = condition.clone();
    }
    let principal = policy_principal(&request.principal_arn);
    // In a key policy `Resource` `*` is the key itself; the fix's condition goes with it.
    let mut resource_allow = json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": "*"});
    if let Some(condition) = fix_statement.get("Condition") {
        resource_allow["Condition"] = condition.clone();
    }
    let no_identity = "so no identity statement can fix it";
    match blocker {
        Blocker::IdentityMissingAllow => (
            format!("no identity policy of {subject} allows {what}"),
            format!("add to {subject}'s identity policies {fix_statement}"),
        ),
        Blocker::IdentityDeny { policy, sid } => (
            format!(
                "the identity policy {policy} of {subject} denies {what} with {}, and an allow cannot override a deny",
                sid_text(sid)
            ),
            format!(
                "remove that statement from {policy}, or narrow it so it no longer matches {what}"
            ),
        ),
        Blocker::BoundaryMissingAllow { policy } => (
            format!(
                "the permissions boundary {policy} of {subject} does not allow {what}, {no_identity}; whoever manages that boundary must change it"
            ),
            format!("add to the boundary {policy} the statement {allow}"),
        ),
        Blocker::BoundaryDeny { policy, sid } => (
            format!(
                "the permissions boundary {policy} of {subject} denies {what} with {}, {no_identity}; whoever manages that boundary must change it",
                sid_text(sid)
            ),
            format!(
                "remove that statement from the boundary {policy}, or narrow it so it no longer matches {what}"
            ),
        ),
        Blocker::ScpMissingAllow { target } => {
            let attached = gathered
                .layers
                .scps
                .iter()
                .find(|l| &l.target == target)
                .map(|l| {
                    l.policies
                        .iter()
                        .map(|p| label(&p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            (
                format!(
                    "no service control policy attached to {} allows {what} (attached there: {}; SCPs are allow-lists at every level), {no_identity}; the organization's management account must change the SCPs",
                    level_text(target),
                    if attached.is_empty() {
                        "none".to_string()
                    } else {
                        attached
                    }
                ),
                format!(
                    "in AWS Organizations, add to an SCP attached to {} the statement {allow}{} (an SCP change, never applied by restore-doctor)",
                    level_text(target),
                    context_text(request)
                ),
            )
        }
        Blocker::ScpDeny {
            target,
            policy,
            sid,
        } => (
            format!(
                "the service control policy {} attached to {} denies {what} with {}, {no_identity}; the organization's management account must change that SCP",
                label(policy),
                level_text(target),
                sid_text(sid)
            ),
            format!(
                "in AWS Organizations, remove that statement from SCP {policy} (attached to {}) or narrow it so it no longer matches {what} (an SCP change, never applied by restore-doctor)",
                level_text(target)
            ),
        ),
        Blocker::RcpDeny {
            target,
            policy,
            sid,
        } => (
            format!(
                "the resource control policy {} attached to {} denies {what} with {}, {no_identity}; the organization's management account must change that RCP",
                label(policy),
                level_text(target),
                sid_text(sid)
            ),
            format!(
                "in AWS Organizations, remove that statement from RCP {policy} (attached to {}) or narrow it so it no longer matches {what} (an RCP change, never applied by restore-doctor)",
                level_text(target)
            ),
        ),
        Blocker::SessionMissingAllow => (
            format!(
                "the session policy of {subject} does not allow {what}, {no_identity}; start the session without that session policy or with one that allows it"
            ),
            "start the session (AssumeRole) with a session policy that allows it, or none".into(),
        ),
        Blocker::SessionDeny { sid } => (
            format!(
                "the session policy of {subject} denies {what} with {}, {no_identity}",
                sid_text(sid)
            ),
            "start the session (AssumeRole) with a session policy that does not deny it".into(),
        ),
        Blocker::ResourceDeny { kind, policy, sid } => {
            let layer = match kind {
                ResourcePolicyKind::KeyPolicy => format!("the key policy of {policy}"),
                ResourcePolicyKind::VaultAccessPolicy => {
                    format!("the access policy of vault {policy}")
                }
                ResourcePolicyKind::Other => format!("the resource policy of {policy}"),
            };
            (
                format!(
                    "{layer} denies {what} with {}, {no_identity}; the resource's owner must change that policy",
                    sid_text(sid)
                ),
                format!(
                    "remove that statement from {layer}, or narrow it so it no longer matches {principal}"
                ),
            )
        }
        Blocker::KeyPolicyMissingAllow { policy } => {
            let account = policy.split(':').nth(4).unwrap_or_default();
            (
                format!(
                    "the key policy of {policy} (account {account}) neither allows {principal} {action} nor delegates to the account's IAM policies (no statement for arn:aws:iam::{account}:root), {no_identity}; the key's administrator must change the key policy"
                ),
                format!(
                    "add to the key policy of {policy} (PutKeyPolicy in account {account}) the statement {resource_allow}"
                ),
            )
        }
        Blocker::KeyInAnotherAccount { key, account } => (
            format!(
                "the key {key} belongs to account {account}, whose key policy cannot be read from here, so it is not known to allow {principal} {action}; the owner of account {account} must allow it in the key policy before an identity statement can help"
            ),
            format!(
                "in account {account}, add to the key policy of {key} the statement {resource_allow}; then this account needs the identity statement {fix_statement} on {subject}"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::layered::OrgLevel;

    fn request() -> RequestContext {
        RequestContext {
            principal_arn: "arn:aws:sts::111122223333:assumed-role/RestoreRole/s".into(),
            action: "iam:PassRole".into(),
            resource: "arn:aws:iam::111122223333:role/App".into(),
            conditions: Default::default(),
        }
    }

    fn policy(name: &str, statements: Value) -> NamedPolicy {
        NamedPolicy {
            name: name.into(),
            document: json!({"Version": "2012-10-17", "Statement": statements}),
        }
    }

    #[test]
    fn an_scp_deny_refuses_naming_the_policy_and_its_statement() {
        let mut gathered = Evidence::default();
        gathered.layers.identity = vec![policy(
            "inline:Fix (proposed)",
            json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]),
        )];
        gathered.layers.scps = vec![OrgLevel {
            target: "ou-ab12-cdef3456".into(),
            policies: vec![
                policy(
                    "p-FullAWSAccess",
                    json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
                ),
                policy(
                    "p-deny1234",
                    json!([{"Sid": "NoPass", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]),
                ),
            ],
        }];
        gathered
            .facts
            .policy_labels
            .insert("p-deny1234".into(), "p-deny1234 (NoPassRole, arn:x)".into());
        let statement = json!({"Effect": "Allow"});
        let Some(Blocked {
            sentence,
            blockers,
            owner_change,
        }) = check_layers(&gathered, &request(), "role RestoreRole", &statement)
        else {
            panic!("an SCP deny must refuse the write");
        };
        assert!(sentence.contains("p-deny1234 (NoPassRole"), "{sentence}");
        assert!(sentence.contains("\"NoPass\" (Effect Deny)"), "{sentence}");
        assert!(sentence.contains("the OU ou-ab12-cdef3456"), "{sentence}");
        assert!(owner_change.contains("AWS Organizations"), "{owner_change}");
        assert_eq!(blockers.len(), 1);
        // Without the deny, the identity statement is enough: no refusal.
        gathered.layers.scps[0].policies.pop();
        assert!(check_layers(&gathered, &request(), "role RestoreRole", &statement).is_none());
    }

    #[test]
    fn a_missing_identity_allow_alone_does_not_refuse_and_guardrails_ignore_identity() {
        let gathered = Evidence::default();
        assert!(check_layers(&gathered, &request(), "role R", &json!({})).is_none());
        assert!(guardrail_blockers(&gathered, &request()).is_empty());
        assert_eq!(
            policy_principal("arn:aws:sts::111122223333:assumed-role/RestoreRole/s"),
            "arn:aws:iam::111122223333:role/RestoreRole"
        );
    }
}
