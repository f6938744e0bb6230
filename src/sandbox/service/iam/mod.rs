//! IAM: roles, inline and managed policies (and their versions and attachments), user policies and `SimulatePrincipalPolicy`. One
//! function per operation; policy documents go out URL-encoded, as real IAM returns them; writes
//! are checked (model, grammar, quotas) before anything changes and recorded in the audit.

mod grammar;
mod inline;
mod managed;
mod roles;
mod simulate;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::Context;
use crate::sandbox::model::{self, Violation};
use crate::sandbox::protocol::xml::IAM_NAMESPACE;
use crate::sandbox::wire::AwsError;

/// IAM's XML namespace.
pub const NAMESPACE: &str = IAM_NAMESPACE;
/// IAM's API version.
pub const VERSION: &str = "2010-05-08";

/// The IAM operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamOperation {
    /// `GetRole`.
    GetRole,
    /// `ListRolePolicies`.
    ListRolePolicies,
    /// `GetRolePolicy`.
    GetRolePolicy,
    /// `PutRolePolicy`.
    PutRolePolicy,
    /// `DeleteRolePolicy`.
    DeleteRolePolicy,
    /// `ListAttachedRolePolicies`.
    ListAttachedRolePolicies,
    /// `GetPolicy`.
    GetPolicy,
    /// `GetPolicyVersion`.
    GetPolicyVersion,
    /// `GetUserPolicy`.
    GetUserPolicy,
    /// `ListUserPolicies`.
    ListUserPolicies,
    /// `PutUserPolicy`.
    PutUserPolicy,
    /// `DeleteUserPolicy`.
    DeleteUserPolicy,
    /// `SimulatePrincipalPolicy`.
    SimulatePrincipalPolicy,
    /// `CreatePolicy`.
    CreatePolicy,
    /// `CreatePolicyVersion`.
    CreatePolicyVersion,
    /// `ListPolicyVersions`.
    ListPolicyVersions,
    /// `DeletePolicyVersion`.
    DeletePolicyVersion,
    /// `SetDefaultPolicyVersion`.
    SetDefaultPolicyVersion,
    /// `DeletePolicy`.
    DeletePolicy,
    /// `AttachRolePolicy`.
    AttachRolePolicy,
    /// `DetachRolePolicy`.
    DetachRolePolicy,
    /// `AttachUserPolicy`.
    AttachUserPolicy,
    /// `DetachUserPolicy`.
    DetachUserPolicy,
    /// `ListAttachedUserPolicies`.
    ListAttachedUserPolicies,
}

impl IamOperation {
    /// Every operation.
    pub const ALL: &[IamOperation] = &[
        Self::GetRole,
        Self::ListRolePolicies,
        Self::GetRolePolicy,
        Self::PutRolePolicy,
        Self::DeleteRolePolicy,
        Self::ListAttachedRolePolicies,
        Self::GetPolicy,
        Self::GetPolicyVersion,
        Self::GetUserPolicy,
        Self::ListUserPolicies,
        Self::PutUserPolicy,
        Self::DeleteUserPolicy,
        Self::SimulatePrincipalPolicy,
        Self::CreatePolicy,
        Self::CreatePolicyVersion,
        Self::ListPolicyVersions,
        Self::DeletePolicyVersion,
        Self::SetDefaultPolicyVersion,
        Self::DeletePolicy,
        Self::AttachRolePolicy,
        Self::DetachRolePolicy,
        Self::AttachUserPolicy,
        Self::DetachUserPolicy,
        Self::ListAttachedUserPolicies,
    ];

    /// The operation name, as in `Action=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetRole => "GetRole",
            Self::ListRolePolicies => "ListRolePolicies",
            Self::GetRolePolicy => "GetRolePolicy",
            Self::PutRolePolicy => "PutRolePolicy",
            Self::DeleteRolePolicy => "DeleteRolePolicy",
            Self::ListAttachedRolePolicies => "ListAttachedRolePolicies",
            Self::GetPolicy => "GetPolicy",
            Self::GetPolicyVersion => "GetPolicyVersion",
            Self::GetUserPolicy => "GetUserPolicy",
            Self::ListUserPolicies => "ListUserPolicies",
            Self::PutUserPolicy => "PutUserPolicy",
            Self::DeleteUserPolicy => "DeleteUserPolicy",
            Self::SimulatePrincipalPolicy => "SimulatePrincipalPolicy",
            Self::CreatePolicy => "CreatePolicy",
            Self::CreatePolicyVersion => "CreatePolicyVersion",
            Self::ListPolicyVersions => "ListPolicyVersions",
            Self::DeletePolicyVersion => "DeletePolicyVersion",
            Self::SetDefaultPolicyVersion => "SetDefaultPolicyVersion",
            Self::DeletePolicy => "DeletePolicy",
            Self::AttachRolePolicy => "AttachRolePolicy",
            Self::DetachRolePolicy => "DetachRolePolicy",
            Self::AttachUserPolicy => "AttachUserPolicy",
            Self::DetachUserPolicy => "DetachUserPolicy",
            Self::ListAttachedUserPolicies => "ListAttachedUserPolicies",
        }
    }

    /// The operation an `Action=` names.
    pub fn from_action(action: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == action)
    }

    /// The operation's model.
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("iam", self.name())
    }
}

