use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    attune::cli::run(attune::cli::Cli::parse())
}
