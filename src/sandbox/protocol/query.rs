//! The awsQuery protocol (STS and IAM): `POST /` with a form body (`Action`, `Version`, members
//! as `Name`, `List.member.N`, `List.member.N.Field`), XML answers in
//! `<{Operation}Response>` and errors in `<ErrorResponse>`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::xml;
use crate::sandbox::model::{Kind, Shape};
use crate::sandbox::wire::{AwsError, Call, Reply};

/// A request's form parameters.
pub type Params = BTreeMap<String, String>;

/// Parses the form body (and any query string) into parameters.
pub fn params_of(call: &Call) -> Params {
    let mut params = Params::new();
    for (key, value) in
        form_urlencoded::parse(call.query.as_bytes()).chain(form_urlencoded::parse(&call.body))
    {
        params.insert(key.into_owned(), value.into_owned());
    }
    params
}

/// True when the request is in awsJson (`application/x-amz-json-…`), which STS and IAM don't
/// speak.
pub fn is_json(call: &Call) -> bool {
    call.content_type.starts_with("application/x-amz-json")
}

/// The members of `shape` read from the form: `{"RoleName": "…", "ActionNames": ["…"]}`.
pub fn input_of(params: &Params, shape: &Shape) -> Value {
    read(params, "", shape).unwrap_or_else(|| Value::Object(Map::new()))
}

fn read(params: &Params, prefix: &str, shape: &Shape) -> Option<Value> {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match shape.kind {
        Kind::Struct => {
            let mut object = Map::new();
            for member in shape.members {
                if let Some(v) = read(params, &join(member.name), member.shape) {
                    object.insert(member.name.to_string(), v);
                }
            }
            (prefix.is_empty() || !object.is_empty()).then_some(Value::Object(object))
        }
        Kind::List => {
            let item = shape.item?;
            let items: Vec<Value> = (1..)
                .map_while(|i| read(params, &format!("{prefix}.member.{i}"), item))
                .collect();
            // `Name=` with no members is the empty list.
            (!items.is_empty() || params.get(prefix).is_some_and(String::is_empty))
                .then_some(Value::Array(items))
        }
        Kind::Map => {
            let mut object = Map::new();
            for i in 1.. {
                let (Some(k), Some(v)) = (
                    params.get(&format!("{prefix}.entry.{i}.key")),
                    params.get(&format!("{prefix}.entry.{i}.value")),
                ) else {
                    break;
                };
                object.insert(k.clone(), Value::String(v.clone()));
            }
            (!object.is_empty()).then_some(Value::Object(object))
        }
        Kind::Int => params.get(prefix).map(|text| {
            text.parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.clone()))
        }),
        Kind::Bool => params.get(prefix).map(|text| match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.clone()),
        }),
        Kind::Str | Kind::Timestamp => params.get(prefix).map(|t| Value::String(t.clone())),
    }
}

/// An awsQuery error reply in the service's namespace.
pub fn error(namespace: &str, error: &AwsError, request_id: &str) -> Reply {
    let sender = error.status < 500;
    Reply::new(
        error.status,
        "text/xml",
        xml::error(namespace, sender, &error.code, &error.message, request_id),
    )
}

/// A success reply for `operation` with `result` (None for operations without output).
pub fn ok(namespace: &str, operation: &str, result: Option<&str>, request_id: &str) -> Reply {
    Reply::new(
        200,
        "text/xml",
        xml::response(namespace, operation, result, request_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::model;

    fn call(body: &str) -> Call {
        Call {
            method: "POST".into(),
            path: "/".into(),
            content_type: "application/x-www-form-urlencoded; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn form_bodies_parse_into_the_models_members() {
        let params = params_of(&call(
            "Action=SimulatePrincipalPolicy&PolicySourceArn=arn&ActionNames.member.1=a%3Ab&ActionNames.member.2=c%3Ad&ActionNames.member.4=gap&ContextEntries.member.1.ContextKeyName=aws%3ARegion&ContextEntries.member.1.ContextKeyValues.member.1=us-east-1&MaxItems=2",
        ));
        assert_eq!(params["ActionNames.member.1"], "a:b");
        let shape = model::operation("iam", "SimulatePrincipalPolicy")
            .unwrap()
            .input;
        let input = input_of(&params, shape);
        assert_eq!(input["ActionNames"], serde_json::json!(["a:b", "c:d"]));
        assert_eq!(input["MaxItems"], 2);
        assert_eq!(
            input["ContextEntries"][0]["ContextKeyValues"],
            serde_json::json!(["us-east-1"])
        );
        assert!(input.get("ResourceArns").is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_body_parses_without_panicking(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let mut c = call("");
            c.body = body;
            let params = params_of(&c);
            let shape = model::operation("iam", "SimulatePrincipalPolicy").unwrap().input;
            let _ = input_of(&params, shape);
        }
    }
}
