//! IAM's policy simulator around a write: before it, asked with the proposed document and the
//! boundary (a denial refuses the write, naming the layer); after it, asked again (still
//! denied: exit 5, and undo is offered). Where the simulator cannot run, it says why and the
//! local verification stands.

use serde_json::Value;

use super::{FixPlan, Verification, WorkflowError};
use crate::aws::{AwsErrorKind, LayeredSimulation, Session};
use crate::diagnosis::evaluate::Decision;
use crate::diagnosis::report::diagnosis_request_context;

/// Proven before the write: IAM's simulator with the proposed document and the boundary. A
/// denial (with every context key given) refuses the write, naming the layer that blocks.
pub(crate) async fn refuse_unless_proven(
    session: &Session,
    plan: &FixPlan,
) -> Result<(), WorkflowError> {
    if let Ok(proof) = simulate_plan(session, plan).await
        && proof.decision != Decision::Allowed
        && proof.missing_context_values.is_empty()
    {
        let layer = if proof.allowed_by_boundary == Some(false) {
            ": the permissions boundary does not allow it, so its owner must change the boundary"
        } else if proof.allowed_by_organizations == Some(false) {
            ": a service control policy denies it, so the organization's administrator must change it"
        } else {
            "; nothing was written"
        };
        return Err(WorkflowError::Refused(format!(
            "not writing: IAM's policy simulator says the request would still be denied ({}) with the proposed document{layer}",
            proof.decision
        )));
    }
    Ok(())
}

/// IAM's simulator on the decoded request with the proposed document added
/// (`PolicyInputList`) and the principal's boundary (`PermissionsBoundaryPolicyInputList`),
/// before anything is written; where it cannot run, says why (the local check stands).
pub async fn prove(session: &Session, plan: &FixPlan) -> Verification {
    verification(
        simulate_plan(session, plan)
            .await
            .map(|r| (r.decision, r.missing_context_values)),
    )
}

/// What the simulator's answer (decision, missing context keys) says of a fix.
fn verification(answer: Result<(Decision, Vec<String>), crate::aws::AwsError>) -> Verification {
    match answer {
        Ok((Decision::Allowed, _)) => Verification::Allowed,
        Ok((decision, missing_context_values)) => Verification::Denied {
            decision,
            missing_context_values,
        },
        Err(error) => Verification::Unavailable {
            reason: unavailable_reason(&error),
        },
    }
}

async fn simulate_plan(
    session: &Session,
    plan: &FixPlan,
) -> Result<LayeredSimulation, crate::aws::AwsError> {
    let request = diagnosis_request_context(&plan.diagnosis);
    let context: Vec<(String, Vec<String>)> = request.conditions.into_iter().collect();
    let boundary = plan.boundary_document.as_ref().map(Value::to_string);
    session
        .simulate_with(
            &plan.target_arn,
            &request.action,
            &request.resource,
            &context,
            std::slice::from_ref(&plan.proposed_text),
            boundary.as_deref(),
        )
        .await
}

fn unavailable_reason(error: &crate::aws::AwsError) -> String {
    match error.kind {
        AwsErrorKind::AccessDenied => {
            "you lack iam:SimulatePrincipalPolicy; the local verification stands".into()
        }
        AwsErrorKind::NotImplemented => {
            "the endpoint does not offer SimulatePrincipalPolicy; the local verification stands"
                .into()
        }
        _ => format!("{error}; the local verification stands"),
    }
}

/// IAM's simulator on the decoded request; where it cannot run, say why (the local check stands).
pub async fn verify(session: &Session, plan: &FixPlan) -> Verification {
    let request = diagnosis_request_context(&plan.diagnosis);
    let context: Vec<(String, Vec<String>)> = request.conditions.into_iter().collect();
    verification(
        session
            .simulate_principal_policy(
                &plan.target_arn,
                &request.action,
                &request.resource,
                &context,
            )
            .await
            .map(|r| (r.decision, r.missing_context_values)),
    )
}
