//! The texts a denied restore reports: the decoded message STS returns for an encoded token, and
//! the plain-text sentence of services that report IAM's words instead (EFS, S3), naming the
//! layer that denied and, where AWS does, the denying policy's ARN (the IAM user guide's "Access
//! denied error messages":
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>).

use std::fmt::Write;

use serde_json::Value;

use super::ServiceRequest;
use crate::diagnosis::layered::Blocker;

/// The layer that denied a request, as its denial text names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeniedBy {
    /// An identity-based policy (missing allow or deny).
    Identity,
    /// The permissions boundary (its ARN).
    Boundary(String),
    /// A service control policy: its ARN, or None for a scenario's legacy guardrail.
    ServiceControl(Option<String>),
    /// A resource control policy (its ARN).
    ResourceControl(String),
    /// A session policy.
    Session,
    /// A resource-based policy (a key policy, a vault access policy).
    ResourceBased,
}

impl DeniedBy {
    /// The layer a blocker names.
    pub fn from_blocker(blocker: &Blocker) -> Self {
        let arn = |policy: &str| policy.starts_with("arn:").then(|| policy.to_string());
        match blocker {
            Blocker::IdentityMissingAllow | Blocker::IdentityDeny { .. } => Self::Identity,
            Blocker::BoundaryMissingAllow { policy } | Blocker::BoundaryDeny { policy, .. } => {
                Self::Boundary(policy.clone())
            }
            Blocker::ScpMissingAllow { .. } => Self::ServiceControl(None),
            Blocker::ScpDeny { policy, .. } => Self::ServiceControl(arn(policy)),
            Blocker::RcpDeny { policy, .. } => Self::ResourceControl(policy.clone()),
            Blocker::SessionMissingAllow | Blocker::SessionDeny { .. } => Self::Session,
            Blocker::ResourceDeny { .. }
            | Blocker::KeyPolicyMissingAllow { .. }
            | Blocker::KeyInAnotherAccount { .. } => Self::ResourceBased,
        }
    }

    /// The policy type as IAM's sentence names it.
    fn policy_type(&self) -> &'static str {
        match self {
            Self::Identity => "identity-based",
            Self::Boundary(_) => "permissions boundary",
            Self::ServiceControl(_) => "service control",
            Self::ResourceControl(_) => "resource control",
            Self::Session => "session",
            Self::ResourceBased => "resource-based",
        }
    }

    /// The denying policy's ARN, where AWS appends it (a policy of the same account or
    /// organization: SCPs, RCPs, boundaries).
    fn policy_arn(&self) -> Option<&str> {
        match self {
            Self::Boundary(arn) | Self::ResourceControl(arn) => Some(arn),
            Self::ServiceControl(arn) => arn.as_deref(),
            Self::Identity | Self::Session | Self::ResourceBased => None,
        }
    }
}

/// The decoded message, in the shape STS returns.
pub fn decoded_message(
    request: &ServiceRequest,
    principal_arn: &str,
    principal_id: &str,
    explicit: bool,
    matched: &[Value],
) -> String {
    // Written directly rather than through a `Value` tree: thousands of these are built at
    // start-up for `--jobs`, and this is the shape STS returns, key order included.
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "{{\"allowed\":false,\"explicitDeny\":{explicit},\"matchedStatements\":{{\"items\":{}}},\"failures\":{{\"items\":[]}},\"context\":{{\"principal\":{{\"id\":{},\"arn\":{}}},\"action\":{},\"resource\":{},\"conditions\":{{\"items\":[",
        Value::Array(matched.to_vec()),
        json_string(principal_id),
        json_string(principal_arn),
        json_string(&request.reported_action),
        json_string(&request.resource),
    );
    for (i, (key, value)) in request.shown.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"key\":{},\"values\":{{\"items\":[{{\"value\":{}}}]}}}}",
            if i == 0 { "" } else { "," },
            json_string(key),
            json_string(value)
        );
    }
    out.push_str("]}}}");
    out
}

/// IAM's sentence for a denied request: `User: <principal> is not authorized to perform:
/// <action> on resource: <resource>` and either `because no <type> policy allows the <action>
/// action` or `with an explicit deny in a <type> policy[: <ARN>]`. (IAM writes "permissions
/// boundary" without "policy".)
pub fn denial_sentence(decoded: &str, explicit: bool, by: &DeniedBy) -> Option<String> {
    let message: Value = serde_json::from_str(decoded).ok()?;
    let context = &message["context"];
    let principal = context["principal"]["arn"].as_str()?;
    let action = context["action"].as_str()?;
    let resource = context["resource"].as_str()?;
    let kind = match by {
        DeniedBy::Boundary(_) => "permissions boundary".to_string(),
        other => format!("{} policy", other.policy_type()),
    };
    let reason = if explicit {
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        match by.policy_arn() {
            Some(arn) => format!("with an explicit deny in {article} {kind}: {arn}"),
            None => format!("with an explicit deny in {article} {kind}"),
        }
    } else {
        format!("because no {kind} allows the {action} action")
    };
    Some(format!(
        "User: {principal} is not authorized to perform: {action} on resource: {resource} {reason}"
    ))
}

/// The plain-text status message of a denied restore whose service reports IAM's sentence
/// instead of an encoded token (EFS and S3 restores: only EC2 encodes its authorization
/// failures).
pub fn plain_text_denial(
    resource_type: &str,
    decoded: &str,
    explicit: bool,
    by: &DeniedBy,
) -> Option<String> {
    if !matches!(resource_type.to_ascii_uppercase().as_str(), "EFS" | "S3") {
        return None;
    }
    denial_sentence(decoded, explicit, by)
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECODED: &str = r#"{"allowed":false,"explicitDeny":true,"context":{"principal":{"id":"AROA:s","arn":"arn:aws:sts::111122223333:assumed-role/R/s"},"action":"kms:CreateGrant","resource":"arn:aws:kms:us-east-1:111122223333:key/k"}}"#;
    const HEAD: &str = "User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:111122223333:key/k ";

    fn reason(explicit: bool, by: DeniedBy) -> String {
        let sentence = denial_sentence(DECODED, explicit, &by).unwrap();
        sentence.strip_prefix(HEAD).unwrap().to_string()
    }

    #[test]
    fn each_layer_is_named_as_iam_names_it() {
        let boundary = "arn:aws:iam::111122223333:policy/Boundary".to_string();
        assert_eq!(
            reason(true, DeniedBy::Boundary(boundary.clone())),
            format!("with an explicit deny in a permissions boundary: {boundary}")
        );
        assert_eq!(
            reason(false, DeniedBy::Boundary(boundary)),
            "because no permissions boundary allows the kms:CreateGrant action"
        );
        let rcp =
            "arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/resource_control_policy/p-r"
                .to_string();
        assert_eq!(
            reason(true, DeniedBy::ResourceControl(rcp.clone())),
            format!("with an explicit deny in a resource control policy: {rcp}")
        );
        assert_eq!(
            reason(true, DeniedBy::ServiceControl(None)),
            "with an explicit deny in a service control policy"
        );
        assert_eq!(
            reason(false, DeniedBy::ResourceBased),
            "because no resource-based policy allows the kms:CreateGrant action"
        );
        assert_eq!(
            reason(true, DeniedBy::Identity),
            "with an explicit deny in an identity-based policy"
        );
        assert_eq!(
            plain_text_denial("EC2", DECODED, true, &DeniedBy::Identity),
            None
        );
    }
}
