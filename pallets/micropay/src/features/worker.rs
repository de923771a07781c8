//! The auditor's offchain worker.
//!
//! On every imported block, for each buyer the node's front desk (RPC `micropay_*`) has a
//! record for ([`micropay_primitives::desk`], in persistent offchain storage):
//! 1. if the buyer's in-flight token block is settled on chain (the chain's next sequence
//!    number passed it), each of its purchases is marked settled or rejected, with the
//!    rejection reason when this block's events carry it;
//! 2. else if it is still in flight after `DeskResubmitAfter` blocks, it is sent again (its
//!    transaction may have been dropped; the sequence number lets only one copy settle);
//! 3. else if the open block reached the buyer's `W` or waited `DeskMaxBlockAge` blocks, it
//!    becomes the in-flight block, numbered with the chain's next sequence number, and is
//!    submitted as a signed `submit_block` from the auditor key.
//!
//! Each record changes by one compare-and-set, so the RPC threads and overlapping workers
//! never lose or duplicate a purchase, and the in-flight block is written before its
//! transaction is sent, so a crash at any point at worst delays a submission.

use crate::{crypto::AUDITOR_KEY_TYPE, pallet::*, BlockPurchase, InvalidReason, PurchaseId};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{
	offchain::{AppCrypto, SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use micropay_primitives::desk::{
	user_key, BlockLimits, ChainCheck, DeskPurchase, InFlight, Refusal, Resolution, UserDesk,
	USERS_KEY,
};
use sp_runtime::{
	offchain::storage::StorageValueRef, traits::IdentifyAccount, RuntimeAppPublic,
	SaturatedConversion,
};

/// A buyer's desk record in this runtime.
pub type DeskOf<T> =
	UserDesk<<T as frame_system::Config>::AccountId, <T as Config>::BuyerSignature>;
/// A purchase at the desk in this runtime.
pub type DeskPurchaseOf<T> =
	DeskPurchase<<T as frame_system::Config>::AccountId, <T as Config>::BuyerSignature>;

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

	/// Runs the worker for block `now` (see the module docs).
	pub(crate) fn run_auditor_worker(now: BlockNumberFor<T>) {
		let Some((public, auditor)) = Self::local_auditor() else {
			return;
		};
		let users: Vec<T::AccountId> =
			StorageValueRef::persistent(USERS_KEY).get().ok().flatten().unwrap_or_default();
		let now: u32 = now.saturated_into();
		for user in users {
			if let Some(block) = Self::advance_desk(&auditor, &user, now) {
				Self::send_block(&public, &user, block);
			}
		}
	}

	/// The first auditor key in the keystore whose account is a registered auditor.
	fn local_auditor() -> Option<(T::Public, T::AccountId)> {
		let keys = <T::AuthorityId as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic::all();
		keys.into_iter()
			.map(|key| {
				let generic: <T::AuthorityId as AppCrypto<T::Public, T::Signature>>::GenericPublic =
					key.into();
				let public: T::Public = generic.into();
				let account = public.clone().into_account();
				(public, account)
			})
			.find(|(_, account)| Auditors::<T>::contains_key(account))
	}

	/// Resolves, resubmits or forms `user`'s token block in one compare-and-set of its record;
	/// returns the block to send, if any.
	pub(crate) fn advance_desk(
		auditor: &T::AccountId,
		user: &T::AccountId,
		now: u32,
	) -> Option<InFlight<T::AccountId, T::BuyerSignature>> {
		let limits = Self::desk_limits();
		let chain_seq = NextBlockSeq::<T>::get(auditor, user);
		let w = Self::user_trust(auditor, user).state.block_size;
		let key = user_key(user);
		let record = StorageValueRef::persistent(&key);
		let mut send = None;
		let written = record.mutate::<DeskOf<T>, (), _>(|stored| {
			let mut desk = stored.ok().flatten().ok_or(())?;
			let resolved = desk.resolve(chain_seq, Self::resolution);
			send = if desk.resubmit_due(now, &limits) {
				desk.in_flight.as_mut().map(|block| {
					block.submitted_at = now;
					block.clone()
				})
			} else if desk.block_due(w, now, &limits) {
				Some(desk.take_block(chain_seq, now, &limits).clone())
			} else {
				None
			};
			// Nothing changed: leave the record alone (no write, no conflict).
			if !resolved && send.is_none() {
				return Err(());
			}
			Ok(desk)
		});
		// A concurrent change (the RPC admitting a purchase) wins; the next block retries.
		written.ok().and(send)
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

	/// Sends `block` of `user` as a signed `submit_block` from the auditor key `public`.
	fn send_block(
		public: &T::Public,
		user: &T::AccountId,
		block: InFlight<T::AccountId, T::BuyerSignature>,
	) {
		let Some(purchases) = Self::block_purchases(block.purchases) else {
			log::error!(target: LOG_TARGET, "block {} of {user:?} exceeds the runtime's bounds", block.seq);
			return;
		};
		let signer =
			Signer::<T, T::AuthorityId>::any_account().with_filter(alloc::vec![public.clone()]);
		let sent = signer.send_signed_transaction(|_| Call::submit_block {
			user: user.clone(),
			seq: block.seq,
			purchases: purchases.clone(),
		});
		match sent {
			Some((_, Ok(()))) => {
				log::info!(target: LOG_TARGET, "submitted block {} of {user:?}", block.seq)
			},
			Some((_, Err(()))) => log::warn!(
				target: LOG_TARGET,
				"the pool refused block {} of {user:?}; it will be sent again",
				block.seq
			),
			None => log::error!(target: LOG_TARGET, "no {AUDITOR_KEY_TYPE:?} key can sign"),
		}
	}

	/// The desk's purchases as `submit_block` takes them.
	fn block_purchases(purchases: Vec<DeskPurchaseOf<T>>) -> Option<BlockPurchases<T>> {
		purchases.into_iter().map(Self::block_purchase).collect::<Option<Vec<_>>>()?.try_into().ok()
	}

	/// A desk purchase as a block purchase, if it fits the runtime's bounds.
	fn block_purchase(purchase: DeskPurchaseOf<T>) -> Option<BlockPurchaseOf<T>> {
		Some(BlockPurchase {
			merchant: purchase.merchant,
			item: purchase.item,
			created_at: purchase.created_at,
			tokens: BoundedVec::try_from(purchase.tokens).ok()?,
			signature: purchase.signature,
			prepaid: purchase.prepaid,
		})
	}

	/// The front desk's check of one purchase of `buyer` against the chain, by the rules of
	/// `submit_block` (as a held purchase alone in a block): its id, or the first reason to
	/// refuse it.
	pub fn check_purchase(
		buyer: &T::AccountId,
		purchase: DeskPurchaseOf<T>,
	) -> Result<PurchaseId, Refusal> {
		let held = DeskPurchase { prepaid: false, ..purchase };
		let block: BlockPurchases<T> = Self::block_purchase(held)
			.and_then(|purchase| BoundedVec::try_from(alloc::vec![purchase]).ok())
			.filter(|block| block.iter().all(|purchase| !purchase.tokens.is_empty()))
			.ok_or(Refusal::BadSize)?;
		let verdict = Self::validate_block(buyer, &block).pop().ok_or(Refusal::BadSize)?;
		match verdict.invalid.first() {
			Some((token, reason)) => Err(Refusal::Invalid(*token, *reason)),
			None => Ok(verdict.id),
		}
	}

	/// Everything the front desk needs from the chain about a purchase of `buyer` handed to
	/// `auditor`, in one runtime call (see `MicropayApi::desk_check`).
	pub fn desk_check(
		auditor: &T::AccountId,
		buyer: &T::AccountId,
		purchase: DeskPurchaseOf<T>,
	) -> ChainCheck {
		let limits = Self::desk_limits();
		let size = purchase.tokens.len() as u32;
		let verdict = if size == 0 || size > limits.max_tokens_per_purchase {
			Err(Refusal::BadSize)
		} else {
			Self::check_purchase(buyer, purchase)
		};
		ChainCheck {
			verdict,
			block_size: Self::user_trust(auditor, buyer).state.block_size,
			limits,
		}
	}
}
