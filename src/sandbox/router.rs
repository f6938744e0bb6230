//! The one router every request goes through, from the HTTP server and from `RequestProbe`
//! alike: the sandbox's own endpoints, latency, the fault draw, authentication (the access
//! key), the operation (a typed enum per service; an unknown one answers AWS's own error),
//! authorization, validation against AWS's model, the operation itself and the counters.

use serde_json::Value;

use super::credentials::EXPIRED_ACCESS_KEY_ID;
use super::engine::authorize_caller;
use super::faults::Fault;
use super::model::{self, OperationModel};
use super::protocol::{json, query, rest_json};
use super::service::access_analyzer::{self, AccessAnalyzerOperation};
use super::service::backup::{self, BackupOperation};
use super::service::iam::{self, IamOperation};
use super::service::kms::{self, KmsOperation};
use super::service::organizations::{self, OrganizationsOperation};
use super::service::sts::{self, StsOperation};
use super::service::{Caller, Context};
use super::shared::Shared;
use super::wire::{AwsError, Call, Reply};

/// What becomes of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// Answer this.
    Reply(Reply),
    /// Drop the connection without an answer (a "reset" fault).
    Drop,
}

/// The protocol a request speaks, and so the shape of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// awsQuery to STS.
    Sts,
    /// awsQuery to IAM.
    Iam,
    /// restJson1 (Backup).
    RestJson,
    /// awsJson1_1 (Organizations, KMS): `POST /` with `X-Amz-Target`.
    Json,
}

/// The operation a request names.
#[derive(Debug, Clone)]
enum Operation {
    Sts(StsOperation),
    Iam(IamOperation),
    Backup(BackupOperation),
    Organizations(OrganizationsOperation),
    Kms(KmsOperation),
    AccessAnalyzer(AccessAnalyzerOperation),
}

impl Operation {
    fn name(&self) -> &'static str {
        match self {
            Operation::Sts(op) => op.name(),
            Operation::Iam(op) => op.name(),
            Operation::Backup(op) => op.name(),
            Operation::Organizations(op) => op.name(),
            Operation::Kms(op) => op.name(),
            Operation::AccessAnalyzer(op) => op.name(),
        }
    }

    /// The service name of the SigV4 credential scope the request must be signed for (None:
    /// not checked, as before this check existed).
    fn signing_name(&self) -> Option<&'static str> {
        match self {
            Operation::Sts(_) | Operation::Iam(_) | Operation::Backup(_) => None,
            Operation::Organizations(_) => Some("organizations"),
            Operation::Kms(_) => Some("kms"),
            Operation::AccessAnalyzer(_) => Some("access-analyzer"),
        }
    }

    /// The IAM action the caller needs (None: no permission needed).
    fn action(&self) -> Option<String> {
        match self {
            Operation::Sts(op) => op.needs_permission().then(|| format!("sts:{}", op.name())),
            Operation::Iam(op) => Some(format!("iam:{}", op.name())),
            Operation::Backup(op) => Some(format!("backup:{}", op.name())),
            Operation::Organizations(op) => Some(format!("organizations:{}", op.name())),
            Operation::Kms(op) => Some(format!("kms:{}", op.name())),
            Operation::AccessAnalyzer(op) => Some(format!("access-analyzer:{}", op.name())),
        }
    }

    fn model(&self) -> Option<&'static OperationModel> {
        match self {
            Operation::Sts(op) => op.model(),
            Operation::Iam(op) => op.model(),
            Operation::Backup(op) => op.model(),
            Operation::Organizations(op) => op.model(),
            Operation::Kms(op) => op.model(),
            Operation::AccessAnalyzer(op) => op.model(),
        }
    }
}

/// Routes one request.
pub async fn route(shared: &Shared, call: &Call) -> Routed {
    if let Some(reply) = own_endpoint(shared, call) {
        return Routed::Reply(reply);
    }
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    // The fault is drawn before any state is read or changed: a faulted write never happens.
    let fault = shared.dice.roll();
    if fault != Fault::None {
        shared.stats().faults_injected += 1;
    }
    if fault == Fault::Reset {
        return Routed::Drop;
    }
    let dialect = dialect_of(call);
    let (reply, served) = match respond(shared, call, dialect, fault) {
        Ok((reply, operation)) => (reply, Some(operation)),
        Err(error) => (error_reply(dialect, &error, &call.request_id), None),
    };
    if let Some(operation) = served.filter(|_| (200..300).contains(&reply.status)) {
        *shared.stats().served.entry(operation.into()).or_default() += 1;
        if let Some(hold) = shared
            .hold_reply
            .as_ref()
            .filter(|h| h.operation == operation)
        {
            tokio::time::sleep(std::time::Duration::from_millis(hold.millis)).await;
        }
    }
    Routed::Reply(reply)
}

