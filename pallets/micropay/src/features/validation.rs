//! Checking a token block: every token of every purchase, without changing any state.
//!
//! The result is one [`PurchaseVerdict`] per purchase; settlement acts on it. Keeping the
//! check pure lets the simulator's cross-check and the auditor's front desk reason about the
//! same rules.
//!
//! Rules, in the order they are applied to each purchase:
//! 1. the purchase id (hash of its signing payload) was settled before, or appears earlier in
//!    the block: every token is `DoubleSold`, and the purchase is never paid again, prepaid or
//!    not;
//! 2. the buyer's signature verifies over neither the signing payload nor its browser-wallet
//!    form (`<Bytes>…</Bytes>`): every token is `BadSignature`;
//! 3. per token: seen earlier in the block (in any purchase, accepted or not: the rule is
//!    strict) → `DoubleSpentInBlock`; unknown batch or index → `Unknown`; owned by someone
//!    else → `NotOwned`; batch expired or reclaimed → `Expired`; spent bit set →
//!    `DoubleSpentOnChain`; the bank's held collateral, less what accepted purchases of this
//!    block already claim, does not cover the token → `CollateralMissing`.
//!
//! A prepaid purchase is accepted (its merchant is paid) unless it is a double-sell or none of
//! its tokens is still live (issued and unexpired): the desk never promises tokens that expire
//! before their token block can settle, and a settled id is kept until all its tokens
//! expired, so an id forgotten after that can never be paid again. A held purchase is
//! accepted only with no invalid token. Only accepted purchases claim collateral.
//! (The purchase's auditor was checked before: `submit_block` refuses a block with a purchase
//! naming another auditor.)
//!
//! A purchase's value is the face value of its tokens that the chain knows (issued batches,
//! whoever owns them). A forged token has no face value on chain, so it adds nothing to a
//! prepaid purchase's payout: the auditor's promise for it is off chain, and the front desk
//! is where a forged token must be caught before prepaying.

use crate::{pallet::*, BlockPurchase, PurchaseVerdict};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	vec::Vec,
};
use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use frame_system::pallet_prelude::BlockNumberFor;
use micropay_primitives::{
	purchase::{purchase_id, wrapped_payload, PurchaseId},
	token::{BatchId, InvalidReason, TokenId},
};
use sp_runtime::traits::{Saturating, Verify, Zero};

/// The verdict on one purchase of a block, for this runtime.
pub type PurchaseVerdictOf<T> = PurchaseVerdict<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxTokensPerPurchase,
>;

/// What the token blocks of one extrinsic see of each other: storage reads (each read once),
/// the spent bits the earlier token blocks set, the collateral their accepted purchases
/// claim, and the purchase ids they settled. A token block validated in a scope sees the
/// state as if the earlier token blocks had been settled in extrinsics before it.
pub struct Scope<T: Config> {
	batches: BTreeMap<BatchId, Option<BatchOf<T>>>,
	/// Spent bits per (batch, word), read from storage on first use.
	words: CursoredWords,
	held: BTreeMap<T::AccountId, BalanceOf<T>>,
	/// Collateral claimed by accepted purchases so far, per bank.
	claimed: BTreeMap<T::AccountId, BalanceOf<T>>,
	/// Purchase ids accepted so far.
	settled: BTreeSet<PurchaseId>,
}

impl<T: Config> Scope<T> {
	/// An empty scope: the state as stored.
	pub fn new() -> Self {
		Self {
			batches: BTreeMap::new(),
			words: CursoredWords::default(),
			held: BTreeMap::new(),
			claimed: BTreeMap::new(),
			settled: BTreeSet::new(),
		}
	}

	fn batch(&mut self, id: BatchId) -> Option<BatchOf<T>> {
		self.batches.entry(id).or_insert_with(|| Batches::<T>::get(id)).clone()
	}

	fn word(&mut self, token: &TokenId) -> &mut u128 {
		self.words.word(token, || SpentWords::<T>::get(token.batch, token.word()))
	}

