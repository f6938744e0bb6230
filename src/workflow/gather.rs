//! Gathering the layers IAM will evaluate for the denied principal, read-only and each once:
//! its other inline policies (read by the preview), its attached managed policies and its
//! permissions boundary (the guardrails are `guardrails.rs`; which layer blocks, `blocking.rs`).
//! A layer that cannot be read is reported as such, never treated as checked.

use futures_util::future::join_all;
use serde_json::Value;

use crate::aws::{AwsError, Session};
use crate::diagnosis::TargetType;
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::layered::PolicyLayers;

/// The layers read for a principal, and which could not be.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gathered {
    /// The layers, with the proposed inline policy among the identity policies.
    pub layers: PolicyLayers,
    /// What was read (`inline policies (2)`, `attached managed policies (1)`, `permissions boundary arn:…`).
    pub read: Vec<String>,
    /// What could not be read, and why.
    pub unreadable: Vec<String>,
    /// Organization policy names, the management-account case, a key in another account.
    pub facts: super::guardrails::GuardrailFacts,
}

impl Gathered {
    /// Adds what the guardrails gathering read (SCP and RCP levels, the resource policy).
    pub fn absorb(&mut self, mut guardrails: Gathered) {
        self.read.append(&mut guardrails.read);
        self.unreadable.append(&mut guardrails.unreadable);
        self.layers.scps = guardrails.layers.scps;
        self.layers.rcps = guardrails.layers.rcps;
        self.layers.resource = guardrails.layers.resource;
        self.facts = guardrails.facts;
    }
}

/// The identity layers of `name` (with `proposed` as its inline policy `policy_name`, beside
/// `other_inline`, and the documents of its `attached` managed policies as the preview listed
/// them) and its boundary (`boundary_arn` from `GetRole`; for a user, `GetUser`).
#[allow(clippy::too_many_arguments)]
pub async fn identity_layers(
    session: &Session,
    target: TargetType,
    name: &str,
    boundary_arn: Option<&str>,
    attached: Result<Vec<String>, AwsError>,
    other_inline: Vec<NamedPolicy>,
    policy_name: &str,
    proposed: &Value,
) -> Gathered {
    let mut gathered = Gathered::default();
    gathered.read.push(format!(
        "inline policies ({} other, and {policy_name} as proposed)",
        other_inline.len()
    ));
    gathered.layers.identity = other_inline;
    gathered.layers.identity.push(NamedPolicy {
        name: format!("inline:{policy_name} (proposed)"),
        document: proposed.clone(),
    });
    match attached {
        Ok(arns) => {
            let documents =
                join_all(arns.iter().map(|arn| session.managed_policy_document(arn))).await;
            let mut read = 0;
            for (arn, document) in arns.iter().zip(documents) {
                match document {
                    Ok(document) => {
                        read += 1;
                        gathered.layers.identity.push(NamedPolicy {
                            name: arn.clone(),
                            document,
                        });
                    }
                    Err(error) => gathered
                        .unreadable
                        .push(format!("managed policy {arn}: {error}")),
                }
            }
            gathered
                .read
                .push(format!("attached managed policies ({read})"));
        }
        Err(error) => gathered.unreadable.push(format!(
            "attached managed policies: {}",
            super::guardrails::reason(&error)
        )),
    }
    let boundary_arn = match (target, boundary_arn) {
        (TargetType::Role, arn) => Ok(arn.map(str::to_string)),
        (TargetType::User, _) => session.user_permissions_boundary(name).await,
    };
    match boundary_arn {
        Ok(None) => gathered.read.push("permissions boundary (none set)".into()),
        Ok(Some(arn)) => match session.managed_policy_document(&arn).await {
            Ok(document) => {
                gathered.read.push(format!("permissions boundary {arn}"));
                gathered.layers.boundary = Some(NamedPolicy {
                    name: arn,
                    document,
                });
            }
            Err(error) => gathered.unreadable.push(format!(
                "permissions boundary {arn}: {}",
                super::guardrails::reason(&error)
            )),
        },
        Err(error) => gathered.unreadable.push(format!(
            "permissions boundary: {}",
            super::guardrails::reason(&error)
        )),
    }
    gathered
}
