//! Local IAM policy evaluation: a small wrapper over the `iam-rs` crate so it can be swapped.
//!
//! Used twice: by the diagnosis core to verify a fix before it is written, and by the sandbox as
//! its authorization engine (and for `SimulatePrincipalPolicy`). Decoded messages carry every
//! condition value as a string; `iam-rs` wants typed values (a `Bool` condition does not match the
//! string `"true"`), so values are converted to the type the policies' operators expect.

use std::collections::{BTreeMap, HashMap};

use iam_rs::{
    Arn, Context, ContextValue, Decision as IamDecision, EvaluationOptions, IAMPolicy,
    PolicyEvaluator, Principal, PrincipalId,
};
use serde::Deserialize;
use serde_json::Value;

/// One request to evaluate: who asks to do what to which resource, with its condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The calling principal's ARN (an assumed-role, role or user ARN).
    pub principal_arn: String,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Condition keys and their values, as a decoded message carries them (all strings).
    pub conditions: BTreeMap<String, Vec<String>>,
}

/// A policy document with a label saying where it came from (inline policy name, managed ARN…).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// Where the document came from, e.g. `inline:RestoreDoctorFixes`.
    pub name: String,
    /// The policy document as JSON.
    pub document: Value,
}

/// IAM's three outcomes (also `SimulatePrincipalPolicy`'s `EvalDecision`, spelt as IAM spells
/// it when serialised: `allowed`, `explicitDeny`, `implicitDeny`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// An allow statement applies and no deny does.
    Allowed,
    /// A deny statement applies.
    ExplicitDeny,
    /// Nothing applies.
    ImplicitDeny,
}

impl Decision {
    /// IAM's spelling: `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The effect of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The label of the policy that holds it.
    pub policy: String,
    /// Its `Sid`, if any.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// Its `Action` values (as written).
    pub actions: Vec<String>,
    /// Its `Resource` values (as written).
    pub resources: Vec<String>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Allowed, explicit deny or implicit deny.
    pub decision: Decision,
    /// Every statement that applied (allows and denies).
    pub matched: Vec<MatchedStatement>,
    /// Condition keys named by statements whose action and resource match but absent from the
    /// request (what `SimulatePrincipalPolicy` reports as `MissingContextValues`).
    pub missing_context_values: Vec<String>,
}

/// Why a policy set could not be evaluated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvaluateError {
    /// A document is not a policy `iam-rs` understands.
    #[error("policy {name} is not a valid IAM policy document: {reason}")]
    InvalidPolicy {
        /// The policy's label.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The evaluator refused the request.
    #[error("cannot evaluate the request: {0}")]
    InvalidRequest(String),
}

/// Checks that a JSON document parses as an IAM policy (what IAM's `MalformedPolicyDocument` guards).
pub fn validate_policy(document: &Value) -> Result<(), String> {
    let policy = IAMPolicy::deserialize(document).map_err(|e| e.to_string())?;
    if policy.statement.is_empty() {
        return Err("the policy has no statements".into());
    }
    Ok(())
}

/// Evaluates `request` against `policies` with IAM's logic: an explicit deny wins, then an allow,
/// else an implicit deny.
pub fn evaluate(
    policies: &[NamedPolicy],
    request: &RequestContext,
) -> Result<Evaluation, EvaluateError> {
    let mut parsed = Vec::with_capacity(policies.len());
    for named in policies {
        // Deserialised from the borrowed document: the same parse as `from_value` without
        // copying the document first (the sandbox's start-up replay evaluates each one often).
        let policy =
            IAMPolicy::deserialize(&named.document).map_err(|e| EvaluateError::InvalidPolicy {
                name: named.name.clone(),
                reason: e.to_string(),
            })?;
        parsed.push((named, policy));
    }
    let key_types = condition_key_types(policies);
    let iam_request = to_iam_request(request, &key_types);

    let mut matched = Vec::new();
    let mut any_allow = false;
    let mut any_deny = false;
    for (named, policy) in parsed {
        let evaluator =
            PolicyEvaluator::with_policies(vec![policy]).with_options(EvaluationOptions {
                stop_on_explicit_deny: false,
                collect_match_details: true,
                max_statements: usize::MAX,
                ignore_resource_constraints: false,
            });
        let result = evaluator
            .evaluate(&iam_request)
            .map_err(|e| EvaluateError::InvalidRequest(e.to_string()))?;
        match result.decision {
            IamDecision::Allow => any_allow = true,
            IamDecision::Deny => any_deny = true,
            IamDecision::NotApplicable => {}
        }
        // statement_details is in statement order, one entry per statement.
        for (detail, raw) in result
            .statement_details
            .iter()
            .zip(statements_of(&named.document))
        {
            if detail.conditions_satisfied {
                matched.push(MatchedStatement {
                    policy: named.name.clone(),
                    sid: detail.sid.clone(),
                    effect: match detail.effect {
                        iam_rs::IAMEffect::Allow => Effect::Allow,
                        iam_rs::IAMEffect::Deny => Effect::Deny,
                    },
                    actions: string_list(raw.get("Action")),
                    resources: string_list(raw.get("Resource")),
                });
            }
        }
    }
    let decision = if any_deny {
        Decision::ExplicitDeny
    } else if any_allow {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    };
    let missing_context_values = missing_keys(policies, request);
    Ok(Evaluation {
        decision,
        matched,
        missing_context_values,
    })
}

