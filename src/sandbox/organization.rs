//! The AWS Organizations tree a scenario places the sandbox account in: the root, OUs, accounts
//! and the SCPs/RCPs attached to each, as Organizations holds them. Plain data (scenario spec and
//! state); `service/organizations` serves it and the engine reads the policies of the sandbox
//! account's levels.
//!
//! As AWS does once SCPs and RCPs are enabled, the AWS-managed `FullAWSAccess` and
//! `RCPFullAWSAccess` are attached to the root and to every OU and account unless the scenario
//! detaches them (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>).

use serde::Deserialize;
use serde_json::{Value, json};

/// The AWS-managed SCP allowing everything.
pub const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
/// The AWS-managed RCP allowing everything.
pub const RCP_FULL_AWS_ACCESS: &str = "p-RCPFullAWSAccess";

/// What this account may read of its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationAccess {
    /// The sandbox account is the management account (SCPs and RCPs do not apply to it).
    Management,
    /// A member account registered as a delegated administrator: it reads the whole tree.
    DelegatedAdministrator,
    /// A member account without delegation: `DescribeOrganization` only.
    Member,
}

/// The kind of an organization policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyKind {
    /// A service control policy.
    #[serde(rename = "SERVICE_CONTROL_POLICY")]
    ServiceControl,
    /// A resource control policy.
    #[serde(rename = "RESOURCE_CONTROL_POLICY")]
    ResourceControl,
}

impl PolicyKind {
    /// The name Organizations uses (`SERVICE_CONTROL_POLICY`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::ServiceControl => "SERVICE_CONTROL_POLICY",
            Self::ResourceControl => "RESOURCE_CONTROL_POLICY",
        }
    }

    /// The policy type segment of a policy ARN (`service_control_policy`).
    fn arn_segment(self) -> &'static str {
        match self {
            Self::ServiceControl => "service_control_policy",
            Self::ResourceControl => "resource_control_policy",
        }
    }

    /// From Organizations' name.
    pub fn from_wire(name: &str) -> Option<Self> {
        match name {
            "SERVICE_CONTROL_POLICY" => Some(Self::ServiceControl),
            "RESOURCE_CONTROL_POLICY" => Some(Self::ResourceControl),
            _ => None,
        }
    }
}

/// The scenario's `organization` object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSpec {
    /// `o-` and 10 to 32 lowercase letters or digits.
    pub id: String,
    /// The management account's ID.
    pub management_account_id: String,
    /// `r-` and 4 to 32 lowercase letters or digits.
    pub root_id: String,
    /// What the sandbox account may read.
    pub access: OrganizationAccess,
    /// Organizational units.
    #[serde(default)]
    pub units: Vec<UnitSpec>,
    /// Accounts (the sandbox account must be one of them unless it is the management account).
    #[serde(default)]
    pub accounts: Vec<AccountSpec>,
    /// Customer-managed SCPs and RCPs.
    #[serde(default)]
    pub policies: Vec<PolicySpec>,
    /// Targets (root, OU or account IDs) `FullAWSAccess` is detached from.
    #[serde(default)]
    pub full_aws_access_detached_from: Vec<String>,
    /// Targets `RCPFullAWSAccess` is detached from.
    #[serde(default)]
    pub rcp_full_aws_access_detached_from: Vec<String>,
}

/// An OU.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitSpec {
    /// `ou-<root suffix>-<8 to 32 characters>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The parent's ID (the root or another OU).
    pub parent: String,
}

/// An account in the organization.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Twelve digits.
    pub id: String,
    /// Name.
    pub name: String,
    /// The parent's ID (the root or an OU).
    pub parent: String,
}

/// A customer-managed SCP or RCP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// `p-` and 8 to 128 lowercase letters, digits or underscores.
    pub id: String,
    /// `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.
    #[serde(rename = "type")]
    pub kind: PolicyKind,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// The policy document.
    pub document: Value,
    /// The root, OU or account IDs it is attached to.
    pub targets: Vec<String>,
}

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The root.
    Root,
    /// An OU.
    Unit,
    /// An account.
    Account,
}

