//! Test fixtures: an app holding the article's job and a few others, decoded from the example
//! messages in `assets/examples`, without any AWS call.

use std::sync::Arc;

use super::{App, HeaderInfo};
use crate::diagnosis::{DecodedMessage, Scope, diagnose};
use crate::tui::action::{Action, Decoded};
use crate::workflow::{FixPlan, JobSummary, fix_document, sha256_hex};

/// The article's decoded message (iam:PassRole, missing allow).
pub const PASSROLE: &str =
    include_str!("../../../assets/examples/backup-passrole-implicit-deny.json");
/// An explicit deny.
pub const EXPLICIT_DENY: &str = include_str!("../../../assets/examples/ec2-explicit-deny.json");

/// Decodes an example message the way the runtime would hand it over.
pub fn decoded(text: &str) -> Decoded {
    let message = DecodedMessage::parse(text).expect("example parses");
    let diagnosis = diagnose(&message, Scope::Exact);
    Arc::new((message, diagnosis))
}

/// A failed job with `token` in its status message.
pub fn job(id: &str, created: &str, resource_type: &str, token: Option<&str>) -> JobSummary {
    JobSummary {
        restore_job_id: id.into(),
        site: std::sync::Arc::new(crate::diagnosis::Site::new("111122223333", "us-east-1")),
        status: crate::diagnosis::RestoreJobStatus::Failed,
        created: created.into(),
        resource_type: Some(resource_type.into()),
        // Like the sandbox's: IDs that differ only at the end.
        recovery_point_arn: Some(format!(
            "arn:aws:ec2:us-east-1::image/ami-0a1b2c3d4e5f6000{}",
            id[..id.len().min(1)].to_lowercase()
        )),
        backup_vault_arn: None,
        iam_role_arn: Some(
            "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole".into(),
        ),
        status_message: Some(match token {
            Some(t) => format!("Encoded authorization failure message: {t}").into(),
            None => "Insufficient capacity in us-east-1a".into(),
        }),
        encoded_message: token.map(crate::diagnosis::Token::from),
        created_resource_arn: None,
    }
}

/// The header of a sandbox session.
pub fn header(read_only: bool) -> HeaderInfo {
    HeaderInfo {
        account: Some("111122223333".into()),
        caller_arn: Some("arn:aws:iam::111122223333:user/demo".into()),
        region: "us-east-1".into(),
        profile: None,
        sandbox: true,
        read_only,
    }
}

/// An app with four jobs: the article's (decoded), an explicit deny (decoded), one still
/// decoding, and one without an encoded message.
pub fn app(read_only: bool, size: (u16, u16)) -> App {
    let mut app = App::new(header(read_only), size);
    let _ = app.start();
    let jobs = vec![
        job(
            "4A1B2C3D-article",
            "2026-11-28T09:15:02Z",
            "EC2",
            Some("tok-passrole"),
        ),
        job(
            "5B2C3D4E-deny",
            "2026-11-27T17:40:11Z",
            "EC2",
            Some("tok-deny"),
        ),
        job(
            "6C3D4E5F-pending",
            "2026-11-26T08:01:00Z",
            "EBS",
            Some("tok-pending"),
        ),
        job("7D4E5F60-capacity", "2026-11-25T12:30:45Z", "EC2", None),
    ];
    // Two roles that differ only at the end, as in the walkthrough.
    let mut jobs = jobs;
    jobs[1].iam_role_arn = Some("arn:aws:iam::111122223333:role/BackupRestoreRoleProd".into());
    jobs[2].iam_role_arn = Some("arn:aws:iam::111122223333:role/BackupRestoreRoleEbs".into());
    let generation = app.generation;
    let _ = app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    let _ = app.update(Action::TokenDecoded {
        generation,
        token: "tok-passrole".into(),
        result: Ok(decoded(PASSROLE)),
    });
    let _ = app.update(Action::TokenDecoded {
        generation,
        token: "tok-deny".into(),
        result: Ok(decoded(EXPLICIT_DENY)),
    });
    // The runtime's answers: the article's case (the identity policy is the cause) and the
    // deny's (no fix).
    let article = app.jobs[0].job.clone();
    deliver_case(&mut app, &article, identity_case(false));
    let deny = app.jobs[1].job.clone();
    deliver_case(&mut app, &deny, deny_case());
    app
}

/// The article's case: an identity fix (already in IAM when `fixed`).
pub fn identity_case(fixed: bool) -> crate::workflow::Case {
    let plan = FixPlan {
        already_in_place: fixed,
        ..plan()
    };
    crate::workflow::Case {
        site: plan.site.clone(),
        job_id: plan.job_id.clone(),
        diagnosis: plan.diagnosis.clone(),
        remedy: crate::diagnosis::judge::Remedy::Identity,
        blocking_today: Vec::new(),
        layers_read: vec!["inline policies (0 other, and RestoreDoctorFixes as proposed)".into()],
        layers_unreadable: Vec::new(),
        plan: Some(Box::new(plan)),
    }
}

