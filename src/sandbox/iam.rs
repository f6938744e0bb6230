//! IAM over awsQuery: roles, inline and managed policies, user policies and
//! `SimulatePrincipalPolicy` (the shared evaluator over the principal's inline and attached
//! policies). Policy documents go out URL-encoded, as real IAM returns them; writes are
//! validated before anything changes and recorded in the audit.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::Shared;
use super::awsquery::{Params, Service, error, ok};
use super::server::{Call, Reply};
use super::state::{InlinePolicy, State};
use super::xml::XmlWriter;
use crate::diagnosis::evaluate::{self, Decision, Effect, RequestContext};

/// The IAM operations the sandbox answers.
pub const OPERATIONS: &[&str] = &[
    "GetRole",
    "ListRolePolicies",
    "GetRolePolicy",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "ListAttachedRolePolicies",
    "GetPolicy",
    "GetPolicyVersion",
    "GetUserPolicy",
    "ListUserPolicies",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "SimulatePrincipalPolicy",
];

/// IAM's quota on a role's inline policies (non-whitespace characters, all policies together).
const ROLE_INLINE_QUOTA: usize = 10_240;
/// IAM's quota on a user's inline policies.
const USER_INLINE_QUOTA: usize = 2_048;
const CREATE_DATE: &str = "2024-01-15T09:30:00Z";

/// What IAM leaves unescaped when it URL-encodes a document.
const DOCUMENT_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A policy document URL-encoded as IAM returns it.
pub fn url_encode(document: &str) -> String {
    utf8_percent_encode(document, DOCUMENT_SET).to_string()
}

fn required<'a>(params: &'a Params, name: &str, call: &Call) -> Result<&'a str, Reply> {
    match params.get(name).map(String::as_str) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => {
            let member = format!("{}{}", name[..1].to_ascii_lowercase(), &name[1..]);
            Err(error(
                Service::Iam,
                400,
                "ValidationError",
                &format!(
                    "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
                ),
                call,
            ))
        }
    }
}

fn no_such(message: String, call: &Call) -> Reply {
    error(Service::Iam, 404, "NoSuchEntity", &message, call)
}

/// Routes an IAM operation (the caller is already authorized).
pub fn dispatch(shared: &Shared, action: &str, params: &Params, call: &Call) -> Reply {
    let mut state = shared.state();
    let result = match action {
        "GetRole" => get_role(&state, params, call),
        "ListRolePolicies" | "ListUserPolicies" => list_inline(&state, action, params, call),
        "GetRolePolicy" | "GetUserPolicy" => get_inline(&state, action, params, call),
        "PutRolePolicy" | "PutUserPolicy" => put_inline(&mut state, action, params, call),
        "DeleteRolePolicy" | "DeleteUserPolicy" => delete_inline(&mut state, action, params, call),
        "ListAttachedRolePolicies" => attached(&state, params, call),
        "GetPolicy" | "GetPolicyVersion" => managed(&state, action, params, call),
        _ => simulate(&state, params, call),
    };
    result.unwrap_or_else(|reply| reply)
}

fn get_role(state: &State, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let name = required(params, "RoleName", call)?;
    let role = state
        .roles
        .get(name)
        .ok_or_else(|| no_such(format!("The role with name {name} cannot be found."), call))?;
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
        .element("MaxSessionDuration", "3600")
        .close("Role");
    Ok(ok(Service::Iam, "GetRole", Some(&body.finish()), call))
}

/// The inline policies of the role or user the parameters name.
fn inline_of<'a>(
    state: &'a State,
    action: &str,
    params: &Params,
    call: &Call,
) -> Result<(&'a std::collections::BTreeMap<String, InlinePolicy>, String), Reply> {
    if action.contains("Role") {
        let name = required(params, "RoleName", call)?;
        let role = state
            .roles
            .get(name)
            .ok_or_else(|| no_such(format!("The role with name {name} cannot be found."), call))?;
        Ok((&role.inline, role.name.clone()))
    } else {
        let name = required(params, "UserName", call)?;
        let user = state
            .users
            .get(name)
            .ok_or_else(|| no_such(format!("The user with name {name} cannot be found."), call))?;
        Ok((&user.inline, user.name.clone()))
    }
}

fn list_inline(state: &State, action: &str, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let (inline, _) = inline_of(state, action, params, call)?;
    let names: Vec<String> = inline.keys().cloned().collect();
    let mut body = XmlWriter::new();
    body.members("PolicyNames", &names)
        .element("IsTruncated", "false");
    Ok(ok(Service::Iam, action, Some(&body.finish()), call))
}

