//! Exporting a fix for teams whose IAM is managed as code: Terraform, CloudFormation, the AWS
//! CLI command, or the policy JSON. An export never drops existing statements: it is either
//! the merged document restore-doctor would write (and says which policy it replaces), or,
//! when the current policy could not be read, a policy of its own that replaces nothing.

use serde_json::{Value, json};

use super::{Case, ExportFormat, FixPlan};
use crate::diagnosis::blocking::Blocked;
use crate::diagnosis::evaluate::statements_of;
use crate::diagnosis::fix::TargetType;
use crate::diagnosis::judge::Remedy;
use crate::diagnosis::{Fix, Site, protected};

/// The policy document holding only the fix's statement.
pub fn fix_document(fix: &Fix) -> Value {
    json!({"Version": "2012-10-17", "Statement": [fix.statement.clone()]})
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// What an export writes: one inline policy on one target, and what that write replaces.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTarget {
    /// Role or user.
    pub kind: TargetType,
    /// The role or user name.
    pub name: String,
    /// The inline policy written.
    pub policy_name: String,
    /// The whole document written.
    pub document: Value,
    /// True when the fix's resource is wider than the failed request.
    pub wider: bool,
    /// A note for the reader of the export: what existing policy it replaces, or why it is a
    /// policy of its own.
    pub note: String,
    /// Where it is written (unknown for an offline export of a decoded message).
    pub site: Option<Site>,
}

impl ExportTarget {
    /// The merged document restore-doctor would write (every existing statement kept):
    /// applying it replaces the target's inline policy with exactly the previewed document.
    pub fn merged(plan: &FixPlan) -> Result<ExportTarget, String> {
        let document: Value = serde_json::from_str(&plan.proposed_text)
            .map_err(|e| format!("the previewed document is not JSON: {e}"))?;
        let note = match &plan.current_document {
            Some(current) => format!(
                "replaces the existing inline policy {} on {} {}: its {} statement(s) are kept and the fix is added",
                plan.policy_name,
                plan.target_type,
                plan.target_name,
                statements_of(current).len()
            ),
            None => format!(
                "creates the inline policy {} on {} {} (it does not exist yet)",
                plan.policy_name, plan.target_type, plan.target_name
            ),
        };
        Ok(ExportTarget {
            kind: plan.target_type,
            name: plan.target_name.clone(),
            policy_name: plan.policy_name.clone(),
            document,
            wider: plan.diagnosis.fix.as_ref().is_some_and(|f| f.fix.wider),
            note,
            site: Some(plan.site.clone()),
        })
    }

    /// The fix as a policy of its own on IAM principal `kind`, named after its statement, for
    /// when the target's current inline policy could not be read: it then replaces nothing.
    pub fn standalone(fix: &Fix, kind: TargetType) -> ExportTarget {
        let policy_name = fix
            .statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}Standalone", fix.policy_name));
        ExportTarget {
            kind,
            name: fix.target.name.clone(),
            note: format!(
                "a separate inline policy {policy_name}: the current {} could not be read, so this export replaces nothing",
                fix.policy_name
            ),
            policy_name,
            document: fix_document(fix),
            wider: fix.wider,
            site: None,
        }
    }
}

/// What exporting a case gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseExport {
    /// The change to apply where IAM is managed as code: the merged document restore-doctor
    /// would write, or the permission set's change.
    Change(String),
    /// Another layer blocks: its owner's change (as `#` comments, or JSON), and the refusal.
    OwnerChange {
        /// The export's text.
        text: String,
        /// Why no identity statement is exported.
        refusal: String,
    },
    /// Nothing to export, and why.
    Nothing(String),
}

/// The export of `case` in `format`: the one answer `export --job` and the UI's export viewer
/// give for a job.
pub fn export_case(case: &Case, format: ExportFormat) -> CaseExport {
    match &case.remedy {
        Remedy::Identity => match &case.plan {
            Some(plan) => match export_plan(plan, format) {
                Ok(text) => CaseExport::Change(text),
                Err(reason) => CaseExport::Nothing(reason),
            },
            None => CaseExport::Nothing("no plan was made for the identity fix".into()),
        },
        Remedy::Blocked(blocked) => CaseExport::OwnerChange {
            text: owner_change_text(format, blocked),
            refusal: blocked.sentence.clone(),
        },
        Remedy::PermissionSet {
            permission_set,
            sentence,
            ..
        } => {
            let Some(report) = &case.diagnosis.fix else {
                return CaseExport::Nothing(format!("not fixing: {sentence}"));
            };
            match permission_set_export(
                permission_set,
                Some(&case.site.account),
                &report.fix,
                format,
            ) {
                Ok(text) => CaseExport::Change(text),
                Err(reason) => CaseExport::Nothing(format!("not fixing: {sentence}; {reason}")),
            }
        }
        Remedy::Refused(refusal) => CaseExport::Nothing(format!("nothing to export: {refusal}")),
    }
}

