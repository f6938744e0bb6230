//! The engine per policy layer: each blocking layer fails the restore, an identity allow does
//! not fix what another layer blocks, and the exemptions AWS makes (the management account and
//! service-linked roles are outside SCPs) hold.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{RestoreDecision, decide_restore, restore_requests};
use crate::sandbox::jobs::{self, RestoreRequest};
use crate::sandbox::scenario;
use crate::sandbox::state::State;
use crate::sandbox::tokens::TokenSealer;

const ACCOUNT: &str = "111122223333";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k-own";
const FOREIGN_KEY: &str = "arn:aws:kms:us-east-1:444455556666:key/k-foreign";

fn allow_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

/// A scenario with one restore role `R` (path `path`, identity policy `identity`) and `extra`
/// merged in at the top level.
fn world(identity: Value, path: &str, extra: Value) -> State {
    let mut scenario = json!({
        "account_id": ACCOUNT, "region": "us-east-1",
        "users": [{"name": "admin", "inline_policies": {"All": allow_all()}}],
        "roles": [{"name": "R", "path": path, "trusted_service": "backup.amazonaws.com",
            "inline_policies": {"Identity": identity}}],
        "jobs": [],
        "kms_keys": [
            {"id": "k-own", "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"}, "Action": "kms:*", "Resource": "*"}]}},
            {"id": "k-foreign", "account_id": "444455556666", "policy": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/R"},
                "Action": ["kms:CreateGrant", "kms:Decrypt"], "Resource": "*"}]}},
            {"id": "k-stranger", "account_id": "444455556666", "policy": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
                "Action": "kms:*", "Resource": "*"}]}}
        ]
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        scenario[k] = v;
    }
    State::from_scenario(&scenario::parse("test", &scenario.to_string()).unwrap())
}

fn organization(management: &str, policies: Value, detached: Value) -> Value {
    json!({"organization": {"id": "o-a1b2c3d4e5", "management_account_id": management,
        "root_id": "r-a1b2",
        "access": if management == ACCOUNT { "management" } else { "delegated_administrator" },
        "units": [{"id": "ou-a1b2-workload", "name": "Workloads", "parent": "r-a1b2"}],
        "accounts": [{"id": ACCOUNT, "name": "sandbox", "parent": "ou-a1b2-workload"}],
        "policies": policies, "full_aws_access_detached_from": detached}})
}

fn deny_efs_scp() -> Value {
    json!([{"id": "p-denyefs1", "type": "SERVICE_CONTROL_POLICY", "name": "DenyEfsRestores",
        "document": {"Version": "2012-10-17", "Statement": [{"Sid": "NoEfs", "Effect": "Deny",
            "Action": "elasticfilesystem:Restore", "Resource": "*"}]},
        "targets": ["ou-a1b2-workload"]}])
}

fn efs(state: &State) -> RestoreDecision {
    let role = &state.roles["R"];
    let metadata: BTreeMap<String, String> =
        [("file-system-id".to_string(), "fs-1".to_string())].into();
    let requests = restore_requests(state, "EFS", "arn:aws:backup:rp", &metadata);
    decide_restore(state, role, &requests).unwrap()
}

fn ebs_with(state: &State, key: &str) -> RestoreDecision {
    let role = &state.roles["R"];
    let metadata: BTreeMap<String, String> = [
        ("encrypted".to_string(), "true".to_string()),
        ("kmsKeyId".to_string(), key.to_string()),
    ]
    .into();
    let requests = restore_requests(state, "EBS", "arn:aws:ec2:rp", &metadata);
    decide_restore(state, role, &requests).unwrap()
}

/// The status message a failed EFS restore (plain text) reports.
fn efs_message(state: &State) -> String {
    let request = RestoreRequest {
        recovery_point_arn: "arn:aws:backup:rp".into(),
        iam_role_arn: state.roles["R"].arn.clone(),
        resource_type: "EFS".into(),
        metadata: [("file-system-id".to_string(), "fs-1".to_string())].into(),
        vault: "Default".into(),
        hybrid: false,
    };
    let sealer = TokenSealer::new();
    let outcome = jobs::decide(state, &sealer, &request, "s", &mut Default::default()).unwrap();
    match outcome.status_message() {
        Some(status_message) => status_message,
        None => panic!("expected a failure, got {outcome:?}"),
    }
}

