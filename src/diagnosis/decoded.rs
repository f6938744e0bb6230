//! The decoded authorization message, parsed tolerantly: every field optional, unknown fields
//! kept, AWS's `{"items": [...]}` lists understood (and the older `{"item": …}` values), the AWS
//! CLI's `{"DecodedMessage": "…"}` wrapper and its `--query DecodedMessage --output json` form (a
//! JSON string holding the JSON) accepted, a UTF-8 byte-order mark (PowerShell) ignored. A
//! plain-text denial becomes the same model ([`DecodedMessage::from_plain`]), so every later step
//! reads one type.

use serde_json::{Map, Value};

use super::kinds::DenialSource;
use super::plain::PlainDenial;
use super::principal::Principal;
use super::token;

/// Inputs larger than this are refused before parsing (real messages are a few kilobytes).
pub const MAX_DECODED_LEN: usize = 1024 * 1024;

/// Why the text is not a decoded message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The text holds the *encoded* token, which only STS can decode.
    #[error(
        "this is an encoded authorization message, not a decoded one: run `restore-doctor decode` on it first"
    )]
    EncodedTokenGiven,
    /// Not JSON at all.
    #[error("not valid JSON ({0}): expected a decoded authorization message")]
    MalformedJson(String),
    /// JSON, but not a decoded message.
    #[error(
        "this JSON is not a decoded authorization message (expected \"allowed\" and \"context\", or the AWS CLI's \"DecodedMessage\")"
    )]
    NotDecodedMessage,
    /// Too large to be a decoded message.
    #[error("input is {0} bytes; a decoded authorization message is at most 1 MiB")]
    TooLarge(usize),
}

/// A statement listed in `matchedStatements`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchedStatement {
    /// `statementId`.
    pub sid: Option<String>,
    /// `effect`, upper case in AWS (`DENY`, `ALLOW`), kept as given.
    pub effect: Option<String>,
    /// `actions.items[].value`.
    pub actions: Vec<String>,
    /// `resources.items[].value`.
    pub resources: Vec<String>,
}

impl MatchedStatement {
    /// True for a deny statement (case-insensitive).
    pub fn is_deny(&self) -> bool {
        self.effect
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("deny"))
    }
}

/// The parsed message.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedMessage {
    /// `allowed`.
    pub allowed: Option<bool>,
    /// `explicitDeny`.
    pub explicit_deny: Option<bool>,
    /// `matchedStatements.items`.
    pub matched_statements: Vec<MatchedStatement>,
    /// `context.principal.id`.
    pub principal_id: Option<String>,
    /// `context.principal.arn`, parsed.
    pub principal: Principal,
    /// `context.action`, normalised to `service:Action` where the prefix could be recovered.
    pub action: String,
    /// `context.resource`.
    pub resource: String,
    /// `context.conditions.items`, in the order given (a key may have several values).
    pub conditions: Vec<(String, Vec<String>)>,
    /// The whole message as it came, unknown fields included.
    pub raw: Value,
    /// Which text it came from.
    pub source: DenialSource,
    /// The plain-text denial that came with it (the whole message for `plain_text`; the text
    /// around the token for a hybrid), for the policy type, the denying policy's ARN and the
    /// authorization ID, which a decoded message does not carry.
    pub text: Option<PlainDenial>,
}

