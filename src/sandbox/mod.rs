//! The embedded AWS emulator ("sandbox"): Backup (restJson1), STS and IAM (awsQuery) over real
//! HTTP on 127.0.0.1, with the diagnosis core's evaluator as its authorization engine. It backs
//! `--demo`, `restore-doctor sandbox` and every test that talks to "AWS".

mod awsquery;
mod engine;
mod faults;
mod iam;
mod jobs;
mod probe;
mod restjson;
mod scenario;
mod server;
mod state;
mod tokens;
mod xml;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use faults::FaultSpec;
pub use probe::RequestProbe;

use faults::FaultDice;
use state::State;
use tokens::TokenSealer;

/// An access key whose session has expired: every call gets `ExpiredToken`, for the error path.
pub const EXPIRED_ACCESS_KEY_ID: &str = "AKIASANDBOXEXPIRED01";

/// The access key ID `--demo` signs with (any key other than the auditor's is the admin).
pub const SANDBOX_ACCESS_KEY_ID: &str = "AKIASANDBOXADMIN0001";
/// The matching secret (signatures are not verified; it only has to be present).
pub const SANDBOX_SECRET_ACCESS_KEY: &str = "sandbox-secret-access-key-not-a-real-one";
/// The sandbox's region.
pub const SANDBOX_REGION: &str = "us-east-1";

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

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    sealer: TokenSealer,
    dice: FaultDice,
    latency: Duration,
    stats: Mutex<Stats>,
}

/// Request counters, served at `GET /_sandbox/stats`.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Stats {
    /// Successful responses per operation.
    pub(crate) served: std::collections::BTreeMap<String, u64>,
    /// Requests answered with an injected fault.
    pub(crate) faults_injected: u64,
}

impl Shared {
    /// The world, locked. A poisoned lock means a handler panicked mid-request; the data is
    /// still consistent because faults and validation happen before any mutation.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters, locked (a poisoned lock only means a counter may be one short).
    pub(crate) fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
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
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            sealer,
            dice: FaultDice::new(config.faults.clone(), config.seed),
            latency: Duration::from_millis(config.latency_ms),
            stats: Mutex::new(Stats::default()),
        });
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
