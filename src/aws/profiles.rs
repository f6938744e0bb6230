//! What a session can switch to: AWS's commercial regions (a fixed list, for completion) and
//! the profiles named in the shared config and credentials files, read by the SDK's own
//! profile parser (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and `~/.aws/…` as every
//! SDK reads them; see <https://docs.aws.amazon.com/sdkref/latest/guide/file-location.html>).

use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

/// AWS's commercial regions (<https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>),
/// offered by completion; any well-formed region name is accepted.
pub const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// A region name as AWS spells them (`us-east-1`): lowercase letters, digits and dashes.
pub fn is_region_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// The profiles named in the shared config and credentials files, sorted; empty when there
/// are no such files (or they cannot be parsed: the switch then says the profile is unknown).
pub async fn profile_names() -> Vec<String> {
    let files = EnvConfigFiles::default();
    match aws_config::profile::load(&Fs::real(), &Env::real(), &files, None).await {
        Ok(set) => {
            let mut names: Vec<String> = set.profiles().map(str::to_string).collect();
            names.sort();
            names
        }
        Err(error) => {
            tracing::warn!("cannot read the AWS config files: {error}");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        assert!(COMMERCIAL_REGIONS.iter().all(|r| is_region_name(r)));
        for bad in ["", "US-EAST-1", "-us", "us-", "us east 1", "us_east_1"] {
            assert!(!is_region_name(bad), "{bad:?}");
        }
    }
}
