//! AWS Organizations (awsJson1_1, target prefix `AWSOrganizationsV20161128`): the read
//! operations that walk the tree and its SCPs/RCPs (`DescribeOrganization`, `ListRoots`,
//! `ListParents`, `ListChildren`, `ListPoliciesForTarget`, `DescribePolicy`,
//! `ListTargetsForPolicy`), with Organizations' errors: no organization, a member account that is
//! neither the management account nor a delegated administrator, unknown targets and policies
//! (<https://docs.aws.amazon.com/organizations/latest/APIReference/API_Operations.html>).

use serde_json::{Value, json};

use super::{Context, text};
use crate::sandbox::model::{self, Violation};
use crate::sandbox::organization::{
    Node, Organization, OrganizationAccess, PolicyKind, TargetKind,
};
use crate::sandbox::wire::AwsError;

/// The target prefix of `X-Amz-Target`.
pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";

/// The Organizations operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationsOperation {
    /// The organization the caller's account belongs to.
    DescribeOrganization,
    /// The root.
    ListRoots,
    /// A child's parent.
    ListParents,
    /// A parent's OUs or accounts.
    ListChildren,
    /// The policies of one type attached directly to a target.
    ListPoliciesForTarget,
    /// A policy with its content.
    DescribePolicy,
    /// Where a policy is attached.
    ListTargetsForPolicy,
}

impl OrganizationsOperation {
    /// Every operation.
    pub const ALL: &[OrganizationsOperation] = &[
        Self::DescribeOrganization,
        Self::ListRoots,
        Self::ListParents,
        Self::ListChildren,
        Self::ListPoliciesForTarget,
        Self::DescribePolicy,
        Self::ListTargetsForPolicy,
    ];

    /// The operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DescribeOrganization => "DescribeOrganization",
            Self::ListRoots => "ListRoots",
            Self::ListParents => "ListParents",
            Self::ListChildren => "ListChildren",
            Self::ListPoliciesForTarget => "ListPoliciesForTarget",
            Self::DescribePolicy => "DescribePolicy",
            Self::ListTargetsForPolicy => "ListTargetsForPolicy",
        }
    }

    /// The operation `X-Amz-Target` names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The operation's model.
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("organizations", self.name())
    }
}

/// Organizations' answer to a request its model rejects: `InvalidInputException`.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    AwsError::new(400, "InvalidInputException", model::message(violations))
}

/// Runs one operation: its JSON result.
pub fn handle(
    op: OrganizationsOperation,
    ctx: &mut Context<'_>,
    input: &Value,
) -> Result<Value, AwsError> {
    let org = ctx.state.organization.as_ref().ok_or_else(|| {
        AwsError::new(
            400,
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        )
    })?;
    if op == OrganizationsOperation::DescribeOrganization {
        // Any account of the organization may describe it (the API reference: "This operation
        // can be called from any account in the organization").
        return Ok(describe_organization(org));
    }
    if org.access == OrganizationAccess::Member {
        return Err(AwsError::new(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        ));
    }
    match op {
        OrganizationsOperation::DescribeOrganization => Ok(describe_organization(org)),
        OrganizationsOperation::ListRoots => Ok(list_roots(org)),
        OrganizationsOperation::ListParents => list_parents(org, input),
        OrganizationsOperation::ListChildren => list_children(org, input),
        OrganizationsOperation::ListPoliciesForTarget => list_policies_for_target(org, input),
        OrganizationsOperation::DescribePolicy => describe_policy(org, input),
        OrganizationsOperation::ListTargetsForPolicy => list_targets_for_policy(org, input),
    }
}

fn enabled_types() -> Value {
    json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
        {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}])
}

fn describe_organization(org: &Organization) -> Value {
    json!({"Organization": {
        "Id": org.id,
        "Arn": org.arn(),
        "FeatureSet": "ALL",
        "MasterAccountArn": format!(
            "arn:aws:organizations::{0}:account/{1}/{0}", org.management_account_id, org.id),
        "MasterAccountId": org.management_account_id,
        "MasterAccountEmail": format!("management@{}.example.com", org.id),
        "AvailablePolicyTypes": enabled_types(),
    }})
}

