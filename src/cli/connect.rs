//! Opening an AWS session from the global flags, or against the embedded sandbox (`--demo`).

use super::GlobalArgs;
use crate::aws::{ConnectOptions, Session};
use crate::error::AppError;
use crate::sandbox::{
    SANDBOX_ACCESS_KEY_ID, SANDBOX_REGION, SANDBOX_SECRET_ACCESS_KEY, Sandbox, SandboxConfig,
};
use crate::workflow::Journal;

/// A session, and the sandbox behind it when `--demo`.
pub struct Connection {
    /// The AWS session.
    pub session: Session,
    /// The in-process sandbox, for `--demo`.
    pub sandbox: Option<Sandbox>,
}

impl Connection {
    /// Stops the in-process sandbox, if any.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

/// Connects as the global flags say.
pub async fn connect(global: &GlobalArgs) -> Result<Connection, AppError> {
    if global.demo {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .map_err(|e| AppError::aws(format!("cannot start the embedded sandbox: {e}")))?;
        let mut options = sandbox_options(&sandbox, global.read_only);
        // The sandbox answers every region it has jobs in (the demo's: us-east-1, us-west-2).
        if let Some(region) = &global.region {
            options.region = Some(region.clone());
        }
        let session = Session::connect(&options)
            .await
            .map_err(|e| AppError::aws(e.to_string()))?;
        return Ok(Connection {
            session,
            sandbox: Some(sandbox),
        });
    }
    let options = ConnectOptions {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
        read_only: global.read_only,
        sandbox: false,
    };
    let session = Session::connect(&options)
        .await
        .map_err(|e| AppError::aws(e.to_string()))?;
    Ok(Connection {
        session,
        sandbox: None,
    })
}

/// Options that point every client at a running sandbox with its static credentials.
pub fn sandbox_options(sandbox: &Sandbox, read_only: bool) -> ConnectOptions {
    ConnectOptions {
        region: Some(SANDBOX_REGION.to_string()),
        endpoint_url: Some(sandbox.url()),
        static_credentials: Some((
            SANDBOX_ACCESS_KEY_ID.to_string(),
            SANDBOX_SECRET_ACCESS_KEY.to_string(),
        )),
        read_only,
        sandbox: true,
        profile: None,
    }
}

/// The journal the flags name, or the default one. `--demo` without `--journal` writes to a
/// journal of its own (`demo/journal.jsonl` beside the default one), started afresh with each
/// demo: its sandbox starts afresh too, and the user's real journal is never touched.
pub fn journal(global: &GlobalArgs) -> Result<Journal, AppError> {
    match &global.journal {
        Some(path) => Ok(Journal::at(path)),
        None if global.demo => {
            let journal = Journal::demo_path()
                .map(Journal::at)
                .map_err(|e| AppError::bad_input(e.to_string()))?;
            journal
                .clear()
                .map_err(|e| AppError::bad_input(e.to_string()))?;
            Ok(journal)
        }
        None => Journal::default_path()
            .map(Journal::at)
            .map_err(|e| AppError::bad_input(e.to_string())),
    }
}
