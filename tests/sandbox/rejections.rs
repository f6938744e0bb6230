//! The sandbox says no where AWS says no, through the real AWS SDK clients over HTTP: keys it
//! never issued, names outside IAM's patterns, IAM's policy grammar and size quotas, Backup's
//! model constraints, and paging by `MaxItems`/`Marker`. Each case asserts AWS's error code and
//! HTTP status (and IAM's wording where IAM's wording is known).

use crate::sandbox_support;

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_iam::types::PolicyEvaluationDecisionType;
use restore_doctor::sandbox::{Sandbox, SandboxConfig};
use sandbox_support::*;

const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole";

/// (code, HTTP status, message) of an SDK error.
fn refusal<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug + HasStatus>(
    error: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> (String, u16, String) {
    let status = error.raw_response().map(HasStatus::status).unwrap_or(0);
    match error {
        aws_smithy_runtime_api::client::result::SdkError::ServiceError(e) => (
            e.err().code().unwrap_or_default().to_string(),
            status,
            e.err().message().unwrap_or_default().to_string(),
        ),
        other => panic!("not a service error: {other:?}"),
    }
}

trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_the_sandbox_never_issued_are_refused_on_each_protocol() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    // The key AWS's documentation uses: a shell with real-looking credentials must not see
    // demo data.
    let stranger = clients_with(&sandbox, "AKIAIOSFODNN7EXAMPLE", 1).await;
    let invalid = "The security token included in the request is invalid.";
    let sts = stranger.sts.get_caller_identity().send().await.unwrap_err();
    assert_eq!(
        refusal(&sts),
        ("InvalidClientTokenId".into(), 403, invalid.into())
    );
    let iam = stranger
        .iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&iam),
        ("InvalidClientTokenId".into(), 403, invalid.into())
    );
    let backup = stranger
        .backup
        .list_restore_jobs()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&backup),
        ("UnrecognizedClientException".into(), 403, invalid.into())
    );
    // The sandbox's own keys still work, and the refused calls were not counted as served.
    let admin = clients(&sandbox).await;
    assert!(admin.sts.get_caller_identity().send().await.is_ok());
    let auditor = clients_with(&sandbox, "AKIASANDBOXAUDITOR01", 1).await;
    let me = auditor.sts.get_caller_identity().send().await.unwrap();
    assert!(me.arn().unwrap().ends_with(":user/sandbox-auditor"));
    let expired = clients_with(&sandbox, "AKIASANDBOXEXPIRED01", 1).await;
    let e = expired
        .iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).0, "ExpiredToken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_outside_iams_patterns_are_validation_errors_not_missing_entities() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let bad = c
        .iam
        .get_role()
        .role_name("bad name")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&bad),
        (
            "ValidationError".into(),
            400,
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+".into()
        )
    );
    let long = "P".repeat(129);
    let put = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name(&long)
        .policy_document(fix_document())
        .send()
        .await
        .unwrap_err();
    let (code, status, message) = refusal(&put);
    assert_eq!((code.as_str(), status), ("ValidationError", 400));
    assert!(message.ends_with("at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128"), "{message}");
    let user = c
        .iam
        .list_user_policies()
        .user_name("")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&user).0, "ValidationError");
    let version = c
        .iam
        .get_policy_version()
        .policy_arn("arn:aws:iam::111122223333:policy/x")
        .version_id("version-one")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&version).1, 400);
    let items = c
        .iam
        .list_role_policies()
        .role_name(ROLE)
        .max_items(0)
        .send()
        .await
        .unwrap_err();
    let (code, status, message) = refusal(&items);
    assert_eq!((code.as_str(), status), ("ValidationError", 400));
    assert!(message.contains("at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"), "{message}");
    assert!(sandbox.audit().is_empty(), "nothing was written");
}

async fn put(c: &Clients, document: &str) -> (String, u16, String) {
    let error = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Probe")
        .policy_document(document)
        .send()
        .await
        .unwrap_err();
    refusal(&error)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iams_policy_grammar_errors_in_iams_words() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let malformed = |message: &str| {
        (
            "MalformedPolicyDocument".to_string(),
            400,
            message.to_string(),
        )
    };
    let syntax = malformed("Syntax errors in policy.");
    let cases = [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#,
            malformed("Policy statement must contain resources."),
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
            malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"s3:A","Resource":"*"},{"Sid":"S","Effect":"Allow","Action":"s3:B","Resource":"*"}]}"#,
            malformed("Statement IDs (SID) in a single policy must be unique."),
        ),
        (
            r#"{"Version":"2012-10-17","Statment":[{"Effect":"Allow","Action":"s3:A","Resource":"*"}]}"#,
            syntax.clone(),
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:A","Resources":"*"}]}"#,
            syntax.clone(),
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:A","Resource":"*"}]}"#,
            syntax.clone(),
        ),
        (
            r#"{"Version":"2021-01-01","Statement":[{"Effect":"Allow","Action":"s3:A","Resource":"*"}]}"#,
            malformed("The policy failed legacy parsing"),
        ),
        ("{not json", syntax),
    ];
    for (document, expected) in cases {
        assert_eq!(put(&c, document).await, expected, "{document}");
    }
    assert!(
        sandbox.audit().is_empty(),
        "no malformed document was stored"
    );
}

