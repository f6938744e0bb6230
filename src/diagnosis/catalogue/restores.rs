//! What a restore of each AWS Backup resource type needs, per resource type of the resources it
//! touches: the actions AWS's managed policies grant for it (the restore role's actions in
//! `AWSBackupServiceRolePolicyForRestores`, and `AWSBackupServiceRolePolicyForS3Restore` for
//! S3), each with the resource type its ARN names. A fix for one denied action on a resource
//! covers the other actions this list names for that resource's type, so one round of fixes
//! covers one restore. Only actions that act on the restored resources are listed (describe
//! calls on `*`, clean-up deletes and restore-testing actions are left out).

/// The AWS managed policy reference page for the restore role's managed policy.
pub const RESTORES_POLICY_SOURCE: &str = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForRestores.html";
/// The AWS managed policy reference page for the S3 restore policy.
pub const S3_RESTORE_POLICY_SOURCE: &str = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForS3Restore.html";

/// The ARN of the AWS managed restore policy (for every resource type but S3).
pub const RESTORES_POLICY_ARN: &str =
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores";
/// The ARN of the AWS managed S3 restore policy.
pub const S3_RESTORE_POLICY_ARN: &str =
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore";

/// One action a restore needs, on resources of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreAction {
    /// `service:Action`.
    pub action: &'static str,
    /// The resource type its ARN names (`key` in `arn:aws:kms:r:a:key/ID`; `bucket` and
    /// `object` for S3, whose ARNs name no type).
    pub resource_type: &'static str,
}

/// What one restore type needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreNeeds {
    /// AWS Backup's resource type names it covers (`EBS`; `RDS` and `Aurora`).
    pub resource_types: &'static [&'static str],
    /// The actions.
    pub actions: &'static [RestoreAction],
    /// The AWS managed policy that grants them (the wider alternative to exact statements).
    pub managed_policy_arn: &'static str,
    /// The AWS managed policy reference page the list follows.
    pub source: &'static str,
}

const fn on(action: &'static str, resource_type: &'static str) -> RestoreAction {
    RestoreAction {
        action,
        resource_type,
    }
}

/// Customer-managed keys used through a service on the restore's behalf (the managed policy's
/// `KMSPermissions` with `kms:ViaService`, and `KMSCreateGrantPermissions`).
const KMS_THROUGH_SERVICE: [RestoreAction; 4] = [
    on("kms:CreateGrant", "key"),
    on("kms:Decrypt", "key"),
    on("kms:DescribeKey", "key"),
    on("kms:GenerateDataKeyWithoutPlaintext", "key"),
];

