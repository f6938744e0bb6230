//! The authorization engine: the requests a restore of each resource type makes as the restore
//! role, evaluated with the shared evaluator (`diagnosis::evaluate`) against the role's inline
//! and attached policies and its invisible guardrails; the decoded message of the first denied
//! request; and the caller checks every API call goes through.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

mod text;

pub use text::{DeniedBy, decoded_message, denial_sentence, plain_text_denial};

use super::iam_services::RCP_SERVICES;
use super::policy_layers;
use super::state::{Role, State};
use crate::diagnosis::catalogue;
use crate::diagnosis::evaluate::{
    self, Decision, Effect, EvaluateError, Evaluation, RequestContext,
};
use crate::diagnosis::layered::{PolicyLayers, evaluate_layers};

/// The status message AWS Backup gives a restore that failed authorization (the token follows).
pub const AUTHORIZATION_FAILURE: &str = "You are not authorized to perform this operation. Please consult the permissions associated with your AWS Backup role(s), and refer to the AWS Backup documentation for more details. Encoded authorization failure message: ";

/// One request a restore makes on the restore role's behalf.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRequest {
    /// `service:Action`, as evaluated.
    pub action: String,
    /// The action as the calling service reports it in the decoded message (EC2 drops the
    /// service prefix).
    pub reported_action: String,
    /// The resource ARN.
    pub resource: String,
    /// Condition keys the decoded message shows, in order.
    pub shown: Vec<(String, String)>,
    /// Condition keys present in the evaluation but not shown (e.g. `iam:PassedToService`).
    pub hidden: Vec<(String, String)>,
}

impl ServiceRequest {
    fn new(action: &str, resource: String) -> Self {
        Self {
            action: action.into(),
            reported_action: action.into(),
            resource,
            shown: Vec::new(),
            hidden: Vec::new(),
        }
    }

    fn show(mut self, key: &str, value: &str) -> Self {
        self.shown.push((key.into(), value.into()));
        self
    }
}

/// What a restore's requests came to.
#[derive(Debug, Clone, PartialEq)]
pub enum RestoreDecision {
    /// Every request is allowed.
    Allowed,
    /// A request was denied: the decoded message (JSON text) to seal into the token.
    Denied {
        /// The decoded message.
        decoded: String,
        /// True when a deny statement (or guardrail) decided it.
        explicit: bool,
        /// The layer that denied it.
        by: DeniedBy,
    },
}