	fn is_spent(&mut self, token: &TokenId) -> bool {
		*self.word(token) & token.bit() != 0
	}

	/// Sets `token`'s spent bit; returns its word's bits.
	pub(crate) fn mark_spent(&mut self, token: &TokenId) -> u128 {
		let word = self.word(token);
		*word |= token.bit();
		*word
	}

	fn held_collateral(&mut self, bank: &T::AccountId) -> BalanceOf<T> {
		if let Some(held) = self.held.get(bank) {
			return *held;
		}
		let held = T::Currency::balance_on_hold(&HoldReason::BankCollateral.into(), bank);
		self.held.insert(bank.clone(), held);
		held
	}

	fn is_settled(&self, id: &PurchaseId) -> bool {
		self.settled.contains(id) || SettledPurchases::<T>::contains_key(id)
	}
}

impl<T: Config> Default for Scope<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T: Config> Pallet<T> {
	/// The signing payload and id of a purchase of `buyer` on this chain.
	pub fn purchase_payload(
		buyer: &T::AccountId,
		purchase: &SignedPurchaseOf<T>,
	) -> (alloc::vec::Vec<u8>, PurchaseId) {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let payload = purchase.signing_payload(&genesis, buyer);
		let id = purchase_id(&payload);
		(payload, id)
	}

	/// Whether `buyer` signed `payload`, plainly or as a browser wallet signs raw bytes.
	pub fn buyer_signed(
		buyer: &T::AccountId,
		payload: &[u8],
		signature: &T::BuyerSignature,
	) -> bool {
		signature.verify(payload, buyer) || signature.verify(&wrapped_payload(payload)[..], buyer)
	}

	/// Checks every token of `purchases`, signed by `buyer`, against the current state.
	pub fn validate_block(
		buyer: &T::AccountId,
		purchases: &BlockPurchases<T>,
	) -> Vec<PurchaseVerdictOf<T>> {
		Self::validate_in(buyer, purchases, &mut Scope::new())
	}

	/// Checks every token of `purchases`, signed by `buyer`, against the state as `scope`
	/// sees it; the ids and collateral its accepted purchases claim are added to `scope` (the
	/// caller settles them, and marks their tokens spent).
	pub(crate) fn validate_in(
		buyer: &T::AccountId,
		purchases: &BlockPurchases<T>,
		scope: &mut Scope<T>,
	) -> Vec<PurchaseVerdictOf<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		// The tokens seen so far in this token block, as bits per word.
		let mut seen_tokens = CursoredWords::default();
		let mut seen_ids = BTreeSet::<PurchaseId>::new();
		// The batch of the token before: a run's tokens share it.
		let mut last_batch: Option<(BatchId, Option<BatchOf<T>>)> = None;