/// The export when another layer than the identity policies blocks: its owner's change (as
/// `#` comments, or JSON), never an identity statement that would not help.
pub fn owner_change_text(format: ExportFormat, blocked: &Blocked) -> String {
    if format == ExportFormat::Json {
        let value = json!({
            "refused": blocked.sentence,
            "blocking_layers": blocked.blockers,
            "owner_change": blocked.owner_change,
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        )
    } else {
        format!(
            "# {}\n# The owner's change (not an identity policy of this account):\n# {}\n",
            blocked.sentence, blocked.owner_change
        )
    }
}

/// Renders the fix in `format` as a policy of its own ([`ExportTarget::standalone`]); a
/// permission set's fix as the change of that permission set.
pub fn export_fix(fix: &Fix, format: ExportFormat) -> String {
    match fix.target.kind.iam() {
        Some(kind) => export_target(&ExportTarget::standalone(fix, kind), format),
        None => permission_set_export(&fix.target.name, None, fix, format)
            .unwrap_or_else(|e| format!("# restore-doctor: {e}\n")),
    }
}

/// A permission set's change in `format` (for `account`, when known): the AWS CLI commands,
/// the Terraform resource or the policy document; CloudFormation cannot hold it.
fn permission_set_export(
    permission_set: &str,
    account: Option<&str>,
    fix: &Fix,
    format: ExportFormat,
) -> Result<String, String> {
    let statement = &fix.statement;
    match format {
        ExportFormat::Cli => Ok(protected::permission_set_cli(
            permission_set,
            account.unwrap_or("ACCOUNT_ID"),
            statement,
        )),
        ExportFormat::Terraform => Ok(protected::permission_set_terraform(
            permission_set,
            statement,
        )),
        ExportFormat::Json => Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&fix_document(fix)).unwrap_or_default()
        )),
        ExportFormat::Cloudformation => Err(format!(
            "the fix goes into IAM Identity Center permission set {permission_set}; a CloudFormation role policy cannot hold it: use --format cli or --format terraform"
        )),
    }
}

/// Renders the merged document of a plan ([`ExportTarget::merged`]).
pub fn export_plan(plan: &FixPlan, format: ExportFormat) -> Result<String, String> {
    Ok(export_target(&ExportTarget::merged(plan)?, format))
}

/// Renders `target` in `format`.
pub fn export_target(target: &ExportTarget, format: ExportFormat) -> String {
    let document = &target.document;
    let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
    let kind = target.kind.as_str();
    let (tf_resource, cfn_type, name_key, cli_verb, cli_flag) = match target.kind {
        TargetType::Role => (
            "aws_iam_role_policy",
            "AWS::IAM::RolePolicy",
            "RoleName",
            "put-role-policy",
            "--role-name",
        ),
        TargetType::User => (
            "aws_iam_user_policy",
            "AWS::IAM::UserPolicy",
            "UserName",
            "put-user-policy",
            "--user-name",
        ),
    };
    let mut comment = match &target.site {
        Some(site) => format!("# restore-doctor: {site}: {}\n", target.note),
        None => format!("# restore-doctor: {}\n", target.note),
    };
    if target.wider {
        comment.push_str("# WIDER than the failed request (account scope)\n");
    }
    match format {
        ExportFormat::Json => format!("{pretty}\n"),
        ExportFormat::Cli => format!(
            "{comment}aws iam {cli_verb} {cli_flag} {} --policy-name {} --policy-document {}\n",
            shell_quote(&target.name),
            shell_quote(&target.policy_name),
            shell_quote(&document.to_string())
        ),
        ExportFormat::Terraform => {
            let label: String = target
                .policy_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            format!(
                "{comment}resource \"{tf_resource}\" \"{label}\" {{\n  name   = \"{}\"\n  {kind}   = \"{}\"\n  policy = <<-EOT\n{}\n  EOT\n}}\n",
                target.policy_name,
                target.name,
                indent(&pretty, "    ")
            )
        }
        ExportFormat::Cloudformation => {
            let snippet = json!({
                target.policy_name.clone(): {
                    "Type": cfn_type,
                    "Metadata": {
                        "restore-doctor": target.note,
                        "wider": target.wider,
                        "account": target.site.as_ref().map(|s| s.account.as_str()),
                        "region": target.site.as_ref().map(|s| s.region.as_str()),
                    },
                    "Properties": {
                        "PolicyName": target.policy_name,
                        name_key: target.name,
                        "PolicyDocument": document,
                    }
                }
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&snippet).unwrap_or_default()
            )
        }
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::{DecodedMessage, Scope, fix};

    fn article_fix() -> Fix {
        let m = DecodedMessage::parse(include_str!(
            "../../assets/examples/backup-passrole-implicit-deny.json"
        ))
        .unwrap();
        fix::synthesize(&m, Scope::Exact).unwrap()
    }

    #[test]
    fn every_format_carries_the_statement() {
        let fix = article_fix();
        let sid = fix.statement["Sid"].as_str().unwrap().to_string();
        let tf = export_fix(&fix, ExportFormat::Terraform);
        assert!(
            tf.contains(&format!(
                "resource \"aws_iam_role_policy\" \"{}\" {{",
                sid.to_ascii_lowercase()
            )),
            "{tf}"
        );
        assert!(
            tf.starts_with("# restore-doctor: a separate inline policy"),
            "{tf}"
        );
        assert!(tf.contains("role   = \"AWSBackupDefaultServiceRole\""));
        let cfn: Value =
            serde_json::from_str(&export_fix(&fix, ExportFormat::Cloudformation)).unwrap();
        assert_eq!(cfn[&sid]["Type"], "AWS::IAM::RolePolicy");
        assert_eq!(
            cfn[&sid]["Properties"]["PolicyDocument"]["Statement"][0],
            fix.statement
        );
        let cli = export_fix(&fix, ExportFormat::Cli);
        assert!(cli.contains(&format!("aws iam put-role-policy --role-name 'AWSBackupDefaultServiceRole' --policy-name '{sid}' --policy-document '{{")), "{cli}");
        let json: Value = serde_json::from_str(&export_fix(&fix, ExportFormat::Json)).unwrap();
        assert_eq!(json["Statement"][0]["Action"], "iam:PassRole");
    }
}
