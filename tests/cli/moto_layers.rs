//! Every policy layer against moto's server, an implementation of IAM, Organizations and KMS
//! that we did not write: an SCP that denies the action, attached to the OU above the denied
//! principal's member account, is named (its ID and statement) and gets no IAM write; SCPs are
//! never blamed for a principal in the management account; a KMS key policy that neither allows
//! nor delegates is named and gets no write. moto offers no IAM Access Analyzer, so those checks
//! must say "not checked".

use crate::common::assert_exit;

use crate::moto_support;

use std::process::{Command, Output, Stdio};

use moto_support::{ACCOUNT, Moto, assumed, aws, aws_as, env, start_moto};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_restore-doctor");
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn decoded(account: &str, action: &str, resource: &str, explicit_deny: bool) -> String {
    let condition = if action == "iam:PassRole" {
        json!({"key": "aws:Service", "values": {"items": [{"value": "ec2"}]}})
    } else {
        json!({"key": "kms:GrantIsForAWSResource", "values": {"items": [{"value": "true"}]}})
    };
    json!({
        "allowed": false, "explicitDeny": explicit_deny,
        "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {
            "principal": {"id": "AROAEXAMPLE:AWSBackup-RestoreRole",
                          "arn": format!("arn:aws:sts::{account}:assumed-role/RestoreRole/AWSBackup-RestoreRole")},
            "action": action,
            "resource": resource,
            "conditions": {"items": [condition]}
        }
    })
    .to_string()
}

/// `restore-doctor fix --decoded FILE ARGS…` against moto with `credentials` (default: the
/// management account's).
fn fix(moto: &Moto, message: &str, credentials: &[(&str, String)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("decoded.json");
    std::fs::write(&file, message).unwrap();
    Command::new(BIN)
        .args(["fix", "--decoded", file.to_str().unwrap()])
        .args(["--endpoint-url", &moto.url, "--region", "us-east-1"])
        .args([
            "--journal",
            dir.path().join("journal.jsonl").to_str().unwrap(),
        ])
        .args(args)
        .envs(env())
        .envs(credentials.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
}

fn value(raw: &str, path: &[&str]) -> String {
    let mut v: Value = serde_json::from_str(raw).unwrap();
    for key in path {
        v = v[*key].take();
    }
    v.as_str()
        .unwrap_or_else(|| panic!("{path:?} in {raw}"))
        .to_string()
}

fn inline_policies(moto: &Moto, credentials: &[(&str, String)]) -> Value {
    let out: Value = serde_json::from_str(&aws_as(
        moto,
        credentials,
        &["iam", "list-role-policies", "--role-name", "RestoreRole"],
    ))
    .unwrap();
    out["PolicyNames"].clone()
}

/// An organization with a member account moved into OU Prod; returns (member, OU, root).
fn organization(moto: &Moto) -> (String, String, String) {
    aws(
        moto,
        &[
            "organizations",
            "create-organization",
            "--feature-set",
            "ALL",
        ],
    );
    let roots: Value = serde_json::from_str(&aws(moto, &["organizations", "list-roots"])).unwrap();
    let root = roots["Roots"][0]["Id"].as_str().unwrap().to_string();
    let created = aws(
        moto,
        &[
            "organizations",
            "create-account",
            "--email",
            "member@example.com",
            "--account-name",
            "member",
        ],
    );
    let member = value(&created, &["CreateAccountStatus", "AccountId"]);
    let ou = value(
        &aws(
            moto,
            &[
                "organizations",
                "create-organizational-unit",
                "--parent-id",
                &root,
                "--name",
                "Prod",
            ],
        ),
        &["OrganizationalUnit", "Id"],
    );
    aws(
        moto,
        &[
            "organizations",
            "move-account",
            "--account-id",
            &member,
            "--source-parent-id",
            &root,
            "--destination-parent-id",
            &ou,
        ],
    );
    (member, ou, root)
}

/// Creates SCP `NoPassRole` (statement `DenyPassRole`) and attaches it to `target`.
fn deny_passrole_scp(moto: &Moto, target: &str) -> String {
    let content = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyPassRole","Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#;
    let id = value(
        &aws(
            moto,
            &[
                "organizations",
                "create-policy",
                "--type",
                "SERVICE_CONTROL_POLICY",
                "--name",
                "NoPassRole",
                "--description",
                "no iam:PassRole",
                "--content",
                content,
            ],
        ),
        &["Policy", "PolicySummary", "Id"],
    );
    aws(
        moto,
        &[
            "organizations",
            "attach-policy",
            "--policy-id",
            &id,
            "--target-id",
            target,
        ],
    );
    id
}

fn create_restore_role(moto: &Moto, credentials: &[(&str, String)]) {
    aws_as(
        moto,
        credentials,
        &[
            "iam",
            "create-role",
            "--role-name",
            "RestoreRole",
            "--assume-role-policy-document",
            TRUST,
        ],
    );
}

#[test]
fn an_scp_denying_the_action_on_the_member_s_ou_is_named_and_nothing_is_written() {
    let moto = start_moto();
    let (member, ou, _) = organization(&moto);
    let scp = deny_passrole_scp(&moto, &ou);
    let in_member = assumed(&moto, &member, "OrganizationAccountAccessRole");
    create_restore_role(&moto, &in_member);
    let message = decoded(
        &member,
        "iam:PassRole",
        &format!("arn:aws:iam::{member}:role/AppInstanceRole"),
        false,
    );

    // Asked from the management account, which can read the member's SCPs.
    let out = fix(&moto, &message, &[], &["--yes", "--output", "json"]);
    assert_exit(&out, 3);
    let answer = json_of(&out);
    assert_eq!(
        answer["blocking_layers"],
        json!([{"layer": "scp_deny", "target": ou, "policy": scp, "sid": "DenyPassRole"}]),
        "{answer}"
    );
    let refused = answer["refused"].as_str().unwrap();
    assert!(
        refused.contains(&format!(
            "/service_control_policy/{scp} ({scp}, NoPassRole)"
        )),
        "{refused}"
    );
    assert!(
        refused.contains("\"DenyPassRole\" (Effect Deny)"),
        "{refused}"
    );
    assert!(refused.contains(&format!("the OU {ou}")), "{refused}");
    assert!(
        answer["owner_change"]
            .as_str()
            .unwrap()
            .contains("AWS Organizations"),
        "{answer}"
    );
    assert_eq!(
        inline_policies(&moto, &in_member),
        json!([]),
        "no IAM write"
    );

    // Asked from the member account, whose Organizations view does not show the policies:
    // said so, never claimed as checked.
    let out = fix(&moto, &message, &in_member, &["--dry-run"]);
    let shown = text(&out);
    assert_exit(&out, 0);
    assert!(
        shown.contains("NOT read (so not checked): SCPs")
            && shown.contains("is not the organization's management account"),
        "{shown}"
    );
    // moto offers no Access Analyzer: each check says "not checked".
    let checks: Vec<&str> = shown.lines().filter(|l| l.starts_with("Check:")).collect();
    assert!(
        shown.contains("ValidatePolicy")
            && shown.contains("CheckAccessNotGranted iam:PassRole on *")
            && !checks.is_empty()
            && checks.iter().all(|l| l.contains("not checked")),
        "{shown}"
    );
    assert!(!shown.contains("passed"), "{shown}");
    assert_eq!(
        inline_policies(&moto, &in_member),
        json!([]),
        "a dry run writes nothing"
    );
}

#[test]
fn scps_are_never_blamed_for_a_principal_in_the_management_account() {
    let moto = start_moto();
    let (_, _, root) = organization(&moto);
    deny_passrole_scp(&moto, &root);
    create_restore_role(&moto, &[]);
    let resource = format!("arn:aws:iam::{ACCOUNT}:role/AppInstanceRole");

    let out = fix(
        &moto,
        &decoded(ACCOUNT, "iam:PassRole", &resource, false),
        &[],
        &["--dry-run", "--output", "json"],
    );
    assert_exit(&out, 0);
    let plan = &json_of(&out)["plan"];
    assert_eq!(
        plan["blocking_layers"],
        json!([{"layer": "identity_missing_allow"}]),
        "{plan}"
    );
    let read = plan["layers_read"].to_string();
    assert!(
        read.contains(&format!(
            "do not apply to account {ACCOUNT}: it is the management account"
        )),
        "{read}"
    );

    // An explicit deny there: the tool says SCPs do not apply instead of blaming one.
    let out = fix(
        &moto,
        &decoded(ACCOUNT, "iam:PassRole", &resource, true),
        &[],
        &["--yes"],
    );
    let shown = text(&out);
    assert_exit(&out, 3);
    assert!(shown.contains("so no SCP is blamed"), "{shown}");
    assert!(!shown.contains("service control policy p-"), "{shown}");
    assert_eq!(inline_policies(&moto, &[]), json!([]));
}

fn key(moto: &Moto, principal: &str) -> String {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "KeyAdmins", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}
    ]});
    value(
        &aws(
            moto,
            &["kms", "create-key", "--policy", &policy.to_string()],
        ),
        &["KeyMetadata", "Arn"],
    )
}

