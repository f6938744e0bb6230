//! `SimulatePrincipalPolicy`: the shared evaluator over the principal's inline and attached
//! policies plus any `PolicyInputList` documents, one result per action and resource, with
//! `MissingContextValues` at the result level and under `ResourceSpecificResults` when
//! `ResourceArns` are given (as IAM answers), paged by `MaxItems`/`Marker`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::grammar;
use super::{no_such, page_of, write_paging};
use crate::diagnosis::evaluate::{self, Decision, Effect, Evaluation, NamedPolicy, RequestContext};
use crate::sandbox::protocol::xml::XmlWriter;
use crate::sandbox::service::{text, texts};
use crate::sandbox::state::State;
use crate::sandbox::wire::AwsError;

/// The principal's policies and the `SourcePolicyType` its inline policies report.
fn principal_policies(
    state: &State,
    source: &str,
) -> Result<(Vec<NamedPolicy>, &'static str), AwsError> {
    if let Some(role) = state.roles.values().find(|r| r.arn == source) {
        Ok((state.role_policies(role), "role"))
    } else if let Some(user) = state.users.values().find(|u| u.arn == source) {
        Ok((state.user_policies(user), "user"))
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
    let (mut policies, kind) = principal_policies(state, source)?;
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
        let evaluation = evaluate::evaluate(&policies, &request)
            .map_err(|e| AwsError::new(400, "InvalidInput", e.to_string()))?;
        let decision = decision_of(&evaluation);
        body.open("member")
            .element("EvalActionName", action)
            .element("EvalResourceName", resource)
            .element("EvalDecision", decision);
        matched_statements(&mut body, &evaluation, kind);
        body.members("MissingContextValues", &evaluation.missing_context_values);
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

fn decision_of(evaluation: &Evaluation) -> &'static str {
    match evaluation.decision {
        Decision::Allowed => "allowed",
        Decision::ExplicitDeny => "explicitDeny",
        Decision::ImplicitDeny => "implicitDeny",
    }
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
