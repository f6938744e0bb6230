//! The action catalogue: every per-action fact restore-doctor relies on, in one table. Fix
//! synthesis (the recommended condition), local verification (the condition keys IAM evaluates
//! that a decoded message may leave out) and the sandbox's authorization engine (the same hidden
//! keys, so the sandbox denies exactly what IAM would) all read it. Adding an action is adding
//! one entry. What each restore type needs (the actions a restore of EBS, EC2, … makes, after
//! AWS's managed restore policies) is in `catalogue/restores.rs`.

use std::collections::BTreeMap;

mod restores;
pub use restores::{
    RESTORE_NEEDS, RESTORES_POLICY_ARN, RestoreAction, RestoreNeeds, S3_RESTORE_POLICY_ARN,
    also_needed_actions, resource_kind, restore_needs,
};

use serde_json::{Value, json};

/// Where a condition key's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValue {
    /// The service principal of the calling service: the key itself when the message shows it,
    /// else `aws:Service` made a service principal (`ec2` -> `ec2.amazonaws.com`,
    /// partition-aware). Unknown when neither is shown.
    CallingServicePrincipal,
    /// Always this value.
    Constant(&'static str),
    /// `true` when the request came through an AWS service (`aws:Service` or `kms:ViaService`
    /// shown); unknown otherwise.
    TrueWhenViaService,
    /// The endpoint of the calling service: the key itself when shown, else `aws:Service` and
    /// the region (`aws:Region`/`aws:RequestedRegion`) made `<service>.<region>.amazonaws.com`.
    ServiceEndpoint,
    /// Only what the decoded context shows for the key (e.g. `ec2:CreateAction`).
    Shown,
}

/// One condition on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionKey {
    /// The condition operator (`StringEquals`, `Bool`).
    pub operator: &'static str,
    /// The key (`iam:PassedToService`).
    pub key: &'static str,
    /// Where its value comes from.
    pub value: KeyValue,
}

/// What restore-doctor knows about one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionEntry {
    /// `service:Action`, as IAM spells it.
    pub action: &'static str,
    /// The resource type its resource ARN names (`role` in `arn:aws:iam::1:role/R`), which the
    /// account scope widens to `<type>/*`.
    pub resource_type: &'static str,
    /// The condition(s) AWS recommends on an allow for it.
    pub recommended: &'static [ConditionKey],
    /// Condition keys IAM evaluates for it that a decoded message may not show.
    pub hidden: &'static [ConditionKey],
    /// The AWS documentation page the entry follows.
    pub source: &'static str,
}

/// Every action restore-doctor knows.
pub const CATALOGUE: &[ActionEntry] = &[
    ActionEntry {
        action: "iam:PassRole",
        resource_type: "role",
        recommended: &[ConditionKey {
            operator: "StringEquals",
            key: "iam:PassedToService",
            value: KeyValue::CallingServicePrincipal,
        }],
        hidden: &[ConditionKey {
            operator: "StringEquals",
            key: "iam:PassedToService",
            value: KeyValue::CallingServicePrincipal,
        }],
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
    },
    ActionEntry {
        action: "kms:CreateGrant",
        resource_type: "key",
        recommended: &[ConditionKey {
            operator: "Bool",
            key: "kms:GrantIsForAWSResource",
            value: KeyValue::Constant("true"),
        }],
        hidden: &[ConditionKey {
            operator: "Bool",
            key: "kms:GrantIsForAWSResource",
            value: KeyValue::TrueWhenViaService,
        }],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource",
    },
    ActionEntry {
        action: "kms:Decrypt",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "kms:DescribeKey",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "kms:GenerateDataKey",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "kms:GenerateDataKeyWithoutPlaintext",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "kms:ReEncryptFrom",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "kms:ReEncryptTo",
        resource_type: "key",
        recommended: VIA_SERVICE,
        hidden: &[],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    },
    ActionEntry {
        action: "ec2:CreateTags",
        resource_type: "instance",
        recommended: &[ConditionKey {
            operator: "StringEquals",
            key: "ec2:CreateAction",
            value: KeyValue::Shown,
        }],
        hidden: &[],
        source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html",
    },
];

/// `kms:ViaService` = the calling service's endpoint: a key used only through that service.
const VIA_SERVICE: &[ConditionKey] = &[ConditionKey {
    operator: "StringEquals",
    key: "kms:ViaService",
    value: KeyValue::ServiceEndpoint,
}];

/// The catalogue entry for `action` (IAM action names are case-insensitive).
pub fn entry(action: &str) -> Option<&'static ActionEntry> {
    CATALOGUE
        .iter()
        .find(|entry| entry.action.eq_ignore_ascii_case(action))
}

