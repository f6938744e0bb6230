//! The sandbox's IAM through the real AWS SDK client over HTTP (roles, URL-encoded inline and
//! managed policies, quotas, NoSuchEntity, SimulatePrincipalPolicy), and a fault storm that the
//! SDK's retries survive without any write applied twice or half.

use crate::sandbox_support;

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use restore_doctor::sandbox::{FaultSpec, SANDBOX_ACCESS_KEY_ID, Sandbox, SandboxConfig};
use sandbox_support::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_roles_policies_quotas_and_simulation() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let role = c.iam.get_role().role_name(ROLE).send().await.unwrap();
    let role = role.role().unwrap();
    assert_eq!(
        role.arn(),
        "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"
    );
    assert_eq!(role.path(), "/service-role/");
    let missing = c.iam.get_role().role_name("Nope").send().await.unwrap_err();
    assert_eq!(missing.code(), Some("NoSuchEntity"));
    assert_eq!(missing.raw_response().unwrap().status().as_u16(), 404);

    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap();
    let arn = attached.attached_policies()[0]
        .policy_arn()
        .unwrap()
        .to_string();
    let policy = c.iam.get_policy().policy_arn(&arn).send().await.unwrap();
    let version = policy
        .policy()
        .unwrap()
        .default_version_id()
        .unwrap()
        .to_string();
    let document = c
        .iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .unwrap();
    let text = document.policy_version().unwrap().document().unwrap();
    assert!(text.starts_with("%7B"), "URL-encoded: {text}");

    // Put, read back URL-encoded, list, simulate, delete.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&fix_document()).unwrap())
            .unwrap();
    c.iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .policy_document(&pretty)
        .send()
        .await
        .unwrap();
    let got = c
        .iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    assert!(
        got.policy_document().contains("%22iam%3APassRole%22"),
        "{}",
        got.policy_document()
    );
    let decoded = percent_encoding::percent_decode_str(got.policy_document())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, pretty, "exactly the document written");
    let names = c
        .iam
        .list_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["RestoreDoctorFixes"]);

    let simulate = |with_context: bool| {
        let mut request = c
            .iam
            .simulate_principal_policy()
            .policy_source_arn(role.arn())
            .action_names("iam:PassRole")
            .resource_arns(SSM_ROLE);
        if with_context {
            request = request.context_entries(
                ContextEntry::builder()
                    .context_key_name("iam:PassedToService")
                    .context_key_values("ec2.amazonaws.com")
                    .context_key_type(ContextKeyTypeEnum::String)
                    .build(),
            );
        }
        request.send()
    };
    let allowed = simulate(true).await.unwrap();
    let result = &allowed.evaluation_results()[0];
    assert_eq!(
        result.eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    assert_eq!(
        result.matched_statements()[0].source_policy_id(),
        Some("RestoreDoctorFixes")
    );
    let missing = simulate(false).await.unwrap();
    let result = &missing.evaluation_results()[0];
    assert_eq!(
        result.eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert_eq!(result.missing_context_values(), ["iam:PassedToService"]);

    c.iam
        .delete_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    let gone = c
        .iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchEntity"));
    let again = c
        .iam
        .delete_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("NoSuchEntity"));
    let after = simulate(true).await.unwrap();
    assert_eq!(
        after.evaluation_results()[0].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );

    let malformed = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Bad")
        .policy_document("{\"Statement\": ")
        .send()
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Some("MalformedPolicyDocument"));
    let no_statements = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_statements.code(), Some("MalformedPolicyDocument"));
    let huge_statement: Vec<Value> = (0..200)
        .map(|i| serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket-number-{i}/*")}))
        .collect();
    let huge =
        serde_json::json!({"Version": "2012-10-17", "Statement": huge_statement}).to_string();
    let limit = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Huge")
        .policy_document(huge)
        .send()
        .await
        .unwrap_err();
    assert_eq!(limit.code(), Some("LimitExceeded"));
    assert_eq!(limit.raw_response().unwrap().status().as_u16(), 409);

    // User policies.
    let user = "sandbox-admin";
    assert!(
        c.iam
            .get_user_policy()
            .user_name(user)
            .policy_name("RestoreDoctorFixes")
            .send()
            .await
            .unwrap_err()
            .code()
            == Some("NoSuchEntity")
    );
    c.iam
        .put_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .policy_document(fix_document())
        .send()
        .await
        .unwrap();
    let got = c
        .iam
        .get_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    assert!(got.policy_document().starts_with("%7B"));
    c.iam
        .delete_user_policy()
        .user_name(user)
        .policy_name("RestoreDoctorFixes")
        .send()
        .await
        .unwrap();
    let operations: Vec<String> = sandbox
        .audit()
        .iter()
        .map(|a| a["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        operations,
        [
            "PutRolePolicy",
            "DeleteRolePolicy",
            "PutUserPolicy",
            "DeleteUserPolicy"
        ],
        "only successful writes"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_storm_is_survived_by_retries_and_never_half_writes() {
    let faults: FaultSpec = "throttle=0.2,error=0.05,reset=0.01".parse().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        faults,
        seed: 42,
        latency_ms: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = clients_with(&sandbox, SANDBOX_ACCESS_KEY_ID, 12).await;
    for i in 0..40 {
        let jobs = c.backup.list_restore_jobs().send().await.unwrap();
        assert!(!jobs.restore_jobs().is_empty());
        c.sts.get_caller_identity().send().await.unwrap();
        c.iam.get_role().role_name(ROLE).send().await.unwrap();
        if i % 10 == 0 {
            c.iam
                .put_role_policy()
                .role_name(ROLE)
                .policy_name(format!("Storm{i}"))
                .policy_document(fix_document())
                .send()
                .await
                .unwrap();
        }
    }
    let job = newest_failed(&c).await;
    let metadata = c
        .backup
        .get_restore_job_metadata()
        .restore_job_id(job.restore_job_id().unwrap())
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        c.backup
            .start_restore_job()
            .recovery_point_arn(job.recovery_point_arn().unwrap())
            .iam_role_arn(job.iam_role_arn().unwrap())
            .set_metadata(metadata.metadata().cloned())
            .idempotency_token("storm-token")
            .send()
            .await
            .unwrap();
    }
    // Without retries the storm shows: some calls fail, with the protocols' retryable errors.
    let fragile = clients_with(&sandbox, SANDBOX_ACCESS_KEY_ID, 1).await;
    let mut codes = std::collections::BTreeSet::new();
    for _ in 0..60 {
        if let Err(e) = fragile.iam.get_role().role_name(ROLE).send().await {
            codes.insert(e.code().unwrap_or("no response").to_string());
        }
    }
    assert!(codes.contains("Throttling"), "{codes:?}");
    let audit = sandbox.audit();
    let puts = audit
        .iter()
        .filter(|a| a["operation"] == "PutRolePolicy")
        .count();
    let starts = audit
        .iter()
        .filter(|a| a["operation"] == "StartRestoreJob")
        .count();
    assert_eq!((puts, starts), (4, 1), "{audit:?}");
    sandbox.shutdown().await;
}
