//! Logging to a file (never to the screen the TUI draws on): `--log-file`, or
//! `$XDG_STATE_HOME/restore-doctor/restore-doctor.log`. `RUST_LOG` sets the level (default info).

use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;

/// The default log file.
pub fn default_log_path() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::state_dir)
        .map(|d| d.join("restore-doctor").join("restore-doctor.log"))
}

/// Installs a file logger; returns the path used, or None when no file could be opened (then
/// nothing is logged, rather than writing over the TUI).
pub fn init_file_logging(path: Option<&Path>) -> Option<PathBuf> {
    let path = path.map(Path::to_path_buf).or_else(default_log_path)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
