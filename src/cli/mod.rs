//! Command-line definitions (clap) and subcommand dispatch. Uses `aws`, `workflow` and
//! `diagnosis`, never `tui`.

mod explain;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{AppError, EXIT_CODES_HELP};

pub use explain::ExplainArgs;

/// Output format of the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    #[default]
    Text,
    /// JSON (a public interface for scripts).
    Json,
}

/// restore-doctor: diagnose and fix AWS Backup restore jobs that fail with an encoded
/// authorization failure message.
#[derive(Debug, Parser)]
#[command(name = "restore-doctor", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Options that apply to every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do (none: open the terminal UI).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options valid before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a decoded authorization message (a file, or stdin) and propose the fix.
    #[command(after_help = EXIT_CODES_HELP)]
    Explain(ExplainArgs),
}

/// Runs the parsed command line; returns what to print on success.
pub fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Some(Command::Explain(args)) => explain::run(&args, cli.global.output),
        None => Err(AppError::bad_input(
            "no subcommand given: try `restore-doctor explain FILE` (see --help)",
        )),
    }
}
