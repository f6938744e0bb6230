//! Backup's `ListRestoreJobs`: the filters, newest first, and real pagination (`MaxResults`,
//! an opaque `NextToken` that names the last job shown).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{invalid, job_json};
use crate::sandbox::state::{Job, JobView, State, now_ms};
use crate::sandbox::wire::AwsError;

/// Parses a query timestamp: ISO 8601 (what the SDKs send) or epoch seconds.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Some((seconds * 1000.0) as i64);
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `ListRestoreJobs`: the jobs of the region the request is signed for.
pub fn list_restore_jobs(state: &State, region: &str, input: &Value) -> Result<Value, AwsError> {
    let filter = |name: &str| input.get(name).and_then(Value::as_str);
    let max = input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .map_or(1000, |n| n as usize);
    let mut times = BTreeMap::new();
    for key in [
        "ByCreatedAfter",
        "ByCreatedBefore",
        "ByCompleteAfter",
        "ByCompleteBefore",
    ] {
        if let Some(text) = filter(key) {
            let ms = parse_time_ms(text)
                .ok_or_else(|| invalid(&format!("{key} is not a timestamp: {text}")))?;
            times.insert(key, ms);
        }
    }
    let after = match filter("NextToken") {
        None => None,
        Some(token) => {
            Some(decode_next_token(token).ok_or_else(|| invalid("The nextToken is invalid."))?)
        }
    };
    let now = now_ms();
    let mut matching: Vec<(&Job, JobView)> = state
        .jobs
        .iter()
        .filter_map(|job| {
            if job.region != region {
                return None;
            }
            let view = job.view(now);
            let keep = filter("ByStatus").is_none_or(|s| s == view.status)
                && filter("ByResourceType")
                    .is_none_or(|t| t.eq_ignore_ascii_case(&job.resource_type))
                && filter("ByAccountId").is_none_or(|a| a == state.account_id)
                && times
                    .get("ByCreatedAfter")
                    .is_none_or(|t| job.created_ms >= *t)
                && times
                    .get("ByCreatedBefore")
                    .is_none_or(|t| job.created_ms <= *t)
                && times
                    .get("ByCompleteAfter")
                    .is_none_or(|t| view.completed_ms.is_some_and(|c| c >= *t))
                && times
                    .get("ByCompleteBefore")
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
    let page: Vec<&(&Job, JobView)> = matching.iter().skip(start).take(max).collect();
    let mut body = json!({
        "RestoreJobs": page.iter().map(|(job, _)| job_json(state, job, now)).collect::<Vec<_>>(),
    });
    if start + page.len() < matching.len()
        && let Some((last, _)) = page.last()
    {
        body["NextToken"] = json!(encode_next_token(last.created_ms, &last.id));
    }
    Ok(body)
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

    proptest::proptest! {
        #[test]
        fn query_values_never_panic(text in ".*") {
            let _ = parse_time_ms(&text);
            let _ = decode_next_token(&text);
        }
    }
}
