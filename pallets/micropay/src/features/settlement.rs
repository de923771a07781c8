//! `submit_blocks` / `submit_block`: each token block's checks of form, then validation, then
//! moving the money — once per extrinsic, however many token blocks it carries.
//!
//! An extrinsic carries many buyers' token blocks (protocol v2.1, `docs/protocol.md`,
//! "Token blocks in bulk"). Each token block is checked and validated in turn, against the
//! state the earlier ones left (their spent tokens, claimed collateral and settled purchases
//! are seen through one shared [`Scope`]); its buyer's records (sequence number, last outcome,
//! trust) are written at once, so a buyer's next token block in the same extrinsic follows it.
//! What all of them owe is settled once at the end ([`CallLedger`]): one collateral transfer
//! per bank, one payout per merchant, one write per spent-bitmap word (and none to the
//! batch), one page of settled
//! purchase ids per expiry epoch, and the auditor's record and risk once.
//!
//! A token block refused for its form or sequence number (`TokenBlockRefused`) changes
//! nothing and does not stop the others: one buyer's fault never blocks another. If the
//! auditor cannot pay, or held funds are missing, the extrinsic fails whole and nothing of it
//! is kept. A payout the merchant's account cannot receive does not fail anything: it is held
//! on the auditor as the merchant's credit (`features::credits`).

use crate::{
	features::validation::{PurchaseVerdictOf, Scope},
	pallet::*,
	BlockPurchase, TokenBlockSummary,
};
use alloc::{collections::BTreeMap, collections::BTreeSet, vec::Vec};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use micropay_primitives::{
	desk::settle_horizon,
	purchase::{may_prepay, token_block_content, PurchaseId},
	risk::{block_risk, merchant_payout, PurchaseBooks},
	token::{counted_runs, expand_runs, run_words, BatchId, InvalidReason, RunError},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

/// Settled purchase ids are forgotten per epoch of this many blocks: an id's forget block is
/// rounded up to the epoch's end, so one extrinsic's ids share one page of
/// [`SettledByExpiry`] (kept a little longer, never shorter).
pub const SETTLED_EPOCH: u32 = 16;

/// What an extrinsic of token blocks' weight depends on, counted from its arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallShape {
	/// Token blocks (one buyer's records each).
	pub blocks: u32,
	/// Purchases (one signature check and settled id each).
	pub purchases: u32,
	/// Tokens.
	pub tokens: u32,
	/// Distinct `(batch, word)` pairs of the spent bitmap (one word read and written each).
	pub words: u32,
	/// Distinct merchants (one payout each).
	pub merchants: u32,
	/// Distinct batches: an upper bound on the banks paid (one collateral transfer each).
	pub banks: u32,
	/// Tokens that may turn out invalid (all of them, before dispatch).
	pub invalid: u32,
}

/// What the token blocks of one extrinsic owe, settled once at its end.
pub(crate) struct CallLedger<T: Config> {
	/// Value of redeemed tokens per bank.
	redemptions: BTreeMap<T::AccountId, BalanceOf<T>>,
	/// Payouts per merchant.
	payouts: BTreeMap<T::AccountId, BalanceOf<T>>,
	/// Spent-bitmap words changed, with their new bits.
	words: BTreeMap<(BatchId, u32), u128>,
	/// Settled purchase ids per forget epoch.
	settled: BTreeMap<BlockNumberFor<T>, Vec<PurchaseId>>,
	/// The auditor's cumulative risk, read once.
	auditor_risk: i128,
}

/// What one extrinsic of token blocks did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallOutcome {
	/// Token blocks refused whole (`TokenBlockRefused`).
	pub refused: u32,
	/// Invalid tokens over all settled token blocks.
	pub invalid: u32,
	/// Distinct banks whose collateral was redeemed.
	pub banks: u32,
	/// Token blocks of buyers the auditor kept no record of (a record deposit held).
	pub new_buyers: u32,
}

impl CallShape {
	/// This shape with at most `banks` banks (a `submit_blocks` witness).
	pub fn with_banks(mut self, banks: u32) -> Self {
		self.banks = self.banks.min(banks);
		self
	}
}

