//! Roles that must never get an inline policy: IAM Identity Center roles (the change belongs in
//! their permission set) and service-linked roles (AWS defines their permissions). Established
//! from the role's IAM path (`GetRole`) and its name; a decoded message's assumed-role ARN
//! carries only the name.
//!
//! Sources: IAM Identity Center roles live under `/aws-reserved/sso.amazonaws.com/` and are
//! named `AWSReservedSSO_<PermissionSet>_<hex>` (the `Path` and `Name` in public issue
//! rebuy-de/aws-nuke#1028's output);
//! service-linked roles live under `/aws-service-role/<service>/`
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>). IAM
//! answers `UnmodifiableEntity` to a write on either (public issues
//! perkbox/cloud-access-bot#11, rebuy-de/aws-nuke#441 and #331).

use serde::Serialize;
use serde_json::{Value, json};

/// The IAM path of IAM Identity Center roles.
pub const IDENTITY_CENTER_PATH: &str = "/aws-reserved/sso.amazonaws.com/";
/// The IAM path prefix of service-linked roles.
pub const SERVICE_LINKED_PATH: &str = "/aws-service-role/";
const IDENTITY_CENTER_PREFIX: &str = "AWSReservedSSO_";
const SERVICE_LINKED_PREFIX: &str = "AWSServiceRoleFor";

/// A role restore-doctor must not write to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProtectedRole {
    /// An IAM Identity Center role: the permission set is where the change goes.
    IdentityCenter {
        /// The role's name.
        role: String,
        /// The permission set the role was provisioned from.
        permission_set: String,
    },
    /// A service-linked role: its permissions cannot be changed.
    ServiceLinked {
        /// The role's name.
        role: String,
        /// The service that owns it (`elasticfilesystem.amazonaws.com`), when the path says.
        service: Option<String>,
    },
}

/// Classifies a role by its path (when known, from `GetRole`) and name.
pub fn classify_role(name: &str, path: Option<&str>) -> Option<ProtectedRole> {
    let sso_path = path.is_some_and(|p| {
        p.starts_with("/aws-reserved/sso.amazonaws.com/")
            || (p.starts_with("/aws-reserved/") && p.contains("sso.amazonaws.com"))
    });
    if sso_path || (path.is_none() && name.starts_with(IDENTITY_CENTER_PREFIX)) {
        return Some(ProtectedRole::IdentityCenter {
            role: name.to_string(),
            permission_set: permission_set_of(name),
        });
    }
    let linked_path = path.is_some_and(|p| p.starts_with(SERVICE_LINKED_PATH));
    if linked_path || (path.is_none() && name.starts_with(SERVICE_LINKED_PREFIX)) {
        let service = path
            .and_then(|p| p.strip_prefix(SERVICE_LINKED_PATH))
            .and_then(|rest| rest.split('/').next())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        return Some(ProtectedRole::ServiceLinked {
            role: name.to_string(),
            service,
        });
    }
    None
}

/// `AWSReservedSSO_<PermissionSet>_<hex>` -> `<PermissionSet>` (permission set names may hold
/// underscores: only the last segment is the suffix).
fn permission_set_of(name: &str) -> String {
    let rest = name.strip_prefix(IDENTITY_CENTER_PREFIX).unwrap_or(name);
    match rest.rsplit_once('_') {
        Some((set, suffix)) if !set.is_empty() && suffix.chars().all(|c| c.is_ascii_hexdigit()) => {
            set.to_string()
        }
        _ => rest.to_string(),
    }
}

impl ProtectedRole {
    /// The sentence that says why restore-doctor writes nothing to this role.
    pub fn sentence(&self) -> String {
        match self {
            ProtectedRole::IdentityCenter {
                role,
                permission_set,
            } => format!(
                "role {role} is an IAM Identity Center role of permission set {permission_set}: IAM refuses changes to it (UnmodifiableEntity), so restore-doctor writes nothing to it; the fix belongs in permission set {permission_set}, which needs IAM Identity Center administrator rights (`restore-doctor export --format cli` or `--format terraform` prints that change)"
            ),
            ProtectedRole::ServiceLinked { role, service } => format!(
                "role {role} is a service-linked role{}: its permissions are defined by AWS and cannot be changed, so restore-doctor writes nothing to it; start the restore with another restore role (for example AWSBackupDefaultServiceRole) that has the permission",
                service
                    .as_deref()
                    .map(|s| format!(" of {s}"))
                    .unwrap_or_default()
            ),
        }
    }

    /// The permission set, for an Identity Center role.
    pub fn permission_set(&self) -> Option<&str> {
        match self {
            ProtectedRole::IdentityCenter { permission_set, .. } => Some(permission_set),
            ProtectedRole::ServiceLinked { .. } => None,
        }
    }
}

