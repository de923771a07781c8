//! The auditor's offchain worker, and the chain checks its front desk asks for.
//!
//! On every imported block, for each buyer in the desk's list ([`micropay_primitives::desk`],
//! in persistent offchain storage), in one compare-and-set of the buyer's record:
//! 1. once the chain's next sequence number passed the in-flight token block, it is resolved
//!    **by content**: if the chain's last token block of (auditor, buyer) is ours (same
//!    sequence number and content hash), each purchase is settled or rejected (with the
//!    reason this block's events carry); otherwise another block took the number (a second
//!    node on our key, a block sent by hand), so only what the chain settled is settled and
//!    the rest goes back to the open block;
//! 2. else if it is still in flight after `DeskResubmitAfter` blocks it is sent again, and
//!    after `MAX_SENDS` sends it is re-formed with the current sequence number and `W`, so a
//!    token block the chain refuses whole is never resent forever;
//! 3. else if the open block reached the buyer's `W` or waited `DeskMaxBlockAge` blocks, it
//!    becomes the in-flight block.
//!
//! The token blocks to send, of all buyers, then go out together: as few signed
//! `submit_blocks` as `MaxBlocksPerCall` and `MaxPurchasesPerCall` allow, so the chain pays
//! its per-extrinsic work once for many buyers.
//!
//! Then it records the resolutions in the buyer's `ResolvedLog` (apart from the record, which
//! holds only what is pending, so an admission's read and rewrite do not grow with the
//! buyer's history), releases the resolved promises from the auditor's exposure, collects
//! the index keys of purchases the log forgot, and takes idle buyers off the list. A record
//! of the old layout (resolutions inside) has them moved to the log on its next write.
//!
//! The in-flight block is written before its transaction is sent, so a crash at any point at
//! worst delays a submission.

