//! # Micropay pallet
//!
//! The chain's verifier of record for bank-issued micropayment tokens: it rejects forged,
//! double-spent, double-sold and expired tokens in the token blocks an auditor submits,
//! settles the money, and keeps each user's trust and risk.
//!
//! (Skeleton: the registries, issuance and `submit_block` arrive with the pallet-core work.)
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the micropay pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {}

	/// Events of the micropay pallet.
	#[pallet::event]
	pub enum Event<T: Config> {}
}
