//! Every policy layer IAM combines for one request, evaluated together: identity policies, the
//! permissions boundary, service and resource control policies at each level of the
//! organization, a session policy and the resource's own policy (a KMS key policy, a Backup
//! vault access policy, a bucket policy). The rules follow AWS's policy evaluation logic
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
//! an explicit deny in any layer wins; every SCP level, the boundary and the session policy must
//! allow; then an allow in an identity policy or (same account) in the resource policy grants,
//! except that a KMS key policy must itself allow the principal or delegate to the account's IAM
//! policies (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
//! Each layer is evaluated with [`evaluate::evaluate`]; the result names every layer that
//! blocks. Checked against an independent engine (`@cloud-copilot/iam-simulate`) by
//! `tests/cli/oracle_iam_simulate.rs`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::evaluate::{
    self, Decision, EvaluateError, Evaluation, NamedPolicy, RequestContext, statements_of,
};

/// The policies attached at one level of an organization (the root, an OU, the account).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgLevel {
    /// `r-…`, `ou-…` or the account ID.
    pub target: String,
    /// Its policies.
    pub policies: Vec<NamedPolicy>,
}

/// What kind of resource policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourcePolicyKind {
    /// A KMS key policy: it must allow the principal or delegate to IAM.
    KeyPolicy,
    /// An AWS Backup vault access policy.
    VaultAccessPolicy,
    /// Any other resource-based policy (a bucket policy, …).
    Other,
}

/// The resource's own policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePolicy {
    /// What it is.
    pub kind: ResourcePolicyKind,
    /// The document, with where it came from.
    pub policy: NamedPolicy,
}

/// Every layer that applies to a request (a layer left empty or `None` does not apply).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyLayers {
    /// The principal's identity policies (inline and attached).
    pub identity: Vec<NamedPolicy>,
    /// The permissions boundary, if the principal has one.
    pub boundary: Option<NamedPolicy>,
    /// SCPs by level, the root first, the account last; empty when none apply (no
    /// organization, or the organization's management account).
    pub scps: Vec<OrgLevel>,
    /// RCPs by level (AWS attaches `RCPFullAWSAccess` everywhere, so only their denies count).
    pub rcps: Vec<OrgLevel>,
    /// A session policy, when the session was created with one.
    pub session: Option<NamedPolicy>,
    /// The resource's own policy.
    pub resource: Option<ResourcePolicy>,
}

