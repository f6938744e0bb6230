//! A differential test of restore-doctor's layered evaluator (`diagnosis::layered`, over the
//! `iam-rs` crate) against an independent IAM engine we did not write,
//! `@cloud-copilot/iam-simulate` (npm, pinned in tests/oracle/package-lock.json and installed by
//! `.ci/run`): generated and hand-written cases spanning identity policies, permissions
//! boundaries, SCPs at several levels, RCPs, session policies and resource policies (bucket
//! policies, KMS key policies that delegate to IAM or not). Every case must get the same
//! decision from both; a disagreement fails with the case printed.

use crate::common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use restore_doctor::diagnosis::evaluate::{Decision, NamedPolicy, RequestContext};
use restore_doctor::diagnosis::layered::{
    OrgLevel, PolicyLayers, ResourcePolicy, ResourcePolicyKind, evaluate_layers,
};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const CALLER: &str = "arn:aws:sts::111122223333:assumed-role/RestoreRole/AWSBackup-RestoreRole";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/RestoreRole";

/// One request shape the generator varies policies around.
struct Shape {
    action: &'static str,
    resource: &'static str,
    context: &'static [(&'static str, &'static str)],
    /// The service's wildcard (`s3:*`).
    service_wildcard: &'static str,
    /// A condition that the context satisfies, and one it does not.
    condition_met: Option<Value>,
    condition_unmet: Option<Value>,
    /// Some resource policy applies (bucket policy / key policy).
    resource_kind: Option<ResourcePolicyKind>,
    /// RCPs apply to this service.
    rcp: bool,
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            action: "s3:GetObject",
            resource: "arn:aws:s3:::rd-restore-bucket/data/file.txt",
            context: &[],
            service_wildcard: "s3:*",
            condition_met: None,
            condition_unmet: None,
            resource_kind: Some(ResourcePolicyKind::Other),
            rcp: true,
        },
        Shape {
            action: "iam:PassRole",
            resource: "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup",
            context: &[("iam:PassedToService", "ec2.amazonaws.com")],
            service_wildcard: "iam:*",
            condition_met: Some(
                json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
            ),
            condition_unmet: Some(
                json!({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
            ),
            resource_kind: None,
            rcp: false,
        },
        Shape {
            action: "kms:Decrypt",
            resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            context: &[("kms:ViaService", "ec2.us-east-1.amazonaws.com")],
            service_wildcard: "kms:*",
            condition_met: Some(
                json!({"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}),
            ),
            condition_unmet: Some(
                json!({"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"}}),
            ),
            resource_kind: Some(ResourcePolicyKind::KeyPolicy),
            rcp: true,
        },
        Shape {
            action: "kms:CreateGrant",
            resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            context: &[
                ("kms:GrantIsForAWSResource", "true"),
                ("kms:ViaService", "ec2.us-east-1.amazonaws.com"),
            ],
            service_wildcard: "kms:*",
            condition_met: Some(json!({"Bool": {"kms:GrantIsForAWSResource": "true"}})),
            condition_unmet: Some(json!({"Bool": {"kms:GrantIsForAWSResource": "false"}})),
            resource_kind: Some(ResourcePolicyKind::KeyPolicy),
            rcp: true,
        },
        Shape {
            action: "ec2:CreateVolume",
            resource: "arn:aws:ec2:us-east-1:111122223333:volume/vol-0123456789abcdef0",
            context: &[],
            service_wildcard: "ec2:*",
            condition_met: None,
            condition_unmet: None,
            resource_kind: None,
            rcp: false,
        },
    ]
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn named(name: &str, statements: Value) -> NamedPolicy {
    NamedPolicy {
        name: name.into(),
        document: doc(statements),
    }
}

fn allow_all() -> Value {
    json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
}

/// A small deterministic generator (no dependency on a crate's RNG stream).
struct Lcg(u64);

impl Lcg {
    fn pick(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

struct Case {
    name: String,
    layers: PolicyLayers,
    request: RequestContext,
}

fn identity_variant(shape: &Shape, v: usize) -> Vec<NamedPolicy> {
    let (action, resource) = (shape.action, shape.resource);
    match v {
        0 => vec![],
        1 => vec![named(
            "inline:Exact",
            json!([{"Effect": "Allow", "Action": action, "Resource": resource}]),
        )],
        2 => vec![named(
            "managed:Wide",
            json!([{"Effect": "Allow", "Action": shape.service_wildcard, "Resource": "*"}]),
        )],
        3 => vec![named(
            "inline:Other",
            json!([{"Effect": "Allow", "Action": action, "Resource": "arn:aws:s3:::some-other-bucket/*"}]),
        )],
        4 => vec![
            named(
                "managed:Wide",
                json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
            ),
            named(
                "inline:Deny",
                json!([{"Sid": "NoThis", "Effect": "Deny", "Action": action, "Resource": resource}]),
            ),
        ],
        5 => match &shape.condition_met {
            Some(c) => vec![named(
                "inline:Cond",
                json!([{"Effect": "Allow", "Action": action, "Resource": resource, "Condition": c}]),
            )],
            None => vec![named(
                "inline:Prefix",
                json!([{"Effect": "Allow", "Action": format!("{}*", &action[..action.len() - 3]), "Resource": "*"}]),
            )],
        },
        _ => match &shape.condition_unmet {
            Some(c) => vec![named(
                "inline:CondOther",
                json!([{"Effect": "Allow", "Action": action, "Resource": resource, "Condition": c}]),
            )],
            None => vec![named(
                "inline:NotAction",
                json!([{"Effect": "Allow", "NotAction": action, "Resource": "*"}]),
            )],
        },
    }
}

fn boundary_variant(shape: &Shape, v: usize) -> Option<NamedPolicy> {
    let name = "arn:aws:iam::111122223333:policy/RestoreBoundary";
    match v {
        0 => None,
        1 => Some(named(
            name,
            json!([{"Effect": "Allow", "Action": shape.service_wildcard, "Resource": "*"}]),
        )),
        2 => Some(named(
            name,
            json!([{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]),
        )),
        _ => Some(named(
            name,
            json!([
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Sid": "BoundaryDeny", "Effect": "Deny", "Action": shape.action, "Resource": "*"}
            ]),
        )),
    }
}

fn scp_variant(shape: &Shape, v: usize) -> Vec<OrgLevel> {
    let level = |target: &str, policies: Vec<NamedPolicy>| OrgLevel {
        target: target.into(),
        policies,
    };
    let full = || named("FullAWSAccess", allow_all());
    match v {
        0 => vec![],
        1 => vec![level("r-abcd", vec![full()]), level(ACCOUNT, vec![full()])],
        2 => vec![
            level("r-abcd", vec![full()]),
            level(
                "ou-abcd-prod",
                vec![named(
                    "AllowOnlySqs",
                    json!([{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]),
                )],
            ),
            level(ACCOUNT, vec![full()]),
        ],
        3 => vec![
            level(
                "r-abcd",
                vec![
                    full(),
                    named(
                        "DenyIt",
                        json!([{"Sid": "ScpDeny", "Effect": "Deny", "Action": shape.action, "Resource": "*"}]),
                    ),
                ],
            ),
            level(ACCOUNT, vec![full()]),
        ],
        _ => vec![
            level("r-abcd", vec![full()]),
            level("ou-abcd-prod", vec![full()]),
            level(
                ACCOUNT,
                vec![named(
                    "AllowService",
                    json!([{"Effect": "Allow", "Action": shape.service_wildcard, "Resource": "*"}]),
                )],
            ),
        ],
    }
}

fn rcp_variant(shape: &Shape, v: usize) -> Vec<OrgLevel> {
    if !shape.rcp || v == 0 {
        return vec![];
    }
    vec![OrgLevel {
        target: "r-abcd".into(),
        policies: vec![named(
            "DenyOutsiders",
            json!([{"Sid": "RcpDeny", "Effect": "Deny", "Principal": "*", "Action": shape.action, "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:PrincipalAccount": if v == 1 { "999999999999" } else { ACCOUNT }}}}]),
        )],
    }]
}

fn resource_variant(shape: &Shape, v: usize) -> Option<ResourcePolicy> {
    let kind = shape.resource_kind?;
    let allow = |principal: &str| json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": shape.action, "Resource": "*"});
    let statements = match (kind, v) {
        (ResourcePolicyKind::KeyPolicy, 0) | (ResourcePolicyKind::KeyPolicy, 1) => {
            json!([{"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}])
        }
        (ResourcePolicyKind::KeyPolicy, 2) => json!([allow(ROLE_ARN)]),
        (ResourcePolicyKind::KeyPolicy, 3) => {
            json!([allow("arn:aws:iam::111122223333:role/KeyAdmin")])
        }
        (ResourcePolicyKind::KeyPolicy, _) => json!([
            {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "KeyDeny", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": shape.action, "Resource": "*"}
        ]),
        (_, 0) => return None,
        (_, 1) => json!([allow(ROLE_ARN)]),
        (_, 2) => json!([allow("arn:aws:iam::111122223333:role/SomeoneElse")]),
        (_, 3) => {
            json!([{"Sid": "BucketDeny", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": shape.action, "Resource": "*"}])
        }
        (_, _) => json!([allow(CALLER)]),
    };
    Some(ResourcePolicy {
        kind,
        policy: named("resource-policy", statements),
    })
}

fn session_variant(shape: &Shape, v: usize) -> Option<NamedPolicy> {
    match v {
        0 | 1 => None,
        2 => Some(named("session", allow_all())),
        _ => Some(named(
            "session",
            json!([{"Effect": "Allow", "Action": if shape.action.starts_with("sqs") { "s3:*" } else { "sqs:*" }, "Resource": "*"}]),
        )),
    }
}

fn request(shape: &Shape) -> RequestContext {
    RequestContext {
        principal_arn: CALLER.into(),
        action: shape.action.into(),
        resource: shape.resource.into(),
        conditions: shape
            .context
            .iter()
            .chain(&[("aws:PrincipalAccount", ACCOUNT)])
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect(),
    }
}

fn cases() -> Vec<Case> {
    let shapes = shapes();
    let mut out = Vec::new();
    // Hand-written: each layer alone deciding, per shape.
    for shape in &shapes {
        let base = || PolicyLayers {
            identity: identity_variant(shape, 1),
            resource: resource_variant(shape, 0),
            ..PolicyLayers::default()
        };
        let hand: Vec<(&str, PolicyLayers)> = vec![
            ("identity allows", base()),
            (
                "no identity allow",
                PolicyLayers {
                    identity: vec![],
                    ..base()
                },
            ),
            (
                "boundary lacks it",
                PolicyLayers {
                    boundary: boundary_variant(shape, 2),
                    ..base()
                },
            ),
            (
                "allow-list SCP lacks it",
                PolicyLayers {
                    scps: scp_variant(shape, 2),
                    ..base()
                },
            ),
            (
                "SCP denies",
                PolicyLayers {
                    scps: scp_variant(shape, 3),
                    ..base()
                },
            ),
            (
                "session policy lacks it",
                PolicyLayers {
                    session: session_variant(shape, 3),
                    ..base()
                },
            ),
        ];
        let mut hand = hand;
        if shape.resource_kind.is_some() {
            for (what, identity, variant) in [
                ("resource policy 1 alone", 0, 1),
                ("resource policy 2 alone", 0, 2),
                ("resource policy 3 alone", 0, 3),
                ("resource policy 4 alone", 0, 4),
                ("identity + resource policy 2", 1, 2),
                ("identity + resource policy 3", 1, 3),
                ("identity + resource policy 4", 1, 4),
                ("wide identity + resource policy 3", 2, 3),
            ] {
                hand.push((
                    what,
                    PolicyLayers {
                        identity: identity_variant(shape, identity),
                        resource: resource_variant(shape, variant),
                        ..PolicyLayers::default()
                    },
                ));
            }
        }
        for (what, layers) in hand {
            out.push(Case {
                name: format!("{} / {what}", shape.action),
                layers,
                request: request(shape),
            });
        }
    }
    // Generated: every layer varied together.
    let mut rng = Lcg(0x5eed_2026_1201);
    for n in 0..150 {
        let shape = &shapes[rng.pick(shapes.len())];
        let (i, b, s, r, p, x) = (
            rng.pick(7),
            rng.pick(4),
            rng.pick(5),
            rng.pick(3),
            rng.pick(5),
            rng.pick(4),
        );
        out.push(Case {
            name: format!("generated {n}: {} identity={i} boundary={b} scp={s} rcp={r} resource={p} session={x}", shape.action),
            layers: PolicyLayers {
                identity: identity_variant(shape, i),
                boundary: boundary_variant(shape, b),
                scps: scp_variant(shape, s),
                rcps: rcp_variant(shape, r),
                session: session_variant(shape, x),
                resource: resource_variant(shape, p),
            },
            request: request(shape),
        });
    }
    out
}

fn account_of(resource: &str) -> &str {
    match resource.split(':').nth(4) {
        Some(account) if !account.is_empty() => account,
        _ => ACCOUNT,
    }
}

/// The case as `runSimulation` takes it.
fn simulation(case: &Case) -> Value {
    let org = |levels: &[OrgLevel]| -> Value {
        levels
            .iter()
            .map(|l| json!({"orgIdentifier": l.target, "policies": l.policies.iter().map(|p| json!({"name": p.name, "policy": p.document})).collect::<Vec<_>>()}))
            .collect()
    };
    let context: serde_json::Map<String, Value> = case
        .request
        .conditions
        .iter()
        .map(|(k, v)| (k.clone(), if v.len() == 1 { json!(v[0]) } else { json!(v) }))
        .collect();
    let mut simulation = json!({
        "request": {
            "principal": case.request.principal_arn,
            "action": case.request.action,
            "resource": {"resource": case.request.resource, "accountId": account_of(&case.request.resource)},
            "contextVariables": context,
        },
        "identityPolicies": case.layers.identity.iter().map(|p| json!({"name": p.name, "policy": p.document})).collect::<Vec<_>>(),
        "serviceControlPolicies": org(&case.layers.scps),
        "resourceControlPolicies": org(&case.layers.rcps),
    });
    if let Some(boundary) = &case.layers.boundary {
        simulation["permissionBoundaryPolicies"] =
            json!([{"name": boundary.name, "policy": boundary.document}]);
    }
    if let Some(session) = &case.layers.session {
        simulation["sessionPolicy"] = session.document.clone();
    }
    if let Some(resource) = &case.layers.resource {
        simulation["resourcePolicy"] = resource.policy.document.clone();
    }
    simulation
}

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

fn oracle_present() -> bool {
    let installed = oracle_dir()
        .join("node_modules/@cloud-copilot/iam-simulate/package.json")
        .exists();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    installed && node
}

#[test]
fn our_evaluator_agrees_with_iam_simulate_on_every_case() {
    if !common::peer_present(
        "node with @cloud-copilot/iam-simulate (npm ci --prefix tests/oracle)",
        oracle_present(),
    ) {
        return;
    }
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let input = Value::Array(cases.iter().map(simulation).collect()).to_string();
    let mut child = Command::new("node")
        .arg(oracle_dir().join("simulate.mjs"))
        .current_dir(oracle_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("send the cases");
    let out = child.wait_with_output().expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("oracle JSON");
    assert_eq!(answers.len(), cases.len());
    let mut disagreements = Vec::new();
    let mut tally = std::collections::BTreeMap::new();
    for (case, answer) in cases.iter().zip(&answers) {
        let theirs = match answer["result"].as_str() {
            Some("Allowed") => Decision::Allowed,
            Some("ExplicitlyDenied") => Decision::ExplicitDeny,
            Some("ImplicitlyDenied") => Decision::ImplicitDeny,
            _ => panic!(
                "the oracle refused case {:?}: {answer}\n{}",
                case.name,
                simulation(case)
            ),
        };
        let ours = evaluate_layers(&case.layers, &case.request)
            .unwrap_or_else(|e| panic!("case {:?}: {e}", case.name));
        *tally.entry(theirs.as_str()).or_insert(0) += 1;
        if ours.decision != theirs {
            disagreements.push(format!(
                "{}: ours {} ({:?}), iam-simulate {}\n{}",
                case.name,
                ours.decision,
                ours.blockers,
                theirs,
                serde_json::to_string_pretty(&simulation(case)).unwrap_or_default()
            ));
        }
    }
    eprintln!("{} cases; iam-simulate's decisions: {tally:?}", cases.len());
    assert!(
        tally.len() == 3,
        "the cases exercise all three decisions: {tally:?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n\n")
    );
}
