//! Runtime API of the micropay pallet, callable from polkadot.js apps ("Developer → Runtime
//! calls → micropayApi") and over RPC (`state_call`), and used by the auditor's node.
#![cfg_attr(not(feature = "std"), no_std)]
// `decl_runtime_apis!` repeats the `Codec` bound of the generic on every method it generates.
#![allow(clippy::multiple_bound_locations)]

use alloc::vec::Vec;
use codec::Codec;
pub use micropay_primitives::{
	desk::{AuditorCover, BlockLimits, ChainCheck, DeskPurchase, Refusal},
	purchase::{PurchaseId, SignedPurchase},
	token::{TokenId, TokenStatus},
	trust_state::UserTrust,
};

extern crate alloc;

sp_api::decl_runtime_apis! {
	/// What the chain knows about buyers' trust, auditors' risk and tokens.
	pub trait MicropayApi<AccountId: Codec, Signature: Codec> {
		/// The trust record of `buyer` with `auditor`: profile, `W_0`, current block size `W`,
		/// `gamma`, trust value, blocks seen, and the buyer's cumulative risk. A buyer the
		/// auditor never profiled gets the default record (neutral profile).
		fn trust_state(auditor: AccountId, buyer: AccountId) -> UserTrust;

		/// The cumulative risk of `auditor` over all its blocks (paid out − redeemed, in the
		/// smallest unit; negative is the auditor's gain).
		fn auditor_risk(auditor: AccountId) -> i128;

		/// Whether `token` is unknown (forged), unspent (and until when), spent or expired.
		fn token_status(token: TokenId) -> TokenStatus;

		/// What the auditor's front desk needs from the chain about a purchase of `buyer`, in
		/// one call: the purchase checked by the rules of `submit_block` (auditor named and
		/// active, signature, size, issuance, ownership, spent, expired or expiring before a
		/// token block could settle, collateral, already settled) — its id or why it is
		/// refused —, the buyer's block size `W` with `auditor`, the block bounds, the amount
		/// the merchant is due, and what backs the auditor's promises.
		fn desk_check(
			auditor: AccountId,
			buyer: AccountId,
			purchase: SignedPurchase<AccountId, Signature, Vec<TokenId>>,
		) -> ChainCheck;

		/// The auditor a node holding auditor keys `candidates` serves: the smallest that is a
		/// registered auditor (the one rule the desk and the offchain worker share).
		fn desk_auditor(candidates: Vec<AccountId>) -> Option<AccountId>;

		/// What backs `auditor`'s promises on chain: its bond, its free balance, whether it
		/// is active, and the credits it owes merchants. (The receipts outstanding against it
		/// are off chain, at its desk: RPC `micropay_exposure`.)
		fn auditor_cover(auditor: AccountId) -> Option<AuditorCover>;

		/// What auditors owe `merchant` in credits (payouts its account could not receive),
		/// in the smallest unit; withdraw with `withdraw_credit`.
		fn merchant_credit(merchant: AccountId) -> u128;
	}
}