impl TargetKind {
    /// Organizations' name (`ORGANIZATIONAL_UNIT`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Root => "ROOT",
            Self::Unit => "ORGANIZATIONAL_UNIT",
            Self::Account => "ACCOUNT",
        }
    }
}

/// An organization policy as Organizations holds it.
#[derive(Debug, Clone)]
pub struct OrgPolicy {
    /// `p-…`.
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// Its kind.
    pub kind: PolicyKind,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// AWS-managed (`FullAWSAccess`) or not.
    pub aws_managed: bool,
    /// The document.
    pub document: Value,
    /// Target IDs.
    pub targets: Vec<String>,
}

impl OrgPolicy {
    /// Organizations' `PolicySummary`.
    pub fn summary(&self) -> Value {
        json!({"Id": self.id, "Arn": self.arn, "Name": self.name,
            "Description": self.description, "Type": self.kind.wire_name(),
            "AwsManaged": self.aws_managed})
    }
}

/// A root, OU or account of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: TargetKind,
    /// Its parent (None for the root).
    pub parent: Option<String>,
}

/// The sandbox account's organization.
#[derive(Debug, Clone)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account.
    pub management_account_id: String,
    /// What the sandbox account may read.
    pub access: OrganizationAccess,
    /// The root, the OUs and the accounts, root first.
    pub nodes: Vec<Node>,
    /// Every policy, AWS-managed ones first.
    pub policies: Vec<OrgPolicy>,
}

impl Organization {
    /// The organization a scenario describes.
    pub fn from_spec(spec: &OrganizationSpec) -> Self {
        let mut nodes = vec![Node {
            id: spec.root_id.clone(),
            name: "Root".into(),
            kind: TargetKind::Root,
            parent: None,
        }];
        nodes.extend(spec.units.iter().map(|u| Node {
            id: u.id.clone(),
            name: u.name.clone(),
            kind: TargetKind::Unit,
            parent: Some(u.parent.clone()),
        }));
        if !spec
            .accounts
            .iter()
            .any(|a| a.id == spec.management_account_id)
        {
            nodes.push(Node {
                id: spec.management_account_id.clone(),
                name: "management".into(),
                kind: TargetKind::Account,
                parent: Some(spec.root_id.clone()),
            });
        }
        nodes.extend(spec.accounts.iter().map(|a| Node {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: TargetKind::Account,
            parent: Some(a.parent.clone()),
        }));
        let everywhere = |detached: &[String]| -> Vec<String> {
            nodes
                .iter()
                .map(|n| n.id.clone())
                .filter(|id| !detached.contains(id))
                .collect()
        };
        let allow_all = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let rcp_allow_all = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
        let mut policies = vec![
            OrgPolicy {
                id: FULL_AWS_ACCESS.into(),
                arn: format!(
                    "arn:aws:organizations::aws:policy/service_control_policy/{FULL_AWS_ACCESS}"
                ),
                kind: PolicyKind::ServiceControl,
                name: "FullAWSAccess".into(),
                description: "Allows access to every operation".into(),
                aws_managed: true,
                document: allow_all,
                targets: everywhere(&spec.full_aws_access_detached_from),
            },
            OrgPolicy {
                id: RCP_FULL_AWS_ACCESS.into(),
                arn: format!(
                    "arn:aws:organizations::aws:policy/resource_control_policy/{RCP_FULL_AWS_ACCESS}"
                ),
                kind: PolicyKind::ResourceControl,
                name: "RCPFullAWSAccess".into(),
                description: "Allows access to every operation".into(),
                aws_managed: true,
                document: rcp_allow_all,
                targets: everywhere(&spec.rcp_full_aws_access_detached_from),
            },
        ];
        policies.extend(spec.policies.iter().map(|p| OrgPolicy {
            id: p.id.clone(),
            arn: format!(
                "arn:aws:organizations::{}:policy/{}/{}/{}",
                spec.management_account_id,
                spec.id,
                p.kind.arn_segment(),
                p.id
            ),
            kind: p.kind,
            name: p.name.clone(),
            description: p.description.clone(),
            aws_managed: false,
            document: p.document.clone(),
            targets: p.targets.clone(),
        }));
        Self {
            id: spec.id.clone(),
            management_account_id: spec.management_account_id.clone(),
            access: spec.access,
            nodes,
            policies,
        }
    }

