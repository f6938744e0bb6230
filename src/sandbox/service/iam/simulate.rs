//! `SimulatePrincipalPolicy`: the shared evaluator over the principal's inline and attached
//! policies plus any `PolicyInputList` documents, within its permissions boundary (or the one
//! given in `PermissionsBoundaryPolicyInputList`) and the SCPs of every level of the
//! organization, from the root to the account, with the role's legacy guardrails (reported as
//! `PermissionsBoundaryDecisionDetail` and `OrganizationsDecisionDetail`, as IAM reports them;
//! like IAM's, no resource policies), one result per action and resource, with
//! `MissingContextValues` at the result level and under `ResourceSpecificResults` when
//! `ResourceArns` are given (as IAM answers), paged by `MaxItems`/`Marker`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::grammar;
use super::{no_such, page_of, write_paging};
use crate::diagnosis::evaluate::{self, Decision, Effect, Evaluation, NamedPolicy, RequestContext};
use crate::diagnosis::layered::OrgLevel;
use crate::sandbox::organization::PolicyKind;
use crate::sandbox::policy_layers;
use crate::sandbox::protocol::xml::XmlWriter;
use crate::sandbox::service::{text, texts};
use crate::sandbox::state::State;
use crate::sandbox::wire::AwsError;

/// The principal's policies, the `SourcePolicyType` its inline policies report, its
/// permissions boundary and the SCP levels over it.
struct Principal {
    policies: Vec<NamedPolicy>,
    kind: &'static str,
    boundary: Option<NamedPolicy>,
    scps: Vec<OrgLevel>,
}

fn principal_policies(state: &State, source: &str) -> Result<Principal, AwsError> {
    if let Some(role) = state.roles.values().find(|r| r.arn == source) {
        Ok(Principal {
            policies: state.role_policies(role),
            kind: "role",
            boundary: state.role_boundary(role),
            scps: policy_layers::role_scps(state, role),
        })
    } else if let Some(user) = state.users.values().find(|u| u.arn == source) {
        Ok(Principal {
            policies: state.user_policies(user),
            kind: "user",
            boundary: None,
            scps: policy_layers::org_levels(state, PolicyKind::ServiceControl),
        })
    } else {
        Err(no_such(format!(
            "PolicySourceArn {source} cannot be found."
        )))
    }
}

fn context_entries(input: &Value) -> BTreeMap<String, Vec<String>> {
    let mut conditions = BTreeMap::new();
    for entry in input
        .get("ContextEntries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(key) = entry.get("ContextKeyName").and_then(Value::as_str) {
            conditions.insert(key.to_string(), texts(entry, "ContextKeyValues"));
        }
    }
    conditions
}

