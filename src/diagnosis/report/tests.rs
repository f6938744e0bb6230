//! The verdict, the fix and the sentences, for each kind of message.

use super::*;

fn diag(text: &str) -> Diagnosis {
    diagnose(&DecodedMessage::parse(text).unwrap(), Scope::Exact)
}

fn message(allowed: bool, explicit: bool, stmts: &str, arn: &str, action: &str) -> String {
    format!(
        r#"{{"allowed":{allowed},"explicitDeny":{explicit},"matchedStatements":{{"items":[{stmts}]}},"context":{{"principal":{{"id":"X","arn":"{arn}"}},"action":"{action}","resource":"arn:aws:s3:::b/k","conditions":{{"items":[{{"key":"aws:Service","values":{{"items":[{{"value":"s3"}}]}}}}]}}}}}}"#
    )
}

#[test]
fn article_is_missing_allow_with_verified_fix() {
    let d = diag(include_str!(
        "../../../assets/examples/backup-passrole-implicit-deny.json"
    ));
    assert_eq!(d.verdict, Verdict::MissingAllow);
    let fix = d.fix.as_ref().unwrap();
    assert_eq!(fix.verified, Some(true));
    assert_eq!(fix.fix.target.name, "AWSBackupDefaultServiceRole");
    assert!(d.summary.contains("iam:PassRole"), "{}", d.summary);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["verdict"], "missing_allow");
    assert_eq!(json["principal"]["type"], "assumed_role");
    assert_eq!(json["fix"]["target"]["type"], "role");
    assert_eq!(json["fix"]["scope"], "exact");
    assert_eq!(json["fix"]["verified"], true);
    assert_eq!(json["conditions"]["aws:Service"], json!(["ec2"]));
}

#[test]
fn explicit_deny_visible_and_invisible() {
    let d = diag(include_str!(
        "../../../assets/examples/ec2-explicit-deny.json"
    ));
    assert_eq!(d.verdict, Verdict::ExplicitDeny);
    assert_eq!(d.action, "ec2:RunInstances");
    assert!(d.fix.is_none());
    assert_eq!(d.deny_statements[0].sid.as_deref(), Some("VisualEditor0"));
    assert!(d.summary.contains("VisualEditor0"));
    let hidden = diag(&message(
        false,
        true,
        "",
        "arn:aws:sts::1:assumed-role/R/s",
        "s3:GetObject",
    ));
    assert_eq!(hidden.verdict, Verdict::ExplicitDeny);
    assert!(hidden.deny_statements.is_empty());
    assert!(
        hidden.summary.contains("service control policy"),
        "{}",
        hidden.summary
    );
    assert!(hidden.summary.contains("no allow statement can fix it"));
}

#[test]
fn deny_statement_without_flag_is_explicit() {
    let d = diag(&message(
        false,
        false,
        r#"{"statementId":"D","effect":"DENY","actions":{"items":[{"value":"s3:*"}]}}"#,
        "arn:aws:iam::1:user/u",
        "s3:GetObject",
    ));
    assert_eq!(d.verdict, Verdict::ExplicitDeny);
}

#[test]
fn allowed_and_no_fix_principals() {
    let allowed = diag(&message(
        true,
        false,
        "",
        "arn:aws:iam::1:role/R",
        "s3:GetObject",
    ));
    assert_eq!(allowed.verdict, Verdict::Allowed);
    assert!(allowed.fix.is_none());
    let root = diag(&message(
        false,
        false,
        "",
        "arn:aws:iam::1:root",
        "s3:GetObject",
    ));
    assert!(root.fix.is_none());
    assert!(root.summary.contains("root"), "{}", root.summary);
    let fed = diag(&message(
        false,
        false,
        "",
        "arn:aws-cn:sts::1:federated-user/bob",
        "s3:GetObject",
    ));
    assert!(fed.no_fix_reason.unwrap().contains("federate"));
}

#[test]
fn china_passrole_condition_and_user_with_path() {
    let cn = r#"{"allowed":false,"explicitDeny":false,"context":{"principal":{"arn":"arn:aws-cn:iam::111122223333:user/ops/eng/alice"},"action":"iam:PassRole","resource":"arn:aws-cn:iam::111122223333:role/app/R","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}}]}}}"#;
    let d = diag(cn);
    let fix = d.fix.unwrap();
    assert_eq!(fix.fix.target.name, "alice");
    assert_eq!(
        fix.fix.statement["Condition"]["StringEquals"]["iam:PassedToService"],
        "ec2.amazonaws.com.cn"
    );
    assert_eq!(fix.verified, Some(true));
}

