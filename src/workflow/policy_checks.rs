//! IAM Access Analyzer's checks of the proposed identity policy, before the preview is shown:
//! `ValidatePolicy`'s findings (an ERROR finding blocks the write) and a least-privilege check
//! with `CheckAccessNotGranted` that the document does not grant the fixed action on `*`.
//! When Access Analyzer cannot be called (denied, not offered by the endpoint), the check is
//! "not checked", never "passed".

use serde::Serialize;

use crate::aws::{AccessCheck, PolicyFinding, Session};

/// What Access Analyzer said about the proposed document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyChecks {
    /// `ValidatePolicy`'s findings; `None` when it could not run.
    pub findings: Option<Vec<PolicyFinding>>,
    /// Why `ValidatePolicy` could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings_not_checked: Option<String>,
    /// The resource the least-privilege check asked about: `*` for an exact fix, the fix's
    /// own wider resource for a WIDER one (which it then grants, as it says).
    #[serde(default)]
    pub least_privilege_resource: String,
    /// `CheckAccessNotGranted` of the action on that resource; `None` when it could not run.
    pub least_privilege: Option<AccessCheck>,
    /// Why `CheckAccessNotGranted` could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub least_privilege_not_checked: Option<String>,
}

impl PolicyChecks {
    /// The ERROR findings (any blocks the write).
    pub fn errors(&self) -> Vec<&PolicyFinding> {
        self.findings
            .iter()
            .flatten()
            .filter(|f| f.is_error())
            .collect()
    }

    /// One line per check, as the preview shows them.
    /// Nothing when no check was attempted (a plan made without them).
    pub fn lines(&self, action: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if *self == PolicyChecks::default() {
            return lines;
        }
        let on = if self.least_privilege_resource.is_empty() {
            "*"
        } else {
            self.least_privilege_resource.as_str()
        };
        let check = format!("least-privilege check (CheckAccessNotGranted {action} on {on})");
        // Neither could run, for one reason: one line says so.
        if let (None, None, Some(first), Some(second)) = (
            &self.findings,
            &self.least_privilege,
            &self.findings_not_checked,
            &self.least_privilege_not_checked,
        ) && first == second
        {
            lines.push(format!(
                "IAM Access Analyzer ValidatePolicy and {check}: not checked ({first})"
            ));
            return lines;
        }
        match (&self.findings, &self.findings_not_checked) {
            (Some(findings), _) if findings.is_empty() => {
                lines.push("IAM Access Analyzer ValidatePolicy: no findings".into())
            }
            (Some(findings), _) => lines.extend(findings.iter().map(|f| {
                format!(
                    "IAM Access Analyzer ValidatePolicy: {} {}: {}",
                    f.finding_type, f.issue_code, f.details
                )
            })),
            (None, reason) => lines.push(format!(
                "IAM Access Analyzer ValidatePolicy: not checked ({})",
                reason.as_deref().unwrap_or("not run")
            )),
        }
        match (&self.least_privilege, &self.least_privilege_not_checked) {
            (Some(result), _) if result.not_granted => lines.push(format!(
                "{check}: passed, the document does not grant {action} on {on}"
            )),
            (Some(result), _) => lines.push(format!(
                "{check}: the document DOES grant {action} on {on} (WIDER than the exact resource){}",
                if result.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", result.message)
                }
            )),
            (None, reason) => lines.push(format!(
                "{check}: not checked ({})",
                reason.as_deref().unwrap_or("not run")
            )),
        }
        lines
    }
}

/// Runs both checks on `document` (the exact text that would be written) concurrently; the
/// least-privilege check asks about `resource` (`*`, or a WIDER fix's own resource).
pub async fn check_policy(
    session: &Session,
    document: &str,
    action: &str,
    resource: &str,
) -> PolicyChecks {
    let actions = [action.to_string()];
    let anywhere = [resource.to_string()];
    let (validated, not_granted) = tokio::join!(
        session.validate_identity_policy(document),
        session.check_access_not_granted(document, &actions, &anywhere)
    );
    let mut checks = PolicyChecks {
        least_privilege_resource: resource.to_string(),
        ..PolicyChecks::default()
    };
    match validated {
        Ok(findings) => checks.findings = Some(findings),
        Err(error) => checks.findings_not_checked = Some(error.unreadable_reason()),
    }
    match not_granted {
        Ok(result) => checks.least_privilege = Some(result),
        Err(error) => checks.least_privilege_not_checked = Some(error.unreadable_reason()),
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_analyzer_is_not_checked_never_passed() {
        let checks = PolicyChecks {
            findings_not_checked: Some("the endpoint does not offer the call".into()),
            least_privilege_not_checked: Some("access denied".into()),
            ..PolicyChecks::default()
        };
        let lines = checks.lines("iam:PassRole").join("\n");
        assert!(lines.contains("ValidatePolicy: not checked"), "{lines}");
        assert!(
            lines.contains("on *): not checked (access denied)"),
            "{lines}"
        );
        assert!(!lines.contains("passed"), "{lines}");
        assert!(checks.errors().is_empty());
        // One reason for both: one line, still "not checked".
        let same = PolicyChecks {
            findings_not_checked: Some("access denied".into()),
            least_privilege_not_checked: Some("access denied".into()),
            ..PolicyChecks::default()
        };
        assert_eq!(
            same.lines("kms:Decrypt"),
            [
                "IAM Access Analyzer ValidatePolicy and least-privilege check (CheckAccessNotGranted kms:Decrypt on *): not checked (access denied)"
            ]
        );
        // A document that grants the action on *: said, never "passed".
        let wide = PolicyChecks {
            findings: Some(Vec::new()),
            least_privilege: Some(AccessCheck {
                not_granted: false,
                message: String::new(),
            }),
            ..PolicyChecks::default()
        };
        let lines = wide.lines("kms:Decrypt").join("\n");
        assert!(lines.contains("DOES grant kms:Decrypt on *"), "{lines}");
        assert!(!lines.contains("passed"), "{lines}");
    }
}
