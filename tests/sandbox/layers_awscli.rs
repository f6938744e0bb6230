//! The sandbox's policy layers through the real AWS CLI (an independent client): Organizations
//! as a delegated administrator reads the tree, a member account without delegation gets
//! `AccessDeniedException` beyond `DescribeOrganization`, an account outside any organization
//! `AWSOrganizationsNotInUseException`; KMS refuses `GetKeyPolicy` on another account's key;
//! a vault access policy refuses `StartRestoreJob`. Skipped (with a note) only when `aws` is not
//! on PATH and `CI` is unset.

use crate::common;

use std::process::Command;

use common::SandboxProcess;
use serde_json::Value;

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios");

fn aws_available() -> bool {
    Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn aws(sandbox: &SandboxProcess, args: &[&str]) -> Result<Value, String> {
    let out = Command::new("aws")
        .args(args)
        .args(["--output", "json"])
        .envs(sandbox.env())
        .output()
        .expect("run aws");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

#[test]
fn a_delegated_administrator_reads_the_tree_and_its_scps() {
    if !common::peer_present("the AWS CLI (`aws`)", aws_available()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let parents = aws(
        &sandbox,
        &[
            "organizations",
            "list-parents",
            "--child-id",
            "111122223333",
        ],
    )
    .unwrap();
    assert_eq!(parents["Parents"][0]["Id"], "ou-a1b2-backupops");
    let up = aws(
        &sandbox,
        &[
            "organizations",
            "list-parents",
            "--child-id",
            "ou-a1b2-backupops",
        ],
    )
    .unwrap();
    assert_eq!(up["Parents"][0]["Id"], "ou-a1b2-workload");
    let scps = aws(
        &sandbox,
        &[
            "organizations",
            "list-policies-for-target",
            "--target-id",
            "ou-a1b2-backupops",
            "--filter",
            "SERVICE_CONTROL_POLICY",
        ],
    )
    .unwrap();
    let ids: Vec<&str> = scps["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["Id"].as_str())
        .collect();
    assert_eq!(ids, ["p-FullAWSAccess", "p-examplescp"]);
    // The account itself has the allow-list instead of FullAWSAccess.
    let account = aws(
        &sandbox,
        &[
            "organizations",
            "list-policies-for-target",
            "--target-id",
            "111122223333",
            "--filter",
            "SERVICE_CONTROL_POLICY",
        ],
    )
    .unwrap();
    assert_eq!(account["Policies"][0]["Id"], "p-allowlist01");
    let policy = aws(
        &sandbox,
        &[
            "organizations",
            "describe-policy",
            "--policy-id",
            "p-examplescp",
        ],
    )
    .unwrap();
    assert_eq!(
        policy["Policy"]["PolicySummary"]["Arn"],
        "arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp"
    );
    let content: Value =
        serde_json::from_str(policy["Policy"]["Content"].as_str().unwrap()).unwrap();
    assert_eq!(content["Statement"][0]["Effect"], "Deny");
    let rcps = aws(
        &sandbox,
        &[
            "organizations",
            "list-policies-for-target",
            "--target-id",
            "r-a1b2",
            "--filter",
            "RESOURCE_CONTROL_POLICY",
        ],
    )
    .unwrap();
    assert_eq!(rcps["Policies"][0]["Id"], "p-RCPFullAWSAccess");

    let foreign = "arn:aws:kms:us-east-1:444455556666:key/3c4d5e6f-7081-4293-a4b5-c6d7e8f90a12";
    let err = aws(
        &sandbox,
        &[
            "kms",
            "get-key-policy",
            "--key-id",
            foreign,
            "--policy-name",
            "default",
        ],
    )
    .unwrap_err();
    assert!(err.contains("(AccessDeniedException)"), "{err}");
    let own = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901";
    let key = aws(&sandbox, &["kms", "get-key-policy", "--key-id", own]).unwrap();
    let document: Value = serde_json::from_str(key["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(document["Statement"][0]["Sid"], "KeyAdministrators");
    let err = aws(
        &sandbox,
        &[
            "kms",
            "get-key-policy",
            "--key-id",
            own,
            "--policy-name",
            "other",
        ],
    )
    .unwrap_err();
    assert!(err.contains("(NotFoundException)"), "{err}");

    let err = aws(
        &sandbox,
        &["backup", "start-restore-job", "--recovery-point-arn",
            "arn:aws:backup:us-east-1:111122223333:recovery-point:4d5e6f70-8192-4a3b-b5c6-d7e8f90a1b23",
            "--iam-role-arn", "arn:aws:iam::111122223333:role/BackupRestoreRoleLocked",
            "--metadata", "file-system-id=fs-1"],
    )
    .unwrap_err();
    assert!(
        err.contains("(AccessDeniedException)") && err.contains("resource-based policy"),
        "{err}"
    );
    assert!(sandbox.audit().is_empty(), "a refused start writes nothing");
}

#[test]
fn the_simulator_walks_the_scp_levels_and_access_analyzer_checks_documents() {
    if !common::peer_present("the AWS CLI (`aws`)", aws_available()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let simulate = |instance_type: &str| {
        aws(
            &sandbox,
            &["iam", "simulate-principal-policy", "--policy-source-arn",
                "arn:aws:iam::111122223333:role/BackupRestoreRoleGpu", "--action-names",
                "ec2:RunInstances", "--context-entries",
                &format!("ContextKeyName=ec2:InstanceType,ContextKeyValues={instance_type},ContextKeyType=string")],
        )
        .unwrap()["EvaluationResults"][0]
            .clone()
    };
    // The account's allow-list SCP allows t3.micro but not x2iedn.32xlarge: an implicit deny
    // that the identity policy (which allows RunInstances) cannot lift.
    let denied = simulate("x2iedn.32xlarge");
    assert_eq!(denied["EvalDecision"], "implicitDeny", "{denied}");
    assert_eq!(
        denied["OrganizationsDecisionDetail"]["AllowedByOrganizations"],
        false
    );
    assert!(
        !denied["MatchedStatements"].as_array().unwrap().is_empty(),
        "the identity allow matched"
    );
    let allowed = simulate("t3.micro");
    assert_eq!(allowed["EvalDecision"], "allowed", "{allowed}");
    assert_eq!(
        allowed["OrganizationsDecisionDetail"]["AllowedByOrganizations"],
        true
    );
    // The SCP on the OU denies the production role's EFS restores explicitly.
    let prod = aws(
        &sandbox,
        &["iam", "simulate-principal-policy", "--policy-source-arn",
            "arn:aws:iam::111122223333:role/BackupRestoreRoleProd", "--action-names",
            "elasticfilesystem:Restore", "--context-entries",
            "ContextKeyName=aws:PrincipalArn,ContextKeyValues=arn:aws:iam::111122223333:role/BackupRestoreRoleProd,ContextKeyType=string"],
    )
    .unwrap();
    assert_eq!(prod["EvaluationResults"][0]["EvalDecision"], "explicitDeny");

    // The hybrid job: IAM's sentence and the encoded token in one status message.
    let jobs = aws(
        &sandbox,
        &["backup", "list-restore-jobs", "--by-status", "FAILED"],
    )
    .unwrap();
    let hybrid = jobs["RestoreJobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["StatusMessage"].as_str())
        .find(|m| m.starts_with("User: ") && m.contains("Encoded authorization failure message: "))
        .expect("a hybrid message");
    assert!(
        hybrid.contains("because no identity-based policy allows the iam:PassRole action"),
        "{hybrid}"
    );
    let token = hybrid.rsplit(' ').next().unwrap();
    let decoded = aws(
        &sandbox,
        &[
            "sts",
            "decode-authorization-message",
            "--encoded-message",
            token,
        ],
    )
    .unwrap();
    assert!(
        decoded["DecodedMessage"]
            .as_str()
            .unwrap()
            .contains("iam:PassRole")
    );

    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#;
    let found = aws(
        &sandbox,
        &[
            "accessanalyzer",
            "validate-policy",
            "--policy-type",
            "IDENTITY_POLICY",
            "--policy-document",
            document,
        ],
    )
    .unwrap();
    assert_eq!(
        found["findings"][0]["issueCode"],
        "PASS_ROLE_WITH_STAR_IN_RESOURCE"
    );
    assert_eq!(
        found["findings"][0]["locations"][0]["path"][2]["value"],
        "Action"
    );
    let checked = aws(
        &sandbox,
        &[
            "accessanalyzer",
            "check-access-not-granted",
            "--policy-type",
            "IDENTITY_POLICY",
            "--policy-document",
            document,
            "--access",
            "actions=kms:*",
        ],
    )
    .unwrap();
    assert_eq!(checked["result"], "PASS", "{checked}");
}

#[test]
fn a_member_account_cannot_read_the_tree_and_no_organization_says_so() {
    if !common::peer_present("the AWS CLI (`aws`)", aws_available()) {
        return;
    }
    let member = SandboxProcess::start(&["--scenario", &format!("{SCENARIOS}/layers-member.json")]);
    let org = aws(&member, &["organizations", "describe-organization"]).unwrap();
    assert_eq!(org["Organization"]["MasterAccountId"], "999988887777");
    for args in [
        &["organizations", "list-roots"][..],
        &[
            "organizations",
            "list-parents",
            "--child-id",
            "111122223333",
        ],
        &[
            "organizations",
            "list-policies-for-target",
            "--target-id",
            "111122223333",
            "--filter",
            "SERVICE_CONTROL_POLICY",
        ],
    ] {
        let err = aws(&member, args).unwrap_err();
        assert!(err.contains("(AccessDeniedException)"), "{args:?}: {err}");
    }
    let alone = SandboxProcess::start(&["--scenario", &format!("{SCENARIOS}/layers.json")]);
    let err = aws(&alone, &["organizations", "describe-organization"]).unwrap_err();
    assert!(
        err.contains("(AWSOrganizationsNotInUseException)")
            && err.contains("Your account is not a member of an organization."),
        "{err}"
    );
}
