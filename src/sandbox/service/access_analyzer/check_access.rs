//! `CheckAccessNotGranted`: whether a policy document might grant any of the given actions on
//! any of the given resources, decided by the one evaluator (`diagnosis::evaluate`) over every
//! context the policy could meet: an allow counts whatever its conditions (some request may
//! satisfy them), a deny only when unconditional (some request may escape it). An action or an
//! ARN pattern in the access to check is widened to the policy's own values it covers (a bare
//! `*` resource asks whether the policy grants on every resource)
//! (<https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html>).

use serde_json::{Map, Value, json};

use crate::diagnosis::evaluate::{
    self, Decision, NamedPolicy, RequestContext, action_matches, statements_of, string_list,
};
use crate::sandbox::service::texts;
use crate::sandbox::wire::AwsError;

fn invalid(message: &str) -> AwsError {
    AwsError::new(400, "InvalidParameterException", message)
}

/// A statement as it might apply in some context, or None when it might not apply at all.
fn relaxed(statement: &Value) -> Option<Value> {
    let mut map: Map<String, Value> = statement.as_object()?.clone();
    map.remove("Principal");
    map.remove("NotPrincipal");
    let deny = map.get("Effect").and_then(Value::as_str) == Some("Deny");
    if map.remove("Condition").is_some() && deny {
        return None;
    }
    Some(Value::Object(map))
}

fn document(statements: Vec<Value>) -> NamedPolicy {
    NamedPolicy {
        name: "policyDocument".into(),
        document: json!({"Version": "2012-10-17", "Statement": statements}),
    }
}

/// `CheckAccessNotGranted`.
pub fn check_access_not_granted(input: &Value) -> Result<Value, AwsError> {
    let text = input
        .get("policyDocument")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let policy: Value = serde_json::from_str(text)
        .map_err(|_| invalid("The policy document is not valid JSON."))?;
    let access = input
        .get("access")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_default();
    let (wanted_actions, wanted_resources) =
        (texts(&access, "actions"), texts(&access, "resources"));
    if wanted_actions.is_empty() && wanted_resources.is_empty() {
        return Err(invalid(
            "The access to check must name actions, resources or both.",
        ));
    }
    let statements: Vec<(usize, Value)> = statements_of(&policy)
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| relaxed(s).map(|s| (i, s)))
        .collect();
    let allows: Vec<&Value> = statements
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect();
    let own = |key: &str| -> Vec<String> {
        allows
            .iter()
            .flat_map(|s| string_list(s.get(key)))
            .collect()
    };
    // Each pattern to check, with the policy's own values it covers (`iam:*` covers
    // `iam:PassRole`); nothing given means any of the policy's own.
    let widen = |wanted: &[String], own: Vec<String>| -> Vec<String> {
        if wanted.is_empty() {
            return own;
        }
        let mut out: Vec<String> = wanted.to_vec();
        out.extend(
            own.into_iter()
                .filter(|o| wanted.iter().any(|w| action_matches(w, o))),
        );
        out
    };
    let actions = widen(&wanted_actions, own("Action"));
    // A bare `*` asks whether the policy grants on every resource, so it is checked as written;
    // an ARN pattern (`arn:aws:s3:::bucket/*`) covers the policy's ARNs inside it.
    let arn_patterns: Vec<String> = wanted_resources
        .iter()
        .filter(|r| r.as_str() != "*")
        .cloned()
        .collect();
    let mut resources = if wanted_resources.is_empty() {
        let mut any = own("Resource");
        any.push("*".into());
        any
    } else if arn_patterns.is_empty() {
        Vec::new()
    } else {
        widen(&arn_patterns, own("Resource"))
    };
    if wanted_resources.iter().any(|r| r == "*") {
        resources.push("*".into());
    }
    let whole = [document(
        statements.iter().map(|(_, s)| s.clone()).collect(),
    )];
    let mut reasons = Vec::new();
    for action in &actions {
        for resource in &resources {
            let request = RequestContext {
                principal_arn: "arn:aws:iam::123456789012:role/AccessCheck".into(),
                action: action.clone(),
                resource: resource.clone(),
                conditions: Default::default(),
            };
            let evaluation = evaluate::evaluate(&whole, &request)
                .map_err(|e| invalid(&format!("The policy document is not valid: {e}")))?;
            if evaluation.decision != Decision::Allowed {
                continue;
            }
            for (index, statement) in &statements {
                let alone = [document(vec![statement.clone()])];
                let allowed = evaluate::evaluate(&alone, &request)
                    .is_ok_and(|e| e.decision == Decision::Allowed);
                if allowed
                    && !reasons
                        .iter()
                        .any(|r: &Value| r["statementIndex"] == *index)
                {
                    let mut reason = json!({"description": format!(
                        "One or more of the listed actions or resources in the statement with index: {index}."),
                        "statementIndex": index});
                    if let Some(sid) = statement.get("Sid").and_then(Value::as_str) {
                        reason["statementId"] = json!(sid);
                    }
                    reasons.push(reason);
                }
            }
        }
    }
    Ok(if reasons.is_empty() {
        json!({"result": "PASS", "message": "The policy document does not grant access to perform one or more of the listed actions or resources.", "reasons": []})
    } else {
        json!({"result": "FAIL", "message": "The policy document grants access to perform one or more of the listed actions or resources.", "reasons": reasons})
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: Value, actions: &[&str], resources: &[&str]) -> Value {
        check_access_not_granted(&json!({"policyDocument": policy.to_string(),
            "policyType": "IDENTITY_POLICY",
            "access": [{"actions": actions, "resources": resources}]}))
        .unwrap()
    }

    #[test]
    fn dangerous_access_fails_and_least_privilege_passes() {
        let star = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow",
            "Action": "iam:PassRole", "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]});
        let out = check(star, &["iam:PassRole"], &["*"]);
        assert_eq!(
            out["result"], "FAIL",
            "a condition does not prove the access is never granted"
        );
        assert_eq!(out["reasons"][0]["statementId"], "Pass");
        let exact = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/App"}]});
        assert_eq!(
            check(exact.clone(), &["iam:PassRole"], &["*"])["result"],
            "PASS"
        );
        assert_eq!(check(exact.clone(), &["iam:*"], &[])["result"], "FAIL");
        assert_eq!(check(exact, &["kms:*"], &[])["result"], "PASS");
        let denied = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]});
        assert_eq!(check(denied, &["iam:PassRole"], &["*"])["result"], "PASS");
    }
}
