//! The sandbox's mutable world: IAM users, roles and policies, restore jobs, idempotency tokens
//! and the audit of writes. Everything here is plain data behind one lock; no I/O.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::credentials::SANDBOX_ACCESS_KEY_ID;
use super::engine::AUTHORIZATION_FAILURE;
use super::job_metadata::RestoreMetadata;
use super::organization::Organization;
use super::resources::{KmsKey, Vault};
use super::scenario::{JobSpec, Scenario};
use crate::diagnosis::evaluate::NamedPolicy;

/// An inline policy as written: the exact text, and its parsed form.
#[derive(Debug, Clone)]
pub struct InlinePolicy {
    /// The document exactly as it was put.
    pub text: String,
    /// The parsed document.
    pub document: Value,
}

impl InlinePolicy {
    /// From a parsed document (scenario data).
    pub fn from_value(document: Value) -> Self {
        Self {
            text: document.to_string(),
            document,
        }
    }
}

/// An IAM role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// `AROA…`.
    pub id: String,
    /// ARN with the path.
    pub arn: String,
    /// The trust policy.
    pub trust_policy: Value,
    /// Inline policies by name.
    pub inline: BTreeMap<String, InlinePolicy>,
    /// Attached managed policy ARNs.
    pub attached: Vec<String>,
    /// Invisible deny-only policies (SCP / permission boundary stand-ins).
    pub guardrails: Vec<Value>,
    /// The permissions boundary's managed policy ARN, if the role has one.
    pub boundary: Option<String>,
}

/// An IAM user.
#[derive(Debug, Clone)]
pub struct User {
    /// Name.
    pub name: String,
    /// `AIDA…`.
    pub id: String,
    /// ARN with the path.
    pub arn: String,
    /// The access key that selects this user, if any.
    pub access_key_id: Option<String>,
    /// Inline policies by name.
    pub inline: BTreeMap<String, InlinePolicy>,
    /// Attached managed policy ARNs.
    pub attached: Vec<String>,
}

/// A customer-managed policy.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// `ANPA…`.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// The default version's document (kept equal to the default entry of `versions`, so the
    /// engine reads one field).
    pub document: Value,
    /// Every version, oldest first (at most five, as IAM allows).
    pub versions: Vec<PolicyVersion>,
    /// The default version's ID (`v1`, `v2`, …).
    pub default_version: String,
    /// The number the next version gets (IAM never reuses a version number).
    pub next_version: u32,
}

/// One version of a customer-managed policy.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub id: String,
    /// The parsed document.
    pub document: Value,
    /// When it was created, RFC 3339.
    pub created: String,
}

impl ManagedPolicy {
    /// The version with this ID.
    pub fn version(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == id)
    }
}

/// How a restore job ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It completes and creates this resource.
    Completed {
        /// The created resource.
        created_resource_arn: String,
    },
    /// It fails with this status message.
    Failed {
        /// `StatusMessage`.
        status_message: String,
    },
    /// It fails authorization: its status message is Backup's sentence with the encoded token,
    /// put together when shown (kept apart, 100,000 jobs do not each hold the same sentence).
    Denied {
        /// IAM's own sentence before Backup's, for a hybrid message (as EC2 reports).
        sentence: Option<String>,
        /// The encoded authorization message.
        token: String,
    },
    /// It keeps running.
    Running,
}

impl Outcome {
    /// The `StatusMessage` of a failed job (None unless it failed).
    pub fn status_message(&self) -> Option<String> {
        match self {
            Outcome::Failed { status_message } => Some(status_message.clone()),
            Outcome::Denied {
                sentence: Some(sentence),
                token,
            } => Some(format!("{sentence}. {AUTHORIZATION_FAILURE}{token}")),
            Outcome::Denied {
                sentence: None,
                token,
            } => Some(format!("{AUTHORIZATION_FAILURE}{token}")),
            Outcome::Completed { .. } | Outcome::Running => None,
        }
    }
}