fn padded_document(resource_chars: usize) -> String {
    let resource = format!("arn:aws:s3:::{}", "b".repeat(resource_chars));
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": resource}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_policy_quotas_count_every_policy_and_no_whitespace() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    // Two role policies of ~6,000 characters each: each fits, both together do not.
    let big = padded_document(6_000);
    c.iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("First")
        .policy_document(&big)
        .send()
        .await
        .unwrap();
    let second = c
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Second")
        .policy_document(&big)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&second),
        (
            "LimitExceeded".into(),
            409,
            "Maximum policy size of 10240 bytes exceeded for role AWSBackupDefaultServiceRole"
                .into()
        )
    );
    // A user's quota is 2,048; white space is not counted.
    let spaced = padded_document(1_500).replace(',', &format!(",{}", " ".repeat(400)));
    assert!(spaced.len() > 2_048);
    c.iam
        .put_user_policy()
        .user_name("sandbox-auditor")
        .policy_name("Spaced")
        .policy_document(&spaced)
        .send()
        .await
        .unwrap();
    let over = c
        .iam
        .put_user_policy()
        .user_name("sandbox-auditor")
        .policy_name("Over")
        .policy_document(padded_document(1_500))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&over),
        (
            "LimitExceeded".into(),
            409,
            "Maximum policy size of 2048 bytes exceeded for user sandbox-auditor".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_items_pages_inline_policies_and_simulation() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    for name in ["A", "B", "C"] {
        c.iam
            .put_role_policy()
            .role_name(ROLE)
            .policy_name(name)
            .policy_document(padded_document(10))
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c
            .iam
            .list_role_policies()
            .role_name(ROLE)
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.policy_names().len() <= 2);
        names.extend(page.policy_names().iter().cloned());
        if !page.is_truncated() {
            assert!(page.marker().is_none());
            break;
        }
        marker = Some(
            page.marker()
                .expect("a truncated page has a marker")
                .to_string(),
        );
    }
    assert!(pages >= 2, "{pages} pages");
    assert!(
        ["A", "B", "C"]
            .iter()
            .all(|n| names.contains(&n.to_string())),
        "{names:?}"
    );
    let users = c
        .iam
        .list_user_policies()
        .user_name("sandbox-admin")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(users.policy_names().len(), 1);

    // Simulation: two actions, one per page.
    let first = c
        .iam
        .simulate_principal_policy()
        .policy_source_arn(ROLE_ARN)
        .action_names("s3:GetObject")
        .action_names("s3:PutObject")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.evaluation_results().len(), 1);
    assert!(first.is_truncated());
    let second = c
        .iam
        .simulate_principal_policy()
        .policy_source_arn(ROLE_ARN)
        .action_names("s3:GetObject")
        .action_names("s3:PutObject")
        .max_items(1)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!second.is_truncated());
    assert_eq!(
        second.evaluation_results()[0].eval_action_name(),
        "s3:PutObject"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulation_reports_missing_context_values_and_reads_policy_input_lists() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    c.iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("RestoreDoctorFixes")
        .policy_document(fix_document())
        .send()
        .await
        .unwrap();
    let out = c
        .iam
        .simulate_principal_policy()
        .policy_source_arn(ROLE_ARN)
        .action_names("iam:PassRole")
        .resource_arns(SSM_ROLE)
        .send()
        .await
        .unwrap();
    let result = &out.evaluation_results()[0];
    assert_eq!(result.missing_context_values(), ["iam:PassedToService"]);
    let specific = &result.resource_specific_results()[0];
    assert_eq!(specific.eval_resource_name(), SSM_ROLE);
    assert_eq!(specific.missing_context_values(), ["iam:PassedToService"]);
    // Without ResourceArns there are no resource-specific results.
    let bare = c
        .iam
        .simulate_principal_policy()
        .policy_source_arn(ROLE_ARN)
        .action_names("iam:PassRole")
        .send()
        .await
        .unwrap();
    assert!(
        bare.evaluation_results()[0]
            .resource_specific_results()
            .is_empty()
    );

    // A PolicyInputList document is evaluated with the role's own policies.
    let extra = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "dynamodb:GetItem", "Resource": "*"}]})
    .to_string();
    let simulate = |with_extra: bool| {
        let mut request = c
            .iam
            .simulate_principal_policy()
            .policy_source_arn(ROLE_ARN)
            .action_names("dynamodb:GetItem");
        if with_extra {
            request = request.policy_input_list(extra.clone());
        }
        request.send()
    };
    let without = simulate(false).await.unwrap();
    assert_eq!(
        without.evaluation_results()[0].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    let with = simulate(true).await.unwrap();
    assert_eq!(
        with.evaluation_results()[0].eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    let malformed = c
        .iam
        .simulate_principal_policy()
        .policy_source_arn(ROLE_ARN)
        .action_names("s3:GetObject")
        .policy_input_list(r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject"}}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&malformed),
        (
            "MalformedPolicyDocument".into(),
            400,
            "Policy statement must contain resources.".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_checks_its_model_before_answering() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = clients(&sandbox).await;
    let zero = c
        .backup
        .list_restore_jobs()
        .max_results(0)
        .send()
        .await
        .unwrap_err();
    let (code, status, message) = refusal(&zero);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidParameterValueException", 400)
    );
    assert!(
        message.contains("'maxResults'") || message.contains("'maxResults"),
        "{message}"
    );
    let account = c
        .backup
        .list_restore_jobs()
        .by_account_id("1234")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&account).0, "InvalidParameterValueException");
    let missing = c
        .backup
        .start_restore_job()
        .recovery_point_arn("arn:aws:ec2:us-east-1::image/ami-0")
        .iam_role_arn(ROLE_ARN)
        .send()
        .await
        .unwrap_err();
    let (code, status, message) = refusal(&missing);
    assert_eq!(
        (code.as_str(), status),
        ("MissingParameterValueException", 400)
    );
    assert!(message.contains("Value null at 'metadata'"), "{message}");
}
