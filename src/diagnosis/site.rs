//! Where a thing lives in AWS: a partition, an account and a region. Every restore job, case,
//! plan and journal entry carries one, so two accounts or two regions are never confused (moto
//! keys its backends account → region for the same reason); "the current account" is a default
//! a session supplies, never an assumption.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A partition, an account and a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Site {
    /// `aws`, `aws-cn`, `aws-us-gov`, … (journal lines written before sites had none: `aws`).
    #[serde(default = "default_partition")]
    pub partition: String,
    /// The twelve-digit account ID.
    pub account: String,
    /// The region (IAM is global; the region is the one the job, session or write was in).
    pub region: String,
}

fn default_partition() -> String {
    "aws".into()
}

impl Site {
    /// The site of `account` in `region`, its partition known from the region's name.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Site {
        let region = region.into();
        Site {
            partition: partition_of(&region).to_string(),
            account: account.into(),
            region,
        }
    }

    /// The same account in another region.
    pub fn in_region(&self, region: &str) -> Site {
        Site::new(self.account.clone(), region)
    }
}

/// The partition a region belongs to (`cn-north-1` → `aws-cn`, `us-gov-west-1` →
/// `aws-us-gov`, `us-iso-east-1` → `aws-iso`, `us-isob-east-1` → `aws-iso-b`, else `aws`), as
/// the SDK's partition table gives it.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

impl fmt::Display for Site {
    /// `account 111122223333, us-east-1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account {}, {}", self.account, self.region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_follows_the_region_and_old_lines_default_to_aws() {
        assert_eq!(Site::new("1", "cn-north-1").partition, "aws-cn");
        assert_eq!(Site::new("1", "us-gov-west-1").partition, "aws-us-gov");
        assert_eq!(Site::new("1", "eu-west-1").partition, "aws");
        let old: Site =
            serde_json::from_str(r#"{"account": "111122223333", "region": "us-east-1"}"#).unwrap();
        assert_eq!(old, Site::new("111122223333", "us-east-1"));
        assert_eq!(old.to_string(), "account 111122223333, us-east-1");
    }
}
