//! The Micropay simulator: buyers who generate double-spending tokens at some rate, merchants,
//! and auditors who withhold `rho` of each payment, run on the chain's own trust, block-size
//! and risk code (`micropay-primitives`); the crate re-implements none of it.
//!
//! - [`model`]: what every scenario shares: trust rule, withholding, profiles, random streams.
//! - [`engine`]: one token block's settlement and trust update, exactly as the pallet does it.
//! - [`population`]: the talk's scenario, many buyers of one profile over many blocks.
//! - [`figures`]: the talk's four sweeps, as data, CSV and PNG ([`plot`]).
//! - [`scale`]: thousands of buyers, a thousand merchants and several auditors over time.
//! - [`cli`]: the `micropay-sim` command line; [`error`]: its errors; [`progress`]: its
//!   progress bar.

pub mod cli;
pub mod engine;
pub mod error;
pub mod figures;
pub mod model;
pub mod plot;
pub mod population;
pub mod progress;
pub mod scale;