/// The requests a restore of `resource_type` with `metadata` makes, in order.
pub fn restore_requests(
    state: &State,
    resource_type: &str,
    recovery_point_arn: &str,
    metadata: &BTreeMap<String, String>,
) -> Vec<ServiceRequest> {
    let (account, region) = (&state.account_id, &state.region);
    let meta = |key: &str| metadata.get(key).map(String::as_str);
    let mut requests = Vec::new();
    match resource_type.to_ascii_uppercase().as_str() {
        "EC2" => {
            let instances = format!("arn:aws:ec2:{region}:{account}:instance/*");
            let mut run = ServiceRequest::new("ec2:RunInstances", instances.clone())
                .show(
                    "ec2:InstanceType",
                    meta("InstanceType").unwrap_or("t3.micro"),
                )
                .show("aws:Service", "ec2")
                .show("aws:Region", region);
            run.reported_action = "RunInstances".into();
            requests.push(run);
            let mut tags = ServiceRequest::new("ec2:CreateTags", instances)
                .show("aws:Service", "ec2")
                .show("aws:Region", region);
            tags.reported_action = "CreateTags".into();
            requests.push(tags);
            if let Some(profile) = meta("IamInstanceProfileName").filter(|p| !p.is_empty()) {
                let role_name = state
                    .instance_profiles
                    .get(profile)
                    .cloned()
                    .unwrap_or_else(|| profile.to_string());
                let role_arn = state
                    .roles
                    .get(&role_name)
                    .map(|r| r.arn.clone())
                    .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/{role_name}"));
                let pass = ServiceRequest::new("iam:PassRole", role_arn.clone())
                    .show("aws:Region", region)
                    .show("aws:Service", "ec2")
                    .show("aws:Resource", &format!("role/{role_name}"))
                    .show("iam:RoleName", &role_name)
                    .show("aws:Type", "role")
                    .show("aws:Account", account)
                    .show("aws:ARN", &role_arn);
                requests.push(pass);
            }
        }
        "EBS" => {
            requests.push(
                ServiceRequest::new(
                    "ec2:CreateVolume",
                    format!("arn:aws:ec2:{region}:{account}:volume/*"),
                )
                .show("aws:Service", "ec2")
                .show("aws:Region", region),
            );
            if meta("encrypted").is_some_and(|e| e.eq_ignore_ascii_case("true"))
                && let Some(key) = meta("kmsKeyId")
            {
                let via = format!("ec2.{region}.amazonaws.com");
                for action in ["kms:CreateGrant", "kms:Decrypt"] {
                    let mut request = ServiceRequest::new(action, key.to_string())
                        .show("kms:ViaService", &via)
                        .show("kms:CallerAccount", account)
                        .show("aws:Region", region);
                    if action == "kms:CreateGrant" {
                        request = request.show("kms:GrantIsForAWSResource", "true");
                    }
                    requests.push(request);
                }
            }
        }
        "EFS" => {
            let file_system = meta("file-system-id").unwrap_or("fs-00000000");
            requests.push(
                ServiceRequest::new(
                    "elasticfilesystem:Restore",
                    format!(
                        "arn:aws:elasticfilesystem:{region}:{account}:file-system/{file_system}"
                    ),
                )
                .show("aws:Region", region),
            );
            requests.push(
                ServiceRequest::new(
                    "elasticfilesystem:CreateFilesystem",
                    format!("arn:aws:elasticfilesystem:{region}:{account}:file-system/*"),
                )
                .show("aws:Region", region),
            );
        }
        _ => {
            // Other resource types only read the recovery point here.
            requests.push(ServiceRequest::new(
                "backup:DescribeRecoveryPoint",
                recovery_point_arn.to_string(),
            ));
        }
    }
    // What IAM evaluates but the decoded message does not show comes from the action
    // catalogue, the same table local verification reads.
    for request in &mut requests {
        request.hidden = catalogue::hidden_keys(&request.action, request.shown.as_slice(), "aws");
    }
    requests
}

/// The assumed-role ARN and principal ID AWS Backup's session as `role` has.
pub fn backup_session(state: &State, role: &Role) -> (String, String) {
    let session = format!("AWSBackup-{}", role.name);
    (
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{session}",
            state.account_id, role.name
        ),
        format!("{}:{session}", role.id),
    )
}

/// How one request of a restore came out.
#[derive(Debug, Clone)]
enum Step {
    Allowed,
    /// Denied: whether explicitly, the statements the decoded message shows (the role's own
    /// denies, or the allows a guardrail overrode) and the layer that denied it.
    Denied {
        explicit: bool,
        matched: Vec<Value>,
        by: DeniedBy,
    },
}

/// Step outcomes and each role's gathered layers, remembered while no policy changes (the
/// start-up replay), so thousands of historical jobs that share requests evaluate each distinct
/// request once, and gather a role's layers once rather than once per job.
#[derive(Debug, Default)]
pub struct StepCache {
    steps: HashMap<String, Step>,
    /// By role ARN.
    layers: HashMap<String, RoleLayers>,
}

/// How many step outcomes a [`StepCache`] remembers at most.
const STEP_CACHE_CAPACITY: usize = 4_096;

/// A role's layers, with and without its RCPs (which apply only to some services' actions).
#[derive(Debug)]
struct RoleLayers {
    with_rcps: PolicyLayers,
    without_rcps: PolicyLayers,
}

impl RoleLayers {
    fn of(state: &State, role: &Role) -> Self {
        let with_rcps = policy_layers::role_layers(state, role);
        let without_rcps = PolicyLayers {
            rcps: Vec::new(),
            ..with_rcps.clone()
        };
        Self {
            with_rcps,
            without_rcps,
        }
    }
}

