//! AWS Backup over restJson1: `ListRestoreJobs`, `DescribeRestoreJob`, `GetRestoreJobMetadata`
//! and `StartRestoreJob`, with Backup's JSON shapes, epoch-second timestamps, real pagination and
//! `x-amzn-ErrorType` errors.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::engine::{StepCache, authorize_caller};
use super::jobs::{self, NEW_JOB_DURATION_MS, RestoreRequest};
use super::server::{Call, Reply};
use super::state::{Job, State};
use super::{Shared, now_ms};

/// A restJson1 error: `x-amzn-ErrorType` header and a JSON body.
pub fn error(status: u16, code: &str, message: &str, call: &Call) -> Reply {
    let mut reply = Reply::new(
        status,
        "application/json",
        json!({"__type": code, "Code": code, "Message": message}).to_string(),
    );
    reply.headers.push(("x-amzn-errortype", code.to_string()));
    reply
        .headers
        .push(("x-amzn-requestid", call.request_id.clone()));
    reply
}

fn ok(body: Value, call: &Call) -> Reply {
    let mut reply = Reply::new(200, "application/json", body.to_string());
    reply
        .headers
        .push(("x-amzn-requestid", call.request_id.clone()));
    reply
}

fn invalid(message: &str, call: &Call) -> Reply {
    error(400, "InvalidParameterValueException", message, call)
}

/// The path's non-empty segments (`/restore-jobs/` and `/restore-jobs` are the same route).
fn segments_of(call: &Call) -> Vec<&str> {
    call.path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// The Backup operation a request's method and path name, if the sandbox implements it.
pub fn operation_of(call: &Call) -> Option<&'static str> {
    match (call.method.as_str(), segments_of(call).as_slice()) {
        ("GET", ["restore-jobs"]) => Some("ListRestoreJobs"),
        ("PUT", ["restore-jobs"]) => Some("StartRestoreJob"),
        ("GET", ["restore-jobs", _]) => Some("DescribeRestoreJob"),
        ("GET", ["restore-jobs", _, "metadata"]) => Some("GetRestoreJobMetadata"),
        _ => None,
    }
}

/// Routes a Backup request.
pub fn dispatch(shared: &Shared, call: &Call) -> Reply {
    let segments = segments_of(call);
    let Some(operation) = operation_of(call) else {
        return error(
            404,
            "UnknownOperationException",
            &format!(
                "The sandbox does not implement {} {}",
                call.method, call.path
            ),
            call,
        );
    };
    let Some(key) = call.access_key_id.as_deref() else {
        return error(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            call,
        );
    };
    let mut state = shared.state();
    let Some(caller) = state.caller(key).map(|u| u.arn.clone()) else {
        return error(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            call,
        );
    };
    if let Err(denied) = authorize_caller(&state, &caller, &format!("backup:{operation}")) {
        return error(403, "AccessDeniedException", &denied.0, call);
    }
    match (operation, segments.as_slice()) {
        ("ListRestoreJobs", _) => list(&state, call),
        ("DescribeRestoreJob", [_, id]) => match state.job(id) {
            Some(job) => ok(job_json(&state, job, now_ms()), call),
            None => not_found(id, call),
        },
        ("GetRestoreJobMetadata", [_, id, _]) => match state.job(id) {
            Some(job) => ok(
                json!({"RestoreJobId": job.id, "Metadata": job.metadata}),
                call,
            ),
            None => not_found(id, call),
        },
        _ => start(shared, &mut state, call),
    }
}

fn not_found(id: &str, call: &Call) -> Reply {
    error(
        400,
        "ResourceNotFoundException",
        &format!("Restore job {id} not found."),
        call,
    )
}

