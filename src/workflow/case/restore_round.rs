//! One fix round per restore, against IAM: the other actions the job's restore type needs on
//! the denied resource (the catalogue's restore list) are simulated as the restore role with
//! `SimulatePrincipalPolicy`, and only those IAM denies today join the preview, each as its own
//! least-privilege statement. A role without the AWS managed restore policy is also offered
//! attaching it, as a wider alternative that restore-doctor never applies.

use crate::aws::Session;
use crate::diagnosis::DecodedMessage;
use crate::diagnosis::Scope;
use crate::diagnosis::evaluate::Decision;
use crate::diagnosis::restore_round::{self, AlsoNeeded, WiderAlternative};

use crate::workflow::JobSummary;

/// What the restore needs beyond the denied action.
#[derive(Debug, Default)]
pub(crate) struct Round {
    /// Statements to add beside the fix.
    pub also_needed: Vec<AlsoNeeded>,
    /// Wider alternatives to show beside it.
    pub wider_alternatives: Vec<WiderAlternative>,
    /// Sentences for the diagnosis (what could not be checked, what an allow cannot fix).
    pub notes: Vec<String>,
}

/// The round for `message`, denied to role `role_arn` (with `attached` managed policies, where
/// IAM listed them) in restore `job`. Without a job whose resource type the catalogue knows,
/// there is nothing to add.
pub(crate) async fn restore_round(
    session: &Session,
    message: &DecodedMessage,
    scope: Scope,
    job: Option<&JobSummary>,
    attached: Option<&[String]>,
    role_arn: &str,
) -> Round {
    let mut round = Round::default();
    let Some(restore_type) = job.and_then(|j| j.resource_type.as_deref()) else {
        return round;
    };
    let candidates = restore_round::candidates(message, restore_type);
    if !candidates.is_empty() {
        let context = restore_round::simulation_context(message, &candidates);
        match session
            .cached(
                format!(
                    "SimulatePrincipalPolicy {role_arn} {} {} {context:?}",
                    candidates.join(","),
                    message.resource
                ),
                session.simulate_principal_policy_actions(
                    role_arn,
                    &candidates,
                    &message.resource,
                    &context,
                ),
            )
            .await
        {
            Ok(results) => {
                let denied = |wanted: Decision| -> Vec<String> {
                    results
                        .iter()
                        .filter(|(_, r)| r.decision == wanted)
                        .map(|(action, _)| action.clone())
                        .collect()
                };
                let explicit = denied(Decision::ExplicitDeny);
                if !explicit.is_empty() {
                    round.notes.push(format!(
                        "This {restore_type} restore also needs {} on {}, which a deny blocks: no allow statement can fix that, so the restore may fail there next.",
                        explicit.join(", "),
                        message.resource
                    ));
                }
                round.also_needed = restore_round::also_needed(
                    message,
                    restore_type,
                    scope,
                    &denied(Decision::ImplicitDeny),
                );
            }
            Err(error) => round.notes.push(format!(
                "Could not check what else this {restore_type} restore needs on {} ({error}); it may fail next on one of {}.",
                message.resource,
                candidates.join(", ")
            )),
        }
    }
    // Whether the role has the managed policy: where IAM does not say, offer nothing.
    if let Some(attached) = attached {
        round
            .wider_alternatives
            .extend(restore_round::managed_policy_alternative(
                restore_type,
                attached,
            ));
    }
    round
}
