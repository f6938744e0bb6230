//! Exporting a fix for teams whose IAM is managed as code: Terraform, CloudFormation, the AWS
//! CLI command, or the policy JSON.

use serde_json::{Value, json};

use super::ExportFormat;
use crate::diagnosis::Fix;
use crate::diagnosis::fix::TargetType;

/// The policy document holding only the fix's statement.
pub fn fix_document(fix: &Fix) -> Value {
    json!({"Version": "2012-10-17", "Statement": [fix.statement.clone()]})
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Renders the fix in `format`.
pub fn export_fix(fix: &Fix, format: ExportFormat) -> String {
    let document = fix_document(fix);
    let pretty = serde_json::to_string_pretty(&document).unwrap_or_default();
    let kind = fix.target.kind.as_str();
    let (tf_resource, cfn_type, name_key, cli_verb, cli_flag) = match fix.target.kind {
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
    let wider = if fix.wider {
        "# WIDER than the failed request (account scope)\n"
    } else {
        ""
    };
    match format {
        ExportFormat::Json => format!("{pretty}\n"),
        ExportFormat::Cli => format!(
            "{wider}aws iam {cli_verb} {cli_flag} {} --policy-name {} --policy-document {}\n",
            shell_quote(&fix.target.name),
            shell_quote(&fix.policy_name),
            shell_quote(&document.to_string())
        ),
        ExportFormat::Terraform => {
            let label: String = fix
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
                "{wider}resource \"{tf_resource}\" \"{label}\" {{\n  name   = \"{}\"\n  {kind}   = \"{}\"\n  policy = <<-EOT\n{}\n  EOT\n}}\n",
                fix.policy_name,
                fix.target.name,
                indent(&pretty, "    ")
            )
        }
        ExportFormat::Cloudformation => {
            let snippet = json!({
                fix.policy_name.clone(): {
                    "Type": cfn_type,
                    "Properties": {
                        "PolicyName": fix.policy_name,
                        name_key: fix.target.name,
                        "PolicyDocument": document,
                    }
                }
            });
            // JSON has no comments: the wider scope shows in the Resource itself.
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
        let tf = export_fix(&fix, ExportFormat::Terraform);
        assert!(
            tf.starts_with("resource \"aws_iam_role_policy\" \"restoredoctorfixes\" {"),
            "{tf}"
        );
        assert!(tf.contains("role   = \"AWSBackupDefaultServiceRole\""));
        let cfn: Value =
            serde_json::from_str(&export_fix(&fix, ExportFormat::Cloudformation)).unwrap();
        assert_eq!(cfn["RestoreDoctorFixes"]["Type"], "AWS::IAM::RolePolicy");
        assert_eq!(
            cfn["RestoreDoctorFixes"]["Properties"]["PolicyDocument"]["Statement"][0],
            fix.statement
        );
        let cli = export_fix(&fix, ExportFormat::Cli);
        assert!(cli.starts_with("aws iam put-role-policy --role-name 'AWSBackupDefaultServiceRole' --policy-name 'RestoreDoctorFixes' --policy-document '{"), "{cli}");
        let json: Value = serde_json::from_str(&export_fix(&fix, ExportFormat::Json)).unwrap();
        assert_eq!(json["Statement"][0]["Action"], "iam:PassRole");
    }
}
