//! Thin adapters over the AWS SDK clients (Backup, STS, IAM, and for the policy layers
//! Organizations, KMS and IAM Access Analyzer), configured from the standard
//! credential chain. Read-only is enforced by types: [`Session`] only reads; the mutating calls
//! live on [`Writer`], which only a session opened without `--read-only` can hand out.

mod analyzer;
mod document;
pub mod error;
mod guardrails;
mod layers;
mod managed;
mod pool;
pub mod profiles;
mod read_cache;
mod reader;
pub mod retries;
mod writer;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

pub use analyzer::{AccessCheck, PolicyFinding};
pub use error::{AwsError, AwsErrorKind};
pub use guardrails::{KeyPolicy, OrgPolicy, OrgPolicyType, Organization};
pub use layers::LayeredSimulation;
pub use managed::ManagedPolicyState;
pub use pool::SessionPool;
pub use reader::{RestoreJob, RoleInfo, SimulationResult};
pub use writer::Writer;

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// A named profile (`--profile`).
    pub profile: Option<String>,
    /// The region (`--region`).
    pub region: Option<String>,
    /// An endpoint for every service (`--endpoint-url`); `AWS_ENDPOINT_URL` and
    /// `AWS_ENDPOINT_URL_<SERVICE>` are honoured by the SDK itself.
    pub endpoint_url: Option<String>,
    /// Static credentials (the sandbox's), instead of the standard chain.
    pub static_credentials: Option<(String, String)>,
    /// Open read-only: no [`Writer`] can be obtained.
    pub read_only: bool,
    /// Label shown in the TUI header (e.g. SANDBOX).
    pub sandbox: bool,
}

/// The SDK clients.
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    pub(crate) backup: aws_sdk_backup::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) organizations: aws_sdk_organizations::Client,
    pub(crate) kms: aws_sdk_kms::Client,
    pub(crate) analyzer: aws_sdk_accessanalyzer::Client,
}

impl Clients {
    /// Every client from one configuration: the same credentials, region, endpoint
    /// (`--endpoint-url`, `AWS_ENDPOINT_URL[_<SERVICE>]`), timeouts and retries, each with the
    /// retry reporter when one is given.
    fn new(config: &aws_config::SdkConfig, reporter: Option<&retries::RetryReporter>) -> Clients {
        macro_rules! client {
            ($sdk:ident) => {{
                let mut builder = $sdk::config::Builder::from(config);
                if let Some(reporter) = reporter {
                    builder = builder.interceptor(reporter.clone());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Clients {
            backup: client!(aws_sdk_backup),
            sts: client!(aws_sdk_sts),
            iam: client!(aws_sdk_iam),
            organizations: client!(aws_sdk_organizations),
            kms: client!(aws_sdk_kms),
            analyzer: client!(aws_sdk_accessanalyzer),
        }
    }
}

/// A connected, read-capable session.
#[derive(Clone, Debug)]
pub struct Session {
    clients: Clients,
    /// What it was opened with, to open it again for another region or profile.
    options: ConnectOptions,
    /// Where the clients report throttled attempts the SDK retries.
    retries: tokio::sync::broadcast::Sender<retries::RetryNotice>,
    region: String,
    profile: Option<String>,
    read_only: bool,
    sandbox: bool,
    /// Who the credentials are (account, caller ARN): asked of STS once per session.
    identity: std::sync::Arc<tokio::sync::OnceCell<(String, String)>>,
    /// The cases' reads, shared by its clones ([`Session::cached`]).
    reads: std::sync::Arc<read_cache::ReadCache>,
}

/// Proof that writes are allowed; only this module can make one.
#[derive(Clone, Debug)]
pub(crate) struct WriteCapability(());

impl Session {
    /// Loads the configuration (standard credential chain unless static credentials are given)
    /// and builds the clients. Fails when no region can be found.
    pub async fn connect(options: &ConnectOptions) -> Result<Session, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(20))
                    .operation_timeout(Duration::from_secs(90))
                    .build(),
            )
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(retries::MAX_ATTEMPTS)
                    .with_initial_backoff(Duration::from_millis(50))
                    .with_max_backoff(Duration::from_secs(5)),
            );
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some((key, secret)) = &options.static_credentials {
            loader = loader.credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "restore-doctor-sandbox",
            ));
        }
        let config = loader.load().await;
        let Some(region) = config.region().map(|r| r.to_string()) else {
            return Err(AwsError::new(
                AwsErrorKind::NoRegion,
                "no AWS region configured: pass --region or set AWS_REGION",
            ));
        };
        let (notices, _) = tokio::sync::broadcast::channel(64);
        let reporter = retries::RetryReporter::new(notices.clone());
        Ok(Session {
            clients: Clients::new(&config, Some(&reporter)),
            retries: notices,
            region,
            profile: options.profile.clone(),
            read_only: options.read_only,
            sandbox: options.sandbox,
            options: options.clone(),
            identity: Default::default(),
            reads: Default::default(),
        })
    }

    /// A new session like this one (same endpoint, credentials source and read-only mode) for
    /// `region` and/or `profile`; None keeps this session's. Its writer, if any, is rebuilt the
    /// same way, so a read-only session stays read-only. The new session is not yet proven
    /// usable: ask it who we are before trusting it.
    pub async fn reconnect(
        &self,
        region: Option<&str>,
        profile: Option<&str>,
    ) -> Result<Session, AwsError> {
        let mut options = self.options.clone();
        if let Some(region) = region {
            options.region = Some(region.to_string());
        }
        if let Some(profile) = profile {
            if options.static_credentials.is_some() {
                return Err(AwsError::new(
                    AwsErrorKind::Other,
                    "the embedded sandbox signs with its own key: profiles apply to AWS sessions",
                ));
            }
            options.profile = Some(profile.to_string());
            // The profile's own region applies unless one was asked for.
            if region.is_none() {
                options.region = None;
            }
        }
        Session::connect(&options).await
    }

    /// The write capability, unless the session is read-only.
    pub fn writer(&self) -> Option<Writer> {
        if self.read_only {
            None
        } else {
            Some(Writer::new(self.clients.clone(), WriteCapability(())))
        }
    }

    /// Throttled attempts the SDK retries, as they happen (for a spinner's line).
    pub fn retry_notices(&self) -> tokio::sync::broadcast::Receiver<retries::RetryNotice> {
        self.retries.subscribe()
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The profile, if one was named.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// True when opened with `--read-only`.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// True when talking to the embedded sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.sandbox
    }

    /// A session whose clients point nowhere (for tests that never call AWS).
    #[cfg(test)]
    pub(crate) fn for_tests(region: &str, profile: Option<&str>) -> Session {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .build();
        Session {
            clients: Clients::new(&config, None),
            options: ConnectOptions::default(),
            retries: tokio::sync::broadcast::channel(1).0,
            region: region.to_string(),
            profile: profile.map(str::to_string),
            read_only: true,
            sandbox: true,
            identity: Default::default(),
            reads: Default::default(),
        }
    }

    pub(crate) fn clients(&self) -> &Clients {
        &self.clients
    }
}