fn get_inline(state: &State, action: &str, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let (inline, owner) = inline_of(state, action, params, call)?;
    let policy_name = required(params, "PolicyName", call)?;
    let kind = if action.contains("Role") {
        "role"
    } else {
        "user"
    };
    let policy = inline.get(policy_name).ok_or_else(|| {
        no_such(
            format!("The {kind} policy with name {policy_name} cannot be found."),
            call,
        )
    })?;
    let mut body = XmlWriter::new();
    body.element(
        if kind == "role" {
            "RoleName"
        } else {
            "UserName"
        },
        &owner,
    )
    .element("PolicyName", policy_name)
    .element("PolicyDocument", &url_encode(&policy.text));
    Ok(ok(Service::Iam, action, Some(&body.finish()), call))
}

fn non_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn put_inline(
    state: &mut State,
    action: &str,
    params: &Params,
    call: &Call,
) -> Result<Reply, Reply> {
    let is_role = action.contains("Role");
    let (inline, owner) = inline_of(state, action, params, call)?;
    let policy_name = required(params, "PolicyName", call)?.to_string();
    let text = required(params, "PolicyDocument", call)?.to_string();
    if !valid_name(&policy_name) {
        return Err(error(
            Service::Iam,
            400,
            "ValidationError",
            &format!("The specified value for policyName is invalid: {policy_name}"),
            call,
        ));
    }
    let malformed =
        |reason: String| error(Service::Iam, 400, "MalformedPolicyDocument", &reason, call);
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| malformed(format!("Syntax errors in policy: {e}")))?;
    evaluate::validate_policy(&document)
        .map_err(|e| malformed(format!("Syntax errors in policy: {e}")))?;
    let others: usize = inline
        .iter()
        .filter(|(name, _)| **name != policy_name)
        .map(|(_, p)| non_whitespace(&p.text))
        .sum();
    let quota = if is_role {
        ROLE_INLINE_QUOTA
    } else {
        USER_INLINE_QUOTA
    };
    if others + non_whitespace(&text) > quota {
        let kind = if is_role { "role" } else { "user" };
        return Err(error(
            Service::Iam,
            409,
            "LimitExceeded",
            &format!("Maximum policy size of {quota} bytes exceeded for {kind} {owner}"),
            call,
        ));
    }
    // Validated: now, and only now, change state.
    let policy = InlinePolicy { text, document };
    let target = if is_role {
        let role = state
            .roles
            .get_mut(&owner)
            .ok_or_else(|| no_such(owner.clone(), call))?;
        role.inline.insert(policy_name.clone(), policy.clone());
        role.arn.clone()
    } else {
        let user = state
            .users
            .get_mut(&owner)
            .ok_or_else(|| no_such(owner.clone(), call))?;
        user.inline.insert(policy_name.clone(), policy.clone());
        user.arn.clone()
    };
    state.record(
        action,
        &target,
        json!({"PolicyName": policy_name, "PolicyDocument": policy.document}),
    );
    Ok(ok(Service::Iam, action, None, call))
}

fn delete_inline(
    state: &mut State,
    action: &str,
    params: &Params,
    call: &Call,
) -> Result<Reply, Reply> {
    let is_role = action.contains("Role");
    let (inline, owner) = inline_of(state, action, params, call)?;
    let policy_name = required(params, "PolicyName", call)?.to_string();
    let kind = if is_role { "role" } else { "user" };
    if !inline.contains_key(&policy_name) {
        return Err(no_such(
            format!("The {kind} policy with name {policy_name} cannot be found."),
            call,
        ));
    }
    let target = if is_role {
        let role = state
            .roles
            .get_mut(&owner)
            .ok_or_else(|| no_such(owner.clone(), call))?;
        role.inline.remove(&policy_name);
        role.arn.clone()
    } else {
        let user = state
            .users
            .get_mut(&owner)
            .ok_or_else(|| no_such(owner.clone(), call))?;
        user.inline.remove(&policy_name);
        user.arn.clone()
    };
    state.record(action, &target, json!({"PolicyName": policy_name}));
    Ok(ok(Service::Iam, action, None, call))
}

fn attached(state: &State, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let name = required(params, "RoleName", call)?;
    let role = state
        .roles
        .get(name)
        .ok_or_else(|| no_such(format!("The role with name {name} cannot be found."), call))?;
    let mut body = XmlWriter::new();
    body.open("AttachedPolicies");
    for arn in &role.attached {
        if let Some(policy) = state.managed.get(arn) {
            body.open("member")
                .element("PolicyName", &policy.name)
                .element("PolicyArn", &policy.arn)
                .close("member");
        }
    }
    body.close("AttachedPolicies")
        .element("IsTruncated", "false");
    Ok(ok(
        Service::Iam,
        "ListAttachedRolePolicies",
        Some(&body.finish()),
        call,
    ))
}