/// Runs a restore's requests as `role`; the first denied one decides.
#[cfg(test)]
pub fn decide_restore(
    state: &State,
    role: &Role,
    requests: &[ServiceRequest],
) -> Result<RestoreDecision, EvaluateError> {
    decide_restore_with(state, role, requests, &mut StepCache::default())
}

/// [`decide_restore`] remembering step outcomes in `cache` (valid while policies are unchanged).
pub fn decide_restore_with(
    state: &State,
    role: &Role,
    requests: &[ServiceRequest],
    cache: &mut StepCache,
) -> Result<RestoreDecision, EvaluateError> {
    let (principal_arn, principal_id) = backup_session(state, role);
    for request in requests {
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}",
            role.arn, request.action, request.resource, request.shown, request.hidden
        );
        let step = match cache.steps.get(&key) {
            Some(step) => step.clone(),
            None => {
                let layers = cache
                    .layers
                    .entry(role.arn.clone())
                    .or_insert_with(|| RoleLayers::of(state, role));
                let step = evaluate_step(state, layers, request, &principal_arn, &role.id)?;
                // Bounded: a request naming a job's own resource (its `{n}`) never recurs, and
                // 100,000 such entries would outweigh the jobs; the shared ones come first.
                if cache.steps.len() < STEP_CACHE_CAPACITY {
                    cache.steps.insert(key, step.clone());
                }
                step
            }
        };
        let Step::Denied {
            explicit,
            matched,
            by,
        } = step
        else {
            continue;
        };
        let decoded = decoded_message(request, &principal_arn, &principal_id, explicit, &matched);
        return Ok(RestoreDecision::Denied {
            decoded,
            explicit,
            by,
        });
    }
    Ok(RestoreDecision::Allowed)
}

/// One request over every layer (the one evaluator, `evaluate_layers`); the first blocker
/// names the layer a denial reports.
fn evaluate_step(
    state: &State,
    role_layers: &RoleLayers,
    request: &ServiceRequest,
    principal_arn: &str,
    role_id: &str,
) -> Result<Step, EvaluateError> {
    let mut conditions: BTreeMap<String, Vec<String>> = request
        .shown
        .iter()
        .chain(&request.hidden)
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    // IAM sets the principal's keys on every request (the role's ARN for an assumed role).
    if let Some(role) = state.roles.values().find(|r| r.id == role_id) {
        conditions
            .entry("aws:PrincipalArn".into())
            .or_insert_with(|| vec![role.arn.clone()]);
    }
    conditions
        .entry("aws:PrincipalAccount".into())
        .or_insert_with(|| vec![state.account_id.clone()]);
    let context = RequestContext {
        principal_arn: principal_arn.to_string(),
        action: request.action.clone(),
        resource: request.resource.clone(),
        conditions,
    };
    let service = request.action.split(':').next().unwrap_or_default();
    let base = if RCP_SERVICES.contains(&service) {
        &role_layers.with_rcps
    } else {
        &role_layers.without_rcps
    };
    // Copied only when the request has a resource policy of its own (a key policy).
    let layers = match policy_layers::resource_policy(state, &request.action, &request.resource) {
        Some(resource) => Cow::Owned(PolicyLayers {
            resource: Some(resource),
            ..base.clone()
        }),
        None => Cow::Borrowed(base),
    };
    let layers = layers.as_ref();
    let mut evaluation = evaluate_layers(layers, &context)?;
    // Across accounts the key policy alone never grants: the caller's account must allow too.
    if evaluation.decision == Decision::Allowed
        && policy_layers::is_cross_account(state, &request.resource)
    {
        let own = PolicyLayers {
            resource: None,
            ..layers.clone()
        };
        let own_evaluation = evaluate_layers(&own, &context)?;
        if own_evaluation.decision != Decision::Allowed {
            evaluation = own_evaluation;
        }
    }
    if evaluation.decision == Decision::Allowed {
        return Ok(Step::Allowed);
    }
    let explicit = evaluation.decision == Decision::ExplicitDeny;
    let by = evaluation
        .blockers
        .first()
        .map(DeniedBy::from_blocker)
        .unwrap_or(DeniedBy::Identity);
    let identity = evaluate::evaluate(&layers.identity, &context)?;
    let matched = match (&by, identity.decision) {
        (_, Decision::ExplicitDeny) => statements(&identity, role_id, Effect::Deny),
        // An allow matched but a guardrail (boundary, SCP, key policy) denied: STS shows it.
        (DeniedBy::Identity, _) => Vec::new(),
        (_, Decision::Allowed) if !explicit => statements(&identity, role_id, Effect::Allow),
        _ => Vec::new(),
    };
    Ok(Step::Denied {
        explicit,
        matched,
        by,
    })
}

