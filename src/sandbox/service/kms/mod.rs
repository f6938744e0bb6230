//! AWS KMS (awsJson1_1, target prefix `TrentService`): `GetKeyPolicy` (policy name `default`;
//! not cross-account) and `DescribeKey` (cross-account when the key policy allows the caller),
//! with KMS's errors (<https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html>,
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html>).

use serde_json::{Value, json};

use super::{Context, text};
use crate::diagnosis::evaluate::{Decision, NamedPolicy, RequestContext};
use crate::diagnosis::layered::{
    PolicyLayers, ResourcePolicy, ResourcePolicyKind, evaluate_layers,
};
use crate::sandbox::model::{self, Violation};
use crate::sandbox::resources::KmsKey;
use crate::sandbox::state::State;
use crate::sandbox::wire::AwsError;

/// The target prefix of `X-Amz-Target`.
pub const TARGET_PREFIX: &str = "TrentService";

/// The KMS operations the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsOperation {
    /// A key's key policy.
    GetKeyPolicy,
    /// A key's metadata.
    DescribeKey,
}

impl KmsOperation {
    /// Every operation.
    pub const ALL: &[KmsOperation] = &[Self::GetKeyPolicy, Self::DescribeKey];

    /// The operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetKeyPolicy => "GetKeyPolicy",
            Self::DescribeKey => "DescribeKey",
        }
    }

    /// The operation `X-Amz-Target` names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The operation's model.
    pub fn model(self) -> Option<&'static model::OperationModel> {
        model::operation("kms", self.name())
    }
}

/// KMS's answer to a request its model rejects: `ValidationException`.
pub fn validation_error(violations: &[Violation]) -> AwsError {
    AwsError::new(400, "ValidationException", model::message(violations))
}

/// Runs one operation: its JSON result.
pub fn handle(op: KmsOperation, ctx: &mut Context<'_>, input: &Value) -> Result<Value, AwsError> {
    let key = key_of(ctx.state, text(input, "KeyId")?)?;
    match op {
        KmsOperation::GetKeyPolicy => get_key_policy(ctx.state, key, input, &ctx.caller.arn),
        KmsOperation::DescribeKey => describe_key(ctx.state, key, &ctx.caller.arn),
    }
}

/// The key a `KeyId` names: a key ID, a key ARN or (for a key in this account) nothing else.
fn key_of<'a>(state: &'a State, key_id: &str) -> Result<&'a KmsKey, AwsError> {
    let found = if key_id.starts_with("arn:") {
        state.keys.iter().find(|k| k.arn == key_id)
    } else {
        state.keys.iter().find(|k| {
            k.id == key_id && k.account_id == state.account_id && k.region == state.region
        })
    };
    found.ok_or_else(|| {
        let arn = if key_id.starts_with("arn:") {
            key_id.to_string()
        } else {
            format!(
                "arn:aws:kms:{}:{}:key/{key_id}",
                state.region, state.account_id
            )
        };
        AwsError::new(
            400,
            "NotFoundException",
            format!("Key '{arn}' does not exist"),
        )
    })
}

fn get_key_policy(
    state: &State,
    key: &KmsKey,
    input: &Value,
    caller: &str,
) -> Result<Value, AwsError> {
    if key.account_id != state.account_id {
        // "Cross-account use: No": a key in another account cannot be read from this one, whatever
        // its key policy says; KMS answers AccessDeniedException (as tools scanning keys meet it,
        // e.g. cloud-custodian/cloud-custodian#10966).
        return Err(AwsError::new(
            400,
            "AccessDeniedException",
            format!(
                "User: {caller} is not authorized to perform: kms:GetKeyPolicy on resource: {} because no resource-based policy allows the kms:GetKeyPolicy action",
                key.arn
            ),
        ));
    }
    let name = input
        .get("PolicyName")
        .and_then(Value::as_str)
        .unwrap_or("default");
    if name != "default" {
        return Err(AwsError::new(
            400,
            "NotFoundException",
            format!("No such policy exists: {name}"),
        ));
    }
    Ok(json!({"Policy": key.policy.to_string(), "PolicyName": "default"}))
}

fn describe_key(state: &State, key: &KmsKey, caller: &str) -> Result<Value, AwsError> {
    if key.account_id != state.account_id
        && !key_policy_allows(state, key, caller, "kms:DescribeKey")
    {
        return Err(AwsError::new(
            400,
            "AccessDeniedException",
            format!(
                "User: {caller} is not authorized to perform: kms:DescribeKey on resource: {} because no resource-based policy allows the kms:DescribeKey action",
                key.arn
            ),
        ));
    }
    Ok(json!({"KeyMetadata": {
        "AWSAccountId": key.account_id,
        "KeyId": key.id,
        "Arn": key.arn,
        "CreationDate": 1705311000.0,
        "Enabled": true,
        "Description": key.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": false,
    }}))
}

/// Whether the key policy (with the caller's identity policies) lets `caller` perform `action`
/// on the key.
fn key_policy_allows(state: &State, key: &KmsKey, caller: &str, action: &str) -> bool {
    let identity = state
        .users
        .values()
        .find(|u| u.arn == caller)
        .map(|u| state.user_policies(u))
        .unwrap_or_default();
    let layers = PolicyLayers {
        identity,
        resource: Some(ResourcePolicy {
            kind: ResourcePolicyKind::KeyPolicy,
            policy: NamedPolicy {
                name: key.arn.clone(),
                document: key.policy.clone(),
            },
        }),
        ..Default::default()
    };
    let request = RequestContext {
        principal_arn: caller.into(),
        action: action.into(),
        resource: key.arn.clone(),
        conditions: Default::default(),
    };
    evaluate_layers(&layers, &request).is_ok_and(|e| e.decision == Decision::Allowed)
}