    /// The node with this ID.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The root.
    pub fn root(&self) -> &Node {
        // Invariant: `from_spec` puts the root first and nothing removes it.
        &self.nodes[0]
    }

    /// A node's ARN, as Organizations writes it.
    pub fn arn_of(&self, node: &Node) -> String {
        let kind = match node.kind {
            TargetKind::Root => "root",
            TargetKind::Unit => "ou",
            TargetKind::Account => "account",
        };
        format!(
            "arn:aws:organizations::{}:{kind}/{}/{}",
            self.management_account_id, self.id, node.id
        )
    }

    /// The organization's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:organizations::{}:organization/{}",
            self.management_account_id, self.id
        )
    }

    /// The policy with this ID.
    pub fn policy(&self, id: &str) -> Option<&OrgPolicy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// The policies of `kind` attached directly to `target`.
    pub fn policies_for(&self, target: &str, kind: PolicyKind) -> Vec<&OrgPolicy> {
        self.policies
            .iter()
            .filter(|p| p.kind == kind && p.targets.iter().any(|t| t == target))
            .collect()
    }

    /// The levels from the root down to `account` (root, each OU, the account), or None when the
    /// account is not in the organization.
    pub fn levels_of(&self, account: &str) -> Option<Vec<&Node>> {
        let mut chain = vec![self.node(account)?];
        while let Some(parent) = chain.last().and_then(|n| n.parent.as_deref()) {
            // A cycle cannot form: the scenario check refuses parents that are not ancestors.
            if chain.len() > self.nodes.len() {
                return None;
            }
            chain.push(self.node(parent)?);
        }
        chain.reverse();
        Some(chain)
    }
}

/// Checks a scenario's organization: IDs in Organizations' formats, parents that exist, targets
/// that exist, and the sandbox account inside the tree.
pub fn check(spec: &OrganizationSpec, account_id: &str) -> Result<(), String> {
    let id_ok = |id: &str, prefix: &str| {
        id.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() >= 4
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
    };
    if !id_ok(&spec.id, "o-") || !id_ok(&spec.root_id, "r-") {
        return Err("organization id must be o-… and root_id r-…".into());
    }
    let org = Organization::from_spec(spec);
    for unit in &spec.units {
        if !id_ok(&unit.id, "ou-") {
            return Err(format!("OU id {} must be ou-…", unit.id));
        }
    }
    for node in &org.nodes {
        if let Some(parent) = &node.parent
            && !matches!(
                org.node(parent).map(|p| p.kind),
                Some(TargetKind::Root | TargetKind::Unit)
            )
        {
            return Err(format!("{} names an unknown parent {parent}", node.id));
        }
        if node.kind == TargetKind::Account && org.levels_of(&node.id).is_none() {
            return Err(format!("{} is not under the root", node.id));
        }
    }
    for policy in &spec.policies {
        if !id_ok(&policy.id, "p-") {
            return Err(format!("policy id {} must be p-…", policy.id));
        }
        if let Some(target) = policy.targets.iter().find(|t| org.node(t).is_none()) {
            return Err(format!("policy {} targets unknown {target}", policy.id));
        }
    }
    if org.levels_of(account_id).is_none() {
        return Err(format!("account {account_id} is not in the organization"));
    }
    let management = spec.management_account_id == account_id;
    if management != (spec.access == OrganizationAccess::Management) {
        return Err(
            "access is `management` exactly when account_id is the management account".into(),
        );
    }
    Ok(())
}
