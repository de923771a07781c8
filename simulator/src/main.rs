//! `micropay-sim`: regenerates the talk's four figures, or runs the scale scenario.
//!
//! ```text
//! cargo run --release -p micropay-simulator -- figures   # docs/figures/*.png, *.csv
//! cargo run --release -p micropay-simulator -- scale     # 10,000 buyers, 1,000 merchants, 3 auditors
//! ```
//!
//! `micropay-sim <command> --help` lists every parameter and its default.

use clap::Parser;
use micropay_simulator::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
	match cli::run(&Cli::parse()) {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error}");
			ExitCode::FAILURE
		},
	}
}