/// IAM's answer to a request the model rejects.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    AwsError::new(400, "ValidationError", model::message(violations))
}

/// Runs one operation: its XML result (None for operations without output).
pub fn handle(
    op: IamOperation,
    ctx: &mut Context<'_>,
    input: &Value,
) -> Result<Option<String>, AwsError> {
    use inline::Owner::{Role, User};
    let state = &mut *ctx.state;
    match op {
        IamOperation::GetRole => roles::get_role(state, input),
        IamOperation::ListAttachedRolePolicies => roles::list_attached_policies(state, Role, input),
        IamOperation::ListAttachedUserPolicies => roles::list_attached_policies(state, User, input),
        IamOperation::GetPolicy => roles::get_policy(state, input),
        IamOperation::GetPolicyVersion => roles::get_policy_version(state, input),
        IamOperation::ListRolePolicies => inline::list(state, Role, input),
        IamOperation::ListUserPolicies => inline::list(state, User, input),
        IamOperation::GetRolePolicy => inline::get(state, Role, input),
        IamOperation::GetUserPolicy => inline::get(state, User, input),
        IamOperation::PutRolePolicy => inline::put(state, Role, input),
        IamOperation::PutUserPolicy => inline::put(state, User, input),
        IamOperation::DeleteRolePolicy => inline::delete(state, Role, input),
        IamOperation::DeleteUserPolicy => inline::delete(state, User, input),
        IamOperation::SimulatePrincipalPolicy => simulate::simulate_principal_policy(state, input),
        IamOperation::CreatePolicy => managed::create_policy(state, input),
        IamOperation::CreatePolicyVersion => managed::create_policy_version(state, input),
        IamOperation::ListPolicyVersions => managed::list_policy_versions(state, input),
        IamOperation::DeletePolicyVersion => managed::delete_policy_version(state, input),
        IamOperation::SetDefaultPolicyVersion => managed::set_default_policy_version(state, input),
        IamOperation::DeletePolicy => managed::delete_policy(state, input),
        IamOperation::AttachRolePolicy => managed::attach(state, Role, input),
        IamOperation::AttachUserPolicy => managed::attach(state, User, input),
        IamOperation::DetachRolePolicy => managed::detach(state, Role, input),
        IamOperation::DetachUserPolicy => managed::detach(state, User, input),
    }
}

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

/// The creation date every scenario entity reports.
const CREATE_DATE: &str = crate::sandbox::state::SCENARIO_DATE;

fn no_such(message: String) -> AwsError {
    AwsError::new(404, "NoSuchEntity", message)
}

/// `MaxItems` (IAM's default is 100) and the position `Marker` names.
fn page_of(input: &Value) -> (usize, usize) {
    let max = input
        .get("MaxItems")
        .and_then(Value::as_u64)
        .map_or(100, |n| n as usize);
    let start = input
        .get("Marker")
        .and_then(Value::as_str)
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    (max, start)
}

/// `IsTruncated` and, when truncated, `Marker` for a page of `shown` items from `start` of
/// `total`.
fn write_paging(
    body: &mut crate::sandbox::protocol::xml::XmlWriter,
    start: usize,
    shown: usize,
    total: usize,
) {
    let next = start + shown;
    if next < total {
        body.element("IsTruncated", "true")
            .element("Marker", &next.to_string());
    } else {
        body.element("IsTruncated", "false");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_model_and_documents_encode_like_iam() {
        for op in IamOperation::ALL {
            assert!(op.model().is_some(), "{op:?}");
            assert_eq!(IamOperation::from_action(op.name()), Some(*op));
        }
        assert_eq!(IamOperation::from_action("CreateUser"), None);
        let encoded = url_encode(r#"{"Version": "2012-10-17"}"#);
        assert_eq!(encoded, "%7B%22Version%22%3A%20%222012-10-17%22%7D");
    }
}
