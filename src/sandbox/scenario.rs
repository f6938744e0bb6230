//! Scenarios are data: the account, its users (the callers), roles, managed policies, guardrails
//! and the restore jobs to replay at start-up. `demo` is embedded from `assets/sandbox/demo.json`;
//! any other `--scenario` value is a path to a file of the same shape (see
//! `assets/sandbox/README.md`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::organization::{self, OrganizationSpec};
use super::resources::{KeySpec, VaultSpec};

/// The embedded demo scenario.
const DEMO: &str = include_str!("../../assets/sandbox/demo.json");

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario shows (free text).
    #[serde(default)]
    pub description: String,
    /// The twelve-digit account ID.
    pub account_id: String,
    /// The region the sandbox answers for.
    pub region: String,
    /// IAM users; each one with an access key ID is a caller. The first user without one is
    /// the admin and signs with the sandbox's key (`SANDBOX_ACCESS_KEY_ID`); no other key is
    /// accepted.
    pub users: Vec<UserSpec>,
    /// Customer-managed policies roles can attach.
    #[serde(default)]
    pub managed_policies: Vec<ManagedPolicySpec>,
    /// IAM roles.
    pub roles: Vec<RoleSpec>,
    /// Instance profile name -> role name, where they differ.
    #[serde(default)]
    pub instance_profiles: BTreeMap<String, String>,
    /// Restore jobs replayed through the engine at start-up.
    pub jobs: Vec<JobSpec>,
    /// Templates for `--jobs N` (`{n}` in any string is replaced by the job's number).
    #[serde(default)]
    pub history: Vec<JobSpec>,
    /// The AWS Organizations tree the account is in (none: not in an organization).
    #[serde(default)]
    pub organization: Option<OrganizationSpec>,
    /// KMS keys with their key policies, in this account or others.
    #[serde(default)]
    pub kms_keys: Vec<KeySpec>,
    /// Backup vaults, with their access policies.
    #[serde(default)]
    pub vaults: Vec<VaultSpec>,
}

/// An IAM user (a caller of the sandbox).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// User name.
    pub name: String,
    /// IAM path.
    #[serde(default = "root_path")]
    pub path: String,
    /// The access key ID that selects this user; none for the default caller.
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, Value>,
}

/// A customer-managed policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicySpec {
    /// Policy name.
    pub name: String,
    /// IAM path.
    #[serde(default = "root_path")]
    pub path: String,
    /// The default version's document.
    pub document: Value,
}

/// An IAM role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// Role name.
    pub name: String,
    /// IAM path, e.g. `/service-role/`.
    #[serde(default = "root_path")]
    pub path: String,
    /// The service principal allowed to assume it, e.g. `backup.amazonaws.com`.
    pub trusted_service: String,
    /// Inline policies by name.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, Value>,
    /// Names of managed policies (from `managed_policies`) attached to it.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Deny-only policies standing in for SCPs and permission boundaries: they apply to the
    /// role's requests but IAM never shows them.
    #[serde(default)]
    pub guardrails: Vec<Value>,
    /// The name of a managed policy (from `managed_policies`) set as the role's permissions
    /// boundary: an allow-list its requests must also pass, shown by `GetRole`.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
}

/// A restore job to replay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// How long before start-up it was created.
    pub hours_ago: f64,
    /// The restore role's name.
    pub role: String,
    /// EC2, EBS, EFS…
    pub resource_type: String,
    /// The recovery point restored.
    pub recovery_point_arn: String,
    /// The restore metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// A failure unrelated to permissions (its status message), decided instead of the engine.
    #[serde(default)]
    pub failure: Option<String>,
    /// Still running (it never ends).
    #[serde(default)]
    pub running: bool,
    /// The backup vault holding the recovery point.
    #[serde(default = "default_vault")]
    pub vault: String,
    /// A denial's status message carries IAM's plain-text sentence and the encoded token
    /// together, as EC2's hybrid messages do.
    #[serde(default)]
    pub hybrid_message: bool,
    /// The region it ran in (default: the scenario's region).
    #[serde(default)]
    pub region: Option<String>,
}

fn default_vault() -> String {
    "Default".into()
}

fn root_path() -> String {
    "/".into()
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Neither an embedded scenario nor a readable file.
    #[error("cannot read scenario {name}: {reason} (use `demo` or the path of a scenario file)")]
    Unreadable {
        /// The name or path given.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// Not a valid scenario.
    #[error("scenario {name} is invalid: {reason}")]
    Invalid {
        /// The name or path given.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Loads an embedded scenario by name, or a scenario file by path.
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let text = match name {
        "demo" => DEMO.to_string(),
        path => read_limited(path).map_err(|reason| ScenarioError::Unreadable {
            name: name.into(),
            reason,
        })?,
    };
    parse(name, &text)
}

/// The largest scenario file read (the demo is a few kilobytes).
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// Reads at most [`MAX_SCENARIO_BYTES`] (`/dev/zero` or a huge file is refused, not slurped).
fn read_limited(path: &str) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(format!(
            "larger than {} MiB; a scenario is a small JSON file",
            MAX_SCENARIO_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Parses and checks a scenario.
pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let invalid = |reason: String| ScenarioError::Invalid {
        name: name.into(),
        reason,
    };
    let scenario: Scenario = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if scenario.account_id.len() != 12 || !scenario.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("account_id must be twelve digits".into()));
    }
    if !scenario.users.iter().any(|u| u.access_key_id.is_none()) {
        return Err(invalid(
            "one user must have no access_key_id (the admin, who signs with the sandbox's key)"
                .into(),
        ));
    }
    for role in &scenario.roles {
        if let Some(boundary) = &role.permissions_boundary
            && !scenario
                .managed_policies
                .iter()
                .any(|p| &p.name == boundary)
        {
            return Err(invalid(format!(
                "role {} names an unknown permissions boundary {boundary}",
                role.name
            )));
        }
    }
    if let Some(org) = &scenario.organization {
        organization::check(org, &scenario.account_id).map_err(invalid)?;
    }
    for job in scenario.jobs.iter().chain(&scenario.history) {
        if !scenario.roles.iter().any(|r| r.name == job.role) {
            return Err(invalid(format!("job names unknown role {}", job.role)));
        }
    }
    for role in &scenario.roles {
        for attached in &role.attached_policies {
            if !scenario
                .managed_policies
                .iter()
                .any(|p| &p.name == attached)
            {
                return Err(invalid(format!(
                    "role {} attaches unknown managed policy {attached}",
                    role.name
                )));
            }
        }
    }
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_scenario_loads() {
        let demo = load("demo").unwrap();
        assert_eq!(demo.account_id, "111122223333");
        assert_eq!(demo.region, "us-east-1");
        assert!(
            demo.roles
                .iter()
                .any(|r| r.name == "AWSBackupDefaultServiceRole" && r.path == "/service-role/")
        );
        assert!(!demo.history.is_empty());
    }

    #[test]
    fn bad_scenarios_say_why() {
        assert!(matches!(
            load("/no/such/scenario.json"),
            Err(ScenarioError::Unreadable { .. })
        ));
        let text = DEMO.replace("111122223333\"", "1234\"");
        assert!(
            parse("x", &text)
                .unwrap_err()
                .to_string()
                .contains("twelve digits")
        );
        assert!(parse("x", "{").is_err());
    }
}
