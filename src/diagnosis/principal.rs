//! Parsing the calling principal's ARN, in every partition.

use serde::Serialize;

/// What kind of principal made the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    /// `arn:PART:sts::ACCT:assumed-role/ROLE/SESSION`.
    AssumedRole,
    /// `arn:PART:iam::ACCT:role/PATH/ROLE`.
    Role,
    /// `arn:PART:iam::ACCT:user/PATH/USER`.
    User,
    /// `arn:PART:sts::ACCT:federated-user/NAME`.
    FederatedUser,
    /// `arn:PART:iam::ACCT:root`.
    Root,
    /// A service principal such as `ec2.amazonaws.com`.
    Service,
    /// Anything else.
    Unknown,
}

/// The account field of `arn` when it is not an account ID (twelve digits) as IAM writes one:
/// a redacted paste (`1111-2222-3333`, `<account>`, `XXXXXXXXXXXX`). Empty account fields (S3,
/// IAM's own `aws` managed policies) and non-ARNs are not redactions.
pub fn redacted_account(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None;
    }
    let account = parts[4];
    let valid = account.is_empty()
        || account == "aws"
        || account == "*"
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    (!valid).then_some(account)
}

/// The parsed principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The ARN (or service name) exactly as it was given.
    pub arn: String,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    /// Role name (not the session), user name (last path segment), federated user or service.
    pub name: Option<String>,
    /// The account ID.
    pub account: Option<String>,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: Option<String>,
    /// The IAM path (`/` when none); only for roles and users whose ARN carries it.
    #[serde(skip)]
    pub path: Option<String>,
    /// The session name of an assumed role.
    #[serde(skip)]
    pub session: Option<String>,
}

impl Principal {
    /// Parses a principal ARN; never fails: what is not understood is `Unknown`.
    pub fn parse(arn: &str) -> Principal {
        let mut principal = Principal {
            arn: arn.to_string(),
            kind: PrincipalType::Unknown,
            name: None,
            account: None,
            partition: None,
            path: None,
            session: None,
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            if !arn.is_empty()
                && !arn.contains(char::is_whitespace)
                && (arn.ends_with(".amazonaws.com") || arn.ends_with(".amazonaws.com.cn"))
            {
                principal.kind = PrincipalType::Service;
                principal.name = Some(arn.to_string());
            }
            return principal;
        }
        let (partition, service, account, resource) = (parts[1], parts[2], parts[4], parts[5]);
        if partition.is_empty() {
            return principal;
        }
        principal.partition = Some(partition.to_string());
        if !account.is_empty() {
            principal.account = Some(account.to_string());
        }
        let segments: Vec<&str> = resource.split('/').collect();
        match (service, segments.as_slice()) {
            ("sts", ["assumed-role", role, session @ ..]) if !role.is_empty() => {
                principal.kind = PrincipalType::AssumedRole;
                principal.name = Some((*role).to_string());
                principal.session = Some(session.join("/"));
            }
            ("sts", ["federated-user", name]) if !name.is_empty() => {
                principal.kind = PrincipalType::FederatedUser;
                principal.name = Some((*name).to_string());
            }
            ("iam", ["role", rest @ .., name]) if !name.is_empty() => {
                principal.kind = PrincipalType::Role;
                principal.name = Some((*name).to_string());
                principal.path = Some(iam_path(rest));
            }
            ("iam", ["user", rest @ .., name]) if !name.is_empty() => {
                principal.kind = PrincipalType::User;
                principal.name = Some((*name).to_string());
                principal.path = Some(iam_path(rest));
            }
            ("iam", ["root"]) => principal.kind = PrincipalType::Root,
            _ => {}
        }
        principal
    }

    /// The ARN a policy names this principal by (`Principal`, `aws:PrincipalArn`): an assumed
    /// role's session is its role, `arn:PART:iam::ACCT:role/ROLE` (a session ARN carries no
    /// path); any other principal its own ARN.
    pub fn policy_arn(&self) -> String {
        match (self.kind, &self.partition, &self.account, &self.name) {
            (PrincipalType::AssumedRole, Some(partition), Some(account), Some(role)) => {
                format!("arn:{partition}:iam::{account}:role/{role}")
            }
            _ => self.arn.clone(),
        }
    }
}

fn iam_path(segments: &[&str]) -> String {
    if segments.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", segments.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        arn: &str,
        kind: PrincipalType,
        name: Option<&str>,
        account: Option<&str>,
        partition: Option<&str>,
    ) {
        let p = Principal::parse(arn);
        assert_eq!(p.kind, kind, "{arn}");
        assert_eq!(p.name.as_deref(), name, "{arn}");
        assert_eq!(p.account.as_deref(), account, "{arn}");
        assert_eq!(p.partition.as_deref(), partition, "{arn}");
    }

    #[test]
    fn every_kind_in_every_partition() {
        use PrincipalType::*;
        for part in ["aws", "aws-cn", "aws-us-gov"] {
            check(
                &format!(
                    "arn:{part}:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole"
                ),
                AssumedRole,
                Some("AWSBackupDefaultServiceRole"),
                Some("111122223333"),
                Some(part),
            );
            check(
                &format!("arn:{part}:iam::111122223333:role/service-role/Restore"),
                Role,
                Some("Restore"),
                Some("111122223333"),
                Some(part),
            );
            check(
                &format!("arn:{part}:iam::111122223333:user/eng/ops/alice"),
                User,
                Some("alice"),
                Some("111122223333"),
                Some(part),
            );
            check(
                &format!("arn:{part}:sts::111122223333:federated-user/bob"),
                FederatedUser,
                Some("bob"),
                Some("111122223333"),
                Some(part),
            );
            check(
                &format!("arn:{part}:iam::111122223333:root"),
                Root,
                None,
                Some("111122223333"),
                Some(part),
            );
        }
        check(
            "ec2.amazonaws.com",
            Service,
            Some("ec2.amazonaws.com"),
            None,
            None,
        );
        check(
            "ec2.amazonaws.com.cn",
            Service,
            Some("ec2.amazonaws.com.cn"),
            None,
            None,
        );
        check("", Unknown, None, None, None);
        check("arn:aws:s3:::bucket", Unknown, None, None, Some("aws"));
        check("not an arn", Unknown, None, None, None);
    }

    #[test]
    fn paths_are_kept() {
        let role = Principal::parse("arn:aws:iam::1:role/service-role/a/Restore");
        assert_eq!(role.path.as_deref(), Some("/service-role/a/"));
        let user = Principal::parse("arn:aws:iam::1:user/alice");
        assert_eq!(user.path.as_deref(), Some("/"));
        let assumed = Principal::parse("arn:aws:sts::1:assumed-role/R/s");
        assert_eq!(assumed.session.as_deref(), Some("s"));
    }

    #[test]
    fn redacted_accounts_are_told_from_account_ids() {
        for arn in [
            "arn:aws:iam::1111-2222-3333:role/R",
            "arn:aws:sts::<account>:assumed-role/R/s",
            "arn:aws:iam::123:role/R",
        ] {
            assert!(redacted_account(arn).is_some(), "{arn}");
        }
        for arn in [
            "arn:aws:iam::111122223333:role/R",
            "arn:aws:s3:::bucket/key",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "*",
        ] {
            assert_eq!(redacted_account(arn), None, "{arn}");
        }
    }
}
