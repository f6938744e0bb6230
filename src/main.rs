//! The binary: parse the command line, open the terminal UI or run a subcommand, and map errors
//! to exit codes. The one place that knows both `cli` and `tui`.

use clap::Parser;
use restore_doctor::cli::{self, Cli, GlobalArgs};
use restore_doctor::error::AppError;

fn main() {
    let Cli { global, command } = Cli::parse();
    let result = match command {
        Some(command) => cli::run(command, global),
        None => run_tui(global),
    };
    if let Err(error) = result {
        eprintln!("restore-doctor: {error}");
        std::process::exit(error.exit_code());
    }
}

/// No subcommand: the terminal UI, on the session the global options describe.
fn run_tui(global: GlobalArgs) -> Result<(), AppError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(AppError::bad_input(
            "the terminal UI needs a terminal, and stdin/stdout is not one; in scripts use a subcommand such as `restore-doctor list` (see --help)",
        ));
    }
    let journal = cli::journal(&global)?;
    let export_dir = std::env::current_dir()
        .map_err(|e| AppError::bad_input(format!("cannot read the current directory: {e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::aws(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        restore_doctor::logging::init_file_logging(
            global.log_file.as_deref(),
            global.log_sensitive,
        );
        let connection = cli::connect(&global).await?;
        let options = restore_doctor::tui::TuiOptions {
            since: global.since,
            limit: None,
            read_only: global.read_only,
            journal,
            export_dir,
            mouse: global.mouse,
            watch: global.watch,
        };
        let result = restore_doctor::tui::run(connection.session.clone(), options).await;
        connection.close().await;
        result
    })
}
