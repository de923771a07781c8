//! The Micropay simulator: buyers who generate double-spending tokens at some rate, merchants,
//! and auditors who withhold `rho` of each payment, run on the chain's own trust, block-size
//! and risk code (`micropay-primitives`).
//!
//! - [`engine`]: one token block's settlement and trust update, exactly as the pallet does it.
//! - [`population`]: many buyers of one profile over many blocks: mean block size and risk.
//! - [`figures`]: the talk's four sweeps, as data, CSV and PNG ([`plot`]).
//! - [`scale`]: thousands of buyers, a thousand merchants and several auditors over time.
//! - [`progress`]: a progress line on standard error for long runs.

pub mod engine;
pub mod figures;
pub mod plot;
pub mod population;
pub mod progress;
pub mod scale;
