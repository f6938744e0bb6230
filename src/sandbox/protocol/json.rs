//! The awsJson1_1 protocol (Organizations, KMS): `POST /` with
//! `X-Amz-Target: <TargetPrefix>.<Operation>` and `Content-Type: application/x-amz-json-1.1`, the
//! members in a JSON body, answers in JSON and errors as `{"__type": …, "message": …}`
//! (Smithy's awsJson1_1 protocol: <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html>).

use serde_json::{Map, Value, json};

use crate::sandbox::wire::{AwsError, Call, Reply};

/// awsJson1_1's content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The operation a call names when its target has `prefix` (`TrentService.GetKeyPolicy` ->
/// `GetKeyPolicy`); None when the call names another service or no target at all.
pub fn operation_name<'a>(call: &'a Call, prefix: &str) -> Option<&'a str> {
    call.target
        .as_deref()?
        .strip_prefix(prefix)?
        .strip_prefix('.')
}

/// True when the call speaks awsJson (a target header or the JSON content type).
pub fn is_json_call(call: &Call) -> bool {
    call.target.is_some()
}

/// The request's members: the JSON body (an empty body is an empty structure, as the SDKs send
/// `{}` for an operation without input).
pub fn input_of(call: &Call) -> Result<Value, AwsError> {
    if !call.method.eq_ignore_ascii_case("POST") {
        return Err(AwsError::new(
            400,
            "UnknownOperationException",
            "awsJson1_1 operations are sent as POST /",
        ));
    }
    if call.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(&call.body) {
        Ok(Value::Object(body)) => Ok(Value::Object(body)),
        _ => Err(AwsError::new(
            400,
            "SerializationException",
            "Start of structure or map found where not expected.",
        )),
    }
}

/// An awsJson1_1 error: `__type` names the error, `message` says why.
pub fn error(error: &AwsError, request_id: &str) -> Reply {
    let mut reply = Reply::new(
        error.status,
        CONTENT_TYPE,
        json!({"__type": error.code, "message": error.message}).to_string(),
    );
    reply
        .headers
        .push(("x-amzn-requestid", request_id.to_string()));
    reply
}

/// A 200 with a JSON body.
pub fn ok(body: &Value, request_id: &str) -> Reply {
    let mut reply = Reply::new(200, CONTENT_TYPE, body.to_string());
    reply
        .headers
        .push(("x-amzn-requestid", request_id.to_string()));
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(target: Option<&str>, body: &str) -> Call {
        Call {
            method: "POST".into(),
            path: "/".into(),
            content_type: CONTENT_TYPE.into(),
            target: target.map(str::to_string),
            body: body.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn the_target_names_service_and_operation() {
        let c = call(Some("TrentService.GetKeyPolicy"), "{}");
        assert_eq!(operation_name(&c, "TrentService"), Some("GetKeyPolicy"));
        assert_eq!(operation_name(&c, "AWSOrganizationsV20161128"), None);
        assert_eq!(
            operation_name(&call(Some("TrentServiceX.A"), ""), "TrentService"),
            None
        );
        assert_eq!(operation_name(&call(None, ""), "TrentService"), None);
    }

    #[test]
    fn bodies_are_json_objects() {
        assert_eq!(input_of(&call(None, "")).unwrap(), json!({}));
        assert_eq!(
            input_of(&call(None, r#"{"KeyId":"k"}"#)).unwrap()["KeyId"],
            "k"
        );
        assert_eq!(
            input_of(&call(None, "[1]")).unwrap_err().code,
            "SerializationException"
        );
        let mut get = call(None, "{}");
        get.method = "GET".into();
        assert!(input_of(&get).is_err());
    }

    #[test]
    fn errors_carry_type_and_message() {
        let reply = error(&AwsError::new(400, "NotFoundException", "gone"), "r1");
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            body,
            json!({"__type": "NotFoundException", "message": "gone"})
        );
        assert_eq!(reply.status, 400);
        assert_eq!(reply.content_type, CONTENT_TYPE);
    }
}
