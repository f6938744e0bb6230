//! Every input form through the one parser; each example names its source.

use super::*;
use crate::diagnosis::kinds::DenialSource;
use crate::diagnosis::plain::PolicyType;
use proptest::prelude::*;

const ARTICLE: &str = include_str!("../../../assets/examples/backup-passrole-implicit-deny.json");
const TOKEN: &str =
    "AQoDYXdzEJr-1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";

/// IAM's implicit-deny sentence (IAM user guide, "Access denied error messages":
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
const PLAIN: &str = "User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup because no identity-based policy allows the iam:PassRole action";

#[test]
fn decoded_json_in_every_form() {
    let object = parse_denial(ARTICLE).unwrap();
    let Denial::Decoded(m) = object else {
        panic!("{object:?}")
    };
    assert_eq!(m.action, "iam:PassRole");
    assert_eq!(m.source, DenialSource::Decoded);
    let wrapper = serde_json::json!({ "DecodedMessage": ARTICLE }).to_string();
    let string = serde_json::to_string(&ARTICLE).unwrap();
    let bom_crlf = format!("\u{feff}{}", ARTICLE.replace('\n', "\r\n"));
    for text in [wrapper, string, bom_crlf] {
        assert!(
            matches!(parse_denial(&text), Ok(Denial::Decoded(_))),
            "{text:.40}"
        );
    }
}

#[test]
fn encoded_bare_marked_and_hybrid() {
    assert_eq!(
        parse_denial(TOKEN),
        Ok(Denial::Encoded {
            token: TOKEN.into(),
            text: None
        })
    );
    // AWS Backup's status message (the article's restore job).
    let backup = format!(
        "You are not authorized to perform this operation. Please consult the permissions associated with your AWS Backup role(s), and refer to the AWS Backup documentation for more details. Encoded authorization failure message: {TOKEN}"
    );
    assert_eq!(
        parse_denial(&backup),
        Ok(Denial::Encoded {
            token: TOKEN.into(),
            text: None
        })
    );
    // A hybrid: IAM's sentence naming an SCP, then the token.
    let hybrid = format!(
        "User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3/service_control_policy/p-12345678. Encoded authorization failure message: {TOKEN}"
    );
    let Ok(Denial::Encoded {
        token,
        text: Some(text),
    }) = parse_denial(&hybrid)
    else {
        panic!("hybrid not recognised")
    };
    assert_eq!(token, TOKEN);
    assert_eq!(text.policy_type, Some(PolicyType::ServiceControl));
    assert!(text.denying_policy_arn.unwrap().ends_with("p-12345678"));
}

#[test]
fn plain_text_and_its_json_string() {
    let Ok(Denial::PlainText(m)) = parse_denial(PLAIN) else {
        panic!()
    };
    assert_eq!(m.source, DenialSource::PlainText);
    assert_eq!(m.action, "iam:PassRole");
    assert_eq!(
        m.principal.name.as_deref(),
        Some("AWSBackupDefaultServiceRole")
    );
    assert_eq!(m.explicit_deny, Some(false));
    let quoted = serde_json::to_string(PLAIN).unwrap();
    assert!(matches!(parse_denial(&quoted), Ok(Denial::PlainText(_))));
}

#[test]
fn restore_job_json_gets_a_pointer() {
    // `aws backup describe-restore-job` output (AWS CLI reference, describe-restore-job:
    // https://docs.aws.amazon.com/cli/latest/reference/backup/describe-restore-job.html).
    let job = r#"{"AccountId":"111122223333","RestoreJobId":"7A0B1C2D-1111","Status":"FAILED","StatusMessage":"Insufficient capacity"}"#;
    let err = parse_denial(job).unwrap_err();
    assert_eq!(
        err,
        DenialError::RestoreJob {
            job_id: Some("7A0B1C2D-1111".into())
        }
    );
    let line = err.to_string();
    assert!(
        line.contains("fix --job 7A0B1C2D-1111") && line.contains("decode"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn errors_stay_specific() {
    assert!(matches!(
        parse_denial("{not json"),
        Err(DenialError::Decoded(ParseError::MalformedJson(_)))
    ));
    assert_eq!(
        parse_denial(r#"{"foo": 1}"#),
        Err(DenialError::Decoded(ParseError::NotDecodedMessage))
    );
    assert_eq!(
        parse_denial("Encoded authorization failure message: ."),
        Err(DenialError::Token(TokenError::EmptyAfterMarker))
    );
    assert!(matches!(
        parse_denial("hello world"),
        Err(DenialError::NotADenial(_))
    ));
}

#[test]
fn status_messages_are_classified() {
    let plain = classify_status_message(Some(PLAIN));
    assert_eq!(plain.kind, FailureKind::PlainTextDenial);
    assert_eq!(plain.action.as_deref(), Some("iam:PassRole"));
    // AWS Knowledge Center, backup-insufficient-privileges-efs.
    let efs = classify_status_message(Some("Insufficient privileges to perform this action."));
    assert_eq!(efs.kind, FailureKind::PlainTextDenial);
    let encoded = classify_status_message(Some(&format!(
        "Encoded authorization failure message: {TOKEN}"
    )));
    assert_eq!(encoded.kind, FailureKind::EncodedDenial);
    for (text, words) in [
        ("Insufficient capacity in the Availability Zone", "capacity"),
        ("LimitExceeded: volume limit", "quota"),
        (
            "A file system with this name already exists",
            "already exists",
        ),
        (
            "Recovery point is being deleted",
            "nothing restore-doctor can fix",
        ),
    ] {
        let failure = classify_status_message(Some(text));
        assert_eq!(failure.kind, FailureKind::NotPermissions, "{text}");
        let sentence = failure.explanation.unwrap();
        assert!(
            sentence.contains(words) && sentence.contains(text),
            "{sentence}"
        );
    }
    assert_eq!(classify_status_message(None).kind, FailureKind::NoMessage);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn never_panics(text in any::<String>()) {
        let _ = parse_denial(&text);
        let _ = classify_status_message(Some(&text));
    }

    #[test]
    fn plain_text_found_in_arbitrary_surroundings(prefix in "[^\\x00{\\[\"]?[^\\x00]{0,60}", suffix in "[^\\x00]{0,60}") {
        prop_assume!(!prefix.to_ascii_lowercase().contains("not authorized"));
        prop_assume!(!format!("{prefix}{suffix}").to_ascii_lowercase().contains("encoded authorization failure message:"));
        let text = format!("{prefix} {PLAIN}. {suffix}");
        let denial = parse_denial(&text);
        let Ok(Denial::PlainText(m)) = denial else { return Err(TestCaseError::fail(format!("{denial:?}"))) };
        prop_assert_eq!(m.action, "iam:PassRole");
        prop_assert_eq!(m.resource, "arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup");
    }
}
