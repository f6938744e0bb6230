//! The binary: parse the command line, run, map errors to exit codes.

use clap::Parser;
use restore_doctor::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    if let Err(error) = cli::run(cli) {
        eprintln!("restore-doctor: {error}");
        std::process::exit(error.exit_code());
    }
}