/// A restore job: its request, its creation time and the outcome the engine decided.
#[derive(Debug, Clone)]
pub struct Job {
    /// `RestoreJobId`.
    pub id: String,
    /// The recovery point.
    pub recovery_point_arn: String,
    /// The restore role.
    pub iam_role_arn: String,
    /// EC2, EBS, EFS…
    pub resource_type: String,
    /// The restore metadata.
    pub metadata: RestoreMetadata,
    /// The vault holding the recovery point.
    pub vault: String,
    /// A denial reports plain text and the encoded token together (hybrid).
    pub hybrid: bool,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// How long it takes from creation to its outcome.
    pub duration_ms: i64,
    /// Where it ends.
    pub outcome: Outcome,
    /// The region it ran in (Backup lists and describes a region's jobs only).
    pub region: String,
}

/// What a job looks like at a given moment.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// PENDING, RUNNING, COMPLETED or FAILED.
    pub status: &'static str,
    /// The status message, once failed.
    pub status_message: Option<String>,
    /// Percent done, as Backup reports it.
    pub percent_done: String,
    /// Completion time (epoch ms), once terminal.
    pub completed_ms: Option<i64>,
    /// The created resource, once completed.
    pub created_resource_arn: Option<String>,
}

impl Job {
    /// The job's state at `now_ms`: PENDING for the first fifth of its run, then RUNNING, then
    /// its outcome.
    pub fn view(&self, now_ms: i64) -> JobView {
        let elapsed = (now_ms - self.created_ms).max(0);
        let running = |percent: i64| JobView {
            status: if elapsed * 5 < self.duration_ms {
                "PENDING"
            } else {
                "RUNNING"
            },
            status_message: None,
            percent_done: format!("{percent}.0"),
            completed_ms: None,
            created_resource_arn: None,
        };
        if self.outcome == Outcome::Running {
            return running(42);
        }
        if elapsed < self.duration_ms {
            return running(elapsed * 100 / self.duration_ms.max(1));
        }
        let completed_ms = Some(self.created_ms + self.duration_ms);
        match &self.outcome {
            Outcome::Completed {
                created_resource_arn,
            } => JobView {
                status: "COMPLETED",
                status_message: None,
                percent_done: "100.0".into(),
                completed_ms,
                created_resource_arn: Some(created_resource_arn.clone()),
            },
            Outcome::Failed { .. } | Outcome::Denied { .. } => JobView {
                status: "FAILED",
                status_message: self.outcome.status_message(),
                percent_done: "0.0".into(),
                completed_ms,
                created_resource_arn: None,
            },
            Outcome::Running => running(42),
        }
    }
}

/// The whole mutable world.
#[derive(Debug)]
pub struct State {
    /// Account ID.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Users by name.
    pub users: BTreeMap<String, User>,
    /// Managed policies by ARN.
    pub managed: BTreeMap<String, ManagedPolicy>,
    /// Instance profile name -> role name.
    pub instance_profiles: BTreeMap<String, String>,
    /// Jobs, in creation order.
    pub jobs: Vec<Job>,
    /// Job index by ID.
    pub job_index: HashMap<String, usize>,
    /// StartRestoreJob idempotency token -> job ID.
    pub idempotency: HashMap<String, String>,
    /// Successful writes.
    pub audit: Vec<Value>,
    /// Templates for extra historical jobs.
    pub history: Vec<JobSpec>,
    /// The organization the account belongs to, if any.
    pub organization: Option<Organization>,
    /// KMS keys (in this account and others).
    pub keys: Vec<KmsKey>,
    /// Backup vaults by name.
    pub vaults: BTreeMap<String, Vault>,
}

/// The creation date every scenario entity reports.
pub const SCENARIO_DATE: &str = "2024-01-15T09:30:00Z";

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A deterministic IAM-style unique ID: `prefix` and 17 characters derived from `seed`.
pub fn unique_id(prefix: &str, seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(seed.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// A deterministic lowercase hex string of `len` characters derived from `seed`.
pub fn hex_id(seed: &str, len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Two digits per byte without a `format!` each (a restore job ID is made per extra job).
    Sha256::digest(seed.as_bytes())
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]])
        .take(len)
        .map(char::from)
        .collect()
}

