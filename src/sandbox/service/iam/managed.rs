//! IAM's writes on customer-managed policies: `CreatePolicy`, `CreatePolicyVersion` (at most
//! five versions), `ListPolicyVersions`, `DeletePolicyVersion`, `SetDefaultPolicyVersion`,
//! `DeletePolicy`, `AttachRolePolicy`/`AttachUserPolicy` and `DetachRolePolicy`/`DetachUserPolicy`. Each checks everything (model,
//! grammar, the 6,144-character quota, conflicts) before it changes anything.
//!
//! Wording, as IAM answers (IAM API Reference, and public reports of real responses):
//! - CreatePolicy twice: 409 EntityAlreadyExists "A policy called NAME already exists.
//!   Duplicate names are not allowed." (hashicorp/terraform-provider-aws#1575)
//! - a sixth version: 409 LimitExceeded "A managed policy can have up to 5 versions. Before you
//!   create a new version, you must delete an existing version."
//! - the default version: 409 DeleteConflict "Cannot delete the default version of a policy."
//! - an attached policy: 409 DeleteConflict "Cannot delete a policy attached to entities."

use serde_json::{Value, json};

use super::grammar::{self, MANAGED_POLICY_QUOTA, non_whitespace};
use super::inline::Owner;
use super::{no_such, url_encode};
use crate::diagnosis::protected;
use crate::sandbox::protocol::xml::XmlWriter;
use crate::sandbox::service::text;
use crate::sandbox::state::{ManagedPolicy, PolicyVersion, State, unique_id};
use crate::sandbox::wire::AwsError;

/// IAM keeps at most this many versions of a managed policy.
pub const MAX_VERSIONS: usize = 5;
/// IAM attaches at most this many managed policies to a role or user (the default quota).
const ATTACHMENT_QUOTA: usize = 10;

fn conflict(message: &str) -> AwsError {
    AwsError::new(409, "DeleteConflict", message)
}

fn missing_policy(arn: &str) -> AwsError {
    no_such(format!("Policy {arn} does not exist or is not attachable."))
}

fn policy_mut<'a>(state: &'a mut State, input: &Value) -> Result<&'a mut ManagedPolicy, AwsError> {
    let arn = text(input, "PolicyArn")?;
    state
        .managed
        .get_mut(arn)
        .ok_or_else(|| missing_policy(arn))
}

