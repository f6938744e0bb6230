//! The authorization engine: the requests a restore of each resource type makes as the restore
//! role, evaluated with the shared evaluator (`diagnosis::evaluate`) against the role's inline
//! and attached policies and its invisible guardrails; the decoded message of the first denied
//! request; and the caller checks every API call goes through.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde_json::{Value, json};

use super::state::{Role, State};
use crate::diagnosis::catalogue;
use crate::diagnosis::evaluate::{
    self, Decision, Effect, EvaluateError, Evaluation, NamedPolicy, RequestContext,
};

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
    /// Denied by a guardrail (invisible: no matched statements).
    GuardrailDeny,
    /// Denied by the role's own deny statements (shown as matched statements).
    IdentityDeny(Vec<Value>),
    ImplicitDeny,
    /// An identity policy allows it but the permissions boundary does not (the matched allows
    /// are shown, as STS shows them: a guardrail denied what an allow granted).
    BoundaryImplicitDeny(Vec<Value>),
}

/// Step outcomes remembered while no policy changes (the start-up replay), so thousands of
/// historical jobs that share requests evaluate each distinct request once.
#[derive(Debug, Default)]
pub struct StepCache(HashMap<String, Step>);

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
    let mut policies: Option<(Vec<NamedPolicy>, Vec<NamedPolicy>, Option<NamedPolicy>)> = None;
    for request in requests {
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}",
            role.arn, request.action, request.resource, request.shown, request.hidden
        );
        let step = match cache.0.get(&key) {
            Some(step) => step.clone(),
            None => {
                let (identity, guardrails, boundary) = policies.get_or_insert_with(|| {
                    let guardrails = role
                        .guardrails
                        .iter()
                        .enumerate()
                        .map(|(i, document)| NamedPolicy {
                            name: format!("guardrail-{i}"),
                            document: document.clone(),
                        })
                        .collect();
                    (
                        state.role_policies(role),
                        guardrails,
                        state.role_boundary(role),
                    )
                });
                let step = evaluate_step(
                    identity,
                    guardrails,
                    boundary.as_ref(),
                    request,
                    &principal_arn,
                    &role.id,
                )?;
                cache.0.insert(key, step.clone());
                step
            }
        };
        let (explicit, matched) = match step {
            Step::Allowed => continue,
            Step::GuardrailDeny => (true, Vec::new()),
            Step::IdentityDeny(denies) => (true, denies),
            Step::ImplicitDeny => (false, Vec::new()),
            Step::BoundaryImplicitDeny(allows) => (false, allows),
        };
        let decoded = decoded_message(request, &principal_arn, &principal_id, explicit, &matched);
        return Ok(RestoreDecision::Denied { decoded, explicit });
    }
    Ok(RestoreDecision::Allowed)
}

fn evaluate_step(
    identity: &[NamedPolicy],
    guardrails: &[NamedPolicy],
    boundary: Option<&NamedPolicy>,
    request: &ServiceRequest,
    principal_arn: &str,
    role_id: &str,
) -> Result<Step, EvaluateError> {
    let context = RequestContext {
        principal_arn: principal_arn.to_string(),
        action: request.action.clone(),
        resource: request.resource.clone(),
        conditions: request
            .shown
            .iter()
            .chain(&request.hidden)
            .map(|(k, v)| (k.clone(), vec![v.clone()]))
            .collect(),
    };
    if !guardrails.is_empty()
        && evaluate::evaluate(guardrails, &context)?.decision == Decision::ExplicitDeny
    {
        return Ok(Step::GuardrailDeny);
    }
    if let Some(boundary) = boundary {
        match evaluate::evaluate(std::slice::from_ref(boundary), &context)?.decision {
            Decision::ExplicitDeny => return Ok(Step::GuardrailDeny),
            Decision::Allowed => {}
            Decision::ImplicitDeny => {
                let evaluation = evaluate::evaluate(identity, &context)?;
                return Ok(match evaluation.decision {
                    Decision::ExplicitDeny => {
                        Step::IdentityDeny(statements(&evaluation, role_id, Effect::Deny))
                    }
                    Decision::Allowed => {
                        Step::BoundaryImplicitDeny(statements(&evaluation, role_id, Effect::Allow))
                    }
                    Decision::ImplicitDeny => Step::ImplicitDeny,
                });
            }
        }
    }
    let evaluation = evaluate::evaluate(identity, &context)?;
    Ok(match evaluation.decision {
        Decision::Allowed => Step::Allowed,
        Decision::ExplicitDeny => {
            Step::IdentityDeny(statements(&evaluation, role_id, Effect::Deny))
        }
        Decision::ImplicitDeny => Step::ImplicitDeny,
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

/// The decoded message, in the shape STS returns.
pub fn decoded_message(
    request: &ServiceRequest,
    principal_arn: &str,
    principal_id: &str,
    explicit: bool,
    matched: &[Value],
) -> String {
    // Written directly rather than through a `Value` tree: thousands of these are built at
    // start-up for `--jobs`, and this is the shape STS returns, key order included.
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "{{\"allowed\":false,\"explicitDeny\":{explicit},\"matchedStatements\":{{\"items\":{}}},\"failures\":{{\"items\":[]}},\"context\":{{\"principal\":{{\"id\":{},\"arn\":{}}},\"action\":{},\"resource\":{},\"conditions\":{{\"items\":[",
        Value::Array(matched.to_vec()),
        json_string(principal_id),
        json_string(principal_arn),
        json_string(&request.reported_action),
        json_string(&request.resource),
    );
    for (i, (key, value)) in request.shown.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"key\":{},\"values\":{{\"items\":[{{\"value\":{}}}]}}}}",
            if i == 0 { "" } else { "," },
            json_string(key),
            json_string(value)
        );
    }
    out.push_str("]}}}");
    out
}

/// The plain-text status message of a denied restore whose service reports IAM's sentence
/// instead of an encoded token (EFS and S3 restores: only EC2 encodes its authorization
/// failures). The sentence follows the IAM user guide's "Access denied error messages"
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>); a
/// guardrail's deny is reported as a service control policy's.
pub fn plain_text_denial(resource_type: &str, decoded: &str, explicit: bool) -> Option<String> {
    if !matches!(resource_type.to_ascii_uppercase().as_str(), "EFS" | "S3") {
        return None;
    }
    let message: Value = serde_json::from_str(decoded).ok()?;
    let context = &message["context"];
    let principal = context["principal"]["arn"].as_str()?;
    let action = context["action"].as_str()?;
    let resource = context["resource"].as_str()?;
    let matched = message["matchedStatements"]["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty());
    let reason = match (explicit, matched) {
        (false, _) => format!("because no identity-based policy allows the {action} action"),
        (true, true) => "with an explicit deny in an identity-based policy".to_string(),
        (true, false) => "with an explicit deny in a service control policy".to_string(),
    };
    Some(format!(
        "User: {principal} is not authorized to perform: {action} on resource: {resource} {reason}"
    ))
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
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
        let RestoreDecision::Denied { decoded, explicit } =
            decide_restore(&state, role, &requests).unwrap()
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
        let RestoreDecision::Denied { decoded, explicit } =
            decide_restore(&state, role, &requests).unwrap()
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