impl State {
    /// The world a scenario describes, before any job is replayed.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        let account = &scenario.account_id;
        let managed: BTreeMap<String, ManagedPolicy> = scenario
            .managed_policies
            .iter()
            .map(|p| {
                let arn = format!("arn:aws:iam::{account}:policy{}{}", p.path, p.name);
                let policy = ManagedPolicy {
                    name: p.name.clone(),
                    path: p.path.clone(),
                    id: unique_id("ANPA", &arn),
                    arn: arn.clone(),
                    document: p.document.clone(),
                    versions: vec![PolicyVersion {
                        id: "v1".into(),
                        document: p.document.clone(),
                        created: SCENARIO_DATE.into(),
                    }],
                    default_version: "v1".into(),
                    next_version: 2,
                };
                (arn, policy)
            })
            .collect();
        let roles = scenario
            .roles
            .iter()
            .map(|r| {
                let arn = format!("arn:aws:iam::{account}:role{}{}", r.path, r.name);
                let attached = r
                    .attached_policies
                    .iter()
                    .filter_map(|name| managed.values().find(|p| &p.name == name))
                    .map(|p| p.arn.clone())
                    .collect();
                let role = Role {
                    name: r.name.clone(),
                    path: r.path.clone(),
                    id: unique_id("AROA", &arn),
                    trust_policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"Service": r.trusted_service}, "Action": "sts:AssumeRole"}]}),
                    arn,
                    inline: r
                        .inline_policies
                        .iter()
                        .map(|(k, v)| (k.clone(), InlinePolicy::from_value(v.clone())))
                        .collect(),
                    attached,
                    guardrails: r.guardrails.clone(),
                    boundary: r
                        .permissions_boundary
                        .as_ref()
                        .and_then(|name| managed.values().find(|p| &p.name == name))
                        .map(|p| p.arn.clone()),
                };
                (r.name.clone(), role)
            })
            .collect();
        // The first user without a key of its own is the admin: it gets the sandbox's key.
        let admin = scenario
            .users
            .iter()
            .position(|u| u.access_key_id.is_none());
        let users = scenario
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let arn = format!("arn:aws:iam::{account}:user{}{}", u.path, u.name);
                let user = User {
                    name: u.name.clone(),
                    id: unique_id("AIDA", &arn),
                    arn,
                    access_key_id: if Some(i) == admin {
                        Some(SANDBOX_ACCESS_KEY_ID.to_string())
                    } else {
                        u.access_key_id.clone()
                    },
                    inline: u
                        .inline_policies
                        .iter()
                        .map(|(k, v)| (k.clone(), InlinePolicy::from_value(v.clone())))
                        .collect(),
                    attached: Vec::new(),
                };
                (u.name.clone(), user)
            })
            .collect();
        State {
            account_id: account.clone(),
            region: scenario.region.clone(),
            roles,
            users,
            managed,
            instance_profiles: scenario.instance_profiles.clone(),
            jobs: Vec::new(),
            job_index: HashMap::new(),
            idempotency: HashMap::new(),
            audit: Vec::new(),
            history: scenario.history.clone(),
            organization: scenario.organization.as_ref().map(Organization::from_spec),
            keys: scenario
                .kms_keys
                .iter()
                .map(|k| KmsKey::from_spec(k, account, &scenario.region))
                .collect(),
            vaults: scenario
                .vaults
                .iter()
                .map(|v| {
                    (
                        v.name.clone(),
                        Vault::from_spec(v, account, &scenario.region),
                    )
                })
                .collect(),
        }
    }

    /// The user an access key ID selects; None for a key the sandbox never issued.
    pub fn caller(&self, access_key_id: &str) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.access_key_id.as_deref() == Some(access_key_id))
    }

    /// The role with this ARN (path included) or name.
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        self.roles
            .get(name)
            .filter(|r| r.arn == arn || !arn.starts_with("arn:"))
    }

    /// The role's permissions boundary document, labelled with its ARN.
    pub fn role_boundary(&self, role: &Role) -> Option<NamedPolicy> {
        let arn = role.boundary.as_ref()?;
        self.managed.get(arn).map(|p| NamedPolicy {
            name: p.arn.clone(),
            document: p.document.clone(),
        })
    }

    /// A role's identity policies: inline then attached.
    pub fn role_policies(&self, role: &Role) -> Vec<NamedPolicy> {
        let mut policies: Vec<NamedPolicy> = role
            .inline
            .iter()
            .map(|(name, p)| NamedPolicy {
                name: name.clone(),
                document: p.document.clone(),
            })
            .collect();
        policies.extend(role.attached.iter().filter_map(|arn| {
            self.managed.get(arn).map(|p| NamedPolicy {
                name: p.arn.clone(),
                document: p.document.clone(),
            })
        }));
        policies
    }

    /// A user's identity policies: inline then attached.
    pub fn user_policies(&self, user: &User) -> Vec<NamedPolicy> {
        let mut policies: Vec<NamedPolicy> = user
            .inline
            .iter()
            .map(|(name, p)| NamedPolicy {
                name: name.clone(),
                document: p.document.clone(),
            })
            .collect();
        policies.extend(user.attached.iter().filter_map(|arn| {
            self.managed.get(arn).map(|p| NamedPolicy {
                name: p.arn.clone(),
                document: p.document.clone(),
            })
        }));
        policies
    }

    /// How many roles and users a managed policy is attached to.
    pub fn attachments(&self, arn: &str) -> usize {
        let roles = self
            .roles
            .values()
            .filter(|r| r.attached.iter().any(|a| a == arn));
        let users = self
            .users
            .values()
            .filter(|u| u.attached.iter().any(|a| a == arn));
        roles.count() + users.count()
    }

    /// Adds a job.
    pub fn push_job(&mut self, job: Job) {
        self.job_index.insert(job.id.clone(), self.jobs.len());
        self.jobs.push(job);
    }

    /// A job by ID.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.job_index.get(id).and_then(|i| self.jobs.get(*i))
    }

    /// Records a successful write.
    pub fn record(&mut self, operation: &str, target: &str, detail: Value) {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        self.audit.push(json!({
            "operation": operation,
            "target": target,
            "time": time,
            "detail": detail,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(outcome: Outcome) -> Job {
        Job {
            id: "j".into(),
            recovery_point_arn: "rp".into(),
            iam_role_arn: "r".into(),
            resource_type: "EC2".into(),
            metadata: RestoreMetadata::default(),
            vault: "Default".into(),
            hybrid: false,
            created_ms: 1_000,
            duration_ms: 1_000,
            outcome,
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn jobs_move_from_pending_to_their_outcome() {
        let done = job(Outcome::Completed {
            created_resource_arn: "arn:x".into(),
        });
        assert_eq!(done.view(1_100).status, "PENDING");
        assert_eq!(done.view(1_500).status, "RUNNING");
        let end = done.view(2_000);
        assert_eq!(end.status, "COMPLETED");
        assert_eq!(end.completed_ms, Some(2_000));
        assert_eq!(end.created_resource_arn.as_deref(), Some("arn:x"));
        let failed = job(Outcome::Failed {
            status_message: "nope".into(),
        });
        assert_eq!(failed.view(5_000).status_message.as_deref(), Some("nope"));
        let denied = job(Outcome::Denied {
            sentence: None,
            token: "tok".into(),
        });
        let view = denied.view(5_000);
        assert_eq!(view.status, "FAILED");
        assert_eq!(
            view.status_message,
            Some(format!("{AUTHORIZATION_FAILURE}tok"))
        );
        let hybrid = job(Outcome::Denied {
            sentence: Some("User: x is not authorized".into()),
            token: "tok".into(),
        });
        assert_eq!(
            hybrid.view(5_000).status_message,
            Some(format!(
                "User: x is not authorized. {AUTHORIZATION_FAILURE}tok"
            ))
        );
        assert_eq!(denied.view(1_100).status_message, None, "not yet failed");
        assert_eq!(job(Outcome::Running).view(9_999_999).status, "RUNNING");
    }

    #[test]
    fn ids_are_deterministic_and_iam_shaped() {
        let a = unique_id("AROA", "x");
        assert_eq!(a, unique_id("AROA", "x"));
        assert_eq!(a.len(), 21);
        assert_ne!(a, unique_id("AROA", "y"));
        assert_eq!(hex_id("x", 17).len(), 17);
        // SHA-256("x") begins 2d711642b726b044… (`printf x | sha256sum`).
        assert_eq!(hex_id("x", 17), "2d711642b726b0440");
        assert_eq!(hex_id("x", 99).len(), 64);
    }
}