#[test]
fn a_deny_scp_fails_the_restore_and_names_its_arn() {
    let state = world(
        allow_all(),
        "/",
        organization("999988887777", deny_efs_scp(), json!([])),
    );
    assert!(matches!(
        efs(&state),
        RestoreDecision::Denied { explicit: true, .. }
    ));
    assert_eq!(
        efs_message(&state),
        "User: arn:aws:sts::111122223333:assumed-role/R/AWSBackup-R is not authorized to perform: elasticfilesystem:Restore on resource: arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-1 with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-denyefs1"
    );
}

#[test]
fn the_management_account_and_service_linked_roles_are_outside_scps() {
    let management = world(
        allow_all(),
        "/",
        organization(ACCOUNT, deny_efs_scp(), json!([])),
    );
    assert_eq!(efs(&management), RestoreDecision::Allowed);
    let linked = world(
        allow_all(),
        "/aws-service-role/backup.amazonaws.com/",
        organization("999988887777", deny_efs_scp(), json!([])),
    );
    assert_eq!(efs(&linked), RestoreDecision::Allowed);
}

#[test]
fn an_allow_list_scp_denies_implicitly_what_no_identity_allow_fixes() {
    let allow_ec2 = json!([{"id": "p-allowec2", "type": "SERVICE_CONTROL_POLICY",
        "name": "AllowEc2Only", "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]},
        "targets": ["ou-a1b2-workload"]}]);
    let state = world(
        allow_all(),
        "/",
        organization("999988887777", allow_ec2, json!(["ou-a1b2-workload"])),
    );
    assert!(matches!(
        efs(&state),
        RestoreDecision::Denied {
            explicit: false,
            ..
        }
    ));
    assert!(
        efs_message(&state).ends_with(
            "because no service control policy allows the elasticfilesystem:Restore action"
        ),
        "{}",
        efs_message(&state)
    );
}

#[test]
fn a_non_delegating_key_policy_denies_create_grant_whatever_iam_allows() {
    let state = world(allow_all(), "/", json!({}));
    let RestoreDecision::Denied {
        decoded,
        explicit,
        by,
    } = ebs_with(&state, KEY)
    else {
        panic!("the key policy does not allow the role");
    };
    assert!(!explicit);
    assert_eq!(by, super::DeniedBy::ResourceBased);
    let decoded: Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(decoded["context"]["action"], "kms:CreateGrant");
}

#[test]
fn a_key_in_another_account_needs_its_key_policy_and_an_identity_allow() {
    let with_identity = world(allow_all(), "/", json!({}));
    assert_eq!(
        ebs_with(&with_identity, FOREIGN_KEY),
        RestoreDecision::Allowed
    );
    let ebs_only = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateVolume", "Resource": "*"}]});
    let without = world(ebs_only, "/", json!({}));
    assert!(matches!(
        ebs_with(&without, FOREIGN_KEY),
        RestoreDecision::Denied {
            explicit: false,
            ..
        }
    ));
    let stranger = "arn:aws:kms:us-east-1:444455556666:key/k-stranger";
    assert!(matches!(
        ebs_with(&with_identity, stranger),
        RestoreDecision::Denied {
            by: super::DeniedBy::ResourceBased,
            ..
        }
    ));
}

#[test]
fn an_rcp_denies_only_on_the_services_rcps_govern() {
    let rcps = json!([{"id": "p-rcpdeny1", "type": "RESOURCE_CONTROL_POLICY", "name": "NoGrants",
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
            "Action": ["kms:CreateGrant", "elasticfilesystem:Restore"], "Resource": "*"}]},
        "targets": ["r-a1b2"]}]);
    let state = world(
        allow_all(),
        "/",
        organization("999988887777", rcps, json!([])),
    );
    let own_key = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
    let mut state = state;
    state.keys[0].policy = own_key;
    assert_eq!(
        ebs_with(&state, KEY),
        RestoreDecision::Denied {
            decoded: match ebs_with(&state, KEY) {
                RestoreDecision::Denied { decoded, .. } => decoded,
                RestoreDecision::Allowed => String::new(),
            },
            explicit: true,
            by: super::DeniedBy::ResourceControl(
                "arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/resource_control_policy/p-rcpdeny1".into()
            ),
        }
    );
    // EFS is not among the services RCPs govern: the same RCP does not stop its restore.
    assert_eq!(efs(&state), RestoreDecision::Allowed);
}