/// `/_sandbox/stats` and `/_sandbox/audit`.
fn own_endpoint(shared: &Shared, call: &Call) -> Option<Reply> {
    let body = match call.path.as_str() {
        "/_sandbox/stats" => serde_json::to_string(&*shared.stats()).unwrap_or_default(),
        "/_sandbox/audit" => Value::Array(shared.state().audit.clone()).to_string(),
        _ => return None,
    };
    Some(Reply::new(200, "application/json", body))
}

fn dialect_of(call: &Call) -> Dialect {
    if json::is_json_call(call) {
        return Dialect::Json;
    }
    if !(call.path == "/" || call.path.is_empty()) {
        return Dialect::RestJson;
    }
    let params = query::params_of(call);
    match params.get("Version").map(String::as_str) {
        Some(sts::VERSION) => Dialect::Sts,
        Some(iam::VERSION) => Dialect::Iam,
        _ => match params.get("Action").map(String::as_str) {
            Some(action) if StsOperation::from_action(action).is_some() => Dialect::Sts,
            _ => Dialect::Iam,
        },
    }
}

fn error_reply(dialect: Dialect, error: &AwsError, request_id: &str) -> Reply {
    match dialect {
        Dialect::Sts => query::error(sts::NAMESPACE, error, request_id),
        Dialect::Iam => query::error(iam::NAMESPACE, error, request_id),
        Dialect::RestJson => rest_json::error(error, request_id),
        Dialect::Json => json::error(error, request_id),
    }
}

/// The request's caller, as AWS authenticates it.
fn authenticate(shared: &Shared, call: &Call, dialect: Dialect) -> Result<Caller, AwsError> {
    let rest = matches!(dialect, Dialect::RestJson | Dialect::Json);
    let Some(key) = call.access_key_id() else {
        return Err(if rest {
            AwsError::new(
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        } else {
            AwsError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            )
        });
    };
    if key == EXPIRED_ACCESS_KEY_ID {
        let code = if rest {
            "ExpiredTokenException"
        } else {
            "ExpiredToken"
        };
        return Err(AwsError::new(
            403,
            code,
            "The security token included in the request is expired",
        ));
    }
    let state = shared.state();
    let user = state.caller(&key).ok_or_else(|| {
        let code = if rest {
            "UnrecognizedClientException"
        } else {
            "InvalidClientTokenId"
        };
        AwsError::new(
            403,
            code,
            "The security token included in the request is invalid.",
        )
    })?;
    Ok(Caller {
        arn: user.arn.clone(),
        id: user.id.clone(),
        account: state.account_id.clone(),
    })
}

/// The injected throttle or internal error, in the request's protocol.
fn injected(dialect: Dialect, fault: Fault) -> Option<AwsError> {
    match (fault, dialect) {
        (Fault::None | Fault::Reset, _) => None,
        // awsQuery throttles with 400 `Throttling` (the SDKs retry it).
        (Fault::Throttle, Dialect::Sts | Dialect::Iam) => {
            Some(AwsError::new(400, "Throttling", "Rate exceeded"))
        }
        (Fault::Throttle, Dialect::RestJson) => {
            Some(AwsError::new(429, "ThrottlingException", "Rate exceeded"))
        }
        // awsJson1_1 services throttle with 400 (KMS `ThrottlingException`; the SDKs retry it).
        (Fault::Throttle, Dialect::Json) => {
            Some(AwsError::new(400, "ThrottlingException", "Rate exceeded"))
        }
        (Fault::InternalError, Dialect::Json) => Some(AwsError::new(
            500,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        )),
        (Fault::InternalError, Dialect::RestJson) => Some(AwsError::new(
            500,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        )),
        (Fault::InternalError, Dialect::Sts | Dialect::Iam) => Some(AwsError::new(
            500,
            if dialect == Dialect::Sts {
                "InternalFailure"
            } else {
                "ServiceFailure"
            },
            "The request processing has failed because of an unknown error, exception or failure.",
        )),
    }
}

/// The operation a request names, or AWS's error for one it does not know.
fn operation_of(call: &Call, dialect: Dialect) -> Result<(Operation, Value), AwsError> {
    if dialect == Dialect::Json {
        return json_operation_of(call);
    }
    if dialect == Dialect::RestJson {
        // restJson1 services answer a route no operation has with 404
        // `UnknownOperationException` (AWS's common errors; what Coral-fronted services send).
        for op in BackupOperation::ALL {
            let Some(model) = op.model() else { continue };
            if let Some(labels) = rest_json::route_labels(call, model) {
                let input = rest_json::input_of(call, model, &labels)?;
                return Ok((Operation::Backup(*op), input));
            }
        }
        for op in AccessAnalyzerOperation::ALL {
            let Some(model) = op.model() else { continue };
            if let Some(labels) = rest_json::route_labels(call, model) {
                let input = rest_json::input_of(call, model, &labels)?;
                return Ok((Operation::AccessAnalyzer(*op), input));
            }
        }
        return Err(AwsError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation: {} {}", call.method, call.path),
        ));
    }
    if query::is_json(call) {
        return Err(AwsError::new(
            404,
            "UnknownOperationException",
            "STS and IAM speak awsQuery (a form body), not awsJson",
        ));
    }
    let params = query::params_of(call);
    let Some(action) = params.get("Action") else {
        return Err(AwsError::new(400, "MissingAction", "Missing Action"));
    };
    let operation = match dialect {
        Dialect::Sts => StsOperation::from_action(action).map(Operation::Sts),
        _ => IamOperation::from_action(action).map(Operation::Iam),
    };
    // awsQuery's answer to an action the service lacks (IAM and STS word it the same way).
    let operation = operation.ok_or_else(|| {
        let version = params.get("Version").map_or("(none)", String::as_str);
        AwsError::new(
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
        )
    })?;
    let input = operation
        .model()
        .map(|m| query::input_of(&params, m.input))
        .unwrap_or_default();
    Ok((operation, input))
}

