//! AWS's own service models for the operations the sandbox serves (generated into `tables.rs`
//! from botocore by `scripts/gen_sandbox_model.py`) and validation against them: required
//! members, enums, patterns, lengths and ranges, checked as AWS's front end checks them before
//! an operation runs.

mod tables;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// A shape's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Str,
    /// An integer or long.
    Int,
    /// A boolean.
    Bool,
    /// A list of `item`.
    List,
    /// A structure of `members`.
    Struct,
    /// A map of strings to `value`.
    Map,
    /// A timestamp.
    Timestamp,
}

/// Where a restJson1 member travels (no served operation has header members; the generator
/// refuses one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The JSON body (or, for awsQuery, the form).
    Body,
    /// A path label.
    Uri,
    /// The query string.
    Query,
}

/// A shape of a service model.
#[derive(Debug)]
pub struct Shape {
    /// Its type.
    pub kind: Kind,
    /// Least length (strings, lists) or value (integers).
    pub min: Option<i64>,
    /// Greatest length or value.
    pub max: Option<i64>,
    /// The regular expression a string must match, as the model writes it.
    pub pattern: Option<&'static str>,
    /// The allowed values, if an enum.
    pub enums: &'static [&'static str],
    /// A structure's members.
    pub members: &'static [Member],
    /// A list's item shape.
    pub item: Option<&'static Shape>,
}

/// A member of a structure.
#[derive(Debug)]
pub struct Member {
    /// The member name (`RoleName`).
    pub name: &'static str,
    /// Its shape.
    pub shape: &'static Shape,
    /// True when the model requires it.
    pub required: bool,
    /// Where it travels (restJson1).
    pub location: Location,
    /// Its name on the wire (`restoreJobId`, `maxResults`).
    pub wire_name: &'static str,
}

/// One operation's model.
#[derive(Debug)]
pub struct OperationModel {
    /// `iam`, `sts` or `backup`.
    pub service: &'static str,
    /// The operation name.
    pub name: &'static str,
    /// The HTTP method (restJson1).
    pub method: &'static str,
    /// The URI template (restJson1).
    pub uri: &'static str,
    /// The input shape.
    pub input: &'static Shape,
}

/// The model of `service`'s operation `name`. Every operation a service enum names has one: the
/// generator and the enums list the same operations (a unit test checks it).
pub fn operation(service: &str, name: &str) -> Option<&'static OperationModel> {
    tables::OPERATIONS
        .iter()
        .find(|o| o.service == service && o.name == name)
}

/// One failed constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, as AWS writes it (`roleName`, `actionNames.1.member`).
    pub path: String,
    /// The value as AWS quotes it; None when the member is missing.
    pub value: Option<String>,
    /// `Member must …`.
    pub constraint: String,
}

impl Violation {
    /// True when a required member is missing.
    pub fn is_missing(&self) -> bool {
        self.value.is_none()
    }
}

/// AWS's message for violations: `1 validation error detected: Value 'x' at 'roleName' failed to
/// satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`.
pub fn message(violations: &[Violation]) -> String {
    let count = violations.len();
    let parts: Vec<String> = violations
        .iter()
        .map(|v| {
            let value = v
                .value
                .as_ref()
                .map_or("null".to_string(), |v| format!("'{v}'"));
            format!(
                "Value {value} at '{}' failed to satisfy constraint: {}",
                v.path, v.constraint
            )
        })
        .collect();
    format!(
        "{count} validation error{} detected: {}",
        if count == 1 { "" } else { "s" },
        parts.join("; ")
    )
}