impl DecodedMessage {
    /// Parses a decoded message, or the AWS CLI's output wrapper around one.
    pub fn parse(text: &str) -> Result<DecodedMessage, ParseError> {
        if text.len() > MAX_DECODED_LEN {
            return Err(ParseError::TooLarge(text.len()));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                if token::contains_token(text) {
                    return Err(ParseError::EncodedTokenGiven);
                }
                return Err(ParseError::MalformedJson(format!(
                    "line {}, column {}",
                    e.line(),
                    e.column()
                )));
            }
        };
        Self::from_value(value)
    }

    /// Builds the model from parsed JSON (either form).
    pub fn from_value(value: Value) -> Result<DecodedMessage, ParseError> {
        let object = match value {
            Value::Object(object) => object,
            // `--query DecodedMessage --output json`: the JSON, as a JSON string.
            Value::String(s) => {
                if token::contains_token(&s) {
                    return Err(ParseError::EncodedTokenGiven);
                }
                let s = s.strip_prefix('\u{feff}').unwrap_or(&s);
                return match serde_json::from_str::<Value>(s) {
                    Ok(inner @ Value::Object(_)) => Self::from_value(inner),
                    _ => Err(ParseError::NotDecodedMessage),
                };
            }
            _ => return Err(ParseError::NotDecodedMessage),
        };
        if let Some(inner) = object.get("DecodedMessage") {
            return match inner {
                Value::String(s) => {
                    let inner: Value =
                        serde_json::from_str(s).map_err(|_| ParseError::NotDecodedMessage)?;
                    Self::from_value(inner)
                }
                Value::Object(_) => Self::from_value(inner.clone()),
                _ => Err(ParseError::NotDecodedMessage),
            };
        }
        let looks_decoded = ["allowed", "explicitDeny", "context", "matchedStatements"]
            .iter()
            .any(|k| object.contains_key(*k));
        if !looks_decoded {
            return Err(ParseError::NotDecodedMessage);
        }
        let context = object.get("context").and_then(Value::as_object);
        let principal_obj = context
            .and_then(|c| c.get("principal"))
            .and_then(Value::as_object);
        let principal_id = principal_obj.and_then(|p| str_field(p, "id"));
        let principal_arn = principal_obj
            .and_then(|p| str_field(p, "arn"))
            .unwrap_or_default();
        let resource = context
            .and_then(|c| str_field(c, "resource"))
            .unwrap_or_default();
        let conditions = context
            .and_then(|c| c.get("conditions"))
            .map(parse_conditions)
            .unwrap_or_default();
        let matched_statements: Vec<MatchedStatement> = object
            .get("matchedStatements")
            .map(items)
            .unwrap_or_default()
            .into_iter()
            .filter_map(Value::as_object)
            .map(parse_statement)
            .collect();
        let raw_action = context
            .and_then(|c| str_field(c, "action"))
            .unwrap_or_default();
        let action = normalise_action(&raw_action, &conditions, &matched_statements);
        Ok(DecodedMessage {
            allowed: object.get("allowed").and_then(as_bool),
            explicit_deny: object.get("explicitDeny").and_then(as_bool),
            matched_statements,
            principal_id,
            principal: Principal::parse(&principal_arn),
            action,
            resource,
            conditions,
            raw: Value::Object(object),
            source: DenialSource::Decoded,
            text: None,
        })
    }

    /// The model of a plain-text denial: not allowed, explicit when the text says so, no
    /// conditions (a plain-text message shows none: they are unknown, not absent).
    pub fn from_plain(denial: &PlainDenial) -> DecodedMessage {
        DecodedMessage {
            allowed: Some(false),
            explicit_deny: Some(denial.explicit == Some(true)),
            matched_statements: Vec::new(),
            principal_id: None,
            principal: Principal::parse(denial.principal.as_deref().unwrap_or_default()),
            action: denial.action.clone().unwrap_or_default(),
            resource: denial.resource.clone().unwrap_or_default(),
            conditions: Vec::new(),
            raw: serde_json::to_value(denial).unwrap_or_default(),
            source: DenialSource::PlainText,
            text: Some(denial.clone()),
        }
    }

    /// This message as decoded from a token, with the text that came around the token (a
    /// hybrid: the token gives the context, the text the policy type and ARN).
    pub fn decoded_from_token(mut self, text: Option<PlainDenial>) -> DecodedMessage {
        self.source = DenialSource::Encoded;
        self.text = text;
        self
    }

    /// The first value of a condition key (keys compare case-insensitively, as in IAM).
    pub fn condition(&self, key: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

fn str_field(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// AWS lists are `{"items": [...]}`; a plain array is accepted too.
fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("items").or_else(|| o.get("item")) {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Values are `{"value": "x"}` items; bare strings are accepted too.
fn values(value: &Value) -> Vec<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            // Older documentation shows `{"item": "x"}` (or `{"item": {"value": "x"}}`).
            Value::Object(o) => str_field(o, "value").or_else(|| match o.get("item")? {
                Value::Object(inner) => str_field(inner, "value"),
                other => str_field(
                    &Map::from_iter([("item".to_string(), other.clone())]),
                    "item",
                ),
            }),
            _ => None,
        }
    };
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => one(value).into_iter().collect(),
        _ => items(value).into_iter().filter_map(one).collect(),
    }
}

