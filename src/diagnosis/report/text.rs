//! The diagnosis as readable text for a terminal (`explain`'s text output).

use super::{Diagnosis, LocalVerification, evaluate};

/// Readable text for a terminal.
pub fn render_text(d: &Diagnosis) -> String {
    let mut out = String::new();
    out.push_str(&format!("Verdict:   {}\n", d.verdict.as_str()));
    let kind = serde_json::to_value(d.principal.kind).unwrap_or_default();
    out.push_str(&format!(
        "Principal: {} ({})\n",
        d.principal.arn,
        kind.as_str().unwrap_or("unknown")
    ));
    out.push_str(&format!("Action:    {}\n", d.action));
    out.push_str(&format!("Resource:  {}\n", d.resource));
    if let Some(kind) = d.policy_type {
        out.push_str(&format!("Policy:    {}\n", kind.describe()));
    }
    if let Some(arn) = &d.denying_policy_arn {
        out.push_str(&format!("Denied by: {arn}\n"));
    }
    if !d.conditions_known {
        out.push_str("Conditions: unknown (a plain-text message shows none)\n");
    }
    if !d.conditions.is_empty() {
        out.push_str("Conditions:\n");
        for (k, v) in &d.conditions {
            let values: Vec<String> = evaluate::string_list(Some(v));
            out.push_str(&format!("  {k} = {}\n", values.join(", ")));
        }
    }
    for deny in &d.deny_statements {
        out.push_str(&format!(
            "Deny statement {}: {} on {}\n",
            deny.sid.as_deref().unwrap_or("(no Sid)"),
            deny.actions.join(", "),
            deny.resources.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&d.summary);
    out.push('\n');
    for note in &d.notes {
        out.push_str(note);
        out.push('\n');
    }
    if let Some(report) = &d.fix {
        let kind = report.fix.target.kind;
        let into = match kind.iam() {
            Some(_) => format!("inline policy {}", report.fix.policy_name),
            // The permission set's own inline policy, changed by its administrator.
            None => "inline policy (IAM Identity Center administrator rights needed)".into(),
        };
        out.push_str(&format!(
            "\nFix ({} scope{}): add to {kind} {} {into}:\n",
            report.fix.scope.as_str(),
            if report.fix.wider {
                ", WIDER than the request"
            } else {
                ""
            },
            report.fix.target.name,
        ));
        let pretty = serde_json::to_string_pretty(&report.fix.statement).unwrap_or_default();
        out.push_str(&pretty);
        out.push('\n');
        match &report.local_verification {
            LocalVerification::Allowed => {
                out.push_str("Local verification: the decoded request would be allowed.\n")
            }
            LocalVerification::NotAllowed => out
                .push_str("Local verification: the decoded request would still NOT be allowed.\n"),
            LocalVerification::NotDone { reason } => out.push_str(&format!(
                "Local verification could not be done: {reason}.\n"
            )),
        }
        for added in &d.also_needed {
            let pretty = serde_json::to_string_pretty(&added.statement).unwrap_or_default();
            out.push_str(&format!(
                "\nAlso needed by this restore ({}): {} on {}:\n{pretty}\n",
                added.restore_type, added.action, added.resource
            ));
        }
        for alternative in &d.wider_alternatives {
            out.push_str(&format!("\n{}.\n", alternative.sentence));
        }
    } else if let Some(reason) = &d.no_fix_reason {
        out.push_str(&format!("No fix proposed: {reason}.\n"));
    }
    out
}