#[test]
fn render_text_names_the_fix() {
    let d = diag(include_str!(
        "../../../assets/examples/backup-passrole-implicit-deny.json"
    ));
    let text = render_text(&d);
    assert!(text.contains("Verdict:   missing_allow"));
    assert!(text.contains("\"iam:PassedToService\": \"ec2.amazonaws.com\""));
    assert!(text.contains("would be allowed"));
}

/// The article's denial as IAM's plain-text sentence (IAM user guide, "Access denied error
/// messages": https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
const PLAIN_ARTICLE: &str = "User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup because no identity-based policy allows the iam:PassRole action";

fn plain(text: &str) -> Diagnosis {
    let denial = crate::diagnosis::plain::parse_plain(text).unwrap();
    diagnose(&DecodedMessage::from_plain(&denial), Scope::Exact)
}

#[test]
fn plain_text_identity_implicit_deny_gets_the_decoded_fix() {
    let decoded = diag(include_str!(
        "../../../assets/examples/backup-passrole-implicit-deny.json"
    ));
    let d = plain(PLAIN_ARTICLE);
    assert_eq!(d.verdict, Verdict::MissingAllow);
    assert_eq!(d.source, DenialSource::PlainText);
    assert_eq!(d.policy_type, Some(PolicyType::IdentityBased));
    assert!(!d.conditions_known);
    let (fix, want) = (
        &d.fix.as_ref().unwrap().fix,
        &decoded.fix.as_ref().unwrap().fix,
    );
    assert_eq!(fix.target, want.target);
    assert_eq!(fix.statement["Action"], want.statement["Action"]);
    assert_eq!(fix.statement["Resource"], want.statement["Resource"]);
    // The calling service is unknown: no iam:PassedToService, and a sentence saying so.
    assert!(fix.statement.get("Condition").is_none());
    assert_eq!(d.unknown_condition_keys, ["iam:PassedToService"]);
    assert!(
        d.notes
            .iter()
            .any(|n| n.starts_with("iam:PassedToService could not be set")),
        "{:?}",
        d.notes
    );
    assert_eq!(d.fix.unwrap().verified, Some(true));
    let json = serde_json::to_value(plain(PLAIN_ARTICLE)).unwrap();
    assert_eq!(json["source"], "plain_text");
    assert_eq!(json["policy_type"], "identity_based");
    assert_eq!(json["conditions_known"], false);
    assert_eq!(decoded.source, DenialSource::Decoded);
    assert!(decoded.conditions_known && decoded.unknown_condition_keys.is_empty());
}

#[test]
fn plain_text_create_grant_verifies_with_its_assumed_condition() {
    let d = plain(
        "User: arn:aws:sts::111122223333:assumed-role/Restore/s is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd because no identity-based policy allows the kms:CreateGrant action",
    );
    let fix = d.fix.unwrap();
    assert_eq!(
        fix.fix.statement["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
        "true"
    );
    assert_eq!(
        fix.verified,
        Some(true),
        "unknown conditions must not make the fix look wrong"
    );
}

#[test]
fn plain_text_explicit_deny_names_the_policy() {
    // IAM user guide, "Troubleshoot access denied error messages with authorization ID":
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied-authorization-id.html
    let d = plain(
        "User: arn:aws:iam::123456789012:user/janedoe is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::123456789012:instance-profile/my-instance-profile with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy. Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE1a2b3c4d5e6f7g8h9i0j for complete details, or call the GetRequestAuthorizationDetails API with the following authorization id: EXAMPLE1a2b3c4d5e6f7g8h9i0j",
    );
    assert_eq!(d.verdict, Verdict::ExplicitDeny);
    assert!(d.fix.is_none());
    assert!(
        d.summary
            .contains("identity-based policy arn:aws:iam::123456789012:policy/ExampleDenyPolicy"),
        "{}",
        d.summary
    );
    assert_eq!(
        d.authorization_id.as_deref(),
        Some("EXAMPLE1a2b3c4d5e6f7g8h9i0j")
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("--authorization-id EXAMPLE1a2b3c4d5e6f7g8h9i0j"))
    );
    let scp = plain(
        "User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3/service_control_policy/p-12345678",
    );
    assert!(
        scp.summary
            .contains("service control policy arn:aws:organizations::"),
        "{}",
        scp.summary
    );
    assert!(
        scp.summary.contains("Organizations administrator"),
        "{}",
        scp.summary
    );
}