fn parse_conditions(value: &Value) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for item in items(value) {
        let Some(mut object) = item.as_object() else {
            continue;
        };
        if !object.contains_key("key")
            && let Some(Value::Object(inner)) = object.get("item")
        {
            object = inner;
        }
        let Some(key) = str_field(object, "key") else {
            continue;
        };
        let vals = object.get("values").map(values).unwrap_or_default();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => existing.extend(vals),
            None => out.push((key, vals)),
        }
    }
    out
}

fn parse_statement(object: &Map<String, Value>) -> MatchedStatement {
    MatchedStatement {
        sid: str_field(object, "statementId").filter(|s| !s.is_empty()),
        effect: str_field(object, "effect"),
        actions: object.get("actions").map(values).unwrap_or_default(),
        resources: object.get("resources").map(values).unwrap_or_default(),
    }
}

/// Restores the `service:` prefix some services omit, from `aws:Service` or a matched statement.
fn normalise_action(
    action: &str,
    conditions: &[(String, Vec<String>)],
    statements: &[MatchedStatement],
) -> String {
    if action.is_empty() || action.contains(':') {
        return action.to_string();
    }
    let from_statements = statements
        .iter()
        .flat_map(|s| s.actions.iter())
        .find_map(|a| {
            let (service, name) = a.split_once(':')?;
            name.eq_ignore_ascii_case(action)
                .then(|| service.to_ascii_lowercase())
        });
    let from_service_key = conditions
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("aws:Service"))
        .and_then(|(_, v)| v.first())
        .map(|s| s.split('.').next().unwrap_or(s).to_ascii_lowercase());
    match from_statements.or(from_service_key) {
        Some(service) if !service.is_empty() => format!("{service}:{action}"),
        _ => action.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::kinds::DenialSource;
    use crate::diagnosis::principal::PrincipalType;
    use proptest::prelude::*;

    pub(crate) const ARTICLE: &str =
        include_str!("../../assets/examples/backup-passrole-implicit-deny.json");
    pub(crate) const EXPLICIT: &str = include_str!("../../assets/examples/ec2-explicit-deny.json");

    #[test]
    fn article_message() {
        let m = DecodedMessage::parse(ARTICLE).unwrap();
        assert_eq!(m.allowed, Some(false));
        assert_eq!(m.explicit_deny, Some(false));
        assert_eq!(m.action, "iam:PassRole");
        assert_eq!(
            m.resource,
            "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup"
        );
        assert_eq!(m.principal.kind, PrincipalType::AssumedRole);
        assert_eq!(
            m.principal.name.as_deref(),
            Some("AWSBackupDefaultServiceRole")
        );
        assert_eq!(m.condition("aws:service"), Some("ec2"));
        assert_eq!(m.conditions.len(), 7);
    }

    #[test]
    fn prefixless_action_is_normalised() {
        let m = DecodedMessage::parse(EXPLICIT).unwrap();
        assert_eq!(m.action, "ec2:RunInstances");
        assert!(m.matched_statements[0].is_deny());
        assert_eq!(
            m.matched_statements[0].sid.as_deref(),
            Some("VisualEditor0")
        );
        let from_key = r#"{"allowed":false,"context":{"action":"CreateVolume","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}}]}}}"#;
        assert_eq!(
            DecodedMessage::parse(from_key).unwrap().action,
            "ec2:CreateVolume"
        );
    }

    #[test]
    fn cli_wrapper_is_accepted() {
        let wrapped = serde_json::json!({ "DecodedMessage": ARTICLE }).to_string();
        let m = DecodedMessage::parse(&wrapped).unwrap();
        assert_eq!(m.action, "iam:PassRole");
    }

    #[test]
    fn every_form_the_aws_cli_and_powershell_produce() {
        // `aws sts decode-authorization-message --query DecodedMessage --output json` prints the
        // decoded JSON as one JSON string (AWS CLI reference, decode-authorization-message:
        // https://docs.aws.amazon.com/cli/latest/reference/sts/decode-authorization-message.html).
        let compact: Value = serde_json::from_str(ARTICLE).unwrap();
        let as_string = serde_json::to_string(&compact.to_string()).unwrap();
        assert!(as_string.starts_with('"'));
        assert_eq!(
            DecodedMessage::parse(&as_string).unwrap().action,
            "iam:PassRole"
        );
        // PowerShell's `Out-File -Encoding utf8` writes a byte-order mark and CRLF line ends.
        let powershell = format!("\u{feff}{}", ARTICLE.replace('\n', "\r\n"));
        let m = DecodedMessage::parse(&powershell).unwrap();
        assert_eq!(m.action, "iam:PassRole");
        assert_eq!(m.conditions.len(), 7);
        let wrapped_with_bom = format!(
            "\u{feff}{}",
            serde_json::json!({ "DecodedMessage": ARTICLE })
        );
        assert_eq!(
            DecodedMessage::parse(&wrapped_with_bom).unwrap().source,
            DenialSource::Decoded
        );
        // A JSON string that holds no decoded message is still refused.
        assert_eq!(
            DecodedMessage::parse("\"hello\""),
            Err(ParseError::NotDecodedMessage)
        );
    }

    #[test]
    fn older_item_condition_values_are_kept() {
        // The project's reference notes (shared/reference/iam-layers.md, section 1) record that
        // older AWS documentation shows condition values as `[{"item": …}]`; no public copy of
        // the exact shape was found, so the string and the `{"value": …}` forms are both read.
        // They were silently dropped before.
        let old = r#"{"allowed":false,"explicitDeny":false,"context":{"principal":{"arn":"arn:aws:iam::1:user/u"},"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1:1:instance/*","conditions":{"items":[
            {"key":"ec2:InstanceType","values":{"items":[{"item":"t2.micro"}]}},
            {"key":"aws:Service","values":[{"item":{"value":"ec2"}}]},
            {"item":{"key":"ec2:Region","values":{"items":[{"value":"us-east-1"}]}}}]}}}"#;
        let m = DecodedMessage::parse(old).unwrap();
        assert_eq!(m.condition("ec2:InstanceType"), Some("t2.micro"));
        assert_eq!(m.condition("aws:Service"), Some("ec2"));
        assert_eq!(m.condition("ec2:Region"), Some("us-east-1"));
    }

    #[test]
    fn minimal_message_and_unknown_fields() {
        let m =
            DecodedMessage::parse(r#"{"allowed":true,"context":{},"newField":{"x":1}}"#).unwrap();
        assert_eq!(m.allowed, Some(true));
        assert_eq!(m.action, "");
        assert_eq!(m.raw["newField"]["x"], 1);
    }

    #[test]
    fn errors_are_specific() {
        assert!(matches!(
            DecodedMessage::parse("{not json"),
            Err(ParseError::MalformedJson(_))
        ));
        assert_eq!(
            DecodedMessage::parse(r#"{"foo": 1}"#),
            Err(ParseError::NotDecodedMessage)
        );
        assert_eq!(
            DecodedMessage::parse("[1,2]"),
            Err(ParseError::NotDecodedMessage)
        );
        let encoded = format!("Encoded authorization failure message: {}", "A".repeat(300));
        assert_eq!(
            DecodedMessage::parse(&encoded),
            Err(ParseError::EncodedTokenGiven)
        );
        assert_eq!(
            DecodedMessage::parse(&"x".repeat(MAX_DECODED_LEN + 1)),
            Err(ParseError::TooLarge(MAX_DECODED_LEN + 1))
        );
    }

    #[test]
    fn tolerates_odd_shapes() {
        let odd = r#"{"allowed":"false","explicitDeny":null,"matchedStatements":[{"effect":"DENY","actions":["s3:GetObject"]}],
            "context":{"principal":"weird","action":7,"conditions":[{"key":"k","values":["a","b"]},{"key":"k","values":{"items":[{"value":"c"}]}}]}}"#;
        let m = DecodedMessage::parse(odd).unwrap();
        assert_eq!(m.allowed, Some(false));
        assert_eq!(m.action, "7");
        assert_eq!(
            m.conditions,
            vec![("k".to_string(), vec!["a".into(), "b".into(), "c".into()])]
        );
        assert_eq!(m.matched_statements[0].actions, vec!["s3:GetObject"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = DecodedMessage::parse(&text);
        }

        #[test]
        fn arbitrary_json_never_panics(keys in proptest::collection::vec("[a-zA-Z]{1,12}", 0..6), n in any::<i64>(), s in any::<String>()) {
            let mut context = serde_json::Map::new();
            for (i, k) in keys.iter().enumerate() {
                let v = match i % 3 { 0 => Value::from(n), 1 => Value::from(s.clone()), _ => serde_json::json!({"items": [{"value": s.clone()}]}) };
                context.insert(k.clone(), v);
            }
            let doc = serde_json::json!({"allowed": false, "context": context, "matchedStatements": {"items": [context.clone()]}});
            prop_assert!(DecodedMessage::parse(&doc.to_string()).is_ok());
        }
    }
}
