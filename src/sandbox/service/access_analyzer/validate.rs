//! `ValidatePolicy`: a subset of Access Analyzer's policy checks, each with the issue code,
//! finding type and learn-more link of AWS's policy check reference
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>):
//! JSON syntax, the Version, Effect, Action and Resource elements in IAM's grammar, an action
//! whose service IAM does not know, `iam:PassRole` allowed on `*` without `iam:PassedToService`,
//! and actions made redundant by a wildcard in the same statement.

use serde_json::{Value, json};

use super::spans::{Spans, Step, position};
use crate::diagnosis::evaluate::{action_matches, string_list};
use crate::sandbox::iam_services::SERVICES;

const REFERENCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";

/// A finding's impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindingType {
    Error,
    SecurityWarning,
    Suggestion,
    Warning,
}

impl FindingType {
    fn wire_name(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::SecurityWarning => "SECURITY_WARNING",
            Self::Suggestion => "SUGGESTION",
            Self::Warning => "WARNING",
        }
    }

    /// The anchor prefix of the reference page's sections.
    fn anchor(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::SecurityWarning => "security-warning",
            Self::Suggestion => "suggestion",
            Self::Warning => "general-warning",
        }
    }
}

struct Findings<'a> {
    text: &'a str,
    spans: Spans,
    out: Vec<Value>,
}

impl Findings<'_> {
    fn add(&mut self, kind: FindingType, code: &str, details: String, path: &[Step]) {
        let (start, end) = self.spans.span(path).unwrap_or((0, self.text.len()));
        let path_json: Vec<Value> = path
            .iter()
            .map(|step| match step {
                Step::Key(key) => json!({"value": key}),
                Step::Index(i) => json!({"index": i}),
            })
            .collect();
        self.out.push(json!({
            "findingDetails": details,
            "findingType": kind.wire_name(),
            "issueCode": code,
            "learnMoreLink": format!(
                "{REFERENCE}#access-analyzer-reference-policy-checks-{}-{}",
                kind.anchor(),
                code.to_ascii_lowercase().replace('_', "-")
            ),
            "locations": [{"path": path_json, "span": {
                "start": position(self.text, start), "end": position(self.text, end)}}],
        }));
    }
}

/// The findings for `text`, a policy of `policy_type` (`IDENTITY_POLICY`, …).
pub fn findings(text: &str, policy_type: &str) -> Vec<Value> {
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            let offset = text
                .lines()
                .take(error.line().saturating_sub(1))
                .map(|l| l.len() + 1)
                .sum::<usize>()
                + error.column().saturating_sub(1);
            let at = position(text, offset);
            return vec![json!({
                "findingDetails": format!(
                    "Fix the JSON syntax error at index {offset} line {} column {}.",
                    at["line"], at["column"]),
                "findingType": "ERROR",
                "issueCode": "JSON_SYNTAX_ERROR",
                "learnMoreLink": format!("{REFERENCE}#access-analyzer-reference-policy-checks-error-json-syntax-error"),
                "locations": [{"path": [], "span": {"start": at.clone(), "end": at}}],
            })];
        }
    };
    let mut findings = Findings {
        text,
        spans: Spans::of(text).unwrap_or_default(),
        out: Vec::new(),
    };
    match document.get("Version").and_then(Value::as_str) {
        None => findings.add(
            FindingType::Warning,
            "MISSING_VERSION",
            "We recommend that you specify the Version element to help you with debugging permission issues.".into(),
            &[],
        ),
        Some("2012-10-17" | "2008-10-17") => {}
        Some(other) => findings.add(
            FindingType::Error,
            "INVALID_VERSION",
            format!("The {other} version is not valid. Use one of the following versions: 2012-10-17, 2008-10-17."),
            &[Step::Key("Version".into())],
        ),
    }
    let statements: Vec<(Vec<Step>, &Value)> = match document.get("Statement") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| (vec![Step::Key("Statement".into()), Step::Index(i)], s))
            .collect(),
        Some(one) => vec![(vec![Step::Key("Statement".into())], one)],
        None => Vec::new(),
    };
    for (path, statement) in statements {
        check_statement(&mut findings, &path, statement, policy_type);
    }
    findings.out
}

fn at(path: &[Step], key: &str) -> Vec<Step> {
    let mut path = path.to_vec();
    path.push(Step::Key(key.into()));
    path
}