fn list_roots(org: &Organization) -> Value {
    let root = org.root();
    json!({"Roots": [{"Id": root.id, "Arn": org.arn_of(root), "Name": root.name,
        "PolicyTypes": enabled_types()}]})
}

fn not_found(code: &str, message: &str) -> AwsError {
    AwsError::new(400, code, message)
}

fn list_parents(org: &Organization, input: &Value) -> Result<Value, AwsError> {
    let child = text(input, "ChildId")?;
    let node = org
        .node(child)
        .filter(|n| n.kind != TargetKind::Root)
        .ok_or_else(|| {
            not_found(
                "ChildNotFoundException",
                "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
            )
        })?;
    let parents: Vec<Value> = node
        .parent
        .as_deref()
        .and_then(|p| org.node(p))
        .map(|p| json!({"Id": p.id, "Type": p.kind.wire_name()}))
        .into_iter()
        .collect();
    Ok(json!({"Parents": parents}))
}

fn list_children(org: &Organization, input: &Value) -> Result<Value, AwsError> {
    let parent = text(input, "ParentId")?;
    let wanted = match text(input, "ChildType")? {
        "ACCOUNT" => TargetKind::Account,
        _ => TargetKind::Unit,
    };
    if !matches!(
        org.node(parent).map(|n| n.kind),
        Some(TargetKind::Root | TargetKind::Unit)
    ) {
        return Err(not_found(
            "ParentNotFoundException",
            "We can't find a root or OU with the ParentId that you specified.",
        ));
    }
    let children: Vec<Value> = org
        .nodes
        .iter()
        .filter(|n| n.kind == wanted && n.parent.as_deref() == Some(parent))
        .map(|n| json!({"Id": n.id, "Type": n.kind.wire_name()}))
        .collect();
    Ok(json!({"Children": children}))
}

fn target<'a>(org: &'a Organization, input: &Value) -> Result<&'a Node, AwsError> {
    let id = text(input, "TargetId")?;
    org.node(id).ok_or_else(|| {
        not_found(
            "TargetNotFoundException",
            "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        )
    })
}

fn list_policies_for_target(org: &Organization, input: &Value) -> Result<Value, AwsError> {
    let node = target(org, input)?;
    let filter = text(input, "Filter")?;
    let Some(kind) = PolicyKind::from_wire(filter) else {
        // The model's enum also lists backup, tag, AI opt-out and other policy types: none is
        // enabled in the sandbox's organization.
        return Err(AwsError::new(
            400,
            "PolicyTypeNotEnabledException",
            "This operation can be performed only for enabled policy types.",
        ));
    };
    let policies: Vec<Value> = org
        .policies_for(&node.id, kind)
        .into_iter()
        .map(|p| p.summary())
        .collect();
    Ok(json!({"Policies": policies}))
}

fn policy<'a>(
    org: &'a Organization,
    input: &Value,
) -> Result<&'a crate::sandbox::organization::OrgPolicy, AwsError> {
    let id = text(input, "PolicyId")?;
    org.policy(id).ok_or_else(|| {
        not_found(
            "PolicyNotFoundException",
            "We can't find a policy with the PolicyId that you specified.",
        )
    })
}

fn describe_policy(org: &Organization, input: &Value) -> Result<Value, AwsError> {
    let policy = policy(org, input)?;
    Ok(json!({"Policy": {"PolicySummary": policy.summary(),
        "Content": policy.document.to_string()}}))
}

fn list_targets_for_policy(org: &Organization, input: &Value) -> Result<Value, AwsError> {
    let policy = policy(org, input)?;
    let targets: Vec<Value> = policy
        .targets
        .iter()
        .filter_map(|t| org.node(t))
        .map(|n| {
            json!({"TargetId": n.id, "Arn": org.arn_of(n), "Name": n.name,
                "Type": n.kind.wire_name()})
        })
        .collect();
    Ok(json!({"Targets": targets}))
}
