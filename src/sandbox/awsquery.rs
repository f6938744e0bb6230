//! The awsQuery protocol shared by STS and IAM: `POST /` with a form body (`Action`, `Version`,
//! parameters; the content type may carry `; charset=utf-8`), routed on `Action`/`Version`, XML
//! answers. STS's two operations live here; IAM's are in `iam.rs`.

use std::collections::BTreeMap;

use super::engine::authorize_caller;
use super::server::{Call, Reply};
use super::xml::{self, IAM_NAMESPACE, STS_NAMESPACE, XmlWriter};
use super::{Shared, iam};

/// STS's longest accepted encoded message.
const MAX_ENCODED_MESSAGE: usize = 10_240;

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

/// Which service a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// STS (Version 2011-06-15).
    Sts,
    /// IAM (Version 2010-05-08).
    Iam,
}

impl Service {
    /// The service's XML namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            Service::Sts => STS_NAMESPACE,
            Service::Iam => IAM_NAMESPACE,
        }
    }
}

const STS_ACTIONS: &[&str] = &[
    "DecodeAuthorizationMessage",
    "GetCallerIdentity",
    "AssumeRole",
    "GetSessionToken",
    "GetAccessKeyInfo",
    "GetFederationToken",
];

/// The service a request is addressed to: by `Version`, else by action name.
pub fn service_of(params: &Params) -> Service {
    match params.get("Version").map(String::as_str) {
        Some("2011-06-15") => Service::Sts,
        Some("2010-05-08") => Service::Iam,
        _ => match params.get("Action") {
            Some(action) if STS_ACTIONS.contains(&action.as_str()) => Service::Sts,
            _ => Service::Iam,
        },
    }
}

/// An awsQuery error reply.
pub fn error(service: Service, status: u16, code: &str, message: &str, call: &Call) -> Reply {
    let sender = status < 500;
    Reply::new(
        status,
        "text/xml",
        xml::error(service.namespace(), sender, code, message, &call.request_id),
    )
}

/// A success reply for `operation` with `result` (None for operations without output).
pub fn ok(service: Service, operation: &str, result: Option<&str>, call: &Call) -> Reply {
    Reply::new(
        200,
        "text/xml",
        xml::response(service.namespace(), operation, result, &call.request_id),
    )
}

/// The throttling fault in awsQuery form (`Throttling`, 400: the SDKs retry it).
pub fn throttled(call: &Call) -> Reply {
    error(
        service_of(&params_of(call)),
        400,
        "Throttling",
        "Rate exceeded",
        call,
    )
}

/// The internal-error fault in awsQuery form.
pub fn internal_error(call: &Call) -> Reply {
    let service = service_of(&params_of(call));
    let code = match service {
        Service::Sts => "InternalFailure",
        Service::Iam => "ServiceFailure",
    };
    error(
        service,
        500,
        code,
        "The request processing has failed because of an unknown error, exception or failure.",
        call,
    )
}