impl<T: Config> Pallet<T> {
	/// The [`CallShape`] of `blocks`, before dispatch (every token counted as possibly invalid,
	/// every batch as possibly its own bank).
	///
	/// A purchase is counted for at most `MaxTokensPerPurchase` tokens, however many its runs
	/// claim: runs holding more are refused (`PurchaseTooLarge`) before any token is checked.
	pub fn call_shape<'a>(
		blocks: impl IntoIterator<Item = &'a SubmittedPurchases<T>>,
	) -> CallShape {
		let mut shape = CallShape::default();
		let mut words = BTreeSet::new();
		let mut batches = BTreeSet::new();
		let mut merchants = BTreeSet::new();
		let max = T::MaxTokensPerPurchase::get();
		for purchases in blocks {
			shape.blocks = shape.blocks.saturating_add(1);
			for BlockPurchase { purchase, .. } in purchases.iter() {
				shape.purchases = shape.purchases.saturating_add(1);
				merchants.insert(&purchase.merchant);
				for (run, counted) in counted_runs(&purchase.tokens, max) {
					shape.tokens = shape.tokens.saturating_add(counted);
					words.extend(run_words(run, counted).map(|word| (run.batch, word)));
					batches.insert(run.batch);
				}
			}
		}
		shape.words = words.len() as u32;
		shape.banks = batches.len() as u32;
		shape.merchants = merchants.len() as u32;
		shape.invalid = shape.tokens;
		shape
	}

	/// Validates and settles `blocks`, all submitted by `auditor`. With `strict`, a refused
	/// token block fails the extrinsic with its error (`submit_block`); otherwise it is
	/// skipped with `TokenBlockRefused` (`submit_blocks`). `max_banks` is the call's witness
	/// of the distinct banks it redeems from, checked before any bank is paid.
	///
	/// # Errors
	/// `NotAuditor`; `TooManyPurchases`; with `strict`, a token block's own error (see
	/// [`Self::settle_token_block`]); `TooManyBanks`; `AuditorCannotPay` or `HoldMismatch`
	/// when settling. On error nothing is kept.
	pub(crate) fn do_submit_blocks(
		auditor: T::AccountId,
		blocks: Vec<(T::AccountId, u32, SubmittedPurchases<T>)>,
		strict: bool,
		max_banks: Option<u32>,
	) -> Result<CallOutcome, DispatchError> {
		let mut info = Self::auditor(&auditor)?;
		let purchases = blocks
			.iter()
			.fold(0u32, |sum, (_, _, purchases)| sum.saturating_add(purchases.len() as u32));
		ensure!(purchases <= T::MaxPurchasesPerCall::get(), Error::<T>::TooManyPurchases);
		let bond_before = info.bond;
		let mut scope = Scope::<T>::new();
		let mut ledger = CallLedger::<T> {
			redemptions: BTreeMap::new(),
			payouts: BTreeMap::new(),
			words: BTreeMap::new(),
			settled: BTreeMap::new(),
			auditor_risk: AuditorRisk::<T>::get(&auditor),
		};
		let mut outcome = CallOutcome::default();
		for (buyer, seq, purchases) in blocks {
			match Self::settle_token_block(
				&auditor,
				&mut info,
				&buyer,
				seq,
				purchases,
				&mut scope,
				&mut ledger,
			) {
				Ok((summary, new_buyer)) => {
					outcome.invalid = outcome.invalid.saturating_add(summary.invalid.total());
					outcome.new_buyers = outcome.new_buyers.saturating_add(u32::from(new_buyer));
				},
				Err(error) if strict => return Err(error),
				Err(error) => {
					outcome.refused = outcome.refused.saturating_add(1);
					Self::deposit_event(Event::TokenBlockRefused { buyer, seq, error });
				},
			}
		}
		outcome.banks = ledger.redemptions.len() as u32;
		ensure!(max_banks.is_none_or(|max| outcome.banks <= max), Error::<T>::TooManyBanks);
		Self::settle_ledger(&auditor, &mut info, ledger)?;
		if info.bond != bond_before {
			Auditors::<T>::insert(&auditor, info);
		}
		Ok(outcome)
	}

	/// Checks one token block of `buyer`, validates it against `scope` and books what it owes
	/// in `ledger`; writes the buyer's records and emits its events. Returns its summary and
	/// whether the buyer was new to the auditor.
	///
	/// # Errors
	/// The run errors of [`Self::expand_purchases`]; the form errors of
	/// [`Self::ensure_well_formed`]; `WrongBlockSequence`; `InsufficientBalance` (the buyer
	/// record's deposit). A refused token block changes nothing but, when its deposit could not
	/// be held, the bond released toward it.
	fn settle_token_block(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		buyer: &T::AccountId,
		seq: u32,
		purchases: SubmittedPurchases<T>,
		scope: &mut Scope<T>,
		ledger: &mut CallLedger<T>,
	) -> Result<(TokenBlockSummary<BalanceOf<T>>, bool), DispatchError> {
		let purchases = &Self::expand_purchases(purchases)?;
		// The buyer's record is read once (prepaid limit, sequence number, whether the buyer is
		// new) and written once, by `update_trust`.
		let stored = BuyerRecords::<T>::get(auditor, buyer);
		let new_buyer = stored.is_none();
		let record = stored.unwrap_or_else(Self::new_buyer_record);
		Self::ensure_well_formed(auditor, purchases, record.trust.prepaid_limit)?;
		ensure!(record.next_seq == seq, Error::<T>::WrongBlockSequence);
		let next_seq = seq.checked_add(1).ok_or(sp_runtime::ArithmeticError::Overflow)?;
		if new_buyer {
			Self::hold_record_deposit(auditor, info)?;
		}

		let verdicts = Self::validate_in(buyer, purchases, scope);
		let mut summary = Self::book(info, seq, &verdicts, scope, ledger);
		summary.content = token_block_content(verdicts.iter().map(|verdict| &verdict.id));
		Self::deposit_event(Event::TokenBlockValidated {
			auditor: auditor.clone(),
			buyer: buyer.clone(),
			summary,
		});
		ledger.auditor_risk = ledger.auditor_risk.saturating_add(summary.risk);
		Self::update_trust(
			auditor.clone(),
			buyer.clone(),
			record,
			&summary,
			next_seq,
			ledger.auditor_risk,
		);
		Ok((summary, new_buyer))
	}

	/// The purchases of a token block with their tokens as the buyer signed them: each
	/// purchase's runs expanded into its id list.
	///
	/// # Errors
	/// `EmptyTokenRun`, `TokenRunOverflow`, `PurchaseTooLarge` (more than
	/// `MaxTokensPerPurchase` tokens), found before anything is allocated for the ids.
	pub(crate) fn expand_purchases(
		purchases: SubmittedPurchases<T>,
	) -> Result<BlockPurchases<T>, Error<T>> {
		let max = T::MaxTokensPerPurchase::get();
		let expanded = purchases
			.into_iter()
			.map(|BlockPurchase { purchase, prepaid }| {
				let purchase = purchase.try_map_tokens(|runs| {
					expand_runs(&runs, max).map(BoundedVec::truncate_from).map_err(|error| {
						match error {
							RunError::EmptyRun => Error::<T>::EmptyTokenRun,
							RunError::RunOverflow => Error::<T>::TokenRunOverflow,
							RunError::TooManyTokens => Error::<T>::PurchaseTooLarge,
						}
					})
				})?;
				Ok(BlockPurchase { purchase, prepaid })
			})
			.collect::<Result<Vec<_>, Error<T>>>()?;
		// As many purchases as the submitted block, which is bounded alike.
		Ok(BoundedVec::truncate_from(expanded))
	}

	/// Rejects a malformed block before any token is looked at. `prepaid_limit` is the buyer's
	/// block size `W` (or, if the auditor lowered `W` since the buyer's last block, the `W`
	/// its promises were made under: [`crate::UserTrust::prepaid_limit`]): a purchase may be prepaid
	/// only if the block, with it, still holds fewer tokens (the purchase that reaches `W` is
	/// held, so `W = 1` holds every purchase). Held purchases may come anywhere, e.g. first:
	/// those that arrived while the buyer's previous block was being validated.
	///
	/// # Errors
	/// `EmptyBlock`, `EmptyPurchase`, `WrongAuditor` (a purchase signed for another auditor),
	/// `PrepaidBeyondBlockSize`, `TooManyTokens`.
	fn ensure_well_formed(
		auditor: &T::AccountId,
		purchases: &BlockPurchases<T>,
		prepaid_limit: u32,
	) -> DispatchResult {
		ensure!(!purchases.is_empty(), Error::<T>::EmptyBlock);
		let mut tokens = 0u32;
		for BlockPurchase { purchase, prepaid } in purchases {
			ensure!(purchase.auditor == *auditor, Error::<T>::WrongAuditor);
			ensure!(!purchase.tokens.is_empty(), Error::<T>::EmptyPurchase);
			tokens = tokens.saturating_add(purchase.tokens.len() as u32);
			ensure!(
				!prepaid || may_prepay(tokens, prepaid_limit),
				Error::<T>::PrepaidBeyondBlockSize
			);
		}
		ensure!(tokens <= T::MaxBlockTokens::get(), Error::<T>::TooManyTokens);
		Ok(())
	}

	/// Books one validated token block: valid tokens of accepted purchases are marked spent
	/// (in `scope`, for the token blocks after it, and in `ledger`) and their value owed to the
	/// auditor, merchants' payouts are owed, settled ids are recorded; emits the purchases'
	/// events. Returns the block's summary (all but its content).
	fn book(
		info: &AuditorInfoOf<T>,
		seq: u32,
		verdicts: &[PurchaseVerdictOf<T>],
		scope: &mut Scope<T>,
		ledger: &mut CallLedger<T>,
	) -> TokenBlockSummary<BalanceOf<T>> {
		let mut summary = TokenBlockSummary::<BalanceOf<T>> {
			seq,
			purchases: verdicts.len() as u32,
			..Default::default()
		};
		let now = frame_system::Pallet::<T>::block_number();
		for verdict in verdicts {
			summary.tokens = summary
				.tokens
				.saturating_add(verdict.valid.len() as u32)
				.saturating_add(verdict.invalid.len() as u32);
			summary.valid = summary.valid.saturating_add(verdict.valid.len() as u32);
			for (_, reason) in verdict.invalid.iter() {
				summary.invalid.record(*reason);
			}
			if !verdict.invalid.is_empty() {
				Self::deposit_event(Event::InvalidTokens {
					purchase: verdict.id,
					tokens: verdict.invalid.clone(),
				});
			}
			if !verdict.accepted {
				summary.rejected = summary.rejected.saturating_add(1);
				let reason =
					verdict.invalid.first().map_or(InvalidReason::Unknown, |(_, reason)| *reason);
				Self::deposit_event(Event::PurchaseRejected {
					purchase: verdict.id,
					merchant: verdict.merchant.clone(),
					reason,
				});
				continue;
			}
			// A run's tokens share their word and bank: each reaches the ledger once per run.
			let mut word: Option<((BatchId, u32), u128)> = None;
			let mut redeemed: Option<(&T::AccountId, BalanceOf<T>)> = None;
			for (token, bank, value) in verdict.valid.iter() {
				let bits = scope.mark_spent(token);
				let key = (token.batch, token.word());
				if let Some((left, left_bits)) =
					word.replace((key, bits)).filter(|(at, _)| *at != key)
				{
					ledger.words.insert(left, left_bits);
				}
				match &mut redeemed {
					Some((at, sum)) if *at == bank => *sum = sum.saturating_add(*value),
					_ => {
						if let Some((left, sum)) = redeemed.replace((bank, *value)) {
							Self::owe_redemption(ledger, left, sum);
						}
					},
				}
				summary.redeemed = summary.redeemed.saturating_add(*value);
			}
			if let Some((left, left_bits)) = word {
				ledger.words.insert(left, left_bits);
			}
			if let Some((left, sum)) = redeemed {
				Self::owe_redemption(ledger, left, sum);
			}
			let payout: BalanceOf<T> =
				merchant_payout(verdict.value.saturated_into(), info.rho).saturated_into();
			let owed = ledger.payouts.entry(verdict.merchant.clone()).or_insert_with(Zero::zero);
			*owed = owed.saturating_add(payout);
			summary.paid_out = summary.paid_out.saturating_add(payout);
			ledger
				.settled
				.entry(Self::settled_epoch(Self::forget_settled_after(verdict, now)))
				.or_default()
				.push(verdict.id);
			Self::deposit_event(Event::PurchaseSettled {
				purchase: verdict.id,
				merchant: verdict.merchant.clone(),
				paid: payout,
				prepaid: verdict.prepaid,
			});
		}
		summary.risk = block_risk(verdicts.iter().map(Self::books), info.rho);
		summary
	}

	/// Adds `amount` to what the extrinsic redeems from `bank`.
	fn owe_redemption(ledger: &mut CallLedger<T>, bank: &T::AccountId, amount: BalanceOf<T>) {
		match ledger.redemptions.get_mut(bank) {
			Some(owed) => *owed = owed.saturating_add(amount),
			None => {
				ledger.redemptions.insert(bank.clone(), amount);
			},
		}
	}

	/// Settles what an extrinsic's token blocks owe: redemptions first (so payouts can use
	/// what the auditor just received), one transfer per bank; spent bits, one write per word
	/// (a batch keeps no spent counter: its bits are the count); payouts, one per merchant;
	/// settled ids, one page per epoch; the auditor's risk.
	///
	/// # Errors
	/// `HoldMismatch` (a bank's collateral or the bond smaller than the books say),
	/// `AuditorCannotPay`.
	fn settle_ledger(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		ledger: CallLedger<T>,
	) -> DispatchResult {
		for (bank, amount) in ledger.redemptions {
			T::Currency::transfer_on_hold(
				&HoldReason::BankCollateral.into(),
				&bank,
				auditor,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)
			.map_err(|_| Error::<T>::HoldMismatch)?;
		}
		for ((batch, word), bits) in ledger.words {
			SpentWords::<T>::insert(batch, word, bits);
		}
		for (merchant, amount) in ledger.payouts {
			Self::pay_merchant(auditor, info, &merchant, amount)?;
		}
		for (epoch, ids) in ledger.settled {
			Self::record_settled_page(epoch, ids)?;
		}
		AuditorRisk::<T>::insert(auditor, ledger.auditor_risk);
		Ok(())
	}

	/// What one purchase contributed to the auditor's books.
	fn books(verdict: &PurchaseVerdictOf<T>) -> PurchaseBooks {
		let redeemed = if verdict.accepted {
			verdict
				.valid
				.iter()
				.fold(0u128, |sum, (_, _, value)| sum.saturating_add((*value).saturated_into()))
		} else {
			0
		};
		PurchaseBooks { value: verdict.value.saturated_into(), redeemed, paid: verdict.accepted }
	}

	/// Pays `amount` to `merchant` from the auditor's free balance, topped up from its bond. If
	/// the merchant's account cannot receive it, the amount is held on the auditor as the
	/// merchant's credit instead (`PayoutCredited`).
	///
	/// # Errors
	/// `AuditorCannotPay` if free balance and bond together fall short; `HoldMismatch` if the
	/// bond on hold is smaller than its record.
	pub(crate) fn pay_merchant(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		merchant: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let free =
			T::Currency::reducible_balance(auditor, Preservation::Preserve, Fortitude::Polite);
		if free < amount {
			let shortfall = amount.saturating_sub(free);
			ensure!(shortfall <= info.bond, Error::<T>::AuditorCannotPay);
			Self::release_bond(auditor, info, shortfall)?;
		}
		if T::Currency::transfer(auditor, merchant, amount, Preservation::Preserve).is_err() {
			Self::credit_merchant(auditor, merchant, amount)?;
		}
		Ok(())
	}

	/// Releases `amount` of the auditor's bond (at most its bond) into its free balance.
	///
	/// # Errors
	/// `HoldMismatch` if the bond on hold is smaller than its record.
	pub(crate) fn release_bond(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let amount = amount.min(info.bond);
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&HoldReason::AuditorBond.into(), auditor, amount, Precision::Exact)
			.map_err(|_| Error::<T>::HoldMismatch)?;
		info.bond = info.bond.saturating_sub(amount);
		Ok(())
	}

	/// The block after which a purchase settled now by `verdict` may be forgotten: once all
	/// its tokens expired (a prepaid replay with no live token is not paid), and not before any receipt for
	/// it can still be claimed (a receipt signed when it was admitted falls due within the
	/// desk's horizon, then may be claimed for `ReceiptClaimWindow` blocks).
	fn forget_settled_after(
		verdict: &PurchaseVerdictOf<T>,
		now: BlockNumberFor<T>,
	) -> BlockNumberFor<T> {
		let horizon = settle_horizon(&Self::desk_limits());
		let receipts_closed =
			now.saturating_add(horizon.into()).saturating_add(T::ReceiptClaimWindow::get());
		verdict.expires_by.map_or(receipts_closed, |at| at.max(receipts_closed))
	}

	/// The end of the [`SETTLED_EPOCH`] holding block `at`: the first block of the next epoch
	/// (ids are kept until then, a little longer than asked, never shorter).
	pub(crate) fn settled_epoch(at: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let at: u32 = at.saturated_into();
		let epoch = at.div_ceil(SETTLED_EPOCH).saturating_mul(SETTLED_EPOCH);
		epoch.into()
	}

	/// Remembers settled purchases until the block `epoch` (an epoch's end): one write per
	/// id and one page of the index for all of them.
	///
	/// # Errors
	/// `TooManyPurchases` if the ids do not fit one page (`MaxPurchasesPerCall`).
	pub(crate) fn record_settled_page(
		epoch: BlockNumberFor<T>,
		ids: Vec<PurchaseId>,
	) -> DispatchResult {
		for id in &ids {
			SettledPurchases::<T>::insert(id, epoch);
		}
		let page: BoundedVec<PurchaseId, T::MaxPurchasesPerCall> =
			ids.try_into().map_err(|_| Error::<T>::TooManyPurchases)?;
		let index = SettledPages::<T>::mutate(epoch, |pages| {
			let index = *pages;
			*pages = pages.saturating_add(1);
			index
		});
		SettledByExpiry::<T>::insert(epoch, index, page);
		Ok(())
	}
}
