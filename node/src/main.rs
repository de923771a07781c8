//! The Micropay node: an Aura + GRANDPA solochain running the micropay runtime, with
//! off-chain workers (the auditor) enabled.
#![warn(missing_docs)]
// `sc_cli`'s runner API fixes the (large) `sc_cli::Error` as the error type of every command
// closure; boxing it is not an option this crate has.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod desk;
mod desk_journal;
mod desk_store;
mod native_check;
mod rpc;
mod rpc_nodelay;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
