//! The least-privilege fix: one `Allow` statement with exactly the decoded action on exactly the
//! decoded resource, with the recommended condition, for the principal's canonical inline policy.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::catalogue;
use super::decoded::DecodedMessage;
pub use super::kinds::TargetType;
use super::principal::PrincipalType;

/// The one inline policy restore-doctor writes to, on every role or user it fixes.
pub const POLICY_NAME: &str = "RestoreDoctorFixes";

/// How wide the resource of the fix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Exactly the decoded resource (least privilege; the default).
    #[default]
    Exact,
    /// Every resource of that type in the account (wider; only on request).
    Account,
}

impl Scope {
    /// The other scope (for cycling in the TUI).
    pub fn next(self) -> Scope {
        match self {
            Scope::Exact => Scope::Account,
            Scope::Account => Scope::Exact,
        }
    }

    /// `exact` or `account`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Exact => "exact",
            Scope::Account => "account",
        }
    }
}

/// Whose policy a fix goes into: an IAM role's or user's identity policy, or an IAM Identity
/// Center permission set (for a role provisioned from it, which IAM refuses to change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixTargetKind {
    /// An IAM role.
    Role,
    /// An IAM user.
    User,
    /// An IAM Identity Center permission set.
    PermissionSet,
}

impl FixTargetKind {
    /// The IAM principal whose policies restore-doctor reads and writes; None for a
    /// permission set, which only its Identity Center administrator changes.
    pub fn iam(self) -> Option<TargetType> {
        match self {
            FixTargetKind::Role => Some(TargetType::Role),
            FixTargetKind::User => Some(TargetType::User),
            FixTargetKind::PermissionSet => None,
        }
    }
}

impl From<TargetType> for FixTargetKind {
    fn from(kind: TargetType) -> FixTargetKind {
        match kind {
            TargetType::Role => FixTargetKind::Role,
            TargetType::User => FixTargetKind::User,
        }
    }
}

impl std::fmt::Display for FixTargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FixTargetKind::Role => "role",
            FixTargetKind::User => "user",
            FixTargetKind::PermissionSet => "IAM Identity Center permission set",
        })
    }
}

/// The principal (or permission set) to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixTarget {
    /// `role`, `user` or `permission_set`.
    #[serde(rename = "type")]
    pub kind: FixTargetKind,
    /// The role, user or permission set name.
    pub name: String,
    /// For a permission set: the role provisioned from it, which the message named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A proposed fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// Where it goes.
    pub target: FixTarget,
    /// The inline policy it goes into ([`POLICY_NAME`]).
    pub policy_name: String,
    /// Exact or account-wide.
    pub scope: Scope,
    /// The IAM statement (`Sid`, `Effect`, `Action`, `Resource`, `Condition`).
    pub statement: Value,
    /// True when the resource is wider than the decoded one.
    pub wider: bool,
}

/// Why no allow statement is proposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoFix {
    /// The request was allowed.
    #[error("the request was allowed; nothing needs fixing")]
    Allowed,
    /// A deny wins over any allow.
    #[error(
        "an explicit deny cannot be overridden by an allow statement; the deny must be changed"
    )]
    ExplicitDeny,
    /// Federated users get permissions from the role or policy used to federate.
    #[error(
        "a federated user has no policies of its own: grant the permission in the role or policy used to federate (or in the session policy)"
    )]
    FederatedUser,
    /// Root is not governed by identity policies.
    #[error(
        "the account root user is not governed by IAM policies: a deny for root comes from a service control policy or a resource policy, which must be changed instead"
    )]
    Root,
    /// Services, unknown principals, or a message without action/resource.
    #[error("{0}")]
    Unsupported(String),
}

