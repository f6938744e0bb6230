//! Logging to a file (never to the screen the TUI draws on): `--log-file`, or
//! `$XDG_STATE_HOME/restore-doctor/restore-doctor.log`, created 0600 in a 0700 directory.
//! `RUST_LOG` sets the level (default info). The AWS SDK's and HTTP stack's own logs stay at
//! `info` whatever `RUST_LOG` says, because at debug/trace they carry request and response
//! bodies (decoded messages, policy documents) and signing details with the access key ID;
//! `--log-sensitive` lifts that cap for a debugging session.

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
pub fn init_file_logging(path: Option<&Path>, sensitive: bool) -> Option<PathBuf> {
    let path = path.map(Path::to_path_buf).or_else(default_log_path)?;
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).ok()?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).ok()?;
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref(), sensitive);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}

/// The crates whose debug and trace logs carry bodies, documents or signing details.
const SENSITIVE_TARGETS: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_smithy_json",
    "aws_smithy_query",
    "aws_sigv4",
    "aws_runtime",
    "aws_config",
    "aws_credential_types",
    "aws_sdk_backup",
    "aws_sdk_iam",
    "aws_sdk_sts",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
];

/// `RUST_LOG` (default `info`), with the sensitive crates capped at `info` unless asked.
pub fn log_filter(rust_log: Option<&str>, sensitive: bool) -> EnvFilter {
    let mut directives = rust_log
        .filter(|v| !v.trim().is_empty())
        .unwrap_or("info")
        .to_string();
    if !sensitive {
        for target in SENSITIVE_TARGETS {
            directives.push_str(&format!(",{target}=info"));
        }
    }
    EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_stays_out_of_the_sdk_unless_asked() {
        let capped = log_filter(Some("trace"), false).to_string();
        assert!(capped.contains("aws_smithy_runtime=info"), "{capped}");
        assert!(capped.contains("aws_sigv4=info"), "{capped}");
        let open = log_filter(Some("trace"), true).to_string();
        assert!(!open.contains("aws_sigv4=info"), "{open}");
        assert!(
            log_filter(None, false)
                .to_string()
                .split(',')
                .any(|d| d == "info")
        );
    }
}