use crate::{
	crypto::AUDITOR_KEY_TYPE, pallet::*, AuditorStatus, BlockPurchase, BuyerRecord, InvalidReason,
	PurchaseId, TokenBlock,
};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, InspectHold},
	traits::tokens::{DepositConsequence, Provenance},
	BoundedVec,
};
use frame_system::{
	offchain::{AppCrypto, SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use micropay_primitives::{
	desk::{
		choose_auditor_key, listed_key, purchase_key, resolved_key, settle_horizon, user_key,
		BlockLimits, ChainCheck, DeskPurchase, InFlight, Refusal, Resolution, Resolved,
		ResolvedLog, SettledTokenBlock, UserDesk, RELEASED_KEY, USERS_KEY,
	},
	purchase::SignedPurchase,
	risk::merchant_payout,
	token::TokenId,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageValueRef},
	traits::{IdentifyAccount, Saturating},
	RuntimeAppPublic, SaturatedConversion,
};

/// A buyer's desk record in this runtime.
pub type DeskOf<T> =
	UserDesk<<T as frame_system::Config>::AccountId, <T as Config>::BuyerSignature>;
/// A purchase at the desk in this runtime.
pub type DeskPurchaseOf<T> =
	DeskPurchase<<T as frame_system::Config>::AccountId, <T as Config>::BuyerSignature>;
/// A signed purchase as the desk receives it (tokens in a plain vector).
pub type DeskSignedOf<T> = SignedPurchase<
	<T as frame_system::Config>::AccountId,
	<T as Config>::BuyerSignature,
	Vec<TokenId>,
>;

/// Log target of the worker.
const LOG_TARGET: &str = "micropay::auditor";

impl<T: Config> Pallet<T> {
	/// The limits the desk and the worker form blocks within.
	pub fn desk_limits() -> BlockLimits {
		BlockLimits {
			max_tokens: T::MaxBlockTokens::get(),
			max_purchases: T::MaxPurchasesPerBlock::get(),
			max_tokens_per_purchase: T::MaxTokensPerPurchase::get(),
			max_age: T::DeskMaxBlockAge::get(),
			resubmit_after: T::DeskResubmitAfter::get(),
		}
	}

	/// The auditor a node with auditor keys `candidates` serves, by the rule its desk and its
	/// worker share ([`choose_auditor_key`]): the smallest that is a registered auditor.
	pub fn desk_auditor(candidates: &[T::AccountId]) -> Option<T::AccountId> {
		choose_auditor_key(candidates, |account| Auditors::<T>::contains_key(account))
	}

	/// Runs the worker for block `now` (see the module docs).
	pub(crate) fn run_auditor_worker(now: BlockNumberFor<T>) {
		let Some((public, auditor)) = Self::local_auditor() else {
			return;
		};
		let buyers: Vec<T::AccountId> =
			StorageValueRef::persistent(USERS_KEY).get().ok().flatten().unwrap_or_default();
		let now: u32 = now.saturated_into();
		let mut due = Vec::new();
		for buyer in buyers {
			if let Some(block) = Self::advance_desk(&auditor, &buyer, now) {
				match Self::block_purchases(block.purchases) {
					Some(purchases) => {
						due.push(TokenBlock { buyer, seq: block.seq, purchases });
					},
					None => log::error!(
						target: LOG_TARGET,
						"block {} of {buyer:?} exceeds the runtime's bounds",
						block.seq
					),
				}
			}
		}
		for call in Self::into_calls(due) {
			Self::send_blocks(&public, call);
		}
	}

	/// `blocks` in as few `submit_blocks` as the runtime's bounds allow, in order.
	pub(crate) fn into_calls(blocks: Vec<TokenBlockOf<T>>) -> Vec<TokenBlocksOf<T>> {
		let mut calls = Vec::new();
		let mut call = TokenBlocksOf::<T>::new();
		let mut purchases = 0u32;
		for block in blocks {
			let more = block.purchases.len() as u32;
			let full = call.len() as u32 >= T::MaxBlocksPerCall::get()
				|| purchases.saturating_add(more) > T::MaxPurchasesPerCall::get();
			if full && !call.is_empty() {
				calls.push(core::mem::take(&mut call));
				purchases = 0;
			}
			purchases = purchases.saturating_add(more);
			// Cannot fail: the call was emptied when full, and the runtime checks that a
			// full token block fits one call.
			let _ = call.try_push(block);
		}
		if !call.is_empty() {
			calls.push(call);
		}
		calls
	}

	/// The keystore's auditor key that [`Self::desk_auditor`] chooses, with its account.
	fn local_auditor() -> Option<(T::Public, T::AccountId)> {
		let keys: Vec<(T::Public, T::AccountId)> =
			<T::AuthorityId as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic::all()
				.into_iter()
				.map(|key| {
					let generic: <T::AuthorityId as AppCrypto<T::Public, T::Signature>>::GenericPublic =
						key.into();
					let public: T::Public = generic.into();
					let account = public.clone().into_account();
					(public, account)
				})
				.collect();
		let accounts: Vec<T::AccountId> = keys.iter().map(|(_, account)| account.clone()).collect();
		let chosen = Self::desk_auditor(&accounts)?;
		keys.into_iter().find(|(_, account)| *account == chosen)
	}

	/// Resolves, resubmits or forms `buyer`'s token block in one compare-and-set of its record;
	/// returns the block to send, if any.
	pub(crate) fn advance_desk(
		auditor: &T::AccountId,
		buyer: &T::AccountId,
		now: u32,
	) -> Option<InFlight<T::AccountId, T::BuyerSignature>> {
		let limits = Self::desk_limits();
		let BuyerRecord { trust, next_seq: chain_seq, last } = Self::buyer_record(auditor, buyer);
		let last =
			last.map(|summary| SettledTokenBlock { seq: summary.seq, content: summary.content });
		let w = trust.state.block_size;
		let key = user_key(buyer);
		let record = StorageValueRef::persistent(&key);
		let mut send = None;
		let mut resolved = None;
		let mut legacy = Vec::new();
		let mut idle = false;
		let written = record.mutate::<DeskOf<T>, (), _>(|stored| {
			let mut desk = stored.ok().flatten().ok_or(())?;
			let before = desk.clone();
			// A record of the old layout: its resolutions move to the log.
			legacy = core::mem::take(&mut desk.resolved);
			resolved = desk.resolve(chain_seq, last, Self::resolution);
			if desk.resubmit_due(now, &limits) {
				send = desk.resend(now);
			}
			if send.is_none() && desk.block_due(w, now, &limits) {
				send = Some(desk.take_block(chain_seq, now, &limits, trust.prepaid_limit).clone());
			}
			idle = desk.is_idle();
			// Nothing changed: leave the record alone (no write, no conflict).
			if desk == before {
				return Err(());
			}
			Ok(desk)
		});
		match written {
			Ok(_) => {
				let outcomes = resolved.iter().flat_map(|done| done.resolved.iter());
				legacy.extend(outcomes.map(|(id, outcome, _)| (*id, *outcome)));
				Self::log_resolutions(buyer, legacy);
				if let Some(done) = resolved {
					Self::release_promises(&done);
				}
			},
			// Unchanged (or no record): nothing to send or release.
			Err(MutateStorageError::ValueFunctionFailed(())) => send = None,
			// A concurrent change (the RPC admitting a purchase) wins; the next block retries.
			Err(MutateStorageError::ConcurrentModification(_)) => return None,
		}
		if idle {
			Self::forget_idle_buyer(buyer, &key);
		}
		send
	}

	/// Appends `outcomes` to `buyer`'s resolution log and collects the index keys of the ids
	/// it forgets. Only workers write the log; two running at once retry until one write
	/// holds both (each outcome comes from one successful write of the record, so none is
	/// logged twice).
	fn log_resolutions(buyer: &T::AccountId, outcomes: Vec<(PurchaseId, Resolution)>) {
		if outcomes.is_empty() {
			return;
		}
		let key = resolved_key(buyer);
		let log = StorageValueRef::persistent(&key);
		let mut forgotten = Vec::new();
		while log
			.mutate::<ResolvedLog, (), _>(|stored| {
				// An unreadable log is started afresh: it only serves the status RPC.
				let mut log = stored.ok().flatten().unwrap_or_default();
				forgotten = log.record(outcomes.iter().copied());
				Ok(log)
			})
			.is_err()
		{}
		for id in &forgotten {
			StorageValueRef::persistent(&purchase_key(id)).clear();
		}
	}

	/// Releases resolved promises from the exposure.
	fn release_promises(done: &Resolved) {
		let released: u128 = done
			.resolved
			.iter()
			.filter(|(_, resolution, _)| resolution.releases_promise())
			.map(|(_, _, promised)| *promised)
			.sum();
		if released > 0 {
			let counter = StorageValueRef::persistent(RELEASED_KEY);
			let _ = counter.mutate::<u128, (), _>(|total| {
				Ok(total.ok().flatten().unwrap_or(0).saturating_add(released))
			});
		}
	}

	/// Takes `buyer` off the worker's list when nothing of it waits; puts it back if the desk
	/// admitted a purchase meanwhile (the desk registers a buyer after admitting, so one of
	/// the two always sees the other's write). Its mark ([`listed_key`]) is cleared first and
	/// set again only once it is back on the list.
	fn forget_idle_buyer(buyer: &T::AccountId, key: &[u8]) {
		let mark = listed_key(buyer);
		let mut listed = StorageValueRef::persistent(&mark);
		listed.clear();
		let list = StorageValueRef::persistent(USERS_KEY);
		let _ = list.mutate::<Vec<T::AccountId>, (), _>(|buyers| {
			let mut buyers = buyers.ok().flatten().unwrap_or_default();
			buyers.retain(|listed| listed != buyer);
			Ok(buyers)
		});
		let busy = StorageValueRef::persistent(key)
			.get::<DeskOf<T>>()
			.ok()
			.flatten()
			.is_some_and(|desk| !desk.is_idle());
		// Putting a busy buyer back must not lose to a concurrent write of the list.
		if !busy {
			return;
		}
		while list
			.mutate::<Vec<T::AccountId>, (), _>(|buyers| {
				let mut buyers = buyers.ok().flatten().unwrap_or_default();
				if !buyers.contains(buyer) {
					buyers.push(buyer.clone());
				}
				Ok(buyers)
			})
			.is_err()
		{}
		listed.set(&true);
	}

	/// What became of a purchase of a block the chain has settled.
	fn resolution(id: &PurchaseId) -> Resolution {
		if SettledPurchases::<T>::contains_key(id) {
			return Resolution::Settled;
		}
		let reason = frame_system::Pallet::<T>::read_events_no_consensus()
			.find_map(|record| {
				let event: Option<Event<T>> = record.event.clone().try_into().ok();
				match event {
					Some(Event::PurchaseRejected { purchase, reason, .. }) if purchase == *id => {
						Some(reason)
					},
					_ => None,
				}
			})
			.unwrap_or(InvalidReason::Unknown);
		Resolution::Rejected(reason)
	}

	/// The distinct banks of the tokens of `blocks` (the `submit_blocks` witness); a token of
	/// an unknown batch redeems nothing.
	pub(crate) fn banks_of(blocks: &TokenBlocksOf<T>) -> u32 {
		let batches = blocks
			.iter()
			.flat_map(|block| block.purchases.iter())
			.flat_map(|entry| entry.purchase.tokens.iter().map(|token| token.batch))
			.collect::<alloc::collections::BTreeSet<_>>();
		batches
			.into_iter()
			.filter_map(|batch| Batches::<T>::get(batch).map(|batch| batch.bank))
			.collect::<alloc::collections::BTreeSet<_>>()
			.len() as u32
	}

	/// Sends `blocks` as one signed `submit_blocks` from the auditor key `public`.
	fn send_blocks(public: &T::Public, blocks: TokenBlocksOf<T>) {
		let signer =
			Signer::<T, T::AuthorityId>::any_account().with_filter(alloc::vec![public.clone()]);
		let count = blocks.len();
		let banks = Self::banks_of(&blocks);
		let sent = signer
			.send_signed_transaction(|_| Call::submit_blocks { blocks: blocks.clone(), banks });
		match sent {
			Some((_, Ok(()))) => {
				log::info!(target: LOG_TARGET, "submitted {count} token block(s) in one extrinsic")
			},
			Some((_, Err(()))) => log::warn!(
				target: LOG_TARGET,
				"the pool refused {count} token block(s); they will be sent again or re-formed"
			),
			None => log::error!(target: LOG_TARGET, "no {AUDITOR_KEY_TYPE:?} key can sign"),
		}
	}

	/// The desk's purchases as `submit_blocks` takes them (tokens as runs).
	fn block_purchases(purchases: Vec<DeskPurchaseOf<T>>) -> Option<SubmittedPurchases<T>> {
		purchases
			.into_iter()
			.map(|entry| Some(Self::block_purchase(entry.purchase, entry.prepaid)?.with_runs()))
			.collect::<Option<Vec<_>>>()?
			.try_into()
			.ok()
	}

	/// A desk purchase as a block purchase, if it fits the runtime's bounds.
	fn block_purchase(purchase: DeskSignedOf<T>, prepaid: bool) -> Option<BlockPurchaseOf<T>> {
		let purchase = purchase.map_tokens(|tokens| BoundedVec::try_from(tokens).ok())?;
		Some(BlockPurchase { purchase, prepaid })
	}

	/// The front desk's check of one purchase of `buyer` against the chain, by the rules of
	/// `submit_block` (as a held purchase alone in a block): its id and the face value of its
	/// tokens, or the first reason to refuse it.
	pub fn check_purchase(
		buyer: &T::AccountId,
		purchase: DeskSignedOf<T>,
	) -> Result<(PurchaseId, BalanceOf<T>), Refusal> {
		let block: BlockPurchases<T> = Self::block_purchase(purchase, false)
			.and_then(|purchase| BoundedVec::try_from(alloc::vec![purchase]).ok())
			.filter(|block| block.iter().all(|entry| !entry.purchase.tokens.is_empty()))
			.ok_or(Refusal::BadSize)?;
		let verdict = Self::validate_block(buyer, &block).pop().ok_or(Refusal::BadSize)?;
		match verdict.invalid.first() {
			Some((token, reason)) => Err(Refusal::Invalid(*token, *reason)),
			None => Ok((verdict.id, verdict.value)),
		}
	}

	/// The first token of `tokens` that expires within `horizon` blocks of `now`.
	fn expiring_within(
		tokens: &[TokenId],
		now: BlockNumberFor<T>,
		horizon: u32,
	) -> Option<TokenId> {
		let settled_by = now.saturating_add(horizon.into());
		tokens.iter().copied().find(|token| {
			Batches::<T>::get(token.batch).is_some_and(|batch| batch.expires_at <= settled_by)
		})
	}

	/// Everything the front desk of `auditor` needs from the chain about a purchase of
	/// `buyer`, in one runtime call (see `MicropayApi::desk_check`): the verdict by the rules
	/// of `submit_block`, refusing also a purchase naming another auditor, an auditor that is
	/// not active, and tokens that expire before a token block could settle
	/// ([`settle_horizon`]); the buyer's `W`; the amount due to the merchant; and what backs
	/// the auditor's promises.
	pub fn desk_check(
		auditor: &T::AccountId,
		buyer: &T::AccountId,
		purchase: DeskSignedOf<T>,
	) -> ChainCheck {
		let limits = Self::desk_limits();
		let info = Auditors::<T>::get(auditor);
		let size = purchase.tokens.len() as u32;
		let now = frame_system::Pallet::<T>::block_number();
		let tokens = purchase.tokens.clone();
		let named = purchase.auditor.clone();
		let merchant = purchase.merchant.clone();
		let verdict = if !info.is_some_and(|info| info.status == AuditorStatus::Active) {
			Err(Refusal::AuditorInactive)
		} else if named != *auditor {
			Err(Refusal::WrongAuditor)
		} else if size == 0 || size > limits.max_tokens_per_purchase {
			Err(Refusal::BadSize)
		} else {
			Self::check_purchase(buyer, purchase).and_then(|checked| {
				match Self::expiring_within(&tokens, now, settle_horizon(&limits)) {
					Some(token) => Err(Refusal::ExpiresTooSoon(token)),
					None => Ok(checked),
				}
			})
		};
		let rho = info.map(|info| info.rho).unwrap_or_default();
		let amount_due = verdict
			.as_ref()
			.map_or(0, |(_, value)| merchant_payout((*value).saturated_into(), rho));
		let receivable =
			T::Currency::can_deposit(&merchant, amount_due.saturated_into(), Provenance::Extant)
				== DepositConsequence::Success;
		let verdict = verdict.and_then(|checked| {
			if amount_due > 0 && !receivable {
				Err(Refusal::MerchantCannotReceive)
			} else {
				Ok(checked)
			}
		});
		let claim_cost = amount_due.saturating_add(T::ReceiptPenalty::get() * amount_due);
		let cover: u128 =
			T::Currency::balance_on_hold(&HoldReason::AuditorBond.into(), auditor).saturated_into();
		ChainCheck {
			verdict: verdict.map(|(id, _)| id),
			block_size: Self::buyer_trust(auditor, buyer).state.block_size,
			limits,
			amount_due,
			claim_cost,
			cover,
		}
	}
}