/// An awsJson1_1 operation: the target prefix names the service, the rest the operation.
fn json_operation_of(call: &Call) -> Result<(Operation, Value), AwsError> {
    let operation = if let Some(name) = json::operation_name(call, organizations::TARGET_PREFIX) {
        OrganizationsOperation::from_name(name).map(Operation::Organizations)
    } else if let Some(name) = json::operation_name(call, kms::TARGET_PREFIX) {
        KmsOperation::from_name(name).map(Operation::Kms)
    } else {
        None
    };
    let operation = operation.ok_or_else(|| {
        AwsError::new(
            400,
            "UnknownOperationException",
            format!(
                "Unknown operation: {}",
                call.target.as_deref().unwrap_or_default()
            ),
        )
    })?;
    Ok((operation, json::input_of(call)?))
}

/// A request signed for another service is refused as AWS refuses it (the credential scope names
/// the service: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>).
fn check_scope(call: &Call, operation: &Operation) -> Result<(), AwsError> {
    match (operation.signing_name(), call.signing_service()) {
        (Some(wanted), Some(signed)) if wanted != signed => Err(AwsError::new(
            403,
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{wanted}'. "),
        )),
        _ => Ok(()),
    }
}

fn respond(
    shared: &Shared,
    call: &Call,
    dialect: Dialect,
    fault: Fault,
) -> Result<(Reply, &'static str), AwsError> {
    let caller = authenticate(shared, call, dialect)?;
    if let Some(error) = injected(dialect, fault) {
        return Err(error);
    }
    let (operation, input) = operation_of(call, dialect)?;
    check_scope(call, &operation)?;
    let mut state = shared.state();
    if let Some(action) = operation.action() {
        authorize_caller(&state, &caller.arn, &action).map_err(|denied| {
            let code = if matches!(dialect, Dialect::RestJson | Dialect::Json) {
                "AccessDeniedException"
            } else {
                "AccessDenied"
            };
            AwsError::new(403, code, denied.0)
        })?;
    }
    if let Some(model) = operation.model() {
        let violations = model::validate(model.input, &input);
        if !violations.is_empty() {
            return Err(match operation {
                Operation::Sts(_) => sts::validation_error(&violations),
                Operation::Iam(_) => iam::validation_error(&violations),
                Operation::Backup(_) => backup::validation_error(&violations),
                Operation::Organizations(_) => organizations::validation_error(&violations),
                Operation::Kms(_) => kms::validation_error(&violations),
                Operation::AccessAnalyzer(_) => access_analyzer::validation_error(&violations),
            });
        }
    }
    // An unsigned request was refused by `authenticate`; a scope without a region is the
    // scenario's own region.
    let region = call.region().unwrap_or_else(|| state.region.clone());
    let mut ctx = Context {
        state: &mut state,
        sealer: &shared.sealer,
        caller: &caller,
        request_id: &call.request_id,
        region: &region,
    };
    let name = operation.name();
    let reply = match operation {
        Operation::Sts(op) => {
            let result = sts::handle(op, &mut ctx, &input)?;
            query::ok(sts::NAMESPACE, name, result.as_deref(), &call.request_id)
        }
        Operation::Iam(op) => {
            let result = iam::handle(op, &mut ctx, &input)?;
            query::ok(iam::NAMESPACE, name, result.as_deref(), &call.request_id)
        }
        Operation::Backup(op) => {
            let result = backup::handle(op, &mut ctx, &input)?;
            rest_json::ok(&result, &call.request_id)
        }
        Operation::Organizations(op) => {
            let result = organizations::handle(op, &mut ctx, &input)?;
            json::ok(&result, &call.request_id)
        }
        Operation::Kms(op) => {
            let result = kms::handle(op, &mut ctx, &input)?;
            json::ok(&result, &call.request_id)
        }
        Operation::AccessAnalyzer(op) => {
            let result = access_analyzer::handle(op, &mut ctx, &input)?;
            rest_json::ok(&result, &call.request_id)
        }
    };
    Ok((reply, name))
}