		purchases
			.iter()
			.map(|BlockPurchase { purchase, prepaid }| {
				let (payload, id) = Self::purchase_payload(buyer, purchase);
				let whole = if scope.is_settled(&id) || !seen_ids.insert(id) {
					Some(InvalidReason::DoubleSold)
				} else if !Self::buyer_signed(buyer, &payload, &purchase.signature) {
					Some(InvalidReason::BadSignature)
				} else {
					None
				};

				let mut verdict: PurchaseVerdictOf<T> = PurchaseVerdict {
					id,
					merchant: purchase.merchant.clone(),
					prepaid: *prepaid,
					value: Zero::zero(),
					valid: BoundedVec::new(),
					invalid: BoundedVec::new(),
					accepted: false,
					expires_by: None,
				};
				let mut claims = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
				// Whether any of its tokens is issued and not expired.
				let mut live = false;
				for token in purchase.tokens.iter() {
					let seen = seen_tokens.word(token, || 0);
					let first_use = *seen & token.bit() == 0;
					*seen |= token.bit();
					if !matches!(&last_batch, Some((id, _)) if *id == token.batch) {
						last_batch = Some((token.batch, scope.batch(token.batch)));
					}
					let batch = last_batch.as_ref().and_then(|(_, batch)| batch.as_ref());
					if let Some(batch) = batch.filter(|batch| token.index < batch.count) {
						verdict.value = verdict.value.saturating_add(batch.value);
						verdict.expires_by = Some(
							verdict
								.expires_by
								.map_or(batch.expires_at, |at| at.max(batch.expires_at)),
						);
						live |= !batch.is_expired_at(&now);
					}
					let reason = whole.or_else(|| {
						if !first_use {
							return Some(InvalidReason::DoubleSpentInBlock);
						}
						Self::check_token(token, buyer, now, batch, scope, &claims)
					});
					// Both vectors are bounded like `purchase.tokens`, so pushes cannot fail.
					match (reason, batch) {
						(Some(reason), _) => {
							let _ = verdict.invalid.try_push((*token, reason));
						},
						(None, Some(batch)) => {
							match claims.get_mut(&batch.bank) {
								Some(claim) => *claim = claim.saturating_add(batch.value),
								None => {
									claims.insert(batch.bank.clone(), batch.value);
								},
							}
							let _ =
								verdict.valid.try_push((*token, batch.bank.clone(), batch.value));
						},
						(None, None) => {
							let _ = verdict.invalid.try_push((*token, InvalidReason::Unknown));
						},
					}
				}

				let double_sold = whole == Some(InvalidReason::DoubleSold);
				verdict.accepted =
					!double_sold && if verdict.prepaid { live } else { verdict.invalid.is_empty() };
				if verdict.accepted {
					scope.settled.insert(id);
					for (bank, amount) in claims {
						let total = scope.claimed.entry(bank).or_insert_with(Zero::zero);
						*total = total.saturating_add(amount);
					}
				}
				verdict
			})
			.collect()
	}

	/// The reason `token` cannot be spent by `buyer` now, if any (`batch` is its batch).
	fn check_token(
		token: &TokenId,
		buyer: &T::AccountId,
		now: BlockNumberFor<T>,
		batch: Option<&BatchOf<T>>,
		scope: &mut Scope<T>,
		claims: &BTreeMap<T::AccountId, BalanceOf<T>>,
	) -> Option<InvalidReason> {
		let Some(batch) = batch.filter(|batch| token.index < batch.count) else {
			return Some(InvalidReason::Unknown);
		};
		if batch.owner != *buyer {
			return Some(InvalidReason::NotOwned);
		}
		if batch.is_expired_at(&now) {
			return Some(InvalidReason::Expired);
		}
		if scope.is_spent(token) {
			return Some(InvalidReason::DoubleSpentOnChain);
		}
		let zero = BalanceOf::<T>::zero();
		let needed = scope
			.claimed
			.get(&batch.bank)
			.unwrap_or(&zero)
			.saturating_add(*claims.get(&batch.bank).unwrap_or(&zero))
			.saturating_add(batch.value);
		if scope.held_collateral(&batch.bank) < needed {
			return Some(InvalidReason::CollateralMissing);
		}
		None
	}
}

/// Bits per (batch, word) with the word last used held ahead of the map: a run's tokens
/// share their word, so they reach the map once per word instead of once per token.
#[derive(Default)]
struct CursoredWords {
	words: BTreeMap<(BatchId, u32), u128>,
	cursor: Option<((BatchId, u32), u128)>,
}

impl CursoredWords {
	/// The bits of `token`'s word; `load` gives them the first time the word is used.
	fn word(&mut self, token: &TokenId, load: impl FnOnce() -> u128) -> &mut u128 {
		let key = (token.batch, token.word());
		if !matches!(self.cursor, Some((at, _)) if at == key) {
			let bits = self.words.get(&key).copied().unwrap_or_else(load);
			if let Some((left, left_bits)) = self.cursor.replace((key, bits)) {
				self.words.insert(left, left_bits);
			}
		}
		// The cursor holds `key` now; `get_or_insert` only names it.
		let (_, bits) = self.cursor.get_or_insert((key, 0));
		bits
	}
}
