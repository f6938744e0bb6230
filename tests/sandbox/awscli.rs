//! The sandbox driven by an independent client, the real AWS CLI, against `restore-doctor
//! sandbox --port 0` as a child process: the "done when" loop end to end. Skipped (with
//! a note) only when `aws` is not on PATH.

use crate::common;

use std::process::Command;

use common::SandboxProcess;
use serde_json::Value;

const ROLE: &str = "AWSBackupDefaultServiceRole";
const SSM_ROLE: &str = "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup";

fn aws_available() -> bool {
    Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Cli<'a> {
    sandbox: &'a SandboxProcess,
}

impl Cli<'_> {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("aws")
            .args(args)
            .args(["--output", "json"])
            .envs(self.sandbox.env())
            .output()
            .expect("run aws")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "aws {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "aws {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn error(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "aws {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn token_of(message: &str) -> String {
    message
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("a token")
        .to_string()
}

#[test]
fn the_aws_cli_lists_decodes_fixes_and_restores() {
    if !common::peer_present("the AWS CLI (`aws`)", aws_available()) {
        return;
    }
    let sandbox = SandboxProcess::start(&[]);
    let cli = Cli { sandbox: &sandbox };

    let listed = cli.json(&["backup", "list-restore-jobs", "--by-status", "FAILED"]);
    let jobs = listed["RestoreJobs"].as_array().unwrap();
    assert!(jobs.len() >= 4);
    assert!(jobs.iter().all(|j| j["Status"] == "FAILED"));
    let article = &jobs[0];
    assert!(
        article["IamRoleArn"]
            .as_str()
            .unwrap()
            .ends_with("/AWSBackupDefaultServiceRole")
    );
    let job_id = article["RestoreJobId"].as_str().unwrap();
    let token = token_of(article["StatusMessage"].as_str().unwrap());
    let paged = cli.json(&[
        "backup",
        "list-restore-jobs",
        "--by-status",
        "FAILED",
        "--page-size",
        "1",
    ]);
    assert_eq!(
        paged["RestoreJobs"].as_array().unwrap().len(),
        jobs.len(),
        "the CLI follows NextToken"
    );

    let detail = cli.json(&["backup", "describe-restore-job", "--restore-job-id", job_id]);
    assert_eq!(detail["Status"], "FAILED");
    assert_eq!(detail["ResourceType"], "EC2");
    let metadata = cli.json(&[
        "backup",
        "get-restore-job-metadata",
        "--restore-job-id",
        job_id,
    ]);
    assert_eq!(
        metadata["Metadata"]["IamInstanceProfileName"],
        "AmazonSSMRoleForInstancesQuickSetup"
    );
    let missing = cli.error(&[
        "backup",
        "describe-restore-job",
        "--restore-job-id",
        "no-such-job",
    ]);
    assert!(missing.contains("ResourceNotFoundException"), "{missing}");

    let decoded = cli.json(&[
        "sts",
        "decode-authorization-message",
        "--encoded-message",
        &token,
    ]);
    let decoded: Value = serde_json::from_str(decoded["DecodedMessage"].as_str().unwrap()).unwrap();
    assert_eq!(decoded["context"]["action"], "iam:PassRole");
    assert_eq!(decoded["context"]["resource"], SSM_ROLE);
    assert!(
        decoded["context"]["principal"]["arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/AWSBackupDefaultServiceRole/")
    );
    let mut tampered = token.clone().into_bytes();
    tampered[30] = if tampered[30] == b'Q' { b'R' } else { b'Q' };
    let tampered = cli.error(&[
        "sts",
        "decode-authorization-message",
        "--encoded-message",
        &String::from_utf8(tampered).unwrap(),
    ]);
    assert!(
        tampered.contains("InvalidAuthorizationMessageException"),
        "{tampered}"
    );

    let none = cli.error(&[
        "iam",
        "get-role-policy",
        "--role-name",
        ROLE,
        "--policy-name",
        "RestoreDoctorFixes",
    ]);
    assert!(none.contains("NoSuchEntity"), "{none}");
    let fix = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "iam:PassRole", "Resource": SSM_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]});
    cli.json(&[
        "iam",
        "put-role-policy",
        "--role-name",
        ROLE,
        "--policy-name",
        "RestoreDoctorFixes",
        "--policy-document",
        &fix.to_string(),
    ]);
    let got = cli.json(&[
        "iam",
        "get-role-policy",
        "--role-name",
        ROLE,
        "--policy-name",
        "RestoreDoctorFixes",
    ]);
    assert_eq!(
        got["PolicyDocument"], fix,
        "the CLI URL-decodes and parses the document"
    );
    let malformed = cli.error(&[
        "iam",
        "put-role-policy",
        "--role-name",
        ROLE,
        "--policy-name",
        "Bad",
        "--policy-document",
        "{\"Statement\":",
    ]);
    assert!(malformed.contains("MalformedPolicyDocument"), "{malformed}");

    let role_arn = "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole";
    let simulated = cli.json(&[
        "iam", "simulate-principal-policy", "--policy-source-arn", role_arn,
        "--action-names", "iam:PassRole", "--resource-arns", SSM_ROLE,
        "--context-entries", "ContextKeyName=iam:PassedToService,ContextKeyValues=ec2.amazonaws.com,ContextKeyType=string",
    ]);
    assert_eq!(simulated["EvaluationResults"][0]["EvalDecision"], "allowed");

    let started = cli.json(&[
        "backup",
        "start-restore-job",
        "--recovery-point-arn",
        detail["RecoveryPointArn"].as_str().unwrap(),
        "--iam-role-arn",
        detail["IamRoleArn"].as_str().unwrap(),
        "--resource-type",
        "EC2",
        "--metadata",
        &metadata["Metadata"].to_string(),
    ]);
    let new_id = started["RestoreJobId"].as_str().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..20 {
        let now = cli.json(&[
            "backup",
            "describe-restore-job",
            "--restore-job-id",
            &new_id,
        ]);
        status = now["Status"].as_str().unwrap().to_string();
        if status == "COMPLETED" || status == "FAILED" {
            assert!(
                now["CreatedResourceArn"]
                    .as_str()
                    .unwrap_or("")
                    .contains(":instance/i-"),
                "{now}"
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(status, "COMPLETED");

    cli.json(&[
        "iam",
        "delete-role-policy",
        "--role-name",
        ROLE,
        "--policy-name",
        "RestoreDoctorFixes",
    ]);
    let operations: Vec<String> = sandbox
        .audit()
        .iter()
        .map(|a| a["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        operations,
        ["PutRolePolicy", "StartRestoreJob", "DeleteRolePolicy"]
    );
}
