//! Reading a customer-managed policy's state for the quota fallback: whether it exists, its
//! versions (oldest first), its default version and that version's document. Read-only.

use serde_json::Value;

use super::Session;
use super::error::{AwsError, AwsErrorKind, classify};

/// A customer-managed policy as IAM holds it now.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicyState {
    /// The policy's ARN.
    pub arn: String,
    /// The default version's ID.
    pub default_version: String,
    /// Every version ID, oldest first.
    pub versions: Vec<String>,
    /// The default version's document.
    pub document: Value,
}

/// `v12` sorts after `v9`.
fn version_number(id: &str) -> u64 {
    id.trim_start_matches('v').parse().unwrap_or(0)
}

impl Session {
    /// The managed policy `arn`, or None when IAM says it does not exist.
    pub async fn managed_policy(&self, arn: &str) -> Result<Option<ManagedPolicyState>, AwsError> {
        let iam = &self.clients().iam;
        let listed = match iam.list_policy_versions().policy_arn(arn).send().await {
            Ok(out) => out,
            Err(e) => {
                let error = classify("ListPolicyVersions", e);
                if error.kind == AwsErrorKind::NoSuchEntity {
                    return Ok(None);
                }
                return Err(error);
            }
        };
        let mut versions: Vec<String> = listed
            .versions()
            .iter()
            .filter_map(|v| v.version_id().map(str::to_string))
            .collect();
        versions.sort_by_key(|v| version_number(v));
        let default_version = listed
            .versions()
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.version_id())
            .unwrap_or("v1")
            .to_string();
        let document = self.managed_policy_document(arn).await?;
        Ok(Some(ManagedPolicyState {
            arn: arn.to_string(),
            default_version,
            versions,
            document,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_by_number() {
        let mut ids = vec!["v10".to_string(), "v9".into(), "v2".into()];
        ids.sort_by_key(|v| version_number(v));
        assert_eq!(ids, ["v2", "v9", "v10"]);
    }
}
