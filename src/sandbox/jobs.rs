//! Restore jobs as outcomes of the engine: the scenario's history replayed at start-up, the
//! `--jobs N` extra historical failures, and new jobs from `StartRestoreJob`. Every failed job's
//! token is sealed from the engine's own decision, never stored in the scenario.

use std::collections::BTreeMap;

use super::engine::{self, RestoreDecision, StepCache};
use super::scenario::JobSpec;
use super::state::{Job, Outcome, State, hex_id};
use super::tokens::TokenSealer;
use crate::diagnosis::evaluate::EvaluateError;

/// How long a new restore takes to reach its outcome.
pub const NEW_JOB_DURATION_MS: i64 = 1_500;
/// How long a historical restore took.
const HISTORICAL_DURATION_MS: i64 = 14 * 60 * 1_000;
/// At most this many threads decide the extra historical jobs at start-up.
const MAX_REPLAY_THREADS: usize = 8;
/// Fewer extra jobs than this per thread are not worth a thread of their own.
const MIN_JOBS_PER_THREAD: usize = 1_024;

/// A restore to start.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    /// The recovery point.
    pub recovery_point_arn: String,
    /// The role (ARN) to restore as.
    pub iam_role_arn: String,
    /// EC2, EBS…
    pub resource_type: String,
    /// Restore metadata.
    pub metadata: BTreeMap<String, String>,
    /// The vault holding the recovery point.
    pub vault: String,
    /// A denial reports IAM's sentence and the encoded token in one message (as EC2 does).
    pub hybrid: bool,
}

/// A restore job ID in Backup's form (an upper-case UUID).
pub fn job_id(seed: &str) -> String {
    let hex = hex_id(seed, 32).to_ascii_uppercase();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn created_resource(state: &State, resource_type: &str, seed: &str) -> String {
    let (account, region) = (&state.account_id, &state.region);
    let suffix = hex_id(seed, 17);
    match resource_type.to_ascii_uppercase().as_str() {
        "EC2" => format!("arn:aws:ec2:{region}:{account}:instance/i-{suffix}"),
        "EBS" => format!("arn:aws:ec2:{region}:{account}:volume/vol-{suffix}"),
        "EFS" => format!("arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{suffix}"),
        other => format!(
            "arn:aws:backup:{region}:{account}:restored-resource:{}-{suffix}",
            other.to_ascii_lowercase()
        ),
    }
}

/// Decides how a restore ends: the engine runs its requests as the role.
pub fn decide(
    state: &State,
    sealer: &TokenSealer,
    request: &RestoreRequest,
    seed: &str,
    cache: &mut StepCache,
) -> Result<Outcome, EvaluateError> {
    let Some(role) = state.role_by_arn(&request.iam_role_arn) else {
        return Ok(Outcome::Failed {
            status_message: format!(
                "Backup cannot assume the role {}: it does not exist or does not trust backup.amazonaws.com",
                request.iam_role_arn
            ),
        });
    };
    // EC2 refuses network interfaces together with an instance-level subnet or security groups
    // (RunInstances' InvalidParameterCombination), so such a restore fails as AWS's would.
    let has = |key: &str| {
        request
            .metadata
            .get(key)
            .is_some_and(|v| !v.trim().is_empty() && v.trim() != "[]")
    };
    if request.resource_type.eq_ignore_ascii_case("EC2")
        && has("NetworkInterfaces")
        && (has("SubnetId") || has("SecurityGroupIds"))
    {
        return Ok(Outcome::Failed {
            status_message: "InvalidParameterCombination: Network interfaces and an instance-level subnet ID may not be specified on the same request".into(),
        });
    }
    let requests = engine::restore_requests(
        state,
        &request.resource_type,
        &request.recovery_point_arn,
        &request.metadata,
    );
    Ok(
        match engine::decide_restore_with(state, role, &requests, cache)? {
            RestoreDecision::Allowed => Outcome::Completed {
                created_resource_arn: created_resource(state, &request.resource_type, seed),
            },
            RestoreDecision::Denied {
                decoded,
                explicit,
                by,
            } => match engine::plain_text_denial(&request.resource_type, &decoded, explicit, &by) {
                Some(text) => Outcome::Failed {
                    status_message: text,
                },
                None => Outcome::Denied {
                    sentence: request.hybrid.then(|| {
                        engine::denial_sentence(&decoded, explicit, &by).unwrap_or_default()
                    }),
                    token: sealer.seal(&decoded),
                },
            },
        },
    )
}

fn substitute(text: &str, n: usize) -> String {
    text.replace("{n}", &format!("{n:05}"))
}

fn request_of(state: &State, spec: &JobSpec, n: Option<usize>) -> RestoreRequest {
    let fill = |text: &str| match n {
        Some(n) => substitute(text, n),
        None => text.to_string(),
    };
    let role_arn = state
        .roles
        .get(&spec.role)
        .map(|r| r.arn.clone())
        .unwrap_or_default();
    RestoreRequest {
        recovery_point_arn: fill(&spec.recovery_point_arn),
        iam_role_arn: role_arn,
        resource_type: spec.resource_type.clone(),
        metadata: spec
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), fill(v)))
            .collect(),
        vault: spec.vault.clone(),
        hybrid: spec.hybrid_message,
    }
}