/// Synthesises the narrowest fix for a `missing_allow` message.
pub fn synthesize(message: &DecodedMessage, scope: Scope) -> Result<Fix, NoFix> {
    let principal = &message.principal;
    let kind = match principal.kind {
        PrincipalType::AssumedRole | PrincipalType::Role => TargetType::Role,
        PrincipalType::User => TargetType::User,
        PrincipalType::FederatedUser => return Err(NoFix::FederatedUser),
        PrincipalType::Root => return Err(NoFix::Root),
        PrincipalType::Service => {
            return Err(NoFix::Unsupported(
                "the caller is an AWS service principal: its access is granted by a resource policy or a service-linked role, not by an identity policy".into(),
            ));
        }
        PrincipalType::Unknown => {
            return Err(NoFix::Unsupported(format!(
                "the principal {:?} is not a role or user ARN, so there is no identity policy to fix",
                principal.arn
            )));
        }
    };
    let Some(name) = principal.name.clone() else {
        return Err(NoFix::Unsupported(
            "the principal ARN carries no name".into(),
        ));
    };
    if !is_valid_action(&message.action) {
        return Err(NoFix::Unsupported(format!(
            "the decoded action {:?} is not a service:Action name, so no exact statement can be written",
            message.action
        )));
    }
    if message.resource.is_empty() {
        return Err(NoFix::Unsupported(
            "the decoded message names no resource".into(),
        ));
    }
    let partition = principal.partition.as_deref().unwrap_or("aws");
    let (resource, wider) = match scope {
        Scope::Exact => (message.resource.clone(), false),
        Scope::Account => {
            let wide = account_wide_resource(
                &message.resource,
                catalogue::entry(&message.action).map(|e| e.resource_type),
                principal.account.as_deref(),
                partition,
            );
            let wider = wide != message.resource;
            (wide, wider)
        }
    };
    let mut statement = Map::new();
    statement.insert(
        "Sid".into(),
        Value::String(sid_for(&message.action, &resource)),
    );
    statement.insert("Effect".into(), Value::String("Allow".into()));
    statement.insert("Action".into(), Value::String(message.action.clone()));
    statement.insert("Resource".into(), Value::String(resource));
    if let Some(condition) = recommended_condition(message, partition) {
        statement.insert("Condition".into(), condition);
    }
    Ok(Fix {
        target: FixTarget {
            kind: kind.into(),
            name,
            role: None,
        },
        policy_name: POLICY_NAME.to_string(),
        scope,
        statement: Value::Object(statement),
        wider,
    })
}