fn managed(state: &State, action: &str, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let arn = required(params, "PolicyArn", call)?;
    let policy = state.managed.get(arn).ok_or_else(|| {
        no_such(
            format!("Policy {arn} does not exist or is not attachable."),
            call,
        )
    })?;
    let mut body = XmlWriter::new();
    if action == "GetPolicy" {
        let attachments = state
            .roles
            .values()
            .filter(|r| r.attached.contains(&policy.arn))
            .count();
        body.open("Policy")
            .element("PolicyName", &policy.name)
            .element("PolicyId", &policy.id)
            .element("Arn", &policy.arn)
            .element("Path", &policy.path)
            .element("DefaultVersionId", "v1")
            .element("AttachmentCount", &attachments.to_string())
            .element("IsAttachable", "true")
            .element("CreateDate", CREATE_DATE)
            .element("UpdateDate", CREATE_DATE)
            .close("Policy");
    } else {
        let version = required(params, "VersionId", call)?;
        if version != "v1" {
            return Err(no_such(
                format!("Policy {arn} version {version} does not exist."),
                call,
            ));
        }
        body.open("PolicyVersion")
            .element("Document", &url_encode(&policy.document.to_string()))
            .element("VersionId", "v1")
            .element("IsDefaultVersion", "true")
            .element("CreateDate", CREATE_DATE)
            .close("PolicyVersion");
    }
    Ok(ok(Service::Iam, action, Some(&body.finish()), call))
}

/// `Prefix.member.1`, `Prefix.member.2`… in order.
fn members(params: &Params, prefix: &str) -> Vec<String> {
    (1..)
        .map_while(|i| params.get(&format!("{prefix}.member.{i}")).cloned())
        .collect()
}

fn simulate(state: &State, params: &Params, call: &Call) -> Result<Reply, Reply> {
    let source = required(params, "PolicySourceArn", call)?;
    let (policies, kind) = if let Some(role) = state.roles.values().find(|r| r.arn == source) {
        (state.role_policies(role), "role")
    } else if let Some(user) = state.users.values().find(|u| u.arn == source) {
        (state.user_policies(user), "user")
    } else {
        return Err(no_such(
            format!("PolicySourceArn {source} cannot be found."),
            call,
        ));
    };
    let actions = members(params, "ActionNames");
    if actions.is_empty() {
        return Err(required(params, "ActionNames", call)
            .err()
            .unwrap_or_else(|| {
                error(
                    Service::Iam,
                    400,
                    "ValidationError",
                    "ActionNames is required",
                    call,
                )
            }));
    }
    let mut resources = members(params, "ResourceArns");
    if resources.is_empty() {
        resources.push("*".into());
    }
    let mut conditions = std::collections::BTreeMap::new();
    for i in 1.. {
        let Some(key) = params.get(&format!("ContextEntries.member.{i}.ContextKeyName")) else {
            break;
        };
        conditions.insert(
            key.clone(),
            members(
                params,
                &format!("ContextEntries.member.{i}.ContextKeyValues"),
            ),
        );
    }
    let mut body = XmlWriter::new();
    body.open("EvaluationResults");
    for action in &actions {
        for resource in &resources {
            let request = RequestContext {
                principal_arn: source.to_string(),
                action: action.clone(),
                resource: resource.clone(),
                conditions: conditions.clone(),
            };
            let evaluation = evaluate::evaluate(&policies, &request)
                .map_err(|e| error(Service::Iam, 400, "InvalidInput", &e.to_string(), call))?;
            let (decision, effect) = match evaluation.decision {
                Decision::Allowed => ("allowed", Some(Effect::Allow)),
                Decision::ExplicitDeny => ("explicitDeny", Some(Effect::Deny)),
                Decision::ImplicitDeny => ("implicitDeny", None),
            };
            body.open("member")
                .element("EvalActionName", action)
                .element("EvalResourceName", resource)
                .element("EvalDecision", decision)
                .open("MatchedStatements");
            for matched in evaluation
                .matched
                .iter()
                .filter(|m| Some(m.effect) == effect)
            {
                let source_type = if matched.policy.starts_with("arn:") {
                    "user-managed"
                } else {
                    kind
                };
                body.open("member")
                    .element("SourcePolicyId", &matched.policy)
                    .element("SourcePolicyType", source_type)
                    .close("member");
            }
            body.close("MatchedStatements")
                .members("MissingContextValues", &evaluation.missing_context_values)
                .close("member");
        }
    }
    body.close("EvaluationResults")
        .element("IsTruncated", "false");
    Ok(ok(
        Service::Iam,
        "SimulatePrincipalPolicy",
        Some(&body.finish()),
        call,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_encoded_like_iam() {
        let encoded = url_encode(r#"{"Version": "2012-10-17"}"#);
        assert_eq!(encoded, "%7B%22Version%22%3A%20%222012-10-17%22%7D");
        let decoded = percent_encoding::percent_decode_str(&encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, r#"{"Version": "2012-10-17"}"#);
    }

    #[test]
    fn members_are_read_in_order_until_a_gap() {
        let params: Params = [
            ("A.member.1", "x"),
            ("A.member.2", "y"),
            ("A.member.4", "z"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(members(&params, "A"), vec!["x", "y"]);
        assert!(valid_name("RestoreDoctorFixes"));
        assert!(!valid_name("bad name"));
        assert_eq!(non_whitespace(" a b\n"), 2);
    }
}