#[test]
fn a_key_policy_that_neither_allows_nor_delegates_gets_no_write() {
    let moto = start_moto();
    create_restore_role(&moto, &[]);
    let closed = key(&moto, &format!("arn:aws:iam::{ACCOUNT}:role/KeyAdmin"));
    let out = fix(
        &moto,
        &decoded(ACCOUNT, "kms:CreateGrant", &closed, false),
        &[],
        &["--yes", "--output", "json"],
    );
    assert_exit(&out, 3);
    let answer = json_of(&out);
    assert_eq!(
        answer["blocking_layers"],
        json!([{"layer": "key_policy_missing_allow", "policy": closed}]),
        "{answer}"
    );
    let change = answer["owner_change"].as_str().unwrap();
    assert!(
        change.contains("PutKeyPolicy") && change.contains("role/RestoreRole"),
        "{change}"
    );
    assert_eq!(inline_policies(&moto, &[]), json!([]), "no IAM write");

    // A key policy that delegates to the account: the identity statement is the fix.
    let open = key(&moto, &format!("arn:aws:iam::{ACCOUNT}:root"));
    let out = fix(
        &moto,
        &decoded(ACCOUNT, "kms:CreateGrant", &open, false),
        &[],
        &["--dry-run", "--output", "json"],
    );
    assert_exit(&out, 0);
    let plan = &json_of(&out)["plan"];
    assert_eq!(
        plan["blocking_layers"],
        json!([{"layer": "identity_missing_allow"}]),
        "{plan}"
    );
    assert!(
        plan["layers_read"]
            .to_string()
            .contains(&format!("key policy of {open}")),
        "{plan}"
    );
}