/// The explicit deny's case: nothing to write.
pub fn deny_case() -> crate::workflow::Case {
    let (_, diagnosis) = &*decoded(EXPLICIT_DENY);
    crate::workflow::Case {
        site: crate::diagnosis::Site::new("111122223333", "us-east-1"),
        job_id: Some("5B2C3D4E-deny".into()),
        diagnosis: diagnosis.clone(),
        remedy: crate::diagnosis::judge::Remedy::Refused(
            crate::diagnosis::judge::Refusal::ExplicitDeny {
                summary: diagnosis.summary.clone(),
                scps_do_not_apply: None,
            },
        ),
        blocking_today: Vec::new(),
        layers_read: Vec::new(),
        layers_unreadable: Vec::new(),
        plan: None,
    }
}

/// The runtime's answer to a case request for `job`.
pub fn deliver_case(app: &mut App, job: &JobSummary, case: crate::workflow::Case) {
    let generation = app.generation;
    let _ = app.update(Action::CaseBuilt {
        generation,
        key: super::job_key(job),
        result: Ok(Arc::new(case)),
    });
}

/// The plan the preview would show for the article's job (the policy does not exist yet).
pub fn plan() -> FixPlan {
    let (_, diagnosis) = &*decoded(PASSROLE);
    let fix = diagnosis.fix.clone().expect("a fix").fix;
    let proposed_text = serde_json::to_string_pretty(&fix_document(&fix)).expect("json");
    FixPlan {
        diagnosis: diagnosis.clone(),
        scope: Scope::Exact,
        target_type: crate::diagnosis::TargetType::Role,
        target_name: fix.target.name.clone(),
        target_arn: "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"
            .into(),
        site: crate::diagnosis::Site::new("111122223333", "us-east-1"),
        policy_name: fix.policy_name.clone(),
        current_document: None,
        proposed_sha256: sha256_hex(&proposed_text),
        size: proposed_text.chars().filter(|c| !c.is_whitespace()).count(),
        proposed_text,
        diff: String::new(),
        current_sha256: String::new(),
        quota: 10_240,
        verified_locally: Some(true),
        already_in_place: false,
        job_id: Some("4A1B2C3D-article".into()),
        layers_read: Vec::new(),
        layers_unreadable: Vec::new(),
        boundary_document: None,
        blocking_layers: Vec::new(),
        policy_checks: Default::default(),
        managed: None,
    }
}

/// The plan of the article's job at account scope (WIDER than the failed request).
pub fn wide_plan() -> FixPlan {
    let message = DecodedMessage::parse(PASSROLE).expect("example parses");
    let diagnosis = diagnose(&message, Scope::Account);
    let fix = diagnosis.fix.clone().expect("a fix").fix;
    let proposed_text = serde_json::to_string_pretty(&fix_document(&fix)).expect("json");
    FixPlan {
        diagnosis,
        scope: Scope::Account,
        proposed_sha256: sha256_hex(&proposed_text),
        size: proposed_text.chars().filter(|c| !c.is_whitespace()).count(),
        proposed_text,
        ..plan()
    }
}

/// A journal entry of an applied fix; `before`: the policy existed before it.
pub fn journal_entry(before: bool) -> crate::workflow::journal::JournalEntry {
    crate::workflow::journal::JournalEntry {
        version: crate::workflow::journal::JOURNAL_VERSION,
        id: "e1".into(),
        time: "2026-11-28T09:20:00Z".into(),
        phase: crate::workflow::journal::Phase::Applied,
        operation: crate::workflow::journal::Operation::Fix,
        site: crate::diagnosis::Site::new("111122223333", "us-east-1"),
        target_type: crate::diagnosis::TargetType::Role,
        target_name: "AWSBackupDefaultServiceRole".into(),
        target_arn: "arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole".into(),
        policy_name: "RestoreDoctorFixes".into(),
        before: before.then(|| serde_json::json!({"Version": "2012-10-17", "Statement": []})),
        after: None,
        job_id: Some("4A1B2C3D-article".into()),
        token_sha256: None,
        summary: None,
        undoes: None,
        error: None,
        reconciled: None,
        managed: None,
    }
}

/// A workflow failure that reads exactly `text`, as an action carries it.
pub fn failure(text: &str) -> crate::workflow::SharedError {
    Arc::new(crate::workflow::WorkflowError::BadInput(text.to_string()))
}