fn epoch(ms: i64) -> Value {
    // Millisecond precision, as Backup sends it (e.g. 1600721892.929).
    serde_json::Number::from_f64(ms as f64 / 1000.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn job_json(state: &State, job: &Job, now: i64) -> Value {
    let view = job.view(now);
    let mut out = Map::new();
    out.insert("AccountId".into(), json!(state.account_id));
    out.insert("RestoreJobId".into(), json!(job.id));
    out.insert("RecoveryPointArn".into(), json!(job.recovery_point_arn));
    out.insert("CreationDate".into(), epoch(job.created_ms));
    if let Some(done) = view.completed_ms {
        out.insert("CompletionDate".into(), epoch(done));
    }
    out.insert("Status".into(), json!(view.status));
    if let Some(message) = view.status_message {
        out.insert("StatusMessage".into(), json!(message));
    }
    out.insert("PercentDone".into(), json!(view.percent_done));
    out.insert("BackupSizeInBytes".into(), json!(8_589_934_592_i64));
    out.insert("IamRoleArn".into(), json!(job.iam_role_arn));
    out.insert("ExpectedCompletionTimeMinutes".into(), json!(15));
    if let Some(created) = view.created_resource_arn {
        out.insert("CreatedResourceArn".into(), json!(created));
    }
    out.insert("ResourceType".into(), json!(job.resource_type));
    Value::Object(out)
}

/// Parses a query timestamp: ISO 8601 (what the SDKs send) or epoch seconds.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Some((seconds * 1000.0) as i64);
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn list(state: &State, call: &Call) -> Reply {
    let mut filters: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(call.query.as_bytes()) {
        filters.insert(key.into_owned(), value.into_owned());
    }
    let max = match filters.get("maxResults").map(|m| m.parse::<usize>()) {
        None => 1000,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return invalid("maxResults must be between 1 and 1000", call),
    };
    let mut times = BTreeMap::new();
    for key in [
        "createdAfter",
        "createdBefore",
        "completeAfter",
        "completeBefore",
    ] {
        if let Some(text) = filters.get(key) {
            match parse_time_ms(text) {
                Some(ms) => {
                    times.insert(key, ms);
                }
                None => return invalid(&format!("{key} is not a timestamp: {text}"), call),
            }
        }
    }
    let after = match filters.get("nextToken").map(|t| decode_next_token(t)) {
        None => None,
        Some(Some(position)) => Some(position),
        Some(None) => return invalid("The nextToken is invalid.", call),
    };
    let now = now_ms();
    let mut matching: Vec<(&Job, super::state::JobView)> = state
        .jobs
        .iter()
        .filter_map(|job| {
            let view = job.view(now);
            let keep = filters.get("status").is_none_or(|s| s == view.status)
                && filters
                    .get("resourceType")
                    .is_none_or(|t| t.eq_ignore_ascii_case(&job.resource_type))
                && filters
                    .get("accountId")
                    .is_none_or(|a| *a == state.account_id)
                && times
                    .get("createdAfter")
                    .is_none_or(|t| job.created_ms >= *t)
                && times
                    .get("createdBefore")
                    .is_none_or(|t| job.created_ms <= *t)
                && times
                    .get("completeAfter")
                    .is_none_or(|t| view.completed_ms.is_some_and(|c| c >= *t))
                && times
                    .get("completeBefore")
                    .is_none_or(|t| view.completed_ms.is_some_and(|c| c <= *t));
            keep.then_some((job, view))
        })
        .collect();
    // Newest first; the ID breaks ties so the order (and the page boundaries) are stable.
    matching.sort_by(|a, b| {
        b.0.created_ms
            .cmp(&a.0.created_ms)
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    let start = match &after {
        Some((created, id)) => matching
            .iter()
            .position(|(j, _)| {
                j.created_ms < *created || (j.created_ms == *created && j.id.as_str() > id.as_str())
            })
            .unwrap_or(matching.len()),
        None => 0,
    };
    let page: Vec<&(&Job, super::state::JobView)> = matching.iter().skip(start).take(max).collect();
    let mut body = json!({
        "RestoreJobs": page.iter().map(|(job, _)| job_json(state, job, now)).collect::<Vec<_>>(),
    });
    if start + page.len() < matching.len()
        && let Some((last, _)) = page.last()
    {
        body["NextToken"] = json!(encode_next_token(last.created_ms, &last.id));
    }
    ok(body, call)
}

fn encode_next_token(created_ms: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_ms}/{id}"))
}

fn decode_next_token(token: &str) -> Option<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (created, id) = text.split_once('/')?;
    Some((created.parse().ok()?, id.to_string()))
}

fn start(shared: &Shared, state: &mut State, call: &Call) -> Reply {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&call.body) else {
        return error(
            400,
            "SerializationException",
            "The request body is not a JSON object.",
            call,
        );
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    let Some(recovery_point_arn) = text("RecoveryPointArn") else {
        return error(
            400,
            "MissingParameterValueException",
            "RecoveryPointArn is required.",
            call,
        );
    };
    let Some(iam_role_arn) = text("IamRoleArn") else {
        return error(
            400,
            "MissingParameterValueException",
            "IamRoleArn is required.",
            call,
        );
    };
    let Some(Value::Object(metadata)) = body.get("Metadata") else {
        return error(
            400,
            "MissingParameterValueException",
            "Metadata is required.",
            call,
        );
    };
    let metadata: BTreeMap<String, String> = metadata
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    let token = text("IdempotencyToken");
    if let Some(existing) = token.as_ref().and_then(|t| state.idempotency.get(t)) {
        // A retry with the same token gets the same job and starts nothing.
        return ok(json!({"RestoreJobId": existing}), call);
    }
    let Some(known) = state
        .jobs
        .iter()
        .find(|j| j.recovery_point_arn == recovery_point_arn)
        .map(|j| j.resource_type.clone())
    else {
        return error(
            400,
            "ResourceNotFoundException",
            &format!("Recovery point {recovery_point_arn} not found."),
            call,
        );
    };
    if state.role_by_arn(&iam_role_arn).is_none() {
        return invalid(&format!("IAM role {iam_role_arn} does not exist."), call);
    }
    let request = RestoreRequest {
        recovery_point_arn,
        iam_role_arn,
        resource_type: text("ResourceType").unwrap_or(known),
        metadata,
    };
    let created_ms = now_ms();
    let seed = format!("new-{}-{}", call.request_id, state.jobs.len());
    let outcome = match jobs::decide(
        state,
        &shared.sealer,
        &request,
        &seed,
        &mut StepCache::default(),
    ) {
        Ok(outcome) => outcome,
        Err(e) => {
            return error(
                500,
                "InternalFailure",
                &format!("cannot evaluate the role's policies: {e}"),
                call,
            );
        }
    };
    let job = Job {
        id: jobs::job_id(&seed),
        recovery_point_arn: request.recovery_point_arn,
        iam_role_arn: request.iam_role_arn,
        resource_type: request.resource_type,
        metadata: request.metadata,
        created_ms,
        duration_ms: NEW_JOB_DURATION_MS,
        outcome,
    };
    let id = job.id.clone();
    if let Some(token) = token {
        state.idempotency.insert(token, id.clone());
    }
    let detail = json!({"RecoveryPointArn": job.recovery_point_arn, "ResourceType": job.resource_type, "RestoreJobId": id});
    let target = job.iam_role_arn.clone();
    state.push_job(job);
    state.record("StartRestoreJob", &target, detail);
    ok(json!({"RestoreJobId": id}), call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_tokens_round_trip_and_reject_garbage() {
        let token = encode_next_token(1_700_000_000_123, "ABC-1");
        assert_eq!(
            decode_next_token(&token),
            Some((1_700_000_000_123, "ABC-1".into()))
        );
        assert_eq!(decode_next_token("!!"), None);
        assert_eq!(decode_next_token(&URL_SAFE_NO_PAD.encode("x/y")), None);
    }

    #[test]
    fn query_timestamps_in_both_forms() {
        assert_eq!(
            parse_time_ms("2020-09-21T20:58:12Z"),
            Some(1_600_721_892_000)
        );
        assert_eq!(
            parse_time_ms("2020-09-21T20:58:12.929Z"),
            Some(1_600_721_892_929)
        );
        assert_eq!(parse_time_ms("1600721892.929"), Some(1_600_721_892_929));
        assert_eq!(parse_time_ms("yesterday"), None);
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        assert_eq!(epoch(1_600_721_892_929).to_string(), "1600721892.929");
    }

    proptest::proptest! {
        #[test]
        fn query_values_never_panic(text in ".*") {
            let _ = parse_time_ms(&text);
            let _ = decode_next_token(&text);
        }
    }
}