/// The change in the permission set, as AWS CLI commands (sso-admin
/// `put-inline-policy-to-permission-set` then `provision-permission-set`:
/// <https://docs.aws.amazon.com/cli/latest/reference/sso-admin/put-inline-policy-to-permission-set.html>,
/// <https://docs.aws.amazon.com/cli/latest/reference/sso-admin/provision-permission-set.html>).
pub fn permission_set_cli(permission_set: &str, account: &str, statement: &Value) -> String {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]});
    let policy = document.to_string().replace('\'', "'\\''");
    format!(
        "# NEEDS IAM IDENTITY CENTER ADMINISTRATOR RIGHTS (the organization's management account or the\n\
         # delegated administrator). The permission set's inline policy is REPLACED by what you pass:\n\
         # merge this statement into the one `aws sso-admin get-inline-policy-for-permission-set` returns.\n\
         # INSTANCE_ARN: `aws sso-admin list-instances`; PERMISSION_SET_ARN: the permission set named\n\
         # {permission_set} (`aws sso-admin list-permission-sets` + `describe-permission-set`).\n\
         aws sso-admin put-inline-policy-to-permission-set --instance-arn \"$INSTANCE_ARN\" --permission-set-arn \"$PERMISSION_SET_ARN\" --inline-policy '{policy}'\n\
         aws sso-admin provision-permission-set --instance-arn \"$INSTANCE_ARN\" --permission-set-arn \"$PERMISSION_SET_ARN\" --target-type AWS_ACCOUNT --target-id {account}\n"
    )
}

/// The change in the permission set, as a Terraform `aws_ssoadmin_permission_set_inline_policy`
/// (<https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ssoadmin_permission_set_inline_policy>).
pub fn permission_set_terraform(permission_set: &str, statement: &Value) -> String {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]});
    let pretty = serde_json::to_string_pretty(&document).unwrap_or_default();
    let indented = pretty.replace('\n', "\n    ");
    format!(
        "# NEEDS IAM IDENTITY CENTER ADMINISTRATOR RIGHTS: applied where the permission set {permission_set}\n\
         # is managed. This resource owns the permission set's whole inline policy: merge the statement\n\
         # into the existing one if there is one.\n\
         resource \"aws_ssoadmin_permission_set_inline_policy\" \"restore_doctor\" {{\n  \
         instance_arn       = var.sso_instance_arn\n  \
         permission_set_arn = var.permission_set_arn # the permission set named {permission_set}\n  \
         inline_policy      = <<-EOT\n    {indented}\n  EOT\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_center_roles_by_path_and_by_name() {
        // The path and name in public issue rebuy-de/aws-nuke#1028's output.
        let role = "AWSReservedSSO_AdministratorAccess_073ae2cbd6a6a546";
        let by_path = classify_role(role, Some(IDENTITY_CENTER_PATH)).unwrap();
        assert_eq!(by_path.permission_set(), Some("AdministratorAccess"));
        // The regional form of the path.
        let regional = classify_role(
            "AWSReservedSSO_Restore_Admins_0123abcd",
            Some("/aws-reserved/sso.amazonaws.com/eu-west-1/"),
        )
        .unwrap();
        assert_eq!(regional.permission_set(), Some("Restore_Admins"));
        // An assumed-role ARN shows only the name.
        assert!(classify_role(role, None).is_some());
        let sentence = by_path.sentence();
        assert!(
            sentence.contains("permission set AdministratorAccess")
                && sentence.contains("administrator rights"),
            "{sentence}"
        );
        // A role merely named like one, on an ordinary path, is ordinary.
        assert_eq!(classify_role(role, Some("/")), None);
    }

    #[test]
    fn service_linked_roles() {
        let role = classify_role(
            "AWSServiceRoleForBackup",
            Some("/aws-service-role/backup.amazonaws.com/"),
        )
        .unwrap();
        assert_eq!(
            role,
            ProtectedRole::ServiceLinked {
                role: "AWSServiceRoleForBackup".into(),
                service: Some("backup.amazonaws.com".into())
            }
        );
        assert!(role.sentence().contains("cannot be changed"));
        assert!(role.sentence().contains("another restore role"));
        assert_eq!(
            classify_role("AWSBackupDefaultServiceRole", Some("/service-role/")),
            None
        );
    }

    #[test]
    fn the_permission_set_change() {
        let statement = json!({"Sid": "S", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/R"});
        let cli = permission_set_cli("Restore", "111122223333", &statement);
        assert!(cli.contains("put-inline-policy-to-permission-set"));
        assert!(
            cli.contains("provision-permission-set") && cli.contains("--target-id 111122223333")
        );
        assert!(cli.contains("ADMINISTRATOR RIGHTS"));
        let tf = permission_set_terraform("Restore", &statement);
        assert!(tf.contains("resource \"aws_ssoadmin_permission_set_inline_policy\""));
        assert!(tf.contains("\"iam:PassRole\""));
    }
}
