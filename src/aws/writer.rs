//! The mutating AWS calls. A [`Writer`] exists only for a session opened without `--read-only`,
//! so read-only mode is enforced by the type system rather than by checks at each call.

use std::collections::HashMap;

use super::error::{AwsError, classify};
use super::{Clients, WriteCapability};
use crate::diagnosis::TargetType;

/// The write capability: the only way to change IAM or start a restore.
#[derive(Clone, Debug)]
pub struct Writer {
    clients: Clients,
    _capability: WriteCapability,
}

impl Writer {
    pub(crate) fn new(clients: Clients, capability: WriteCapability) -> Self {
        Self {
            clients,
            _capability: capability,
        }
    }

    /// `iam:PutRolePolicy` or `iam:PutUserPolicy` with exactly `document`.
    pub async fn put_inline_policy(
        &self,
        target: TargetType,
        name: &str,
        policy: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        let iam = &self.clients.iam;
        match target {
            TargetType::Role => iam
                .put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("PutRolePolicy", e)),
            TargetType::User => iam
                .put_user_policy()
                .user_name(name)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("PutUserPolicy", e)),
        }
    }

    /// `iam:DeleteRolePolicy` or `iam:DeleteUserPolicy`.
    pub async fn delete_inline_policy(
        &self,
        target: TargetType,
        name: &str,
        policy: &str,
    ) -> Result<(), AwsError> {
        let iam = &self.clients.iam;
        match target {
            TargetType::Role => iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("DeleteRolePolicy", e)),
            TargetType::User => iam
                .delete_user_policy()
                .user_name(name)
                .policy_name(policy)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("DeleteUserPolicy", e)),
        }
    }

    /// `iam:CreatePolicy` at path `/`; returns the new policy's ARN.
    pub async fn create_policy(&self, name: &str, document: &str) -> Result<String, AwsError> {
        let out = self
            .clients
            .iam
            .create_policy()
            .policy_name(name)
            .policy_document(document)
            .description("Written by restore-doctor: an inline policy would exceed IAM's quota")
            .send()
            .await
            .map_err(|e| classify("CreatePolicy", e))?;
        Ok(out
            .policy()
            .and_then(|p| p.arn())
            .unwrap_or_default()
            .to_string())
    }

    /// `iam:CreatePolicyVersion`, set as the default; returns the new version's ID.
    pub async fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> Result<String, AwsError> {
        let out = self
            .clients
            .iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| classify("CreatePolicyVersion", e))?;
        Ok(out
            .policy_version()
            .and_then(|v| v.version_id())
            .unwrap_or_default()
            .to_string())
    }

    /// `iam:DeletePolicyVersion` (never the default version: IAM refuses it).
    pub async fn delete_policy_version(&self, arn: &str, version: &str) -> Result<(), AwsError> {
        self.clients
            .iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("DeletePolicyVersion", e))
    }

    /// `iam:SetDefaultPolicyVersion`.
    pub async fn set_default_policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<(), AwsError> {
        self.clients
            .iam
            .set_default_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("SetDefaultPolicyVersion", e))
    }

    /// `iam:DeletePolicy` (IAM refuses while it is attached or has other versions).
    pub async fn delete_policy(&self, arn: &str) -> Result<(), AwsError> {
        self.clients
            .iam
            .delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("DeletePolicy", e))
    }

    /// `iam:AttachRolePolicy` or `iam:AttachUserPolicy`.
    pub async fn attach_policy(
        &self,
        target: TargetType,
        name: &str,
        arn: &str,
    ) -> Result<(), AwsError> {
        let iam = &self.clients.iam;
        match target {
            TargetType::Role => iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("AttachRolePolicy", e)),
            TargetType::User => iam
                .attach_user_policy()
                .user_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("AttachUserPolicy", e)),
        }
    }

    /// `iam:DetachRolePolicy` or `iam:DetachUserPolicy`.
    pub async fn detach_policy(
        &self,
        target: TargetType,
        name: &str,
        arn: &str,
    ) -> Result<(), AwsError> {
        let iam = &self.clients.iam;
        match target {
            TargetType::Role => iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("DetachRolePolicy", e)),
            TargetType::User => iam
                .detach_user_policy()
                .user_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("DetachUserPolicy", e)),
        }
    }

    /// `backup:StartRestoreJob`; returns the new job's ID.
    pub async fn start_restore_job(
        &self,
        recovery_point_arn: &str,
        iam_role_arn: &str,
        resource_type: Option<&str>,
        metadata: HashMap<String, String>,
        idempotency_token: &str,
    ) -> Result<String, AwsError> {
        let out = self
            .clients
            .backup
            .start_restore_job()
            .recovery_point_arn(recovery_point_arn)
            .iam_role_arn(iam_role_arn)
            .set_resource_type(resource_type.map(str::to_string))
            .set_metadata(Some(metadata))
            .idempotency_token(idempotency_token)
            .send()
            .await
            .map_err(|e| classify("StartRestoreJob", e))?;
        Ok(out.restore_job_id().unwrap_or_default().to_string())
    }
}