/// Every restore type restore-doctor knows.
pub const RESTORE_NEEDS: &[RestoreNeeds] = &[
    RestoreNeeds {
        resource_types: &["EBS"],
        actions: &[
            on("ec2:CreateVolume", "volume"),
            on("ec2:CreateTags", "volume"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[1],
            KMS_THROUGH_SERVICE[2],
            KMS_THROUGH_SERVICE[3],
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["EC2"],
        actions: &[
            on("ec2:RunInstances", "instance"),
            on("ec2:CreateTags", "instance"),
            on("iam:PassRole", "role"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[1],
            KMS_THROUGH_SERVICE[2],
            KMS_THROUGH_SERVICE[3],
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["RDS", "Aurora"],
        actions: &[
            on("rds:RestoreDBInstanceFromDBSnapshot", "db"),
            on("rds:RestoreDBInstanceToPointInTime", "db"),
            on("rds:CreateDBInstance", "db"),
            on("rds:AddTagsToResource", "db"),
            on("rds:RestoreDBClusterFromSnapshot", "cluster"),
            on("rds:RestoreDBClusterToPointInTime", "cluster"),
            on("rds:AddTagsToResource", "cluster"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[1],
            KMS_THROUGH_SERVICE[2],
            on("kms:GenerateDataKey", "key"),
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["EFS"],
        actions: &[
            on("elasticfilesystem:Restore", "file-system"),
            on("elasticfilesystem:CreateFilesystem", "file-system"),
            on("elasticfilesystem:TagResource", "file-system"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[1],
            KMS_THROUGH_SERVICE[2],
            KMS_THROUGH_SERVICE[3],
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["DynamoDB"],
        actions: &[
            on("dynamodb:RestoreTableFromAwsBackup", "table"),
            on("dynamodb:RestoreTableFromBackup", "table"),
            on("dynamodb:DescribeTable", "table"),
            on("dynamodb:PutItem", "table"),
            on("dynamodb:UpdateItem", "table"),
            on("dynamodb:BatchWriteItem", "table"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[1],
            KMS_THROUGH_SERVICE[2],
            on("kms:GenerateDataKey", "key"),
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["S3"],
        actions: &[
            on("s3:CreateBucket", "bucket"),
            on("s3:ListBucket", "bucket"),
            on("s3:ListBucketVersions", "bucket"),
            on("s3:GetBucketVersioning", "bucket"),
            on("s3:PutBucketVersioning", "bucket"),
            on("s3:GetBucketLocation", "bucket"),
            on("s3:GetBucketOwnershipControls", "bucket"),
            on("s3:PutBucketOwnershipControls", "bucket"),
            on("s3:PutObject", "object"),
            on("s3:PutObjectAcl", "object"),
            on("s3:PutObjectTagging", "object"),
            on("s3:GetObject", "object"),
            on("kms:Decrypt", "key"),
            on("kms:DescribeKey", "key"),
            on("kms:GenerateDataKey", "key"),
        ],
        managed_policy_arn: S3_RESTORE_POLICY_ARN,
        source: S3_RESTORE_POLICY_SOURCE,
    },
    RestoreNeeds {
        resource_types: &["FSx"],
        actions: &[
            on("fsx:CreateFileSystemFromBackup", "file-system"),
            on("fsx:TagResource", "file-system"),
            on("fsx:CreateFileSystemFromBackup", "backup"),
            on("fsx:CreateVolumeFromBackup", "volume"),
            on("fsx:TagResource", "volume"),
            KMS_THROUGH_SERVICE[0],
            KMS_THROUGH_SERVICE[2],
        ],
        managed_policy_arn: RESTORES_POLICY_ARN,
        source: RESTORES_POLICY_SOURCE,
    },
];

/// What a restore of `resource_type` (AWS Backup's name, case-insensitive) needs.
pub fn restore_needs(resource_type: &str) -> Option<&'static RestoreNeeds> {
    RESTORE_NEEDS.iter().find(|needs| {
        needs
            .resource_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(resource_type))
    })
}

/// The service and resource type an ARN names: (`kms`, `key`) for
/// `arn:aws:kms:us-east-1:1:key/ID`, (`rds`, `db`) for `arn:aws:rds:r:1:db:name`, (`s3`,
/// `bucket`) or (`s3`, `object`) for S3. None for anything that is not an ARN.
pub fn resource_kind(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2].is_empty() {
        return None;
    }
    let (service, rest) = (parts[2], parts[5]);
    if service == "s3" {
        return Some((
            service,
            if rest.contains('/') {
                "object"
            } else {
                "bucket"
            },
        ));
    }
    let kind = rest.split(['/', ':']).next().unwrap_or(rest);
    (!kind.is_empty()).then_some((service, kind))
}

/// The other actions a restore of `resource_type` needs on `resource`, the resource `action`
/// was denied on: every listed action of the same service and resource type, except `action`.
pub fn also_needed_actions(resource_type: &str, action: &str, resource: &str) -> Vec<&'static str> {
    let (Some(needs), Some((service, kind))) =
        (restore_needs(resource_type), resource_kind(resource))
    else {
        return Vec::new();
    };
    let mut actions: Vec<&'static str> = Vec::new();
    for needed in needs.actions {
        let same_service = needed
            .action
            .split_once(':')
            .is_some_and(|(prefix, _)| prefix.eq_ignore_ascii_case(service));
        if same_service
            && needed.resource_type == kind
            && !needed.action.eq_ignore_ascii_case(action)
            && !actions.contains(&needed.action)
        {
            actions.push(needed.action);
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_restore_type_aws_backup_restores_is_listed_with_its_source() {
        for kind in [
            "EC2", "EBS", "RDS", "Aurora", "EFS", "DynamoDB", "S3", "FSx", "ebs",
        ] {
            let needs = restore_needs(kind).unwrap_or_else(|| panic!("{kind}"));
            assert!(
                needs
                    .source
                    .starts_with("https://docs.aws.amazon.com/aws-managed-policy/")
            );
            assert!(
                needs
                    .managed_policy_arn
                    .starts_with("arn:aws:iam::aws:policy/")
            );
            for needed in needs.actions {
                let (service, name) = needed.action.split_once(':').unwrap();
                assert!(!service.is_empty() && !name.is_empty() && !name.contains('*'));
            }
        }
        assert!(restore_needs("Timestream").is_none());
    }

    #[test]
    fn an_ebs_key_denial_needs_the_other_key_actions_on_that_key() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";
        assert_eq!(
            also_needed_actions("EBS", "kms:CreateGrant", key),
            [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:GenerateDataKeyWithoutPlaintext"
            ]
        );
        // The volume's actions are not the key's: nothing from another resource type.
        assert_eq!(
            also_needed_actions(
                "EBS",
                "ec2:CreateVolume",
                "arn:aws:ec2:us-east-1:1:volume/*"
            ),
            ["ec2:CreateTags"]
        );
        // The article's PassRole: nothing else acts on the instance role.
        assert!(also_needed_actions("EC2", "iam:PassRole", "arn:aws:iam::1:role/R").is_empty());
        assert!(also_needed_actions("Unknown", "kms:CreateGrant", key).is_empty());
        assert!(also_needed_actions("EBS", "kms:CreateGrant", "*").is_empty());
    }

    #[test]
    fn arns_name_their_resource_type() {
        assert_eq!(resource_kind("arn:aws:kms:r:1:key/k"), Some(("kms", "key")));
        assert_eq!(
            resource_kind("arn:aws:iam::1:role/a/b"),
            Some(("iam", "role"))
        );
        assert_eq!(
            resource_kind("arn:aws:rds:r:1:db:mydb"),
            Some(("rds", "db"))
        );
        assert_eq!(resource_kind("arn:aws:s3:::bucket"), Some(("s3", "bucket")));
        assert_eq!(
            resource_kind("arn:aws:s3:::bucket/a/b"),
            Some(("s3", "object"))
        );
        assert_eq!(
            resource_kind("arn:aws:elasticfilesystem:r:1:file-system/fs-1"),
            Some(("elasticfilesystem", "file-system"))
        );
        assert_eq!(resource_kind("*"), None);
    }
}