/// A layer that blocks the request, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "snake_case")]
pub enum Blocker {
    /// No identity policy (nor the resource policy) allows it.
    IdentityMissingAllow,
    /// An identity policy denies it.
    IdentityDeny {
        /// The policy.
        policy: String,
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// The permissions boundary does not allow it.
    BoundaryMissingAllow {
        /// The boundary.
        policy: String,
    },
    /// The permissions boundary denies it.
    BoundaryDeny {
        /// The boundary.
        policy: String,
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// No SCP at a level allows it.
    ScpMissingAllow {
        /// The root, OU or account where no SCP allows it.
        target: String,
    },
    /// An SCP denies it.
    ScpDeny {
        /// Where the SCP is attached.
        target: String,
        /// The SCP.
        policy: String,
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// An RCP denies it.
    RcpDeny {
        /// Where the RCP is attached.
        target: String,
        /// The RCP.
        policy: String,
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// The session policy does not allow it.
    SessionMissingAllow,
    /// The session policy denies it.
    SessionDeny {
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// The resource policy denies it.
    ResourceDeny {
        /// What kind of resource policy.
        kind: ResourcePolicyKind,
        /// The policy.
        policy: String,
        /// The statement's Sid.
        sid: Option<String>,
    },
    /// The KMS key policy neither allows the principal nor delegates to IAM policies.
    KeyPolicyMissingAllow {
        /// The key policy.
        policy: String,
    },
    /// The KMS key belongs to another account, whose key policy cannot be read from the
    /// principal's account, so it is not known to allow (never produced by
    /// [`evaluate_layers`], which sees only policies that were read).
    KeyInAnotherAccount {
        /// The key's ARN.
        key: String,
        /// The account that owns the key.
        account: String,
    },
}

impl Blocker {
    /// A short label naming the layer and its policy (for a tree row or a preview line).
    pub fn label(&self) -> String {
        let sid = |sid: &Option<String>| match sid {
            Some(sid) => format!(", statement {sid} (Deny)"),
            None => ", a statement without a Sid (Deny)".into(),
        };
        match self {
            Blocker::IdentityMissingAllow => "identity: no identity policy allows it".into(),
            Blocker::IdentityDeny { policy, sid: s } => {
                format!("identity: {policy} denies{}", sid(s))
            }
            Blocker::BoundaryMissingAllow { policy } => {
                format!("permissions boundary: {policy} does not allow it")
            }
            Blocker::BoundaryDeny { policy, sid: s } => {
                format!("permissions boundary: {policy} denies{}", sid(s))
            }
            Blocker::ScpMissingAllow { target } => format!("SCP: no SCP at {target} allows it"),
            Blocker::ScpDeny {
                target,
                policy,
                sid: s,
            } => {
                format!("SCP: {policy} at {target} denies{}", sid(s))
            }
            Blocker::RcpDeny {
                target,
                policy,
                sid: s,
            } => {
                format!("RCP: {policy} at {target} denies{}", sid(s))
            }
            Blocker::SessionMissingAllow => "session policy: does not allow it".into(),
            Blocker::SessionDeny { sid: s } => format!("session policy: denies{}", sid(s)),
            Blocker::ResourceDeny {
                kind,
                policy,
                sid: s,
            } => {
                let layer = match kind {
                    ResourcePolicyKind::KeyPolicy => "key policy",
                    ResourcePolicyKind::VaultAccessPolicy => "vault access policy",
                    ResourcePolicyKind::Other => "resource policy",
                };
                format!("{layer}: {policy} denies{}", sid(s))
            }
            Blocker::KeyPolicyMissingAllow { policy } => {
                format!("key policy: {policy} neither allows nor delegates to IAM")
            }
            Blocker::KeyInAnotherAccount { key, account } => {
                format!("key policy: {key} is in account {account}, not readable from here")
            }
        }
    }

    /// The layer's short name, as a row's badge shows it (`boundary`, `SCP`, `key policy`).
    pub fn layer_name(&self) -> &'static str {
        match self {
            Blocker::IdentityMissingAllow | Blocker::IdentityDeny { .. } => "identity",
            Blocker::BoundaryMissingAllow { .. } | Blocker::BoundaryDeny { .. } => "boundary",
            Blocker::ScpMissingAllow { .. } | Blocker::ScpDeny { .. } => "SCP",
            Blocker::RcpDeny { .. } => "RCP",
            Blocker::SessionMissingAllow | Blocker::SessionDeny { .. } => "session policy",
            Blocker::ResourceDeny { kind, .. } => match kind {
                ResourcePolicyKind::KeyPolicy => "key policy",
                ResourcePolicyKind::VaultAccessPolicy => "vault policy",
                ResourcePolicyKind::Other => "resource policy",
            },
            Blocker::KeyPolicyMissingAllow { .. } => "key policy",
            Blocker::KeyInAnotherAccount { .. } => "key in another account",
        }
    }

    /// True for the identity layer's own blockers.
    pub fn is_identity(&self) -> bool {
        matches!(
            self,
            Blocker::IdentityMissingAllow | Blocker::IdentityDeny { .. }
        )
    }
}

/// The outcome over every layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayeredEvaluation {
    /// IAM's decision.
    pub decision: Decision,
    /// Every layer that blocks (empty when allowed).
    pub blockers: Vec<Blocker>,
}

/// The first denying statement of `policies`, if any: (policy label, Sid).
fn deny_in(
    policies: &[NamedPolicy],
    request: &RequestContext,
) -> Result<Option<(String, Option<String>)>, EvaluateError> {
    Ok(first_deny(&evaluate::evaluate(policies, request)?))
}

/// The first denying statement an evaluation matched, if any: (policy label, Sid).
fn first_deny(evaluation: &Evaluation) -> Option<(String, Option<String>)> {
    evaluation
        .matched
        .iter()
        .find(|m| m.effect == evaluate::Effect::Deny)
        .map(|m| (m.policy.clone(), m.sid.clone()))
}

fn allows(policies: &[NamedPolicy], request: &RequestContext) -> Result<bool, EvaluateError> {
    Ok(any_allow(&evaluate::evaluate(policies, request)?))
}

/// True when an evaluation matched an allowing statement.
fn any_allow(evaluation: &Evaluation) -> bool {
    evaluation
        .matched
        .iter()
        .any(|m| m.effect == evaluate::Effect::Allow)
}

/// How a resource policy statement's principal relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalMatch {
    /// Names the caller (its ARN, its role's ARN, or `*`).
    Direct,
    /// Names the caller's account: the account's IAM policies decide.
    Account,
    /// Someone else.
    None,
}

/// The account and, for an assumed-role session, the role's name, of a principal ARN.
fn principal_parts(arn: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let account = parts.get(4).copied().unwrap_or_default().to_string();
    let resource = parts.get(5).copied().unwrap_or_default();
    let role = resource
        .strip_prefix("assumed-role/")
        .and_then(|r| r.split('/').next())
        .or_else(|| {
            resource
                .strip_prefix("role/")
                .map(|r| r.rsplit('/').next().unwrap_or(r))
        })
        .map(str::to_string);
    (account, role)
}

fn principal_match(statement: &Value, caller: &str) -> PrincipalMatch {
    let Some(principal) = statement.get("Principal") else {
        return PrincipalMatch::None;
    };
    let values: Vec<String> = match principal {
        Value::String(s) => vec![s.clone()],
        Value::Object(map) => evaluate::string_list(map.get("AWS")),
        _ => Vec::new(),
    };
    let (account, role) = principal_parts(caller);
    let mut best = PrincipalMatch::None;
    for value in values {
        if value == "*" || value == caller {
            return PrincipalMatch::Direct;
        }
        if value == account || value.ends_with(&format!(":{account}:root")) {
            best = PrincipalMatch::Account;
            continue;
        }
        let (other_account, other_role) = principal_parts(&value);
        if other_account == account
            && value.contains(":role/")
            && other_role.is_some()
            && other_role == role
        {
            return PrincipalMatch::Direct;
        }
    }
    best
}

/// The resource policy's statements that apply to `caller`, as two documents without
/// `Principal`: those naming the caller, and those naming its account.
fn split_resource_policy(policy: &NamedPolicy, caller: &str) -> (NamedPolicy, NamedPolicy) {
    let mut direct = Vec::new();
    let mut account = Vec::new();
    for statement in statements_of(&policy.document) {
        let matched = principal_match(statement, caller);
        let Value::Object(map) = statement else {
            continue;
        };
        let mut stripped: Map<String, Value> = map.clone();
        stripped.remove("Principal");
        match matched {
            PrincipalMatch::Direct => direct.push(Value::Object(stripped)),
            PrincipalMatch::Account => account.push(Value::Object(stripped)),
            PrincipalMatch::None => {}
        }
    }
    let doc = |statements: Vec<Value>| NamedPolicy {
        name: policy.name.clone(),
        document: serde_json::json!({"Version": "2012-10-17", "Statement": statements}),
    };
    (doc(direct), doc(account))
}

/// Evaluates `request` over every layer in `layers`.
pub fn evaluate_layers(
    layers: &PolicyLayers,
    request: &RequestContext,
) -> Result<LayeredEvaluation, EvaluateError> {
    let mut blockers = Vec::new();
    // Each layer is evaluated once, in this order, and read for both its denies (step 1) and
    // its allows (steps 2 and 3): evaluation is pure, so this is what evaluating it twice gave.
    let identity = evaluate::evaluate(&layers.identity, request)?;
    let boundary = layers
        .boundary
        .as_ref()
        .map(|b| evaluate::evaluate(std::slice::from_ref(b), request))
        .transpose()?;
    let scps = layers
        .scps
        .iter()
        .map(|level| evaluate::evaluate(&level.policies, request))
        .collect::<Result<Vec<_>, _>>()?;
    // 1. An explicit deny anywhere wins.
    if let Some((policy, sid)) = first_deny(&identity) {
        blockers.push(Blocker::IdentityDeny { policy, sid });
    }
    if let Some((policy, sid)) = boundary.as_ref().and_then(first_deny) {
        blockers.push(Blocker::BoundaryDeny { policy, sid });
    }
    for (level, evaluation) in layers.scps.iter().zip(&scps) {
        if let Some((policy, sid)) = first_deny(evaluation) {
            blockers.push(Blocker::ScpDeny {
                target: level.target.clone(),
                policy,
                sid,
            });
        }
    }
    for level in &layers.rcps {
        if let Some((policy, sid)) = deny_in(&level.policies, request)? {
            blockers.push(Blocker::RcpDeny {
                target: level.target.clone(),
                policy,
                sid,
            });
        }
    }
    let session = layers
        .session
        .as_ref()
        .map(|s| evaluate::evaluate(std::slice::from_ref(s), request))
        .transpose()?;
    if let Some((_, sid)) = session.as_ref().and_then(first_deny) {
        blockers.push(Blocker::SessionDeny { sid });
    }
    let resource_parts = layers
        .resource
        .as_ref()
        .map(|r| (r, split_resource_policy(&r.policy, &request.principal_arn)));
    if let Some((resource, (direct, account))) = &resource_parts {
        let both = [direct.clone(), account.clone()];
        if let Some((policy, sid)) = deny_in(&both, request)? {
            blockers.push(Blocker::ResourceDeny {
                kind: resource.kind,
                policy,
                sid,
            });
        }
    }
    if !blockers.is_empty() {
        return Ok(LayeredEvaluation {
            decision: Decision::ExplicitDeny,
            blockers,
        });
    }
    // 2. Guardrails that must allow: every SCP level, the boundary, the session policy.
    for (level, evaluation) in layers.scps.iter().zip(&scps) {
        if !any_allow(evaluation) {
            blockers.push(Blocker::ScpMissingAllow {
                target: level.target.clone(),
            });
        }
    }
    // 3. The grant: identity (within the boundary) or, in the same account, the resource policy.
    let identity_allows = any_allow(&identity);
    let boundary_allows = boundary.as_ref().is_none_or(any_allow);
    let session_allows = session.as_ref().is_none_or(any_allow);
    let identity_grant = identity_allows && boundary_allows && session_allows;
    let granted = match &resource_parts {
        None => identity_grant,
        Some((resource, (direct, account))) => {
            let direct_allows = allows(std::slice::from_ref(direct), request)?;
            let delegates = allows(std::slice::from_ref(account), request)?;
            match resource.kind {
                ResourcePolicyKind::KeyPolicy => {
                    if !direct_allows && !delegates {
                        blockers.push(Blocker::KeyPolicyMissingAllow {
                            policy: resource.policy.name.clone(),
                        });
                    }
                    (direct_allows && session_allows) || (delegates && identity_grant)
                }
                _ => (direct_allows && session_allows) || identity_grant,
            }
        }
    };
    if !granted {
        if !identity_allows {
            blockers.push(Blocker::IdentityMissingAllow);
        }
        if !boundary_allows && let Some(boundary) = &layers.boundary {
            blockers.push(Blocker::BoundaryMissingAllow {
                policy: boundary.name.clone(),
            });
        }
        if !session_allows {
            blockers.push(Blocker::SessionMissingAllow);
        }
    }
    let decision = if blockers.is_empty() && granted {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    };
    Ok(LayeredEvaluation { decision, blockers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn named(name: &str, statements: Value) -> NamedPolicy {
        NamedPolicy {
            name: name.into(),
            document: json!({"Version": "2012-10-17", "Statement": statements}),
        }
    }

    fn passrole() -> RequestContext {
        RequestContext {
            principal_arn: "arn:aws:sts::111122223333:assumed-role/R/S".into(),
            action: "iam:PassRole".into(),
            resource: "arn:aws:iam::111122223333:role/Target".into(),
            conditions: [(
                "iam:PassedToService".to_string(),
                vec!["ec2.amazonaws.com".to_string()],
            )]
            .into_iter()
            .collect(),
        }
    }

    fn allow_passrole() -> NamedPolicy {
        named(
            "inline:Fix",
            json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]),
        )
    }

    #[test]
    fn a_boundary_that_does_not_allow_blocks_an_identity_allow() {
        let layers = PolicyLayers {
            identity: vec![allow_passrole()],
            boundary: Some(named(
                "arn:aws:iam::111122223333:policy/Boundary",
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
            )),
            ..PolicyLayers::default()
        };
        let result = evaluate_layers(&layers, &passrole()).unwrap();
        assert_eq!(result.decision, Decision::ImplicitDeny);
        assert_eq!(
            result.blockers,
            [Blocker::BoundaryMissingAllow {
                policy: "arn:aws:iam::111122223333:policy/Boundary".into()
            }]
        );
    }

    #[test]
    fn every_scp_level_must_allow_and_a_deny_wins() {
        let full = named(
            "FullAWSAccess",
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        );
        let only_s3 = named(
            "OnlyS3",
            json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
        );
        let mut layers = PolicyLayers {
            identity: vec![allow_passrole()],
            scps: vec![
                OrgLevel {
                    target: "r-root".into(),
                    policies: vec![full.clone()],
                },
                OrgLevel {
                    target: "ou-prod".into(),
                    policies: vec![only_s3],
                },
                OrgLevel {
                    target: "111122223333".into(),
                    policies: vec![full.clone()],
                },
            ],
            ..PolicyLayers::default()
        };
        let result = evaluate_layers(&layers, &passrole()).unwrap();
        assert_eq!(result.decision, Decision::ImplicitDeny);
        assert_eq!(
            result.blockers,
            [Blocker::ScpMissingAllow {
                target: "ou-prod".into()
            }]
        );
        layers.scps[1].policies = vec![
            full,
            named(
                "NoPassRole",
                json!([{"Sid": "NoPass", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]),
            ),
        ];
        let result = evaluate_layers(&layers, &passrole()).unwrap();
        assert_eq!(result.decision, Decision::ExplicitDeny);
        assert_eq!(
            result.blockers,
            [Blocker::ScpDeny {
                target: "ou-prod".into(),
                policy: "NoPassRole".into(),
                sid: Some("NoPass".into())
            }]
        );
    }

    #[test]
    fn a_key_policy_must_allow_or_delegate() {
        let request = RequestContext {
            principal_arn: "arn:aws:sts::111122223333:assumed-role/R/S".into(),
            action: "kms:Decrypt".into(),
            resource: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
            conditions: Default::default(),
        };
        let identity = named(
            "inline:Fix",
            json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]),
        );
        let key_policy = |principal: &str| ResourcePolicy {
            kind: ResourcePolicyKind::KeyPolicy,
            policy: named(
                "key-policy",
                json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]),
            ),
        };
        let mut layers = PolicyLayers {
            identity: vec![identity],
            resource: Some(key_policy("arn:aws:iam::111122223333:root")),
            ..PolicyLayers::default()
        };
        assert_eq!(
            evaluate_layers(&layers, &request).unwrap().decision,
            Decision::Allowed
        );
        layers.resource = Some(key_policy("arn:aws:iam::111122223333:role/Admin"));
        let result = evaluate_layers(&layers, &request).unwrap();
        assert_eq!(result.decision, Decision::ImplicitDeny);
        assert_eq!(
            result.blockers,
            [Blocker::KeyPolicyMissingAllow {
                policy: "key-policy".into()
            }]
        );
        // A key policy naming the role itself grants even without an identity allow.
        layers.identity.clear();
        layers.resource = Some(key_policy("arn:aws:iam::111122223333:role/R"));
        assert_eq!(
            evaluate_layers(&layers, &request).unwrap().decision,
            Decision::Allowed
        );
    }
}
