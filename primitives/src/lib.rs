//! Micropay's shared logic, one copy for the pallet, the auditor worker and the simulator.
//!
//! Everything here is pure and `no_std`: no storage, no I/O, no floats on any path the
//! runtime executes.
//!
//! - [`desk`]: the auditor front desk's per-buyer records and decisions (node RPC and
//!   offchain worker share them).
//! - [`risk`]: what a merchant is paid and what a token block risks for the auditor.
//! - [`token`]: token identities and the reasons a token or purchase is invalid.
//! - [`purchase`]: the buyer-signed purchase and its domain-separated signing payload.
//! - [`trust`]: the three user trust models (neutral, optimistic, pessimistic) in fixed point.
//! - [`block_size`]: a user's next token-block size from its trust before and after a block.
//! - [`trust_state`]: the per-user state the pallet stores and its update after each block,
//!   with the optional windowed `gamma` and recovery.
//! - [`recent_invalid`]: the bounded ring of recent invalid counts behind the windowed `gamma`.
//! - `reference` (with `std` only): the same math in `f64`, a reference for tests, the
//!   simulator and tools; never compiled into the Wasm runtime and never called by it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod block_size;
pub mod desk;
mod fixed_exp;
pub mod purchase;
pub mod recent_invalid;
#[cfg(feature = "std")]
pub mod reference;
pub mod risk;
pub mod token;
pub mod trust;
pub mod trust_state;