/// `SimulatePrincipalPolicy`.
pub fn simulate_principal_policy(state: &State, input: &Value) -> Result<Option<String>, AwsError> {
    let source = text(input, "PolicySourceArn")?;
    let Principal {
        mut policies,
        kind,
        mut boundary,
        scps,
    } = principal_policies(state, source)?;
    // A boundary given here is simulated instead of the principal's own (as IAM does).
    if let Some(document) = texts(input, "PermissionsBoundaryPolicyInputList").first() {
        boundary = Some(NamedPolicy {
            name: "PermissionsBoundaryPolicyInputList.1".into(),
            document: grammar::check_identity_policy(document)?,
        });
    }
    for (i, document) in texts(input, "PolicyInputList").iter().enumerate() {
        policies.push(NamedPolicy {
            name: format!("PolicyInputList.{}", i + 1),
            document: grammar::check_identity_policy(document)?,
        });
    }
    let actions = texts(input, "ActionNames");
    let given = texts(input, "ResourceArns");
    let resources = if given.is_empty() {
        vec!["*".to_string()]
    } else {
        given.clone()
    };
    let conditions = context_entries(input);
    let pairs: Vec<(&String, &String)> = actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (a, r)))
        .collect();
    let (max, start) = page_of(input);
    let page: Vec<&(&String, &String)> = pairs.iter().skip(start).take(max).collect();
    let mut body = XmlWriter::new();
    body.open("EvaluationResults");
    for (action, resource) in &page {
        let request = RequestContext {
            principal_arn: source.to_string(),
            action: (*action).clone(),
            resource: (*resource).clone(),
            conditions: conditions.clone(),
        };
        let invalid =
            |e: evaluate::EvaluateError| AwsError::new(400, "InvalidInput", e.to_string());
        let evaluation = evaluate::evaluate(&policies, &request).map_err(invalid)?;
        let boundary_decision = match &boundary {
            Some(b) => Some(
                evaluate::evaluate(std::slice::from_ref(b), &request)
                    .map_err(invalid)?
                    .decision,
            ),
            None => None,
        };
        // Every level from the root to the account must allow, and none may deny.
        let mut organizations = Decision::Allowed;
        for level in &scps {
            match evaluate::evaluate(&level.policies, &request)
                .map_err(invalid)?
                .decision
            {
                Decision::ExplicitDeny => organizations = Decision::ExplicitDeny,
                Decision::ImplicitDeny if organizations == Decision::Allowed => {
                    organizations = Decision::ImplicitDeny
                }
                _ => {}
            }
        }
        let decision = match (evaluation.decision, boundary_decision) {
            _ if organizations == Decision::ExplicitDeny => "explicitDeny",
            (Decision::ExplicitDeny, _) | (_, Some(Decision::ExplicitDeny)) => "explicitDeny",
            _ if organizations == Decision::ImplicitDeny => "implicitDeny",
            (Decision::Allowed, None | Some(Decision::Allowed)) => "allowed",
            _ => "implicitDeny",
        };
        body.open("member")
            .element("EvalActionName", action)
            .element("EvalResourceName", resource)
            .element("EvalDecision", decision);
        matched_statements(&mut body, &evaluation, kind);
        body.members("MissingContextValues", &evaluation.missing_context_values);
        if !scps.is_empty() {
            body.open("OrganizationsDecisionDetail")
                .element(
                    "AllowedByOrganizations",
                    if organizations == Decision::Allowed {
                        "true"
                    } else {
                        "false"
                    },
                )
                .close("OrganizationsDecisionDetail");
        }
        if let Some(boundary_decision) = boundary_decision {
            body.open("PermissionsBoundaryDecisionDetail")
                .element(
                    "AllowedByPermissionsBoundary",
                    if boundary_decision == Decision::Allowed {
                        "true"
                    } else {
                        "false"
                    },
                )
                .close("PermissionsBoundaryDecisionDetail");
        }
        if !given.is_empty() {
            body.open("ResourceSpecificResults")
                .open("member")
                .element("EvalResourceName", resource)
                .element("EvalResourceDecision", decision);
            matched_statements(&mut body, &evaluation, kind);
            body.members("MissingContextValues", &evaluation.missing_context_values)
                .close("member")
                .close("ResourceSpecificResults");
        }
        body.close("member");
    }
    body.close("EvaluationResults");
    write_paging(&mut body, start, page.len(), pairs.len());
    Ok(Some(body.finish()))
}

fn matched_statements(body: &mut XmlWriter, evaluation: &Evaluation, kind: &str) {
    let effect = match evaluation.decision {
        Decision::Allowed => Some(Effect::Allow),
        Decision::ExplicitDeny => Some(Effect::Deny),
        Decision::ImplicitDeny => None,
    };
    body.open("MatchedStatements");
    for matched in evaluation
        .matched
        .iter()
        .filter(|m| Some(m.effect) == effect)
    {
        let source_type = if matched.policy.starts_with("arn:") {
            "user-managed"
        } else if matched.policy.starts_with("PolicyInputList.") {
            "none"
        } else {
            kind
        };
        body.open("member")
            .element("SourcePolicyId", &matched.policy)
            .element("SourcePolicyType", source_type)
            .close("member");
    }
    body.close("MatchedStatements");
}
