//! Plain-text denials in every documented form; each example names where it comes from.

use super::*;
use proptest::prelude::*;

/// IAM user guide, "Troubleshoot access denied error messages with authorization ID":
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied-authorization-id.html
/// (the example there, wrapped over lines as the page shows it).
const AUTHORIZATION_ID_EXAMPLE: &str = "User: arn:aws:iam::123456789012:user/janedoe is not authorized to perform: iam:CreateInstanceProfile\non resource: arn:aws:iam::123456789012:instance-profile/my-instance-profile\nwith an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy.\nGo to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE1a2b3c4d5e6f7g8h9i0j for complete details,\nor call the GetRequestAuthorizationDetails API with the following authorization id: EXAMPLE1a2b3c4d5e6f7g8h9i0j";

/// The template of IAM's implicit-deny message (IAM user guide, "Access denied error
/// messages": https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html),
/// filled in for an AWS Backup restore role.
fn implicit(policy: &str) -> String {
    format!(
        "User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup because no {policy} allows the iam:PassRole action"
    )
}

#[test]
fn authorization_id_example_from_the_iam_guide() {
    let d = parse_plain(AUTHORIZATION_ID_EXAMPLE).unwrap();
    assert_eq!(
        d.principal.as_deref(),
        Some("arn:aws:iam::123456789012:user/janedoe")
    );
    assert_eq!(d.action.as_deref(), Some("iam:CreateInstanceProfile"));
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:iam::123456789012:instance-profile/my-instance-profile")
    );
    assert_eq!(d.explicit, Some(true));
    assert_eq!(d.policy_type, Some(PolicyType::IdentityBased));
    assert_eq!(
        d.denying_policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/ExampleDenyPolicy")
    );
    assert_eq!(
        d.authorization_id.as_deref(),
        Some("EXAMPLE1a2b3c4d5e6f7g8h9i0j")
    );
}

#[test]
fn every_documented_implicit_policy_type() {
    // IAM user guide, "Access denied error messages" lists these policy types.
    for (words, kind) in [
        ("identity-based policy", PolicyType::IdentityBased),
        ("resource-based policy", PolicyType::ResourceBased),
        ("permissions boundary", PolicyType::PermissionsBoundary),
        ("session policy", PolicyType::Session),
        ("service control policy", PolicyType::ServiceControl),
        ("resource control policy", PolicyType::ResourceControl),
        ("VPC endpoint policy", PolicyType::VpcEndpoint),
    ] {
        let d = parse_plain(&implicit(words)).unwrap();
        assert_eq!(d.explicit, Some(false), "{words}");
        assert_eq!(d.policy_type, Some(kind), "{words}");
        assert_eq!(d.action.as_deref(), Some("iam:PassRole"));
        assert_eq!(
            d.resource.as_deref(),
            Some("arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup")
        );
        assert!(d.denying_policy_arn.is_none());
    }
}

#[test]
fn explicit_deny_in_each_guardrail_with_its_arn() {
    // AWS Security Blog, "Enhanced access denied error messages with policy ARNs": the
    // denying policy's ARN follows the policy type.
    for (words, kind, arn) in [
        (
            "a service control policy",
            PolicyType::ServiceControl,
            "arn:aws:organizations::111122223333:policy/o-abc123/service_control_policy/p-deny1234",
        ),
        (
            "a permissions boundary",
            PolicyType::PermissionsBoundary,
            "arn:aws:iam::111122223333:policy/Boundary",
        ),
        (
            "a resource-based policy",
            PolicyType::ResourceBased,
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
        ),
        ("a session policy", PolicyType::Session, ""),
    ] {
        let suffix = if arn.is_empty() {
            String::new()
        } else {
            format!(": {arn}")
        };
        let text = format!(
            "User: arn:aws:iam::111122223333:role/R is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd with an explicit deny in {words}{suffix}."
        );
        let d = parse_plain(&text).unwrap();
        assert_eq!(d.explicit, Some(true), "{words}");
        assert_eq!(d.policy_type, Some(kind), "{words}");
        assert_eq!(
            d.denying_policy_arn.as_deref(),
            (!arn.is_empty()).then_some(arn)
        );
    }
}

