//! IAM's read operations on roles and managed policies: `GetRole`,
//! `ListAttachedRolePolicies`/`ListAttachedUserPolicies`, `GetPolicy`, `GetPolicyVersion` (any version).

use serde_json::Value;

use super::inline::Owner;
use super::{CREATE_DATE, no_such, page_of, url_encode, write_paging};
use crate::sandbox::protocol::xml::XmlWriter;
use crate::sandbox::service::text;
use crate::sandbox::state::{ManagedPolicy, Role, State};
use crate::sandbox::wire::AwsError;

/// The role a `RoleName` member names.
pub fn role<'a>(state: &'a State, input: &Value) -> Result<&'a Role, AwsError> {
    let name = text(input, "RoleName")?;
    state
        .roles
        .get(name)
        .ok_or_else(|| no_such(format!("The role with name {name} cannot be found.")))
}

fn managed<'a>(state: &'a State, input: &Value) -> Result<&'a ManagedPolicy, AwsError> {
    let arn = text(input, "PolicyArn")?;
    state
        .managed
        .get(arn)
        .ok_or_else(|| no_such(format!("Policy {arn} does not exist or is not attachable.")))
}

/// `GetRole`.
pub fn get_role(state: &State, input: &Value) -> Result<Option<String>, AwsError> {
    let role = role(state, input)?;
    let mut body = XmlWriter::new();
    body.open("Role")
        .element("Path", &role.path)
        .element("RoleName", &role.name)
        .element("RoleId", &role.id)
        .element("Arn", &role.arn)
        .element("CreateDate", CREATE_DATE)
        .element(
            "AssumeRolePolicyDocument",
            &url_encode(&role.trust_policy.to_string()),
        )
        .element("MaxSessionDuration", "3600");
    if let Some(boundary) = &role.boundary {
        body.open("PermissionsBoundary")
            .element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
            .element("PermissionsBoundaryArn", boundary)
            .close("PermissionsBoundary");
    }
    body.close("Role");
    Ok(Some(body.finish()))
}

/// `ListAttachedRolePolicies` / `ListAttachedUserPolicies`.
pub fn list_attached_policies(
    state: &State,
    owner: Owner,
    input: &Value,
) -> Result<Option<String>, AwsError> {
    let name = text(input, owner.member())?;
    let arns = match owner {
        Owner::Role => state.roles.get(name).map(|r| &r.attached),
        Owner::User => state.users.get(name).map(|u| &u.attached),
    }
    .ok_or_else(|| {
        no_such(format!(
            "The {} with name {name} cannot be found.",
            owner.noun()
        ))
    })?;
    let attached: Vec<&ManagedPolicy> = arns
        .iter()
        .filter_map(|arn| state.managed.get(arn))
        .collect();
    let (max, start) = page_of(input);
    let page: Vec<&&ManagedPolicy> = attached.iter().skip(start).take(max).collect();
    let mut body = XmlWriter::new();
    body.open("AttachedPolicies");
    for policy in &page {
        body.open("member")
            .element("PolicyName", &policy.name)
            .element("PolicyArn", &policy.arn)
            .close("member");
    }
    body.close("AttachedPolicies");
    write_paging(&mut body, start, page.len(), attached.len());
    Ok(Some(body.finish()))
}

/// `GetPolicy`.
pub fn get_policy(state: &State, input: &Value) -> Result<Option<String>, AwsError> {
    let policy = managed(state, input)?;
    let attachments = state.attachments(&policy.arn);
    let created = policy
        .versions
        .first()
        .map_or(CREATE_DATE, |v| v.created.as_str());
    let updated = policy
        .version(&policy.default_version)
        .map_or(CREATE_DATE, |v| v.created.as_str());
    let mut body = XmlWriter::new();
    body.open("Policy")
        .element("PolicyName", &policy.name)
        .element("PolicyId", &policy.id)
        .element("Arn", &policy.arn)
        .element("Path", &policy.path)
        .element("DefaultVersionId", &policy.default_version)
        .element("AttachmentCount", &attachments.to_string())
        .element("IsAttachable", "true")
        .element("CreateDate", created)
        .element("UpdateDate", updated)
        .close("Policy");
    Ok(Some(body.finish()))
}

/// `GetPolicyVersion`.
pub fn get_policy_version(state: &State, input: &Value) -> Result<Option<String>, AwsError> {
    let policy = managed(state, input)?;
    let id = text(input, "VersionId")?;
    let Some(version) = policy.version(id) else {
        return Err(no_such(format!(
            "Policy {} version {id} does not exist.",
            policy.arn
        )));
    };
    let default = if version.id == policy.default_version {
        "true"
    } else {
        "false"
    };
    let mut body = XmlWriter::new();
    body.open("PolicyVersion")
        .element("Document", &url_encode(&version.document.to_string()))
        .element("VersionId", &version.id)
        .element("IsDefaultVersion", default)
        .element("CreateDate", &version.created)
        .close("PolicyVersion");
    Ok(Some(body.finish()))
}
