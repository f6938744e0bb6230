//! The restJson1 protocol (Backup): operations chosen by method and path against the model's URI
//! templates, members from path labels, the query string and a JSON body; JSON answers and
//! errors with `x-amzn-ErrorType`.

use serde_json::{Map, Value, json};

use crate::sandbox::model::{Kind, Location, OperationModel};
use crate::sandbox::wire::{AwsError, Call, Reply};

/// The path's non-empty segments (`/restore-jobs/` and `/restore-jobs` are the same route).
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// The path labels (`restoreJobId` -> value) when `call` is a request for `model`'s route.
pub fn route_labels(call: &Call, model: &OperationModel) -> Option<Vec<(String, String)>> {
    if !call.method.eq_ignore_ascii_case(model.method) {
        return None;
    }
    let template = segments(model.uri.split('?').next().unwrap_or_default());
    let actual = segments(&call.path);
    if template.len() != actual.len() {
        return None;
    }
    let mut labels = Vec::new();
    for (t, a) in template.iter().zip(&actual) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(label) => labels.push((label.trim_end_matches('+').to_string(), a.to_string())),
            None if t == a => {}
            None => return None,
        }
    }
    Some(labels)
}

/// The operation's members read from the labels, the query string and the body, by the model.
pub fn input_of(
    call: &Call,
    model: &OperationModel,
    labels: &[(String, String)],
) -> Result<Value, AwsError> {
    let body = if call.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&call.body) {
            Ok(Value::Object(body)) => body,
            _ => {
                return Err(AwsError::new(
                    400,
                    "SerializationException",
                    "The request body is not a JSON object.",
                ));
            }
        }
    };
    let query: Vec<(String, String)> = form_urlencoded::parse(call.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut input = Map::new();
    for member in model.input.members {
        let value = match member.location {
            Location::Uri => labels
                .iter()
                .find(|(k, _)| k == member.wire_name)
                .map(|(_, v)| Value::String(v.clone())),
            Location::Query => query
                .iter()
                .find(|(k, _)| k == member.wire_name)
                .map(|(_, v)| match member.shape.kind {
                    Kind::Int => v
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(v.clone())),
                    _ => Value::String(v.clone()),
                }),
            Location::Body => body.get(member.wire_name).cloned(),
        };
        if let Some(value) = value {
            input.insert(member.name.to_string(), value);
        }
    }
    Ok(Value::Object(input))
}

/// A restJson1 error: `x-amzn-ErrorType` header and a JSON body.
pub fn error(error: &AwsError, request_id: &str) -> Reply {
    let mut reply = Reply::new(
        error.status,
        "application/json",
        json!({"__type": error.code, "Code": error.code, "Message": error.message}).to_string(),
    );
    reply.headers.push(("x-amzn-errortype", error.code.clone()));
    reply
        .headers
        .push(("x-amzn-requestid", request_id.to_string()));
    reply
}

/// A 200 with a JSON body.
pub fn ok(body: &Value, request_id: &str) -> Reply {
    let mut reply = Reply::new(200, "application/json", body.to_string());
    reply
        .headers
        .push(("x-amzn-requestid", request_id.to_string()));
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::model;

    fn call(method: &str, path: &str, query: &str, body: &str) -> Call {
        Call {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            body: body.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn routes_and_members_come_from_the_model() {
        let describe = model::operation("backup", "DescribeRestoreJob").unwrap();
        let c = call("GET", "/restore-jobs/ABC", "", "");
        let labels = route_labels(&c, describe).unwrap();
        assert_eq!(
            input_of(&c, describe, &labels).unwrap()["RestoreJobId"],
            "ABC"
        );
        assert!(
            route_labels(&call("GET", "/restore-jobs/ABC/metadata", "", ""), describe).is_none()
        );
        let list = model::operation("backup", "ListRestoreJobs").unwrap();
        let c = call("GET", "/restore-jobs", "maxResults=5&status=FAILED", "");
        let input = input_of(&c, list, &route_labels(&c, list).unwrap()).unwrap();
        assert_eq!(input["MaxResults"], 5);
        assert_eq!(input["ByStatus"], "FAILED");
        let start = model::operation("backup", "StartRestoreJob").unwrap();
        let bad = call("PUT", "/restore-jobs", "", "[1]");
        assert_eq!(
            input_of(&bad, start, &[]).unwrap_err().code,
            "SerializationException"
        );
    }
}