fn historical(
    state: &State,
    sealer: &TokenSealer,
    spec: &JobSpec,
    n: Option<usize>,
    created_ms: i64,
    seed: &str,
    cache: &mut StepCache,
) -> Result<Job, EvaluateError> {
    let request = request_of(state, spec, n);
    let outcome = if spec.running {
        Outcome::Running
    } else if let Some(failure) = &spec.failure {
        Outcome::Failed {
            status_message: failure.clone(),
        }
    } else {
        decide(state, sealer, &request, seed, cache)?
    };
    Ok(Job {
        id: job_id(seed),
        recovery_point_arn: request.recovery_point_arn,
        iam_role_arn: request.iam_role_arn,
        resource_type: request.resource_type,
        metadata: request.metadata.into(),
        vault: request.vault,
        hybrid: request.hybrid,
        created_ms,
        duration_ms: HISTORICAL_DURATION_MS,
        outcome,
        region: spec.region.clone().unwrap_or_else(|| state.region.clone()),
    })
}

/// Replays the scenario's jobs, then adds `extra` historical failures older than all of them.
pub fn replay(
    state: &mut State,
    sealer: &TokenSealer,
    jobs: &[JobSpec],
    extra: usize,
    now_ms: i64,
) -> Result<(), EvaluateError> {
    let hour_ms = 3_600_000.0;
    let oldest_hours = jobs.iter().map(|j| j.hours_ago).fold(0.0, f64::max);
    // Extra jobs spread between just before the oldest scenario job and 29 days ago.
    let first = oldest_hours + 1.0;
    let span = (29.0 * 24.0 - first).max(1.0);
    let mut built = Vec::with_capacity(jobs.len());
    // No policy changes during the replay, so step outcomes can be shared between jobs.
    let mut cache = StepCache::default();
    for (i, spec) in jobs.iter().enumerate() {
        let created = now_ms - (spec.hours_ago * hour_ms) as i64;
        built.push(historical(
            state,
            sealer,
            spec,
            None,
            created,
            &format!("scenario-{i}"),
            &mut cache,
        )?);
    }
    let templates: Vec<JobSpec> = state
        .history
        .iter()
        .filter(|t| !t.running && t.failure.is_none())
        .cloned()
        .collect();
    if !templates.is_empty() && extra > 0 {
        let shared: &State = state;
        let extra_job = |n: usize, cache: &mut StepCache| {
            let spec = &templates[n % templates.len()];
            let hours = first + span * (n as f64) / (extra as f64);
            let created = now_ms - (hours * hour_ms) as i64;
            historical(
                shared,
                sealer,
                spec,
                Some(n),
                created,
                &format!("history-{n}"),
                cache,
            )
        };
        // Each job is decided on its own from the unchanged state, so the extra jobs split into
        // contiguous ranges decided in parallel (one cache per thread) and joined in order give
        // the same jobs as one loop would.
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, MAX_REPLAY_THREADS)
            .min(extra.div_ceil(MIN_JOBS_PER_THREAD));
        let chunk = extra.div_ceil(workers);
        let ranges: Vec<std::ops::Range<usize>> = (0..workers)
            .map(|w| w * chunk..((w + 1) * chunk).min(extra))
            .collect();
        let decided: Vec<Result<Vec<Job>, EvaluateError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .into_iter()
                .map(|range| {
                    let extra_job = &extra_job;
                    scope.spawn(move || {
                        let mut cache = StepCache::default();
                        // Sized once: no doubling of 50,000 jobs' worth of buffer.
                        let mut jobs = Vec::with_capacity(range.len());
                        for n in range {
                            jobs.push(extra_job(n, &mut cache)?);
                        }
                        Ok::<Vec<Job>, EvaluateError>(jobs)
                    })
                })
                .collect();
            handles
                .into_iter()
                // A worker only panics if deciding a job panicked; propagate it as such.
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let decided = decided.into_iter().collect::<Result<Vec<_>, _>>()?;
        let total = built.len() + decided.iter().map(Vec::len).sum::<usize>();
        state.jobs.reserve(total);
        state.job_index.reserve(total);
        for job in built.drain(..) {
            state.push_job(job);
        }
        // Moved range by range, each range's buffer freed as soon as it is empty.
        for jobs in decided {
            for job in jobs {
                state.push_job(job);
            }
        }
    }
    for job in built {
        state.push_job(job);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::engine::AUTHORIZATION_FAILURE;
    use crate::sandbox::scenario;

    fn demo(extra: usize) -> (State, TokenSealer) {
        let spec = scenario::load("demo").unwrap();
        let mut state = State::from_scenario(&spec);
        let sealer = TokenSealer::new();
        replay(&mut state, &sealer, &spec.jobs, extra, 1_800_000_000_000).unwrap();
        (state, sealer)
    }

    #[test]
    fn the_demo_history_has_each_kind_of_outcome() {
        let (state, sealer) = demo(0);
        let failed: Vec<&Job> = state
            .jobs
            .iter()
            .filter(|j| j.outcome.status_message().is_some())
            .filter(|j| j.region == state.region)
            .collect();
        let newest = failed.iter().max_by_key(|j| j.created_ms).unwrap();
        let status_message = newest.outcome.status_message().unwrap();
        let token = status_message.strip_prefix(AUTHORIZATION_FAILURE).unwrap();
        let decoded = sealer.open(token).unwrap();
        assert!(decoded.contains("AmazonSSMRoleForInstancesQuickSetup"));
        assert!(
            newest
                .iam_role_arn
                .ends_with("role/service-role/AWSBackupDefaultServiceRole")
        );
        assert!(failed.iter().any(|j| matches!(&j.outcome,
            Outcome::Failed { status_message } if !status_message.contains("Encoded authorization"))));
        assert!(failed.iter().any(|j| matches!(&j.outcome,
            Outcome::Denied { sentence: Some(sentence), .. } if sentence.contains("not authorized"))));
        assert!(state.jobs.iter().any(|j| j.outcome == Outcome::Running));
        assert!(
            state
                .jobs
                .iter()
                .any(|j| matches!(j.outcome, Outcome::Completed { .. }))
        );
    }

    #[test]
    // How fast they are made is measured by scripts/bench.py (sandbox start-up), not here:
    // a timed unit test on a shared machine fails for reasons that are not the code's.
    fn extra_jobs_are_older_and_distinct() {
        let (state, sealer) = demo(3_000);
        let scenario = scenario::load("demo").unwrap().jobs.len();
        assert_eq!(state.jobs.len(), scenario + 3_000);
        let scenario_oldest = state.jobs[..scenario]
            .iter()
            .map(|j| j.created_ms)
            .min()
            .unwrap();
        let mut decoded = std::collections::HashSet::new();
        for job in &state.jobs[scenario..] {
            assert!(job.created_ms < scenario_oldest);
            let Some(status_message) = job.outcome.status_message() else {
                panic!("extra job not failed")
            };
            let token = status_message.strip_prefix(AUTHORIZATION_FAILURE).unwrap();
            assert!(token.len() < 4_000);
            decoded.insert(sealer.open(token).unwrap());
        }
        assert!(decoded.len() > 2_000, "{}", decoded.len());
        let ids: std::collections::HashSet<&str> =
            state.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids.len(), state.jobs.len());
    }

    #[test]
    // The extra jobs are decided in parallel with shared caches; each must still carry the
    // decision the engine makes for that job alone, with its own `{n}` in the request.
    fn each_extra_job_carries_the_engines_decision_for_its_own_request() {
        let extra = 2_500;
        let (state, sealer) = demo(extra);
        let scenario = scenario::load("demo").unwrap();
        let templates: Vec<&JobSpec> = scenario
            .history
            .iter()
            .filter(|t| !t.running && t.failure.is_none())
            .collect();
        assert_eq!(
            templates.len(),
            3,
            "the demo's templates changed; revisit this test"
        );
        let extra_jobs = &state.jobs[scenario.jobs.len()..];
        assert_eq!(extra_jobs.len(), extra);
        let mut with_own_n = 0;
        for (n, job) in extra_jobs.iter().enumerate() {
            assert_eq!(
                job.id,
                job_id(&format!("history-{n}")),
                "job {n} out of order"
            );
            let spec = templates[n % templates.len()];
            let request = request_of(&state, spec, Some(n));
            assert_eq!(job.recovery_point_arn, request.recovery_point_arn);
            assert_eq!(job.metadata.to_map(), request.metadata);
            // The engine alone, for this job's request, with nothing cached from other jobs.
            let role = state.role_by_arn(&request.iam_role_arn).unwrap();
            let requests = engine::restore_requests(
                &state,
                &request.resource_type,
                &request.recovery_point_arn,
                &request.metadata,
            );
            let RestoreDecision::Denied { decoded, .. } =
                engine::decide_restore(&state, role, &requests).unwrap()
            else {
                panic!("job {n}: the engine allows it, yet it is an extra failed job");
            };
            let Some(status_message) = job.outcome.status_message() else {
                panic!("job {n} not failed")
            };
            let token = status_message.strip_prefix(AUTHORIZATION_FAILURE).unwrap();
            let opened = sealer.open(token).unwrap();
            assert_eq!(opened, decoded, "job {n}");
            let own = format!("{n:05}");
            let context: serde_json::Value = serde_json::from_str(&opened).unwrap();
            let resource = context["context"]["resource"].as_str().unwrap();
            match n % templates.len() {
                0 => assert!(
                    resource.ends_with(&format!("role/LegacyAppRole-{own}")),
                    "{resource}"
                ),
                1 => assert!(
                    resource.ends_with(&format!("key/archive-{own}")),
                    "{resource}"
                ),
                _ => assert!(!resource.contains(&own), "{resource}"),
            }
            with_own_n += usize::from(resource.contains(&own));
        }
        assert!(with_own_n > extra / 2, "{with_own_n}");
    }
}
