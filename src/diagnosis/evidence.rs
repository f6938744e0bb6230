//! What was read about one request, as plain data for the case's judgement: the layers IAM
//! evaluates (identity, boundary, SCPs and RCPs, the resource's policy), which were read and
//! which could not be (those are not checked), and the facts that name them in sentences. The
//! reads are `workflow::case`'s; nothing here does I/O.

use std::collections::BTreeMap;

use serde_json::Value;

use super::layered::PolicyLayers;

/// A KMS key owned by another account than the principal's: its key policy cannot be read from
/// there (`GetKeyPolicy` is not a cross-account operation), so it is not known to allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The key's ARN.
    pub key_arn: String,
    /// The account that owns it.
    pub account: String,
}

/// What the guardrails add to a reading, beyond the layers themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuardrailFacts {
    /// Organization policies by ID: `p-… (Name, ARN)`, for naming them in sentences.
    pub policy_labels: BTreeMap<String, String>,
    /// Why no SCP is blamed (the management account, a service-linked role), when so.
    pub scps_do_not_apply: Option<String>,
    /// The key in another account, when the request is on one.
    pub foreign_key: Option<ForeignKey>,
}

/// The layers read for a principal and a request, and which could not be.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// The layers (the identity policies as they are today).
    pub layers: PolicyLayers,
    /// What was read (`inline policies (2)`, `attached managed policies (1)`, `permissions boundary arn:…`).
    pub read: Vec<String>,
    /// What could not be read, and why.
    pub unreadable: Vec<String>,
    /// Organization policy names, the management-account case, a key in another account.
    pub facts: GuardrailFacts,
}

impl Evidence {
    /// Adds what the guardrails reading read (SCP and RCP levels, the resource policy).
    pub fn absorb(&mut self, mut guardrails: Evidence) {
        self.read.append(&mut guardrails.read);
        self.unreadable.append(&mut guardrails.unreadable);
        self.layers.scps = guardrails.layers.scps;
        self.layers.rcps = guardrails.layers.rcps;
        self.layers.resource = guardrails.layers.resource;
        self.facts = guardrails.facts;
    }
}

/// The access policy of the vault holding a job's recovery point, read for the re-run: the
/// caller who re-runs the restore calls `backup:StartRestoreJob`, which that policy can deny.
#[derive(Debug, Clone, PartialEq)]
pub struct RerunVault {
    /// The vault's ARN.
    pub vault_arn: String,
    /// The recovery point the re-run restores.
    pub recovery_point: String,
    /// The vault's access policy (None: none is set).
    pub document: Option<Value>,
}

/// The vault a `backup:` request or a vault ARN names
/// (`arn:aws:backup:<region>:<account>:backup-vault:<name>`).
pub fn vault_of(resource: &str) -> Option<&str> {
    resource
        .split_once(":backup-vault:")
        .map(|(_, name)| name)
        .filter(|name| !name.is_empty())
}