/// Checks `input` (members by model name) against `shape`.
pub fn validate(shape: &Shape, input: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check(shape, input, "", &mut out);
    out
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn quoted(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(quoted).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn check(shape: &Shape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let mut fail = |constraint: String| {
        out.push(Violation {
            path: path.to_string(),
            value: Some(quoted(value)),
            constraint,
        })
    };
    match shape.kind {
        Kind::Struct => {
            let Some(object) = value.as_object() else {
                return fail("Member must be a structure".into());
            };
            for member in shape.members {
                let at = if path.is_empty() {
                    lower_first(member.name)
                } else {
                    format!("{path}.{}", lower_first(member.name))
                };
                match object.get(member.name) {
                    None | Some(Value::Null) if member.required => out.push(Violation {
                        path: at,
                        value: None,
                        constraint: "Member must not be null".into(),
                    }),
                    None | Some(Value::Null) => {}
                    Some(v) => check(member.shape, v, &at, out),
                }
            }
        }
        Kind::List => {
            let Some(items) = value.as_array() else {
                return fail("Member must be a list".into());
            };
            length(shape, items.len(), &mut fail);
            if let Some(item) = shape.item {
                for (i, v) in items.iter().enumerate() {
                    check(item, v, &format!("{path}.{}.member", i + 1), out);
                }
            }
        }
        Kind::Map => {
            let Some(entries) = value.as_object() else {
                return fail("Member must be a map".into());
            };
            length(shape, entries.len(), &mut fail);
        }
        Kind::Int => {
            let Some(n) = value.as_i64() else {
                return fail("Member must be a number".into());
            };
            if let Some(min) = shape.min.filter(|min| n < *min) {
                fail(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
            if let Some(max) = shape.max.filter(|max| n > *max) {
                fail(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
        }
        Kind::Bool => {
            if !value.is_boolean() {
                fail("Member must be a boolean".into());
            }
        }
        Kind::Str | Kind::Timestamp => {
            let Some(text) = value.as_str() else {
                if shape.kind == Kind::Timestamp && value.is_number() {
                    return;
                }
                return fail("Member must be a string".into());
            };
            length(shape, text.chars().count(), &mut fail);
            if !shape.enums.is_empty() && !shape.enums.contains(&text) {
                fail(format!(
                    "Member must satisfy enum value set: [{}]",
                    shape.enums.join(", ")
                ));
            }
            if let Some(pattern) = shape.pattern
                && !matches(pattern, text)
            {
                fail(format!(
                    "Member must satisfy regular expression pattern: {pattern}"
                ));
            }
        }
    }
}

fn length(shape: &Shape, len: usize, fail: &mut impl FnMut(String)) {
    let len = len as i64;
    if let Some(min) = shape.min.filter(|min| len < *min) {
        fail(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = shape.max.filter(|max| len > *max) {
        fail(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

/// The model's (Java-flavoured) pattern in the `regex-lite` dialect, matched whole.
fn translate(pattern: &str) -> String {
    let mut out = String::from("^(?:");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        // `\u0009` (Java) is `\x{0009}` here.
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'u') && i + 6 <= chars.len() {
            let hex: String = chars[i + 2..i + 6].iter().collect();
            if hex.chars().all(|c| c.is_ascii_hexdigit()) {
                out.push_str(&format!("\\x{{{hex}}}"));
                i += 6;
                continue;
            }
        }
        // `\p{L}`, `\p{N}`, `\p{Z}` (Java's Unicode classes, in tag patterns): regex_lite has no
        // Unicode classes, so ASCII is checked exactly and every non-ASCII character is let
        // through (never refusing what AWS accepts).
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'p') && chars.get(i + 2) == Some(&'{') {
            let class: String = chars[i + 3..].iter().take_while(|c| **c != '}').collect();
            let ranges = match class.as_str() {
                "L" => Some("a-zA-Z\\x{0080}-\\x{10FFFF}"),
                "N" => Some("0-9\\x{0080}-\\x{10FFFF}"),
                "Z" => Some(" \\x{0080}-\\x{10FFFF}"),
                _ => None,
            };
            if let Some(ranges) = ranges {
                if in_class {
                    out.push_str(ranges);
                } else {
                    out.push_str(&format!("[{ranges}]"));
                }
                i += 4 + class.chars().count();
                continue;
            }
        }
        match chars[i] {
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
        out.push(chars[i]);
        if chars[i] == '\\' && i + 1 < chars.len() {
            out.push(chars[i + 1]);
            i += 1;
        }
        i += 1;
    }
    out.push_str(")$");
    out
}

/// True when `text` matches `pattern` whole. A pattern that does not compile accepts everything
/// (and is caught by the unit test that compiles every pattern of the tables).
fn matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex_lite::Regex>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned lock only means another request panicked while compiling; the cache is valid.
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    let regex = cache
        .entry(pattern)
        .or_insert_with(|| regex_lite::Regex::new(&translate(pattern)).ok());
    regex.as_ref().is_none_or(|r| r.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all_shapes() -> Vec<&'static Shape> {
        fn walk(shape: &'static Shape, out: &mut Vec<&'static Shape>) {
            if out.iter().any(|s| std::ptr::eq(*s, shape)) {
                return;
            }
            out.push(shape);
            for m in shape.members {
                walk(m.shape, out);
            }
            if let Some(item) = shape.item {
                walk(item, out);
            }
        }
        let mut out = Vec::new();
        for op in tables::OPERATIONS {
            walk(op.input, &mut out);
        }
        out
    }

    #[test]
    fn unicode_classes_check_ascii_exactly() {
        let tag_key = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
        let regex = regex_lite::Regex::new(&translate(tag_key)).unwrap();
        assert!(regex.is_match("Owner team:a/b"));
        assert!(regex.is_match("équipe"));
        assert!(!regex.is_match("a*b"));
    }

    #[test]
    fn every_pattern_of_the_models_compiles() {
        for shape in all_shapes() {
            if let Some(p) = shape.pattern {
                assert!(regex_lite::Regex::new(&translate(p)).is_ok(), "{p}");
            }
        }
    }

    #[test]
    fn iam_names_are_checked_as_iam_checks_them() {
        let put = operation("iam", "PutRolePolicy").unwrap();
        let v = validate(
            put.input,
            &json!({"RoleName": "bad name", "PolicyName": "P", "PolicyDocument": "{}"}),
        );
        assert_eq!(
            message(&v),
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
        let v = validate(put.input, &json!({"RoleName": "R"}));
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(Violation::is_missing));
        assert!(
            message(&v).starts_with("2 validation errors detected: Value null at 'policyName'")
        );
        let long = "a".repeat(65);
        let v = validate(
            put.input,
            &json!({"RoleName": long, "PolicyName": "P", "PolicyDocument": "{}"}),
        );
        assert_eq!(
            v[0].constraint,
            "Member must have length less than or equal to 64"
        );
        let doc = "\u{1}";
        let v = validate(
            put.input,
            &json!({"RoleName": "R", "PolicyName": "P", "PolicyDocument": doc}),
        );
        assert_eq!(
            v.len(),
            1,
            "control characters are outside the document pattern"
        );
    }

    #[test]
    fn ranges_enums_and_list_items() {
        let list = operation("backup", "ListRestoreJobs").unwrap();
        let v = validate(list.input, &json!({"MaxResults": 0, "ByStatus": "DONE"}));
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(
            v[0].constraint,
            "Member must have value greater than or equal to 1"
        );
        assert!(
            v[1].constraint
                .contains("[PENDING, RUNNING, COMPLETED, ABORTED, FAILED]")
        );
        let sim = operation("iam", "SimulatePrincipalPolicy").unwrap();
        let v = validate(
            sim.input,
            &json!({"PolicySourceArn": "arn:aws:iam::111122223333:role/R", "ActionNames": ["s3"]}),
        );
        assert_eq!(v[0].path, "actionNames.1.member");
    }
}