/// The statements of a policy document (`Statement` may be one object or a list).
pub fn statements_of(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

/// A JSON string or list of strings as a list.
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::Bool(b)) => vec![b.to_string()],
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Text,
    Boolean,
    Number,
}

/// Which type each condition key is compared as, from the operators that name it.
fn condition_key_types(policies: &[NamedPolicy]) -> HashMap<String, KeyType> {
    let mut types = HashMap::new();
    for named in policies {
        for statement in statements_of(&named.document) {
            let Some(Value::Object(condition)) = statement.get("Condition") else {
                continue;
            };
            for (operator, keys) in condition {
                let base = operator
                    .trim_start_matches("ForAnyValue:")
                    .trim_start_matches("ForAllValues:");
                let kind = if base.starts_with("Bool") {
                    KeyType::Boolean
                } else if base.starts_with("Numeric") {
                    KeyType::Number
                } else {
                    KeyType::Text
                };
                if let Value::Object(keys) = keys {
                    for key in keys.keys() {
                        types.insert(key.to_ascii_lowercase(), kind);
                    }
                }
            }
        }
    }
    types
}

/// Condition keys named by statements whose action matches the request but missing from it.
fn missing_keys(policies: &[NamedPolicy], request: &RequestContext) -> Vec<String> {
    let present: Vec<String> = request
        .conditions
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let mut missing: Vec<String> = Vec::new();
    for named in policies {
        for statement in statements_of(&named.document) {
            let actions = string_list(statement.get("Action"));
            if !actions.iter().any(|a| action_matches(a, &request.action)) {
                continue;
            }
            let Some(Value::Object(condition)) = statement.get("Condition") else {
                continue;
            };
            for (operator, keys) in condition {
                if operator.ends_with("IfExists") || operator == "Null" {
                    continue;
                }
                if let Value::Object(keys) = keys {
                    for key in keys.keys() {
                        let lower = key.to_ascii_lowercase();
                        if !present.contains(&lower) && !missing.contains(key) {
                            missing.push(key.clone());
                        }
                    }
                }
            }
        }
    }
    missing
}

/// IAM action matching: case-insensitive, `*` and `?` wildcards.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    Arn::wildcard_match(&action.to_ascii_lowercase(), &pattern.to_ascii_lowercase())
}