fn items(values: impl IntoIterator<Item = String>) -> Value {
    json!({"items": values.into_iter().map(|v| json!({"value": v})).collect::<Vec<_>>()})
}

/// The matched statements of one effect, in the decoded message's shape.
fn statements(evaluation: &Evaluation, role_id: &str, effect: Effect) -> Vec<Value> {
    evaluation
        .matched
        .iter()
        .filter(|m| m.effect == effect)
        .map(|m| {
            json!({
                "statementId": m.sid.clone().unwrap_or_default(),
                "effect": if effect == Effect::Deny { "DENY" } else { "ALLOW" },
                "principals": items([role_id.to_string()]),
                "principalGroups": {"items": []},
                "actions": items(m.actions.clone()),
                "resources": items(m.resources.clone()),
                "conditions": {"items": []},
            })
        })
        .collect()
}

/// Why a caller may not make a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerDenied(pub String);

/// Checks the caller's own policies allow `action` (e.g. `sts:DecodeAuthorizationMessage`).
pub fn authorize_caller(state: &State, caller_arn: &str, action: &str) -> Result<(), CallerDenied> {
    let Some(user) = state.users.values().find(|u| u.arn == caller_arn) else {
        return Err(CallerDenied(format!(
            "User: {caller_arn} is not authorized to perform: {action}"
        )));
    };
    let request = RequestContext {
        principal_arn: caller_arn.into(),
        action: action.into(),
        resource: "*".into(),
        conditions: BTreeMap::new(),
    };
    match evaluate::evaluate(&state.user_policies(user), &request).map(|e| e.decision) {
        Ok(Decision::Allowed) => Ok(()),
        Ok(Decision::ExplicitDeny) => Err(CallerDenied(format!(
            "User: {caller_arn} is not authorized to perform: {action} with an explicit deny in an identity-based policy"
        ))),
        _ => Err(CallerDenied(format!(
            "User: {caller_arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
        ))),
    }
}

