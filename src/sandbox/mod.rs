//! The embedded AWS emulator ("sandbox"): Backup and Access Analyzer (restJson1), STS and IAM
//! (awsQuery), Organizations and KMS (awsJson1_1) over real HTTP on 127.0.0.1, with the diagnosis
//! core's evaluators as its authorization engine over every policy layer. It backs `--demo`,
//! `restore-doctor sandbox` and every test that talks to "AWS".
//!
//! Shaped like moto, one way down: `wire` (Call/Reply) <- `protocol` (awsQuery, restJson1,
//! awsJson1_1) <- `service` (sts, iam, backup, organizations, kms, access_analyzer: typed
//! operation enums, one function per operation) <- `router` (faults, latency, authentication,
//! authorization, validation, counters) <- `server` (hyper) and `probe` (no socket); `state`,
//! `organization`, `resources`, `policy_layers`, `engine`, `jobs` and `model` sit below the
//! services.

mod credentials;
mod engine;
mod faults;
mod iam_services;
mod job_metadata;
mod jobs;
mod model;
mod organization;
mod policy_layers;
mod probe;
mod protocol;
mod resources;
mod router;
mod scenario;
mod server;
mod service;
mod shared;
mod state;
mod tokens;
mod wire;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use credentials::{
    EXPIRED_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_ID, SANDBOX_REGION, SANDBOX_SECRET_ACCESS_KEY,
};
pub use faults::{FaultSpec, HoldReply};
pub use probe::RequestProbe;
pub use server::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};

use faults::FaultDice;
use shared::Shared;
use state::{State, now_ms};
use tokens::TokenSealer;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// `demo` or the path of a scenario file.
    pub scenario: String,
    /// Extra historical failed jobs (`--jobs`).
    pub extra_jobs: usize,
    /// Delay before every response.
    pub latency_ms: u64,
    /// Fault injection.
    pub faults: FaultSpec,
    /// Seed of the fault injection.
    pub seed: u64,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Hold back the replies of one operation after carrying it out (`--hold-reply`).
    pub hold_reply: Option<HoldReply>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            scenario: "demo".into(),
            extra_jobs: 0,
            latency_ms: 0,
            faults: FaultSpec::default(),
            seed: 1,
            port: 0,
            hold_reply: None,
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The scenario could not be loaded.
    #[error("{0}")]
    Scenario(#[from] scenario::ScenarioError),
    /// The engine could not evaluate the scenario's policies.
    #[error("the scenario's policies cannot be evaluated: {0}")]
    Engine(#[from] crate::diagnosis::evaluate::EvaluateError),
    /// The port could not be bound.
    #[error(
        "cannot listen on 127.0.0.1:{port}: {reason} (pick another --port, or 0 for any free one)"
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// The OS's reason.
        reason: String,
    },
    /// Writing the banner or waiting for Ctrl-C failed.
    #[error("sandbox I/O failed: {0}")]
    Io(String),
}

/// A running sandbox.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// The accept loop; taken by [`Sandbox::shutdown`], aborted on drop otherwise.
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

impl Sandbox {
    /// Loads the scenario, replays its history through the engine, binds 127.0.0.1 and serves
    /// on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let scenario = scenario::load(&config.scenario)?;
        tracing::info!(scenario = %config.scenario, description = %scenario.description, "sandbox starting");
        let mut state = State::from_scenario(&scenario);
        let sealer = TokenSealer::new();
        jobs::replay(
            &mut state,
            &sealer,
            &scenario.jobs,
            config.extra_jobs,
            now_ms(),
        )?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| SandboxError::Bind {
                port: config.port,
                reason: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| SandboxError::Bind {
            port: config.port,
            reason: e.to_string(),
        })?;
        let mut shared = Shared::new(
            state,
            sealer,
            FaultDice::new(config.faults.clone(), config.seed),
            Duration::from_millis(config.latency_ms),
        );
        shared.hold_reply = config.hold_reply.clone();
        let shared = Arc::new(shared);
        let server = tokio::spawn(server::accept_loop(listener, shared.clone()));
        Ok(Sandbox {
            addr,
            shared,
            server: Some(server),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address (always on 127.0.0.1).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox account's ID.
    pub fn account_id(&self) -> String {
        self.shared.state().account_id.clone()
    }

    /// Every write that succeeded: `{operation, target, time, detail}`.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        self.shared.state().audit.clone()
    }

    /// Stops serving: no new connections; open ones are closed.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }
}

/// `restore-doctor sandbox`: starts, prints the URL (first line) and the environment to paste,
/// and serves until Ctrl-C or SIGTERM.
pub async fn serve_forever(config: SandboxConfig) -> Result<(), SandboxError> {
    let sandbox = Sandbox::start(config).await?;
    // Signal handlers go in before the banner: whoever reads the URL may signal at once.
    let termination = Termination::install()?;
    let url = sandbox.url();
    {
        let mut out = std::io::stdout().lock();
        let banner = format!(
            "listening on {url}\nexport AWS_ENDPOINT_URL={url}\nexport AWS_ACCESS_KEY_ID={SANDBOX_ACCESS_KEY_ID}\nexport AWS_SECRET_ACCESS_KEY={SANDBOX_SECRET_ACCESS_KEY}\nexport AWS_REGION={SANDBOX_REGION}\nexport AWS_DEFAULT_REGION={SANDBOX_REGION}\n# every write so far: curl {url}/_sandbox/audit (Ctrl-C stops the sandbox)\n"
        );
        out.write_all(banner.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| SandboxError::Io(e.to_string()))?;
    }
    termination.wait().await;
    sandbox.shutdown().await;
    Ok(())
}

/// Ctrl-C and SIGTERM, registered up front.
#[cfg(unix)]
struct Termination {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Termination {
    fn install() -> Result<Self, SandboxError> {
        use tokio::signal::unix::{SignalKind, signal};
        let io = |e: std::io::Error| SandboxError::Io(e.to_string());
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).map_err(io)?,
            terminate: signal(SignalKind::terminate()).map_err(io)?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Ctrl-C, where there is no SIGTERM.
#[cfg(not(unix))]
struct Termination;

#[cfg(not(unix))]
impl Termination {
    fn install() -> Result<Self, SandboxError> {
        Ok(Self)
    }

    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
