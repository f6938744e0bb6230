//! Gathering the layers IAM will evaluate for the denied principal, read-only and each once:
//! its other inline policies (read by the preview), its attached managed policies and its
//! permissions boundary (the guardrails are `guardrails.rs`; which layer blocks, `blocking.rs`).
//! A layer that cannot be read is reported as such, never treated as checked.

use futures_util::future::join_all;

use crate::aws::{AwsError, Session};
use crate::diagnosis::TargetType;
use crate::diagnosis::evaluate::NamedPolicy;
use crate::diagnosis::evidence::Evidence;

/// The identity layers of `name` as IAM holds them today: its inline policies (`inline`, read
/// by the caller, its fix policy `fix_policy` among them when it exists), the documents of its
/// `attached` managed policies as the caller listed them, and its boundary (`boundary_arn` from
/// `GetRole`; for a user, `GetUser`).
pub async fn identity_layers(
    session: &Session,
    target: TargetType,
    name: &str,
    boundary_arn: Option<&str>,
    attached: Result<Vec<String>, AwsError>,
    inline: Vec<NamedPolicy>,
    fix_policy: &str,
) -> Evidence {
    let mut gathered = Evidence::default();
    let others = inline
        .iter()
        .filter(|p| p.name != format!("inline:{fix_policy}"))
        .count();
    gathered.read.push(format!(
        "inline policies ({others} other, and {fix_policy} as proposed)"
    ));
    gathered.layers.identity = inline;
    match attached {
        Ok(arns) => {
            let documents = join_all(arns.iter().map(|arn| {
                session.cached(
                    format!("GetPolicyVersion {arn}"),
                    session.managed_policy_document(arn),
                )
            }))
            .await;
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
            error.unreadable_reason()
        )),
    }
    let boundary_arn = match (target, boundary_arn) {
        (TargetType::Role, arn) => Ok(arn.map(str::to_string)),
        (TargetType::User, _) => {
            session
                .cached(
                    format!("GetUser {name}"),
                    session.user_permissions_boundary(name),
                )
                .await
        }
    };
    match boundary_arn {
        Ok(None) => gathered.read.push("permissions boundary (none set)".into()),
        Ok(Some(arn)) => match session
            .cached(
                format!("GetPolicyVersion {arn}"),
                session.managed_policy_document(&arn),
            )
            .await
        {
            Ok(document) => {
                gathered.read.push(format!("permissions boundary {arn}"));
                gathered.layers.boundary = Some(NamedPolicy {
                    name: arn,
                    document,
                });
            }
            Err(error) => gathered.unreadable.push(format!(
                "permissions boundary {arn}: {}",
                error.unreadable_reason()
            )),
        },
        Err(error) => gathered.unreadable.push(format!(
            "permissions boundary: {}",
            error.unreadable_reason()
        )),
    }
    gathered
}
