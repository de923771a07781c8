//! The Micropay node: an Aura + GRANDPA solochain running the micropay runtime, with
//! off-chain workers (the auditor) enabled.
#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