/// The document checked as IAM checks a managed policy's: grammar, then its size quota.
fn checked_document(input: &Value) -> Result<Value, AwsError> {
    let text = text(input, "PolicyDocument")?;
    let document = grammar::check_identity_policy(text)?;
    if non_whitespace(text) > MANAGED_POLICY_QUOTA {
        return Err(AwsError::new(
            409,
            "LimitExceeded",
            format!("Cannot exceed quota for PolicySize: {MANAGED_POLICY_QUOTA}"),
        ));
    }
    Ok(document)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn write_version(body: &mut XmlWriter, version: &PolicyVersion, default: &str, document: bool) {
    body.open("member");
    if document {
        body.element("Document", &url_encode(&version.document.to_string()));
    }
    body.element("VersionId", &version.id)
        .element(
            "IsDefaultVersion",
            if version.id == default {
                "true"
            } else {
                "false"
            },
        )
        .element("CreateDate", &version.created)
        .close("member");
}

/// `CreatePolicy`.
pub fn create_policy(state: &mut State, input: &Value) -> Result<Option<String>, AwsError> {
    let name = text(input, "PolicyName")?.to_string();
    let path = input
        .get("Path")
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_string();
    let arn = format!("arn:aws:iam::{}:policy{path}{name}", state.account_id);
    if state.managed.values().any(|p| p.name == name) {
        return Err(AwsError::new(
            409,
            "EntityAlreadyExists",
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let document = checked_document(input)?;
    let created = now();
    let policy = ManagedPolicy {
        name: name.clone(),
        path: path.clone(),
        id: unique_id("ANPA", &format!("{arn}@{created}")),
        arn: arn.clone(),
        document: document.clone(),
        versions: vec![PolicyVersion {
            id: "v1".into(),
            document: document.clone(),
            created: created.clone(),
        }],
        default_version: "v1".into(),
        next_version: 2,
    };
    let mut body = XmlWriter::new();
    body.open("Policy")
        .element("PolicyName", &name)
        .element("PolicyId", &policy.id)
        .element("Arn", &arn)
        .element("Path", &path)
        .element("DefaultVersionId", "v1")
        .element("AttachmentCount", "0")
        .element("IsAttachable", "true")
        .element("CreateDate", &created)
        .element("UpdateDate", &created)
        .close("Policy");
    state.managed.insert(arn.clone(), policy);
    state.record(
        "CreatePolicy",
        &arn,
        json!({"PolicyName": name, "PolicyDocument": document}),
    );
    Ok(Some(body.finish()))
}

/// `CreatePolicyVersion`.
pub fn create_policy_version(state: &mut State, input: &Value) -> Result<Option<String>, AwsError> {
    let document = checked_document(input)?;
    let set_as_default = input
        .get("SetAsDefault")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let policy = policy_mut(state, input)?;
    if policy.versions.len() >= MAX_VERSIONS {
        return Err(AwsError::new(
            409,
            "LimitExceeded",
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
        ));
    }
    let version = PolicyVersion {
        id: format!("v{}", policy.next_version),
        document: document.clone(),
        created: now(),
    };
    policy.next_version += 1;
    if set_as_default {
        policy.default_version = version.id.clone();
        policy.document = document.clone();
    }
    let mut body = XmlWriter::new();
    body.open("PolicyVersion")
        .element("VersionId", &version.id)
        .element(
            "IsDefaultVersion",
            if set_as_default { "true" } else { "false" },
        )
        .element("CreateDate", &version.created)
        .close("PolicyVersion");
    let arn = policy.arn.clone();
    let id = version.id.clone();
    policy.versions.push(version);
    state.record(
        "CreatePolicyVersion",
        &arn,
        json!({"VersionId": id, "SetAsDefault": set_as_default, "PolicyDocument": document}),
    );
    Ok(Some(body.finish()))
}

/// `ListPolicyVersions` (all versions fit in one page: there are at most five).
pub fn list_policy_versions(state: &mut State, input: &Value) -> Result<Option<String>, AwsError> {
    let policy = policy_mut(state, input)?;
    let mut body = XmlWriter::new();
    body.open("Versions");
    // IAM lists the newest first.
    for version in policy.versions.iter().rev() {
        write_version(&mut body, version, &policy.default_version, false);
    }
    body.close("Versions").element("IsTruncated", "false");
    Ok(Some(body.finish()))
}

fn missing_version(arn: &str, id: &str) -> AwsError {
    no_such(format!("Policy {arn} version {id} does not exist."))
}

/// `DeletePolicyVersion`.
pub fn delete_policy_version(state: &mut State, input: &Value) -> Result<Option<String>, AwsError> {
    let id = text(input, "VersionId")?.to_string();
    let policy = policy_mut(state, input)?;
    let Some(index) = policy.versions.iter().position(|v| v.id == id) else {
        return Err(missing_version(&policy.arn, &id));
    };
    if policy.default_version == id {
        return Err(conflict("Cannot delete the default version of a policy."));
    }
    policy.versions.remove(index);
    let arn = policy.arn.clone();
    state.record("DeletePolicyVersion", &arn, json!({"VersionId": id}));
    Ok(None)
}

/// `SetDefaultPolicyVersion`.
pub fn set_default_policy_version(
    state: &mut State,
    input: &Value,
) -> Result<Option<String>, AwsError> {
    let id = text(input, "VersionId")?.to_string();
    let policy = policy_mut(state, input)?;
    let Some(document) = policy.version(&id).map(|v| v.document.clone()) else {
        return Err(missing_version(&policy.arn, &id));
    };
    policy.default_version = id.clone();
    policy.document = document;
    let arn = policy.arn.clone();
    state.record("SetDefaultPolicyVersion", &arn, json!({"VersionId": id}));
    Ok(None)
}

/// `DeletePolicy`: refused while it is attached or has versions besides the default.
pub fn delete_policy(state: &mut State, input: &Value) -> Result<Option<String>, AwsError> {
    let arn = text(input, "PolicyArn")?.to_string();
    let policy = state
        .managed
        .get(&arn)
        .ok_or_else(|| missing_policy(&arn))?;
    if state.attachments(&arn) > 0 {
        return Err(conflict("Cannot delete a policy attached to entities."));
    }
    if policy.versions.len() > 1 {
        return Err(conflict(
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    state.managed.remove(&arn);
    state.record("DeletePolicy", &arn, json!({}));
    Ok(None)
}

/// The owner's name as IAM spells it; a protected role cannot be changed.
fn owner_name(state: &State, owner: Owner, input: &Value) -> Result<String, AwsError> {
    let name = text(input, owner.member())?;
    let missing = || {
        no_such(format!(
            "The {} with name {name} cannot be found.",
            owner.noun()
        ))
    };
    match owner {
        Owner::Role => {
            let role = state.roles.get(name).ok_or_else(missing)?;
            if protected::classify_role(&role.name, Some(&role.path)).is_some() {
                return Err(AwsError::new(
                    400,
                    "UnmodifiableEntity",
                    format!(
                        "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
                    ),
                ));
            }
            Ok(role.name.clone())
        }
        Owner::User => Ok(state.users.get(name).ok_or_else(missing)?.name.clone()),
    }
}

/// The owner's attached policy ARNs and its ARN.
fn attached_mut<'a>(
    state: &'a mut State,
    owner: Owner,
    name: &str,
) -> Result<(&'a mut Vec<String>, String), AwsError> {
    let found = match owner {
        Owner::Role => state
            .roles
            .get_mut(name)
            .map(|r| (&mut r.attached, r.arn.clone())),
        Owner::User => state
            .users
            .get_mut(name)
            .map(|u| (&mut u.attached, u.arn.clone())),
    };
    found.ok_or_else(|| {
        no_such(format!(
            "The {} with name {name} cannot be found.",
            owner.noun()
        ))
    })
}

/// `AttachRolePolicy` / `AttachUserPolicy` (attaching an attached policy again changes
/// nothing, as in IAM).
pub fn attach(state: &mut State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let name = owner_name(state, owner, input)?;
    let arn = text(input, "PolicyArn")?.to_string();
    if !state.managed.contains_key(&arn) {
        return Err(missing_policy(&arn));
    }
    let (attached, target) = attached_mut(state, owner, &name)?;
    if attached.contains(&arn) {
        return Ok(None);
    }
    if attached.len() >= ATTACHMENT_QUOTA {
        let quota = match owner {
            Owner::Role => "PoliciesPerRole",
            Owner::User => "PoliciesPerUser",
        };
        return Err(AwsError::new(
            409,
            "LimitExceeded",
            format!("Cannot exceed quota for {quota}: {ATTACHMENT_QUOTA}"),
        ));
    }
    attached.push(arn.clone());
    let operation = match owner {
        Owner::Role => "AttachRolePolicy",
        Owner::User => "AttachUserPolicy",
    };
    state.record(operation, &target, json!({"PolicyArn": arn}));
    Ok(None)
}

/// `DetachRolePolicy` / `DetachUserPolicy`.
pub fn detach(state: &mut State, owner: Owner, input: &Value) -> Result<Option<String>, AwsError> {
    let name = owner_name(state, owner, input)?;
    let arn = text(input, "PolicyArn")?.to_string();
    let (attached, target) = attached_mut(state, owner, &name)?;
    let Some(index) = attached.iter().position(|a| *a == arn) else {
        return Err(no_such(format!("Policy {arn} was not found.")));
    };
    attached.remove(index);
    let operation = match owner {
        Owner::Role => "DetachRolePolicy",
        Owner::User => "DetachUserPolicy",
    };
    state.record(operation, &target, json!({"PolicyArn": arn}));
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::scenario;

    fn state() -> State {
        State::from_scenario(&scenario::load("demo").unwrap())
    }

    fn document(sid: &str) -> String {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "*"}]})
        .to_string()
    }

    #[test]
    fn a_sixth_version_and_the_default_version_are_refused_as_iam_refuses_them() {
        let mut state = state();
        create_policy(
            &mut state,
            &json!({"PolicyName": "Fixes", "PolicyDocument": document("A")}),
        )
        .unwrap();
        let arn = format!("arn:aws:iam::{}:policy/Fixes", state.account_id);
        let again = create_policy(
            &mut state,
            &json!({"PolicyName": "Fixes", "PolicyDocument": document("A")}),
        )
        .unwrap_err();
        assert_eq!(
            (again.status, again.code.as_str()),
            (409, "EntityAlreadyExists")
        );
        for n in 2..=5 {
            let version = json!({"PolicyArn": arn, "PolicyDocument": document(&format!("S{n}")),
                "SetAsDefault": true});
            create_policy_version(&mut state, &version).unwrap();
        }
        let sixth = create_policy_version(
            &mut state,
            &json!({"PolicyArn": arn, "PolicyDocument": document("S6")}),
        )
        .unwrap_err();
        assert_eq!((sixth.status, sixth.code.as_str()), (409, "LimitExceeded"));
        assert!(
            sixth
                .message
                .starts_with("A managed policy can have up to 5 versions")
        );
        let default =
            delete_policy_version(&mut state, &json!({"PolicyArn": arn, "VersionId": "v5"}))
                .unwrap_err();
        assert_eq!(default.code, "DeleteConflict");
        delete_policy_version(&mut state, &json!({"PolicyArn": arn, "VersionId": "v1"})).unwrap();
        create_policy_version(
            &mut state,
            &json!({"PolicyArn": arn, "PolicyDocument": document("S6")}),
        )
        .unwrap();
        let policy = &state.managed[&arn];
        assert_eq!(
            policy.versions.last().unwrap().id,
            "v6",
            "numbers are never reused"
        );
        assert_eq!(policy.default_version, "v5");
        assert_eq!(policy.document["Statement"][0]["Sid"], "S5");
    }

    #[test]
    fn an_attached_policy_is_not_deleted_and_too_big_a_document_is_refused() {
        let mut state = state();
        let role = state.roles.keys().next().unwrap().clone();
        let big = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{}", "b".repeat(6_200))}]})
        .to_string();
        let refused = create_policy(
            &mut state,
            &json!({"PolicyName": "Big", "PolicyDocument": big}),
        )
        .unwrap_err();
        assert_eq!(refused.code, "LimitExceeded");
        assert!(
            create_policy(
                &mut state,
                &json!({"PolicyName": "Bad", "PolicyDocument": "{}"})
            )
            .is_err()
        );
        create_policy(
            &mut state,
            &json!({"PolicyName": "Fixes", "PolicyDocument": document("A")}),
        )
        .unwrap();
        let arn = format!("arn:aws:iam::{}:policy/Fixes", state.account_id);
        let request = json!({"RoleName": role, "PolicyArn": arn});
        attach(&mut state, Owner::Role, &request).unwrap();
        assert!(state.roles[&role].attached.contains(&arn));
        let attached = delete_policy(&mut state, &json!({"PolicyArn": arn})).unwrap_err();
        assert_eq!(
            (attached.status, attached.code.as_str()),
            (409, "DeleteConflict")
        );
        assert_eq!(
            attached.message,
            "Cannot delete a policy attached to entities."
        );
        detach(&mut state, Owner::Role, &request).unwrap();
        let again = detach(&mut state, Owner::Role, &request).unwrap_err();
        assert_eq!((again.status, again.code.as_str()), (404, "NoSuchEntity"));
        let user = state.users.keys().next().unwrap().clone();
        let request = json!({"UserName": user, "PolicyArn": arn});
        attach(&mut state, Owner::User, &request).unwrap();
        assert_eq!(state.attachments(&arn), 1);
        let attached = delete_policy(&mut state, &json!({"PolicyArn": arn})).unwrap_err();
        assert_eq!(attached.code, "DeleteConflict");
        detach(&mut state, Owner::User, &request).unwrap();
        delete_policy(&mut state, &json!({"PolicyArn": arn})).unwrap();
        assert!(!state.managed.contains_key(&arn));
    }
}
