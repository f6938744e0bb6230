//! The terminal UI: browse failed restore jobs, inspect the decoded context, preview the
//! least-privilege fix and apply it only after confirmation, verify, re-run.
//!
//! Elm style: [`app::App`] holds the state and `update` turns [`action::Action`]s into
//! [`action::Effect`]s without I/O; [`runtime::Runtime`] runs effects as tokio tasks that send
//! actions back; [`event_loop`] merges terminal events, those actions and a slow tick, and
//! redraws only when the state changed; [`ui`] holds pure render functions.

pub mod action;
pub mod app;
mod driver;
pub mod event_loop;
pub mod keymap;
pub mod layout;
pub mod runtime;
pub mod text;
pub mod ui;

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use tokio::sync::mpsc;

use crate::aws::Session;
use crate::error::AppError;
use crate::workflow::Journal;

pub use driver::{Driver, driver};

/// What the TUI needs besides the session.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// How far back to list failed jobs.
    pub since: Duration,
    /// At most this many jobs.
    pub limit: Option<usize>,
    /// Never write (in addition to the session's own read-only type).
    pub read_only: bool,
    /// The journal of IAM writes.
    pub journal: Journal,
    /// Where exports are written.
    pub export_dir: PathBuf,
    /// Capture the mouse (click to select, wheel to scroll).
    pub mouse: bool,
    /// Auto-refresh this often from the start (`--watch`).
    pub watch: Option<Duration>,
}

/// The header facts known before any AWS call.
pub(crate) fn header_for(session: &Session, options: &TuiOptions) -> app::HeaderInfo {
    app::HeaderInfo {
        account: None,
        caller_arn: None,
        region: session.region().to_string(),
        profile: session.profile().map(str::to_string),
        sandbox: session.is_sandbox(),
        read_only: options.read_only || session.is_read_only(),
    }
}

/// The auto-refresh `--watch` asks for: on, first due one interval after the start.
pub(crate) fn watch_for(options: &TuiOptions) -> Option<app::Watch> {
    options.watch.map(|every| app::Watch {
        every,
        enabled: true,
        next: every,
    })
}

/// Runs the TUI on the real terminal until the user quits. The terminal is restored on quit,
/// on error and on panic (ratatui's `try_init` installs the panic hook).
pub async fn run(session: Session, options: TuiOptions) -> Result<(), AppError> {
    let header = header_for(&session, &options);
    let mut terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(error) => {
            ratatui::restore();
            return Err(AppError::bad_input(format!(
                "cannot open the terminal UI ({error}); use a subcommand instead (see --help)"
            )));
        }
    };
    if options.mouse {
        // Without mouse capture the app still works from the keyboard.
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let size = terminal
        .size()
        .map(|s| (s.width, s.height))
        .unwrap_or((80, 24));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let mut runtime = runtime::Runtime::new(session, &options, sender, runtime::Clipboard::Osc52);
    let mut app = app::App::new(header, size);
    app.wall_start = Some(time::OffsetDateTime::now_utc());
    app.export_dir = options.export_dir.clone();
    app.watch = watch_for(&options);
    for effect in app.start() {
        runtime.execute(effect);
    }
    tracing::info!("terminal UI started");
    let result = event_loop::run(&mut terminal, &mut app, &mut runtime, &mut receiver).await;
    runtime.shutdown();
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    tracing::info!("terminal UI stopped");
    result.map_err(|e| {
        AppError::aws(format!(
            "terminal error: {e}; run a subcommand instead (see --help)"
        ))
    })
}