#[test]
fn plain_text_guardrail_implicit_deny_has_no_identity_fix() {
    let d = plain(&PLAIN_ARTICLE.replace("identity-based policy", "permissions boundary"));
    assert_eq!(d.verdict, Verdict::MissingAllow);
    assert!(d.fix.is_none());
    assert!(d.no_fix_reason.unwrap().contains("permissions boundary"));
}

#[test]
fn a_deny_wins_over_allowed_true() {
    let d = diag(&message(
        true,
        false,
        r#"{"statementId":"DenyAll","effect":"DENY","actions":{"items":[{"value":"s3:*"}]}}"#,
        "arn:aws:iam::1:role/R",
        "s3:GetObject",
    ));
    assert_eq!(d.verdict, Verdict::ExplicitDeny);
    assert!(d.fix.is_none());
    assert!(d.summary.contains("DenyAll"));
}

#[test]
fn a_matched_allow_gets_no_copy() {
    let d = diag(&message(
        false,
        false,
        r#"{"statementId":"AllowGet","effect":"ALLOW","actions":{"items":[{"value":"s3:GetObject"}]}}"#,
        "arn:aws:iam::1:role/R",
        "s3:GetObject",
    ));
    assert_eq!(d.verdict, Verdict::MissingAllow);
    assert!(d.fix.is_none(), "no copy of the allow that already matched");
    let reason = d.no_fix_reason.unwrap();
    assert!(
        reason.contains("AllowGet") && reason.contains("guardrail"),
        "{reason}"
    );
    assert!(d.summary.contains("guardrail"), "{}", d.summary);
}

#[test]
fn hybrid_takes_policy_type_from_the_text() {
    let text = crate::diagnosis::plain::parse_plain(
        "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:1:instance/* with an explicit deny in a service control policy: arn:aws:organizations::2:policy/o-x/service_control_policy/p-1",
    );
    let m = DecodedMessage::parse(include_str!(
        "../../../assets/examples/ec2-explicit-deny.json"
    ))
    .unwrap()
    .decoded_from_token(text);
    let d = diagnose(&m, Scope::Exact);
    assert_eq!(d.source, DenialSource::Encoded);
    assert_eq!(d.policy_type, Some(PolicyType::ServiceControl));
    assert_eq!(
        d.denying_policy_arn.as_deref(),
        Some("arn:aws:organizations::2:policy/o-x/service_control_policy/p-1")
    );
    // The decoded context stays the context.
    assert_eq!(d.action, "ec2:RunInstances");
    assert!(d.conditions_known);
}

#[test]
fn a_redacted_account_id_makes_verification_not_done_rather_than_failed() {
    let article = include_str!("../../../assets/examples/backup-passrole-implicit-deny.json");
    for redacted in ["1111-2222-3333", "<account>", "XXXXXXXXXXXX"] {
        let d = diag(&article.replace("111122223333", redacted));
        let fix = d.fix.as_ref().unwrap();
        assert_eq!(fix.verified, None, "{redacted}: not done, never false");
        assert_eq!(
            serde_json::to_value(fix).unwrap()["verified"],
            serde_json::Value::Null,
            "{redacted}"
        );
        let LocalVerification::NotDone { reason } = &fix.local_verification else {
            panic!("{redacted}: {:?}", fix.local_verification);
        };
        assert!(
            reason.contains(redacted) && reason.contains("12-digit"),
            "{reason}"
        );
        let text = render_text(&d);
        assert!(
            text.contains("Local verification could not be done"),
            "{text}"
        );
        assert!(!text.contains("would still NOT be allowed"), "{text}");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["fix"]["local_verification"]["result"], "not_done");
    }
    // The unredacted message still verifies.
    let d = diag(article);
    assert_eq!(
        d.fix.unwrap().local_verification,
        LocalVerification::Allowed
    );
    assert!(d.also_needed.is_empty() && d.wider_alternatives.is_empty());
}