#[test]
fn cli_wrapper_and_java_sdk_wrapper() {
    // Public issue aws-samples/bulk-policy-migrator-scripts-for-account-cost-billing-consoles#9
    // (the AWS CLI's wording of an AssumeRole denial).
    let cli = "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::111122223333:user/developers-virginia-access is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/BillingConsolePolicyMigratorRole";
    let d = parse_plain(cli).unwrap();
    assert_eq!(d.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(d.operation.as_deref(), Some("AssumeRole"));
    assert_eq!(d.action.as_deref(), Some("sts:AssumeRole"));
    assert_eq!(
        d.explicit, None,
        "no reason clause: the message does not say"
    );
    let java = format!(
        "{} (Service: AmazonS3; Status Code: 403; Error Code: AccessDenied; Request ID: 8TW3; Proxy: null)",
        implicit("identity-based policy")
    );
    let d = parse_plain(&java).unwrap();
    assert_eq!(d.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(d.policy_type, Some(PolicyType::IdentityBased));
}

#[test]
fn terraform_wrapper_and_s3_quoted_resource() {
    // The Go SDK v2 shape Terraform prints (public issue perkbox/cloud-access-bot#11 shows it
    // for IAM), here around S3's quoted resource form (Amazon S3 user guide,
    // "Troubleshoot access denied (403 Forbidden) errors":
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).
    let tf = "Error: reading S3 Bucket: operation error S3: GetObject, https response error StatusCode: 403, RequestID: X, api error AccessDenied: User: arn:aws:iam::111122223333:user/MaryMajor is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket/object-name\" because no resource-based policy allows the s3:GetObject action\n\n  with aws_s3_object.x,";
    let d = parse_plain(tf).unwrap();
    assert_eq!(d.operation.as_deref(), Some("GetObject"));
    assert_eq!(d.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:s3:::amzn-s3-demo-bucket/object-name")
    );
    assert_eq!(d.policy_type, Some(PolicyType::ResourceBased));
    let bare_on = "User: arn:aws:iam::1:user/u is not authorized to perform: s3:ListBucket on \"arn:aws:s3:::b\" because no identity-based policy allows the s3:ListBucket action";
    assert_eq!(
        parse_plain(bare_on).unwrap().resource.as_deref(),
        Some("arn:aws:s3:::b")
    );
}

#[test]
fn json_escaped_text_inside_a_status_message() {
    let json = format!(
        "{{\"StatusMessage\": \"{}\"}}",
        implicit("identity-based policy").replace("\"", "\\\"")
    );
    let d = parse_plain(&json).unwrap();
    assert_eq!(d.action.as_deref(), Some("iam:PassRole"));
    assert_eq!(d.policy_type, Some(PolicyType::IdentityBased));
}

#[test]
fn backup_insufficient_privileges() {
    // AWS Knowledge Center, backup-insufficient-privileges-efs:
    // https://repost.aws/knowledge-center/backup-insufficient-privileges-efs
    let d = parse_plain("Insufficient privileges to perform this action.").unwrap();
    assert!(d.backup_insufficient_privileges);
    assert!(d.action.is_none());
}

#[test]
fn not_a_denial() {
    for text in [
        "",
        "Insufficient capacity",
        "Resource already exists",
        "You are not authorized to perform this operation.",
    ] {
        assert_eq!(parse_plain(text), None, "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn never_panics(text in any::<String>()) {
        let _ = parse_plain(&text);
    }

    #[test]
    fn never_panics_around_the_phrase(a in any::<String>(), b in any::<String>()) {
        let _ = parse_plain(&format!("{a} is not authorized to perform{b}"));
        let _ = parse_plain(&format!("{a} with an explicit deny in{b}"));
    }

    #[test]
    fn finds_principal_action_resource_in_arbitrary_text(
        prefix in "[^\\x00]{0,80}",
        suffix in "[^\\x00]{0,80}",
        account in "[0-9]{12}",
        role in "[A-Za-z0-9+=,.@_-]{0,39}[A-Za-z0-9]",
        action in "[a-z0-9-]{2,12}:[A-Za-z0-9]{2,30}",
        resource in "[a-z0-9-]{2,10}:[a-z0-9/_-]{1,40}",
    ) {
        prop_assume!(!prefix.to_ascii_lowercase().contains("not authorized"));
        prop_assume!(!suffix.to_ascii_lowercase().contains("not authorized"));
        let principal = format!("arn:aws:iam::{account}:role/{role}");
        let resource = format!("arn:aws:{resource}");
        let text = format!(
            "{prefix} User: {principal} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action. {suffix}"
        );
        let d = parse_plain(&text).unwrap();
        prop_assert_eq!(d.principal.as_deref(), Some(principal.as_str()));
        prop_assert_eq!(d.action.as_deref(), Some(action.as_str()));
        prop_assert_eq!(d.resource.as_deref(), Some(resource.as_str()));
        prop_assert_eq!(d.policy_type, Some(PolicyType::IdentityBased));
    }
}
