//! IAM Access Analyzer's policy checks on a proposed identity policy, read-only:
//! `ValidatePolicy` (its findings: ERROR, SECURITY_WARNING, WARNING, SUGGESTION) and
//! `CheckAccessNotGranted` (does the document grant an action on a resource?).
//! https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html
//! https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html

use aws_sdk_accessanalyzer::types::{
    Access, AccessCheckPolicyType, CheckAccessNotGrantedResult, PolicyType,
};
use serde::Serialize;

use super::Session;
use super::error::{AwsError, classify};

/// One `ValidatePolicy` finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFinding {
    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    pub finding_type: String,
    /// The issue code (`MISSING_VERSION`, …).
    pub issue_code: String,
    /// What Access Analyzer says about it.
    pub details: String,
}

impl PolicyFinding {
    /// An ERROR finding blocks the write.
    pub fn is_error(&self) -> bool {
        self.finding_type == "ERROR"
    }
}

/// `CheckAccessNotGranted`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessCheck {
    /// True when the document does not grant the access (`PASS`).
    pub not_granted: bool,
    /// Access Analyzer's message and reasons.
    pub message: String,
}

impl Session {
    /// `ValidatePolicy` of `document` as an identity policy (every page of findings).
    pub async fn validate_identity_policy(
        &self,
        document: &str,
    ) -> Result<Vec<PolicyFinding>, AwsError> {
        let mut findings = Vec::new();
        let mut pages = self
            .clients()
            .analyzer
            .validate_policy()
            .policy_document(document)
            .policy_type(PolicyType::IdentityPolicy)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("ValidatePolicy", e))?;
            findings.extend(page.findings().iter().map(|f| PolicyFinding {
                finding_type: f.finding_type().as_str().to_string(),
                issue_code: f.issue_code().to_string(),
                details: f.finding_details().to_string(),
            }));
        }
        Ok(findings)
    }

    /// `CheckAccessNotGranted`: does identity policy `document` grant none of `actions` on
    /// `resources`?
    pub async fn check_access_not_granted(
        &self,
        document: &str,
        actions: &[String],
        resources: &[String],
    ) -> Result<AccessCheck, AwsError> {
        let access = Access::builder()
            .set_actions(Some(actions.to_vec()))
            .set_resources(Some(resources.to_vec()))
            .build();
        let out = self
            .clients()
            .analyzer
            .check_access_not_granted()
            .policy_document(document)
            .access(access)
            .policy_type(AccessCheckPolicyType::IdentityPolicy)
            .send()
            .await
            .map_err(|e| classify("CheckAccessNotGranted", e))?;
        let mut message = out.message().unwrap_or_default().to_string();
        for reason in out.reasons() {
            if let Some(description) = reason.description() {
                message.push_str(&format!("; {description}"));
            }
        }
        Ok(AccessCheck {
            not_granted: out.result() == Some(&CheckAccessNotGrantedResult::Pass),
            message,
        })
    }
}
