//! Resources with resource-based policies a restore meets: KMS keys with their key policies (in
//! this account or another) and AWS Backup vaults with their access policies. Plain data: the
//! scenario spec and the state `service/kms`, `service/backup` and the engine read.

use serde::Deserialize;
use serde_json::Value;

/// A KMS key in a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The key ID (a UUID).
    pub id: String,
    /// The account holding it (default: the sandbox account).
    #[serde(default)]
    pub account_id: Option<String>,
    /// The key's region (default: the sandbox's).
    #[serde(default)]
    pub region: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// The key policy (`default`).
    pub policy: Value,
}

/// A KMS key.
#[derive(Debug, Clone)]
pub struct KmsKey {
    /// The key ID.
    pub id: String,
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID`.
    pub arn: String,
    /// The account holding it.
    pub account_id: String,
    /// Its region.
    pub region: String,
    /// Description.
    pub description: String,
    /// The key policy named `default`.
    pub policy: Value,
}

impl KmsKey {
    /// The key a scenario describes, defaulting to the sandbox's account and region.
    pub fn from_spec(spec: &KeySpec, account_id: &str, region: &str) -> Self {
        let account_id = spec.account_id.clone().unwrap_or_else(|| account_id.into());
        let region = spec.region.clone().unwrap_or_else(|| region.into());
        Self {
            arn: format!("arn:aws:kms:{region}:{account_id}:key/{}", spec.id),
            id: spec.id.clone(),
            account_id,
            region,
            description: spec.description.clone(),
            policy: spec.policy.clone(),
        }
    }
}

/// A backup vault in a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSpec {
    /// The vault name.
    pub name: String,
    /// Its access policy, if it has one.
    #[serde(default)]
    pub access_policy: Option<Value>,
}

/// A backup vault.
#[derive(Debug, Clone)]
pub struct Vault {
    /// The name.
    pub name: String,
    /// `arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`.
    pub arn: String,
    /// Its access policy, if any.
    pub access_policy: Option<Value>,
}

impl Vault {
    /// The vault a scenario describes.
    pub fn from_spec(spec: &VaultSpec, account_id: &str, region: &str) -> Self {
        Self {
            arn: format!(
                "arn:aws:backup:{region}:{account_id}:backup-vault:{}",
                spec.name
            ),
            name: spec.name.clone(),
            access_policy: spec.access_policy.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_default_to_the_sandbox_account_and_region() {
        let spec = KeySpec {
            id: "k1".into(),
            account_id: Some("444455556666".into()),
            region: None,
            description: String::new(),
            policy: json!({}),
        };
        let key = KmsKey::from_spec(&spec, "111122223333", "us-east-1");
        assert_eq!(key.arn, "arn:aws:kms:us-east-1:444455556666:key/k1");
        let vault = Vault::from_spec(
            &VaultSpec {
                name: "Default".into(),
                access_policy: None,
            },
            "111122223333",
            "us-east-1",
        );
        assert_eq!(
            vault.arn,
            "arn:aws:backup:us-east-1:111122223333:backup-vault:Default"
        );
    }
}