#[cfg(test)]
mod layer_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::scenario;

    fn demo() -> State {
        State::from_scenario(&scenario::load("demo").unwrap())
    }

    fn ec2_metadata(profile: &str) -> BTreeMap<String, String> {
        [
            ("InstanceType", "t3.micro"),
            ("IamInstanceProfileName", profile),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn the_default_role_cannot_pass_the_instance_role() {
        let state = demo();
        let role = &state.roles["AWSBackupDefaultServiceRole"];
        let requests = restore_requests(
            &state,
            "EC2",
            "rp",
            &ec2_metadata("AmazonSSMRoleForInstancesQuickSetup"),
        );
        let RestoreDecision::Denied {
            decoded, explicit, ..
        } = decide_restore(&state, role, &requests).unwrap()
        else {
            panic!("allowed");
        };
        assert!(!explicit);
        let decoded: Value = serde_json::from_str(&decoded).unwrap();
        assert_eq!(decoded["context"]["action"], "iam:PassRole");
        assert_eq!(
            decoded["context"]["resource"],
            "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup"
        );
        assert_eq!(
            decoded["context"]["principal"]["arn"],
            "arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole"
        );
        assert!(decoded.to_string().contains("\"key\":\"aws:Service\""));
        assert!(
            !decoded.to_string().contains("PassedToService"),
            "hidden key not shown"
        );
        // Without an instance profile the same role restores EC2.
        let plain = restore_requests(&state, "EC2", "rp", &BTreeMap::new());
        assert_eq!(
            decide_restore(&state, role, &plain).unwrap(),
            RestoreDecision::Allowed
        );
    }

    #[test]
    fn the_fix_allows_the_restore() {
        let mut state = demo();
        let fix = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole",
            "Resource":"arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup",
            "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]});
        state
            .roles
            .get_mut("AWSBackupDefaultServiceRole")
            .unwrap()
            .inline
            .insert(
                "RestoreDoctorFixes".into(),
                crate::sandbox::state::InlinePolicy::from_value(fix),
            );
        let role = &state.roles["AWSBackupDefaultServiceRole"];
        let requests = restore_requests(
            &state,
            "EC2",
            "rp",
            &ec2_metadata("AmazonSSMRoleForInstancesQuickSetup"),
        );
        assert_eq!(
            decide_restore(&state, role, &requests).unwrap(),
            RestoreDecision::Allowed
        );
    }

    #[test]
    fn the_decoded_message_is_the_sts_shape() {
        let request = ServiceRequest::new(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:1:instance/*".into(),
        )
        .show("aws:Service", "ec2")
        .show("odd\"key", "line\nbreak");
        let matched = vec![json!({"statementId": "S", "effect": "DENY"})];
        let text = decoded_message(&request, "arn:p", "AROA:s", true, &matched);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let expected = json!({
            "allowed": false, "explicitDeny": true,
            "matchedStatements": {"items": matched},
            "failures": {"items": []},
            "context": {"principal": {"id": "AROA:s", "arn": "arn:p"},
                "action": "ec2:RunInstances", "resource": "arn:aws:ec2:us-east-1:1:instance/*",
                "conditions": {"items": [
                    {"key": "aws:Service", "values": {"items": [{"value": "ec2"}]}},
                    {"key": "odd\"key", "values": {"items": [{"value": "line\nbreak"}]}}]}}
        });
        assert_eq!(parsed, expected);
        assert_eq!(text, expected.to_string(), "key order as STS");
        let none = ServiceRequest::new("a:b", "*".into());
        let parsed: Value =
            serde_json::from_str(&decoded_message(&none, "p", "i", false, &[])).unwrap();
        assert_eq!(parsed["context"]["conditions"]["items"], json!([]));
    }

    #[test]
    fn a_guardrail_denies_without_matched_statements() {
        let state = demo();
        let role = &state.roles["BackupRestoreRoleProd"];
        let requests = restore_requests(&state, "EC2", "rp", &BTreeMap::new());
        let RestoreDecision::Denied {
            decoded, explicit, ..
        } = decide_restore(&state, role, &requests).unwrap()
        else {
            panic!("allowed");
        };
        assert!(explicit);
        let decoded: Value = serde_json::from_str(&decoded).unwrap();
        assert_eq!(decoded["context"]["action"], "RunInstances");
        assert_eq!(decoded["matchedStatements"]["items"], json!([]));
    }

    #[test]
    fn an_encrypted_ebs_restore_needs_create_grant() {
        let state = demo();
        let role = &state.roles["BackupRestoreRoleEbs"];
        let metadata: BTreeMap<String, String> = [
            ("encrypted", "true"),
            ("kmsKeyId", "arn:aws:kms:us-east-1:111122223333:key/k"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let requests = restore_requests(&state, "EBS", "rp", &metadata);
        let RestoreDecision::Denied { decoded, .. } =
            decide_restore(&state, role, &requests).unwrap()
        else {
            panic!("allowed");
        };
        assert!(decoded.contains("\"action\":\"kms:CreateGrant\""));
    }

    #[test]
    fn callers_are_checked_against_their_own_policies() {
        let state = demo();
        let admin = &state.users["sandbox-admin"].arn;
        let auditor = &state.users["sandbox-auditor"].arn;
        assert!(authorize_caller(&state, admin, "sts:DecodeAuthorizationMessage").is_ok());
        assert!(authorize_caller(&state, auditor, "iam:GetRole").is_ok());
        let denied =
            authorize_caller(&state, auditor, "sts:DecodeAuthorizationMessage").unwrap_err();
        assert!(denied.0.contains("sts:DecodeAuthorizationMessage"));
    }
}