/// Routes an STS or IAM request.
pub fn dispatch(shared: &Shared, call: &Call) -> Reply {
    let params = params_of(call);
    let service = service_of(&params);
    if call.content_type.starts_with("application/x-amz-json") {
        return error(
            service,
            400,
            "UnknownOperationException",
            "The sandbox speaks awsQuery on POST /, not awsJson",
            call,
        );
    }
    let Some(action) = params.get("Action").cloned() else {
        return error(
            service,
            400,
            "MissingAction",
            "Missing Action: POST a form body with Action and Version",
            call,
        );
    };
    let Some(key) = call.access_key_id.as_deref() else {
        return error(
            service,
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
            call,
        );
    };
    let caller = {
        let state = shared.state();
        match state.caller(key) {
            Some(user) => (user.arn.clone(), user.id.clone(), state.account_id.clone()),
            None => {
                return error(
                    service,
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                    call,
                );
            }
        }
    };
    let (caller_arn, caller_id, account) = caller;
    let prefix = match service {
        Service::Sts => "sts",
        Service::Iam => "iam",
    };
    let known = match service {
        Service::Sts => {
            ["DecodeAuthorizationMessage", "GetCallerIdentity"].contains(&action.as_str())
        }
        Service::Iam => iam::OPERATIONS.contains(&action.as_str()),
    };
    if !known {
        return error(
            service,
            400,
            "InvalidAction",
            &format!(
                "Could not find operation {action} for version {}",
                params
                    .get("Version")
                    .map(String::as_str)
                    .unwrap_or("(none)")
            ),
            call,
        );
    }
    // GetCallerIdentity needs no permission, as in AWS.
    if action != "GetCallerIdentity" {
        let state = shared.state();
        if let Err(denied) = authorize_caller(&state, &caller_arn, &format!("{prefix}:{action}")) {
            return error(service, 403, "AccessDenied", &denied.0, call);
        }
    }
    match (service, action.as_str()) {
        (Service::Sts, "GetCallerIdentity") => {
            let mut body = XmlWriter::new();
            body.element("UserId", &caller_id)
                .element("Account", &account)
                .element("Arn", &caller_arn);
            ok(service, &action, Some(&body.finish()), call)
        }
        (Service::Sts, _) => decode(shared, &params, call),
        (Service::Iam, _) => iam::dispatch(shared, &action, &params, call),
    }
}

fn decode(shared: &Shared, params: &Params, call: &Call) -> Reply {
    let service = Service::Sts;
    let Some(encoded) = params.get("EncodedMessage") else {
        return error(
            service,
            400,
            "MissingParameter",
            "The request must contain the parameter EncodedMessage.",
            call,
        );
    };
    if encoded.len() > MAX_ENCODED_MESSAGE {
        return error(
            service,
            400,
            "ValidationError",
            "1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length less than or equal to 10240",
            call,
        );
    }
    match shared.sealer.open(encoded) {
        Ok(decoded) => {
            let mut body = XmlWriter::new();
            body.element("DecodedMessage", &decoded);
            ok(
                service,
                "DecodeAuthorizationMessage",
                Some(&body.finish()),
                call,
            )
        }
        Err(_) => error(
            service,
            400,
            "InvalidAuthorizationMessageException",
            "The encoded authorization message could not be decoded",
            call,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(body: &str, query: &str) -> Call {
        Call {
            method: "POST".into(),
            path: "/".into(),
            query: query.into(),
            content_type: "application/x-www-form-urlencoded; charset=utf-8".into(),
            access_key_id: None,
            body: body.as_bytes().to_vec().into(),
            request_id: "r".into(),
        }
    }

    #[test]
    fn form_bodies_parse_with_encoded_values() {
        let params = params_of(&call(
            "Action=PutRolePolicy&Version=2010-05-08&PolicyDocument=%7B%22a%22%3A+1%7D&RoleName=R",
            "",
        ));
        assert_eq!(params["Action"], "PutRolePolicy");
        assert_eq!(params["PolicyDocument"], "{\"a\": 1}");
        assert_eq!(service_of(&params), Service::Iam);
    }

    #[test]
    fn routes_on_version_then_action() {
        let sts = params_of(&call("Action=GetCallerIdentity&Version=2011-06-15", ""));
        assert_eq!(service_of(&sts), Service::Sts);
        let by_name = params_of(&call("", "Action=DecodeAuthorizationMessage"));
        assert_eq!(service_of(&by_name), Service::Sts);
        let throttled = throttled(&call("Action=GetRole&Version=2010-05-08", ""));
        assert_eq!(throttled.status, 400);
        assert!(throttled.body.contains("<Code>Throttling</Code>"));
        assert!(throttled.body.contains(IAM_NAMESPACE));
        let failed = internal_error(&call("Action=GetCallerIdentity&Version=2011-06-15", ""));
        assert_eq!(failed.status, 500);
        assert!(failed.body.contains("<Type>Receiver</Type>"));
    }

    proptest::proptest! {
        #[test]
        fn any_body_parses_without_panicking(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let mut c = call("", "");
            c.body = body.into();
            let params = params_of(&c);
            let _ = service_of(&params);
        }
    }
}