fn check_statement(
    findings: &mut Findings<'_>,
    path: &[Step],
    statement: &Value,
    policy_type: &str,
) {
    let effect = statement.get("Effect").and_then(Value::as_str);
    match effect {
        None => findings.add(
            FindingType::Error,
            "MISSING_EFFECT",
            "Add an Effect element to this policy statement with a value of Allow or Deny.".into(),
            path,
        ),
        Some("Allow" | "Deny") => {}
        Some(other) => findings.add(
            FindingType::Error,
            "INVALID_EFFECT",
            format!("The effect {other} is not valid. Use Allow or Deny."),
            &at(path, "Effect"),
        ),
    }
    let has = |key: &str| statement.get(key).is_some();
    if !has("Action") && !has("NotAction") {
        findings.add(
            FindingType::Error,
            "MISSING_ACTION",
            "Add an Action or NotAction element to this policy statement.".into(),
            path,
        );
    }
    if policy_type == "IDENTITY_POLICY" && !has("Resource") && !has("NotResource") {
        findings.add(
            FindingType::Error,
            "MISSING_RESOURCE",
            "Add a Resource or NotResource element to this policy statement.".into(),
            path,
        );
    }
    let actions = string_list(statement.get("Action"));
    let action_path = |i: usize| {
        let mut p = at(path, "Action");
        if statement.get("Action").is_some_and(Value::is_array) {
            p.push(Step::Index(i));
        }
        p
    };
    for (i, action) in actions.iter().enumerate() {
        let Some((service, _)) = action.split_once(':') else {
            continue;
        };
        if !SERVICES.contains(&service.to_ascii_lowercase().as_str()) {
            findings.add(
                FindingType::Error,
                "INVALID_SERVICE_IN_ACTION",
                format!("The service {service} specified in the action does not exist."),
                &action_path(i),
            );
        }
    }
    let resources = string_list(statement.get("Resource"));
    let passed_to_service = statement
        .get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|operators| {
            operators.values().any(|keys| {
                keys.as_object().is_some_and(|k| {
                    k.keys()
                        .any(|k| k.eq_ignore_ascii_case("iam:PassedToService"))
                })
            })
        });
    if effect == Some("Allow")
        && !passed_to_service
        && resources.iter().any(|r| r == "*")
        && let Some(i) = actions
            .iter()
            .position(|a| action_matches(a, "iam:PassRole"))
    {
        findings.add(
            FindingType::SecurityWarning,
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.".into(),
            &action_path(i),
        );
    }
    for (i, action) in actions.iter().enumerate() {
        if let Some(wider) = actions
            .iter()
            .enumerate()
            .find(|(j, other)| *j != i && *other != action && action_matches(other, action))
            .map(|(_, other)| other)
        {
            findings.add(
                FindingType::Suggestion,
                "REDUNDANT_ACTION",
                format!("The action {action} is redundant because it provides similar permissions to this action: {wider}."),
                &action_path(i),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        findings(text, "IDENTITY_POLICY")
            .iter()
            .map(|f| f["issueCode"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn each_check_reports_its_issue_code() {
        assert_eq!(codes("{\"Version\": "), ["JSON_SYNTAX_ERROR"]);
        assert_eq!(
            codes(r#"{"Statement": [{"Effect": "Maybe", "Action": "nosuchsvc:Do"}]}"#),
            [
                "MISSING_VERSION",
                "INVALID_EFFECT",
                "MISSING_RESOURCE",
                "INVALID_SERVICE_IN_ACTION"
            ]
        );
        let pass = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"}]}"#;
        let found = findings(pass, "IDENTITY_POLICY");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["issueCode"], "PASS_ROLE_WITH_STAR_IN_RESOURCE");
        assert_eq!(found[0]["findingType"], "SECURITY_WARNING");
        let span = &found[0]["locations"][0]["span"];
        let (s, e) = (
            span["start"]["offset"].as_u64().unwrap() as usize,
            span["end"]["offset"].as_u64().unwrap() as usize,
        );
        assert_eq!(&pass[s..e], "\"iam:PassRole\"");
        let conditioned = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]}"#;
        assert!(codes(conditioned).is_empty());
        let redundant = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}"#;
        assert_eq!(codes(redundant), ["REDUNDANT_ACTION"]);
    }
}