/// The service principal of a calling service named in `aws:Service` (`ec2` ->
/// `ec2.amazonaws.com`), partition-aware (`aws-cn` -> `ec2.amazonaws.com.cn`).
pub fn service_principal(service: &str, partition: &str) -> String {
    if service.contains('.') {
        return service.to_string();
    }
    let service = service.to_ascii_lowercase();
    if partition == "aws-cn" {
        format!("{service}.amazonaws.com.cn")
    } else {
        format!("{service}.amazonaws.com")
    }
}

/// The condition keys a request shows, looked up case-insensitively.
pub trait ShownKeys {
    /// The first value of `key`, if shown.
    fn first_value(&self, key: &str) -> Option<&str>;
}

impl ShownKeys for BTreeMap<String, Vec<String>> {
    fn first_value(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.first().map(String::as_str))
    }
}

impl ShownKeys for [(String, Vec<String>)] {
    fn first_value(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.first().map(String::as_str))
    }
}

impl ShownKeys for [(String, String)] {
    fn first_value(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

impl ConditionKey {
    /// The key's value for a request that shows `shown`, or None when it cannot be known.
    pub fn value_for(&self, shown: &(impl ShownKeys + ?Sized), partition: &str) -> Option<String> {
        match self.value {
            KeyValue::Constant(value) => Some(value.to_string()),
            KeyValue::CallingServicePrincipal => {
                shown.first_value(self.key).map(str::to_string).or_else(|| {
                    shown
                        .first_value("aws:Service")
                        .map(|s| service_principal(s, partition))
                })
            }
            KeyValue::TrueWhenViaService => (shown.first_value("aws:Service").is_some()
                || shown.first_value("kms:ViaService").is_some())
            .then(|| "true".to_string()),
            KeyValue::ServiceEndpoint => {
                shown.first_value(self.key).map(str::to_string).or_else(|| {
                    let service = shown.first_value("aws:Service")?;
                    let region = shown
                        .first_value("aws:Region")
                        .or_else(|| shown.first_value("aws:RequestedRegion"))?;
                    let service = service.split('.').next().unwrap_or(service);
                    let suffix = if partition == "aws-cn" { ".cn" } else { "" };
                    Some(format!("{service}.{region}.amazonaws.com{suffix}"))
                })
            }
            KeyValue::Shown => shown.first_value(self.key).map(str::to_string),
        }
    }
}

/// The recommended `Condition` block for an allow of `action`, or None when the action has none
/// or its value cannot be known from what the request shows.
pub fn recommended_condition(
    action: &str,
    shown: &(impl ShownKeys + ?Sized),
    partition: &str,
) -> Option<Value> {
    let entry = entry(action)?;
    let mut condition = serde_json::Map::new();
    for key in entry.recommended {
        let value = key.value_for(shown, partition)?;
        let operator = condition.entry(key.operator).or_insert_with(|| json!({}));
        if let Value::Object(keys) = operator {
            keys.insert(key.key.to_string(), Value::String(value));
        }
    }
    (!condition.is_empty()).then_some(Value::Object(condition))
}

/// The recommended keys of `action` whose value `shown` cannot tell, each with a sentence
/// saying what the message would have to show.
pub fn unknown_recommended(
    action: &str,
    shown: &(impl ShownKeys + ?Sized),
    partition: &str,
) -> Vec<(&'static str, &'static str)> {
    let Some(entry) = entry(action) else {
        return Vec::new();
    };
    entry
        .recommended
        .iter()
        .filter(|key| key.value_for(shown, partition).is_none())
        .map(|key| {
            let missing = match key.value {
                KeyValue::CallingServicePrincipal => {
                    "which AWS service the request was made for (aws:Service)"
                }
                KeyValue::TrueWhenViaService => "whether an AWS service made the request",
                KeyValue::ServiceEndpoint => {
                    "which AWS service and region the key is used through (kms:ViaService)"
                }
                KeyValue::Shown => "the key's value in the request context",
                KeyValue::Constant(_) => "its value",
            };
            (key.key, missing)
        })
        .collect()
}

/// The recommended keys of `action` with the values a fix would set, for a request whose
/// conditions are unknown (a plain-text denial): local verification assumes they hold.
pub fn assumed_keys(
    action: &str,
    shown: &(impl ShownKeys + ?Sized),
    partition: &str,
) -> Vec<(String, String)> {
    let Some(entry) = entry(action) else {
        return Vec::new();
    };
    entry
        .recommended
        .iter()
        .filter(|key| shown.first_value(key.key).is_none())
        .filter_map(|key| Some((key.key.to_string(), key.value_for(shown, partition)?)))
        .collect()
}

/// The keys IAM evaluates for `action` that `shown` leaves out, with their values (only those
/// whose value can be known).
pub fn hidden_keys(
    action: &str,
    shown: &(impl ShownKeys + ?Sized),
    partition: &str,
) -> Vec<(String, String)> {
    let Some(entry) = entry(action) else {
        return Vec::new();
    };
    entry
        .hidden
        .iter()
        .filter(|key| shown.first_value(key.key).is_none())
        .filter_map(|key| Some((key.key.to_string(), key.value_for(shown, partition)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect()
    }

    #[test]
    fn every_entry_is_one_iam_action_with_a_source() {
        for entry in CATALOGUE {
            let (service, name) = entry.action.split_once(':').unwrap();
            assert!(!service.is_empty() && !name.is_empty() && !name.contains('*'));
            assert!(entry.source.starts_with("https://docs.aws.amazon.com/"));
            assert!(!entry.resource_type.is_empty());
            assert_eq!(
                CATALOGUE
                    .iter()
                    .filter(|e| e.action == entry.action)
                    .count(),
                1,
                "{} twice",
                entry.action
            );
        }
    }

    #[test]
    fn passrole_gets_the_calling_service_principal() {
        let via_ec2 = shown(&[("aws:Service", "ec2")]);
        assert_eq!(
            recommended_condition("iam:passrole", &via_ec2, "aws"),
            Some(json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}))
        );
        assert_eq!(
            hidden_keys("iam:PassRole", &via_ec2, "aws-cn"),
            [(
                "iam:PassedToService".to_string(),
                "ec2.amazonaws.com.cn".to_string()
            )]
        );
        // Shown already: nothing hidden, and the shown value is the recommended one.
        let explicit = shown(&[("iam:PassedToService", "lambda.amazonaws.com")]);
        assert!(hidden_keys("iam:PassRole", &explicit, "aws").is_empty());
        assert_eq!(
            recommended_condition("iam:PassRole", &explicit, "aws").unwrap()["StringEquals"]["iam:PassedToService"],
            "lambda.amazonaws.com"
        );
        // Unknown calling service: no condition can be recommended.
        assert_eq!(
            recommended_condition("iam:PassRole", &shown(&[]), "aws"),
            None
        );
    }

    #[test]
    fn creategrant_is_for_aws_resources_only_when_a_service_calls() {
        assert_eq!(
            recommended_condition("kms:CreateGrant", &shown(&[]), "aws"),
            Some(json!({"Bool": {"kms:GrantIsForAWSResource": "true"}}))
        );
        assert!(hidden_keys("kms:CreateGrant", &shown(&[]), "aws").is_empty());
        assert_eq!(
            hidden_keys(
                "kms:CreateGrant",
                &shown(&[("kms:ViaService", "ec2.us-east-1.amazonaws.com")]),
                "aws"
            ),
            [("kms:GrantIsForAWSResource".to_string(), "true".to_string())]
        );
        assert!(recommended_condition("s3:GetObject", &shown(&[]), "aws").is_none());
    }

    #[test]
    fn kms_use_is_limited_to_the_calling_service_and_tags_to_the_creating_action() {
        // kms:ViaService (AWS KMS developer guide, conditions-kms-via-service).
        for action in [
            "kms:Decrypt",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:DescribeKey",
        ] {
            assert_eq!(
                recommended_condition(
                    action,
                    &shown(&[("kms:ViaService", "ec2.us-east-1.amazonaws.com")]),
                    "aws"
                ),
                Some(json!({"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}})),
                "{action}"
            );
        }
        assert_eq!(
            recommended_condition(
                "kms:Decrypt",
                &shown(&[("aws:Service", "ec2"), ("aws:Region", "cn-north-1")]),
                "aws-cn"
            )
            .unwrap()["StringEquals"]["kms:ViaService"],
            "ec2.cn-north-1.amazonaws.com.cn"
        );
        assert!(recommended_condition("kms:Decrypt", &shown(&[]), "aws").is_none());
        assert_eq!(
            unknown_recommended("kms:Decrypt", &shown(&[]), "aws")[0].0,
            "kms:ViaService"
        );
        // ec2:CreateAction from the decoded context (Amazon EC2 user guide, tagging on creation).
        assert_eq!(
            recommended_condition(
                "ec2:CreateTags",
                &shown(&[("ec2:CreateAction", "RunInstances")]),
                "aws"
            ),
            Some(json!({"StringEquals": {"ec2:CreateAction": "RunInstances"}}))
        );
        assert!(recommended_condition("ec2:CreateTags", &shown(&[]), "aws").is_none());
    }

    #[test]
    fn service_principals_are_partition_aware() {
        assert_eq!(service_principal("ec2", "aws"), "ec2.amazonaws.com");
        assert_eq!(service_principal("ec2", "aws-us-gov"), "ec2.amazonaws.com");
        assert_eq!(service_principal("ec2", "aws-cn"), "ec2.amazonaws.com.cn");
        assert_eq!(
            service_principal("lambda.amazonaws.com", "aws"),
            "lambda.amazonaws.com"
        );
    }
}