fn is_valid_action(action: &str) -> bool {
    match action.split_once(':') {
        Some((service, name)) => {
            !service.is_empty()
                && !name.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && name.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// The condition AWS recommends for the action, if any (from the action catalogue).
fn recommended_condition(message: &DecodedMessage, partition: &str) -> Option<Value> {
    catalogue::recommended_condition(&message.action, message.conditions.as_slice(), partition)
}

/// The account-wide form of a resource ARN: `arn:P:iam::ACCT:role/*` for a role (the article's
/// wider fix), and generally everything of the resource's type in that account and region.
fn account_wide_resource(
    resource: &str,
    resource_type: Option<&str>,
    account: Option<&str>,
    partition: &str,
) -> String {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return resource.to_string();
    }
    let account = if parts[4].is_empty() {
        account.unwrap_or("")
    } else {
        parts[4]
    };
    let partition = if parts[1].is_empty() {
        partition
    } else {
        parts[1]
    };
    let rest = parts[5];
    // The catalogue's resource type, where the ARN names it (`role/path/R` -> `role/*`).
    let known = resource_type.filter(|kind| {
        rest.strip_prefix(kind)
            .is_some_and(|r| r.starts_with(['/', ':']))
    });
    let wide_rest = if let Some(kind) = known {
        format!("{kind}{}*", &rest[kind.len()..=kind.len()])
    } else if let Some((kind, _)) = rest.split_once('/') {
        format!("{kind}/*")
    } else if let Some((kind, _)) = rest.split_once(':') {
        format!("{kind}:*")
    } else {
        "*".to_string()
    };
    format!(
        "arn:{partition}:{}:{}:{account}:{wide_rest}",
        parts[2], parts[3]
    )
}

/// A stable, descriptive Sid (`[A-Za-z0-9]` only, as IAM requires): the action and the resource's
/// last segment, plus a short hash of both so distinct resources never share a Sid.
pub fn sid_for(action: &str, resource: &str) -> String {
    let mut readable = String::from("RestoreDoctor");
    for part in action.split([':', '-']) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            readable.extend(first.to_uppercase());
            readable.extend(chars);
        }
    }
    let tail = resource.rsplit(['/', ':']).next().unwrap_or("");
    let tail: String = tail
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(48)
        .collect();
    let mut tail_chars = tail.chars();
    match tail_chars.next() {
        Some(first) => {
            readable.extend(first.to_uppercase());
            readable.extend(tail_chars);
        }
        None => readable.push_str("All"),
    }
    readable.retain(|c| c.is_ascii_alphanumeric());
    let digest = Sha256::digest(format!("{action}\n{resource}").as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{readable}{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> DecodedMessage {
        DecodedMessage::parse(include_str!(
            "../../assets/examples/backup-passrole-implicit-deny.json"
        ))
        .unwrap()
    }

    #[test]
    fn article_fix_is_exact_with_condition() {
        let fix = synthesize(&article(), Scope::Exact).unwrap();
        assert_eq!(
            fix.target,
            FixTarget {
                kind: FixTargetKind::Role,
                name: "AWSBackupDefaultServiceRole".into(),
                role: None,
            }
        );
        assert_eq!(fix.policy_name, POLICY_NAME);
        assert!(!fix.wider);
        let s = &fix.statement;
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(s["Action"], "iam:PassRole");
        assert_eq!(
            s["Resource"],
            "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup"
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["iam:PassedToService"],
            "ec2.amazonaws.com"
        );
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Sid", "Effect", "Action", "Resource", "Condition"]);
    }

    #[test]
    fn account_scope_is_the_articles_wider_fix() {
        let fix = synthesize(&article(), Scope::Account).unwrap();
        assert!(fix.wider);
        assert_eq!(
            fix.statement["Resource"],
            "arn:aws:iam::111122223333:role/*"
        );
        assert_ne!(
            fix.statement["Sid"],
            synthesize(&article(), Scope::Exact).unwrap().statement["Sid"]
        );
    }

    #[test]
    fn sid_is_stable_and_iam_valid() {
        let a = sid_for("iam:PassRole", "arn:aws:iam::1:role/x-y.z");
        assert_eq!(a, sid_for("iam:PassRole", "arn:aws:iam::1:role/x-y.z"));
        assert!(a.starts_with("RestoreDoctorIamPassRoleXyz"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, sid_for("iam:PassRole", "arn:aws:iam::2:role/x-y.z"));
    }

    #[test]
    fn kms_grant_condition_and_account_wide_key() {
        let msg = DecodedMessage::parse(r#"{"allowed":false,"explicitDeny":false,"context":{"principal":{"arn":"arn:aws-us-gov:iam::1:user/ops/alice"},"action":"kms:CreateGrant","resource":"arn:aws-us-gov:kms:us-gov-west-1:1:key/abc"}}"#).unwrap();
        let fix = synthesize(&msg, Scope::Exact).unwrap();
        assert_eq!(fix.target.kind, FixTargetKind::User);
        assert_eq!(fix.target.name, "alice");
        assert_eq!(
            fix.statement["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
            "true"
        );
        let wide = synthesize(&msg, Scope::Account).unwrap();
        assert_eq!(
            wide.statement["Resource"],
            "arn:aws-us-gov:kms:us-gov-west-1:1:key/*"
        );
    }

    #[test]
    fn no_fix_for_federated_root_and_bad_actions() {
        let make = |arn: &str, action: &str| {
            DecodedMessage::parse(&format!(r#"{{"allowed":false,"context":{{"principal":{{"arn":"{arn}"}},"action":"{action}","resource":"*"}}}}"#)).unwrap()
        };
        assert_eq!(
            synthesize(
                &make("arn:aws:sts::1:federated-user/bob", "s3:GetObject"),
                Scope::Exact
            ),
            Err(NoFix::FederatedUser)
        );
        assert_eq!(
            synthesize(&make("arn:aws:iam::1:root", "s3:GetObject"), Scope::Exact),
            Err(NoFix::Root)
        );
        assert!(matches!(
            synthesize(&make("arn:aws:iam::1:role/R", "s3:*"), Scope::Exact),
            Err(NoFix::Unsupported(_))
        ));
        assert!(matches!(
            synthesize(&make("arn:aws:iam::1:role/R", "GetObject"), Scope::Exact),
            Err(NoFix::Unsupported(_))
        ));
    }
}
