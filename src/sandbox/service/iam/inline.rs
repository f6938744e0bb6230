//! IAM's inline policies of roles and users: list (paged by `MaxItems`/`Marker`), get, put
//! (grammar and quota checked before any change) and delete.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::grammar::{self, ROLE_INLINE_QUOTA, USER_INLINE_QUOTA, non_whitespace};
use super::{no_such, page_of, url_encode, write_paging};
use crate::diagnosis::protected;
use crate::sandbox::protocol::xml::XmlWriter;
use crate::sandbox::service::text;
use crate::sandbox::state::{InlinePolicy, State};
use crate::sandbox::wire::AwsError;

/// Whose inline policies an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A role (`RoleName`).
    Role,
    /// A user (`UserName`).
    User,
}

impl Owner {
    pub(super) fn member(self) -> &'static str {
        match self {
            Owner::Role => "RoleName",
            Owner::User => "UserName",
        }
    }

    pub(super) fn noun(self) -> &'static str {
        match self {
            Owner::Role => "role",
            Owner::User => "user",
        }
    }

    fn quota(self) -> usize {
        match self {
            Owner::Role => ROLE_INLINE_QUOTA,
            Owner::User => USER_INLINE_QUOTA,
        }
    }
}

fn policies<'a>(
    state: &'a State,
    owner: Owner,
    input: &Value,
) -> Result<(&'a BTreeMap<String, InlinePolicy>, String), AwsError> {
    let name = text(input, owner.member())?;
    let found = match owner {
        Owner::Role => state.roles.get(name).map(|r| (&r.inline, r.name.clone())),
        Owner::User => state.users.get(name).map(|u| (&u.inline, u.name.clone())),
    };
    found.ok_or_else(|| {
        no_such(format!(
            "The {} with name {name} cannot be found.",
            owner.noun()
        ))
    })
}

fn policies_mut<'a>(
    state: &'a mut State,
    owner: Owner,
    name: &str,
) -> Option<(&'a mut BTreeMap<String, InlinePolicy>, String)> {
    match owner {
        Owner::Role => state
            .roles
            .get_mut(name)
            .map(|r| (&mut r.inline, r.arn.clone())),
        Owner::User => state
            .users
            .get_mut(name)
            .map(|u| (&mut u.inline, u.arn.clone())),
    }
}

/// `ListRolePolicies` / `ListUserPolicies`.
pub fn list(state: &State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let (inline, _) = policies(state, owner, input)?;
    let (max, start) = page_of(input);
    let names: Vec<String> = inline.keys().skip(start).take(max).cloned().collect();
    let mut body = XmlWriter::new();
    body.members("PolicyNames", &names);
    write_paging(&mut body, start, names.len(), inline.len());
    Ok(Some(body.finish()))
}

/// `GetRolePolicy` / `GetUserPolicy`.
pub fn get(state: &State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let (inline, name) = policies(state, owner, input)?;
    let policy_name = text(input, "PolicyName")?;
    let policy = inline.get(policy_name).ok_or_else(|| {
        no_such(format!(
            "The {} policy with name {policy_name} cannot be found.",
            owner.noun()
        ))
    })?;
    let mut body = XmlWriter::new();
    body.element(owner.member(), &name)
        .element("PolicyName", policy_name)
        .element("PolicyDocument", &url_encode(&policy.text));
    Ok(Some(body.finish()))
}

/// `PutRolePolicy` / `PutUserPolicy`.
pub fn put(state: &mut State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let (inline, name) = policies(state, owner, input)?;
    let policy_name = text(input, "PolicyName")?.to_string();
    let text = text(input, "PolicyDocument")?.to_string();
    let document = grammar::check_identity_policy(&text)?;
    // IAM Identity Center and service-linked roles are IAM's protected roles: a write answers
    // 400 UnmodifiableEntity with this wording (public issues perkbox/cloud-access-bot#11 for
    // PutRolePolicy on an AWSReservedSSO_ role, rebuy-de/aws-nuke#331 for a service-linked one).
    if owner == Owner::Role
        && let Some(role) = state.roles.get(&name)
        && protected::classify_role(&role.name, Some(&role.path)).is_some()
    {
        return Err(AwsError::new(
            400,
            "UnmodifiableEntity",
            format!(
                "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
            ),
        ));
    }
    let others: usize = inline
        .iter()
        .filter(|(n, _)| **n != policy_name)
        .map(|(_, p)| non_whitespace(&p.text))
        .sum();
    if others + non_whitespace(&text) > owner.quota() {
        return Err(AwsError::new(
            409,
            "LimitExceeded",
            format!(
                "Maximum policy size of {} bytes exceeded for {} {name}",
                owner.quota(),
                owner.noun()
            ),
        ));
    }
    // Checked: now, and only now, change state.
    let (inline, target) = policies_mut(state, owner, &name).ok_or_else(|| {
        no_such(format!(
            "The {} with name {name} cannot be found.",
            owner.noun()
        ))
    })?;
    inline.insert(
        policy_name.clone(),
        InlinePolicy {
            text,
            document: document.clone(),
        },
    );
    let operation = match owner {
        Owner::Role => "PutRolePolicy",
        Owner::User => "PutUserPolicy",
    };
    state.record(
        operation,
        &target,
        json!({"PolicyName": policy_name, "PolicyDocument": document}),
    );
    Ok(None)
}

/// `DeleteRolePolicy` / `DeleteUserPolicy`.
pub fn delete(state: &mut State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let (_, name) = policies(state, owner, input)?;
    let policy_name = text(input, "PolicyName")?.to_string();
    let missing = || {
        no_such(format!(
            "The {} policy with name {policy_name} cannot be found.",
            owner.noun()
        ))
    };
    let (inline, target) = policies_mut(state, owner, &name).ok_or_else(missing)?;
    inline.remove(&policy_name).ok_or_else(missing)?;
    let operation = match owner {
        Owner::Role => "DeleteRolePolicy",
        Owner::User => "DeleteUserPolicy",
    };
    state.record(operation, &target, json!({"PolicyName": policy_name}));
    Ok(None)
}