fn to_iam_request(
    request: &RequestContext,
    key_types: &HashMap<String, KeyType>,
) -> iam_rs::IAMRequest {
    let mut context = Context::new();
    for (key, values) in &request.conditions {
        let kind = key_types
            .get(&key.to_ascii_lowercase())
            .copied()
            .unwrap_or(KeyType::Text);
        let value = match (kind, values.as_slice()) {
            (KeyType::Boolean, [one]) if one.eq_ignore_ascii_case("true") => {
                ContextValue::Boolean(true)
            }
            (KeyType::Boolean, [one]) if one.eq_ignore_ascii_case("false") => {
                ContextValue::Boolean(false)
            }
            (KeyType::Number, [one]) => match one.parse::<f64>() {
                Ok(n) => ContextValue::Number(n),
                Err(_) => ContextValue::String(one.clone()),
            },
            (_, [one]) => ContextValue::String(one.clone()),
            (_, many) => ContextValue::StringList(many.to_vec()),
        };
        context.insert(key.clone(), value);
    }
    // A resource that is not an ARN (e.g. `*`) still has to be an `Arn` for iam-rs; wrap it so
    // that only statements whose Resource is `*` (or a pattern that matches anything) apply.
    let resource = Arn::parse(&request.resource)
        .ok()
        .filter(Arn::is_valid)
        .unwrap_or(Arn {
            partition: "aws".into(),
            service: "restore-doctor-unknown".into(),
            region: String::new(),
            account_id: String::new(),
            resource: request.resource.clone(),
        });
    iam_rs::IAMRequest::new_with_context(
        Principal::Aws(PrincipalId::String(request.principal_arn.clone())),
        request.action.clone(),
        resource,
        context,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(action: &str, resource: &str, conditions: &[(&str, &str)]) -> RequestContext {
        RequestContext {
            principal_arn: "arn:aws:sts::111122223333:assumed-role/R/S".into(),
            action: action.into(),
            resource: resource.into(),
            conditions: conditions
                .iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect(),
        }
    }

    fn policy(doc: Value) -> Vec<NamedPolicy> {
        vec![NamedPolicy {
            name: "p".into(),
            document: doc,
        }]
    }

    #[test]
    fn passrole_with_service_condition() {
        let p = policy(
            json!({"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow",
            "Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/X",
            "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}),
        );
        let ok = request(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/X",
            &[("iam:PassedToService", "ec2.amazonaws.com")],
        );
        assert_eq!(evaluate(&p, &ok).unwrap().decision, Decision::Allowed);
        let other_service = request(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/X",
            &[("iam:PassedToService", "lambda.amazonaws.com")],
        );
        assert_eq!(
            evaluate(&p, &other_service).unwrap().decision,
            Decision::ImplicitDeny
        );
        let other_role = request(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/Y",
            &[("iam:PassedToService", "ec2.amazonaws.com")],
        );
        assert_eq!(
            evaluate(&p, &other_role).unwrap().decision,
            Decision::ImplicitDeny
        );
        let missing = request("iam:PassRole", "arn:aws:iam::111122223333:role/X", &[]);
        let eval = evaluate(&p, &missing).unwrap();
        assert_eq!(eval.decision, Decision::ImplicitDeny);
        assert_eq!(eval.missing_context_values, vec!["iam:PassedToService"]);
    }

    #[test]
    fn bool_condition_matches_string_true() {
        let p = policy(
            json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Action":"kms:CreateGrant","Resource":"arn:aws:kms:us-east-1:111122223333:key/k",
            "Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}),
        );
        let r = request(
            "kms:CreateGrant",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            &[("kms:GrantIsForAWSResource", "true")],
        );
        assert_eq!(evaluate(&p, &r).unwrap().decision, Decision::Allowed);
        let f = request(
            "kms:CreateGrant",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            &[("kms:GrantIsForAWSResource", "false")],
        );
        assert_eq!(evaluate(&p, &f).unwrap().decision, Decision::ImplicitDeny);
    }

    #[test]
    fn explicit_deny_wins_and_wildcards_match() {
        let p = vec![
            NamedPolicy {
                name: "allow".into(),
                document: json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}),
            },
            NamedPolicy {
                name: "guardrail".into(),
                document: json!({"Version":"2012-10-17","Statement":{"Sid":"NoRun","Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}}),
            },
        ];
        let r = request(
            "ec2:runinstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            &[],
        );
        let eval = evaluate(&p, &r).unwrap();
        assert_eq!(eval.decision, Decision::ExplicitDeny);
        assert!(
            eval.matched
                .iter()
                .any(|m| m.sid.as_deref() == Some("NoRun")
                    && m.effect == Effect::Deny
                    && m.policy == "guardrail")
        );
        let tags = request(
            "ec2:CreateTags",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            &[],
        );
        assert_eq!(evaluate(&p, &tags).unwrap().decision, Decision::Allowed);
    }

    #[test]
    fn if_exists_and_set_operators() {
        let p = policy(json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
             "Condition":{"StringLikeIfExists":{"ec2:InstanceType":"t3.*"}}},
            {"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*",
             "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["forbidden"]}}}]}));
        let absent = request(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            &[],
        );
        assert_eq!(evaluate(&p, &absent).unwrap().decision, Decision::Allowed);
        let wrong = request(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            &[("ec2:InstanceType", "m5.large")],
        );
        assert_eq!(
            evaluate(&p, &wrong).unwrap().decision,
            Decision::ImplicitDeny
        );
        let tagged = request(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            &[("aws:TagKeys", "forbidden")],
        );
        assert_eq!(
            evaluate(&p, &tagged).unwrap().decision,
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn arn_like_and_not_equals() {
        let p = policy(json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
             "Condition":{"ArnLike":{"aws:ARN":"arn:aws:iam::*:role/App*"},
                          "StringNotEquals":{"aws:Region":"eu-west-1"}}}]}));
        let ok = request(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/AppServer",
            &[
                ("aws:ARN", "arn:aws:iam::111122223333:role/AppServer"),
                ("aws:Region", "us-east-1"),
            ],
        );
        assert_eq!(evaluate(&p, &ok).unwrap().decision, Decision::Allowed);
        let region = request(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/AppServer",
            &[
                ("aws:ARN", "arn:aws:iam::111122223333:role/AppServer"),
                ("aws:Region", "eu-west-1"),
            ],
        );
        assert_eq!(
            evaluate(&p, &region).unwrap().decision,
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn invalid_policy_is_an_error() {
        let p = policy(json!({"Statement": "nope"}));
        let r = request("iam:PassRole", "*", &[]);
        assert!(matches!(
            evaluate(&p, &r),
            Err(EvaluateError::InvalidPolicy { .. })
        ));
        assert!(validate_policy(&json!({"Version":"2012-10-17","Statement":[]})).is_err());
    }
}
