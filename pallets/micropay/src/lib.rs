//! # Micropay pallet
//!
//! The chain's verifier of record for bank-issued micropayment tokens.
//!
//! - **Banks** (registered by Root) issue tokens to buyers one *batch* per extrinsic; the
//!   batch's face value `count × value` is held from the bank's balance as collateral
//!   ([`HoldReason::BankCollateral`]) until the tokens are redeemed or expire and are reclaimed.
//! - **Auditors** (registered by Root, bonded: [`HoldReason::AuditorBond`]) pay merchants up
//!   front for trusted buyers and submit each buyer's purchases as a **token block**
//!   ([`Pallet::submit_block`]). The chain checks every token: forged, not owned, bad buyer
//!   signature, double-spent (on chain or inside the block), double-sold, expired, or without
//!   collateral. Valid tokens of accepted purchases are redeemed from the bank's collateral to
//!   the auditor; merchants of prepaid purchases are paid whatever happens (the auditor's
//!   promise); merchants of held purchases are paid only if all the purchase's tokens are
//!   valid, otherwise the purchase is rejected whole and its valid tokens stay with the buyer.
//! - Every unit moves between accounts through the `Currency` (holds and transfers): the
//!   pallet mints and burns nothing.
//!
//! Token ids are `(BatchId, index)`; a token's spent-ness is one bit in a 128-bit word
//! ([`SpentWords`]), so a block of `n` tokens touches about `n / 128` storage items per batch.
//!
//! The code is split by feature: [`features::registry`] (banks and auditors),
//! [`features::issuance`] (batches and reclaim), [`features::validation`] (the pure check of a
//! token block), [`features::settlement`] (moving the money), [`features::credits`] (payouts a
//! merchant could not receive), [`features::receipts`] (claims on an auditor's broken
//! promise), [`features::trust`] (trust, block size and risk), [`features::pruning`]
//! (forgetting settled purchase ids), [`features::worker`] (the auditor's offchain worker and
//! its desk's chain checks). The protocol as built: `docs/protocol.md`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmark_helper;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod crypto;
pub mod features;
mod invariants;
pub mod migrations;
pub mod types;
pub mod weights;

#[cfg(any(test, feature = "mock"))]
pub mod mock;
#[cfg(test)]
mod tests;

pub use micropay_primitives::{
	purchase::{PurchaseId, Receipt, SignedPurchase},
	token::{BatchId, InvalidCounts, InvalidReason, TokenId, TokenRun, TokenStatus},
	trust::{TrustProfile, TrustValue},
	trust_state::{GammaMode, Recovery, TrustState, UserTrust},
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		dispatch::DispatchResultWithPostInfo,
		pallet_prelude::*,
		traits::fungible::{Inspect, InspectHold, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{IdentifyAccount, Verify},
		Perbill,
	};

	/// The balance type of the pallet's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A purchase as its buyer signed it, in this runtime.
	pub type SignedPurchaseOf<T> = types::BoundedSignedPurchase<
		<T as frame_system::Config>::AccountId,
		<T as Config>::BuyerSignature,
		<T as Config>::MaxTokensPerPurchase,
	>;

	/// An auditor's receipt for a prepaid purchase, in this runtime.
	pub type ReceiptOf<T> =
		Receipt<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// A purchase of a token block, its tokens as ids (what the runtime checks).
	pub type BlockPurchaseOf<T> = BlockPurchase<
		<T as frame_system::Config>::AccountId,
		<T as Config>::BuyerSignature,
		BoundedVec<TokenId, <T as Config>::MaxTokensPerPurchase>,
	>;

	/// A purchase as `submit_block` and `submit_blocks` take it: its tokens as runs.
	pub type SubmittedPurchaseOf<T> = BlockPurchase<
		<T as frame_system::Config>::AccountId,
		<T as Config>::BuyerSignature,
		types::BoundedTokenRuns<<T as Config>::MaxTokensPerPurchase>,
	>;

	/// The stored record of an auditor.
	pub type AuditorInfoOf<T> = AuditorInfo<BalanceOf<T>, BlockNumberFor<T>>;

	/// The stored record of a token batch.
	pub type BatchOf<T> =
		Batch<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// The purchases of one token block, their tokens as ids.
	pub type BlockPurchases<T> =
		BoundedVec<BlockPurchaseOf<T>, <T as Config>::MaxPurchasesPerBlock>;

	/// The purchases of one token block as the extrinsics take them (tokens as runs).
	pub type SubmittedPurchases<T> =
		BoundedVec<SubmittedPurchaseOf<T>, <T as Config>::MaxPurchasesPerBlock>;

	/// One buyer's token block as `submit_blocks` takes it.
	pub type TokenBlockOf<T> = TokenBlock<
		<T as frame_system::Config>::AccountId,
		<T as Config>::BuyerSignature,
		<T as Config>::MaxTokensPerPurchase,
		<T as Config>::MaxPurchasesPerBlock,
	>;

	/// What the chain keeps per (auditor, buyer).
	pub type BuyerRecordOf<T> = BuyerRecord<BalanceOf<T>>;

	/// The token blocks of one `submit_blocks`.
	pub type TokenBlocksOf<T> = BoundedVec<TokenBlockOf<T>, <T as Config>::MaxBlocksPerCall>;

	/// The storage layout's version: 1 is protocol v2 (purchases name their auditor, merchant
	/// credits, token block content); 2 indexes settled ids in pages ([`SettledByExpiry`],
	/// [`SettledPages`]) (no migration to 1 or 2: no chain ran an earlier layout); 3 keeps
	/// one [`BuyerRecords`] item per (auditor, buyer) where 2 kept three (`Trust`,
	/// `NextBlockSeq`, `LastTokenBlock`): [`crate::migrations::v3`].
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the micropay pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>> + TryInto<Event<Self>>>
		+ frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The currency banks' collateral, auditors' bonds and all payments are made in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which includes this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Signature of a buyer over a purchase (the runtime's `MultiSignature`).
		type BuyerSignature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>
			+ Parameter
			+ MaxEncodedLen;

		/// Most tokens in one token block (the largest block size `W`).
		#[pallet::constant]
		type MaxBlockTokens: Get<u32>;

		/// Smallest block size `W` a buyer's trust can bring it down to.
		#[pallet::constant]
		type MinBlockTokens: Get<u32>;

		/// `W_0` of a buyer the auditor has not set a profile for (neutral profile).
		#[pallet::constant]
		type DefaultBlockTokens: Get<u32>;

		/// Which invalid tokens count in `gamma`: all since the first block (the talk's rule)
		/// or only the last few blocks' (`GammaMode::Windowed`).
		type TrustGamma: Get<GammaMode>;

		/// Whether an honest buyer's block size recovers toward `W_0` after clean blocks
		/// (`Recovery::Off` reproduces the talk).
		type TrustRecovery: Get<Recovery>;

		/// Most purchases in one token block.
		#[pallet::constant]
		type MaxPurchasesPerBlock: Get<u32>;

		/// Most tokens covering one purchase.
		#[pallet::constant]
		type MaxTokensPerPurchase: Get<u32>;

		/// Most token blocks (of as many buyers) in one `submit_blocks`.
		#[pallet::constant]
		type MaxBlocksPerCall: Get<u32>;

		/// Most purchases in one `submit_blocks` or `submit_block`, over all its token blocks
		/// (it bounds one page of settled ids, [`SettledByExpiry`]).
		#[pallet::constant]
		type MaxPurchasesPerCall: Get<u32>;

		/// Most tokens in one issued batch.
		#[pallet::constant]
		type MaxBatchTokens: Get<u32>;

		/// Longest a token may stay spendable, in blocks from its issuance.
		#[pallet::constant]
		type MaxTokenLifetime: Get<BlockNumberFor<Self>>;

		/// The bond held from an auditor at registration.
		#[pallet::constant]
		type AuditorBond: Get<BalanceOf<Self>>;

		/// Blocks a deregistered auditor keeps its bond (and may still submit blocks).
		#[pallet::constant]
		type AuditorRetirementPeriod: Get<BlockNumberFor<Self>>;

		/// What an auditor pays on top of a receipt's amount when a merchant claims it (the
		/// purchase was not settled as paid by the receipt's deadline), as a share of it.
		#[pallet::constant]
		type ReceiptPenalty: Get<Perbill>;

		/// Blocks after a receipt's deadline during which its merchant may claim it. Settled
		/// purchase ids are kept at least this long past the desk's horizon, so a receipt can
		/// never be claimed for a purchase that was paid.
		#[pallet::constant]
		type ReceiptClaimWindow: Get<BlockNumberFor<Self>>;

		/// What an auditor holds for each buyer it keeps records of (trust, sequence number,
		/// last token block), released by `forget_buyer`: it bounds the records any auditor
		/// can create by its funds.
		#[pallet::constant]
		type BuyerRecordDeposit: Get<BalanceOf<Self>>;

		/// Most expired purchase ids forgotten in one block's idle time.
		#[pallet::constant]
		type MaxPrunePerBlock: Get<u32>;

		/// The auditor key the offchain worker signs `submit_block` with
		/// (`crypto::AuditorAuthId`).
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;

		/// Blocks after which the offchain worker submits a buyer's open token block even if
		/// it has not reached `W`, so held purchases do not wait forever.
		#[pallet::constant]
		type DeskMaxBlockAge: Get<u32>;

		/// Blocks after which the offchain worker submits an in-flight token block again if
		/// the chain has not settled it (its transaction may have been dropped). The block's
		/// sequence number makes a second inclusion fail, so a block settles at most once.
		#[pallet::constant]
		type DeskResubmitAfter: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Buyer keys for the benchmarks (`benchmark_helper::Sr25519Buyers` for sr25519
		/// accounts).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: benchmark_helper::BenchmarkHelper<
			Self::AccountId,
			Self::BuyerSignature,
		>;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A bank's collateral for its issued, unspent tokens.
		BankCollateral,
		/// An auditor's bond.
		AuditorBond,
		/// Payouts an auditor owes merchants whose accounts could not receive them (below the
		/// existential deposit, …): held on the auditor until the merchant withdraws them.
		MerchantCredit,
		/// An auditor's deposit for the records it keeps of one buyer.
		BuyerRecord,
	}

	/// Registered banks.
	#[pallet::storage]
	pub type Banks<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BankStatus>;

	/// Registered auditors with their withholding, bond and status.
	#[pallet::storage]
	pub type Auditors<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, AuditorInfoOf<T>>;

	/// The id the next issued batch gets.
	#[pallet::storage]
	pub type NextBatchId<T: Config> = StorageValue<_, BatchId, ValueQuery>;

	/// Every batch of tokens ever issued.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageMap<_, Twox64Concat, BatchId, BatchOf<T>>;

	/// Spent bits of tokens: word `w` of batch `b` holds tokens `128·w .. 128·w + 127`.
	/// Removed when the batch's collateral is reclaimed.
	#[pallet::storage]
	pub type SpentWords<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BatchId, Twox64Concat, u32, u128, ValueQuery>;

	/// Settled purchase ids (a second settlement is a double-sell), with the block after which
	/// the id is forgotten (by then all its tokens have expired).
	#[pallet::storage]
	pub type SettledPurchases<T: Config> = StorageMap<_, Identity, PurchaseId, BlockNumberFor<T>>;

	/// Index of [`SettledPurchases`] by the block from which its ids may be forgotten (the
	/// end of an epoch of `SETTLED_EPOCH` blocks), in pages: each extrinsic that settles
	/// purchases writes one page per epoch, so the index costs one write per extrinsic, not
	/// one per purchase.
	#[pallet::storage]
	pub type SettledByExpiry<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Twox64Concat,
		u32,
		BoundedVec<PurchaseId, T::MaxPurchasesPerCall>,
	>;

	/// How many pages of [`SettledByExpiry`] each epoch has had (the next page's index).
	#[pallet::storage]
	pub type SettledPages<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, u32, ValueQuery>;

	/// The next epoch end whose settled ids have not all been forgotten yet.
	#[pallet::storage]
	pub type PruneCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// What each auditor keeps of each buyer it settled or profiled: trust, the next token
	/// block's sequence number and the last token block's outcome ([`BuyerRecord`]), one item
	/// so a token block reads and writes it once. A buyer without a record has the neutral
	/// profile with `W_0 = DefaultBlockTokens` and its next token block is number 0.
	#[pallet::storage]
	pub type BuyerRecords<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BuyerRecordOf<T>,
	>;

	/// Cumulative risk of each auditor over all its blocks (paid out − redeemed).
	#[pallet::storage]
	pub type AuditorRisk<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, i128, ValueQuery>;

	/// Payouts owed to a merchant by an auditor that could not be transferred when due (the
	/// merchant's account could not receive them). Held on the auditor
	/// ([`HoldReason::MerchantCredit`]) until the merchant calls `withdraw_credit`. One entry
	/// per (merchant, auditor), each holding at least the payout it records (the desk refuses
	/// merchants that cannot receive a payout, so entries come from accounts closed after
	/// "deliver" or blocks sent by hand).
	#[pallet::storage]
	pub type MerchantCredits<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BalanceOf<T>,
		ValueQuery,
	>;

	/// Banks and auditors registered at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Accounts registered as banks.
		pub banks: alloc::vec::Vec<T::AccountId>,
		/// Accounts registered as auditors, with their withholding `rho`; each must afford
		/// the auditor bond.
		pub auditors: alloc::vec::Vec<(T::AccountId, Perbill)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for bank in &self.banks {
				Banks::<T>::insert(bank, BankStatus::Active);
			}
			for (auditor, rho) in &self.auditors {
				// A genesis that cannot be built is a configuration error: stop loudly.
				Pallet::<T>::do_register_auditor(auditor, *rho)
					.expect("each genesis auditor must be new and afford the auditor bond");
			}
		}
	}

	/// Events of the micropay pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A bank was registered and may issue tokens.
		BankRegistered {
			/// The bank.
			bank: T::AccountId,
		},
		/// A bank was deregistered: it issues no more tokens; its outstanding ones stay valid.
		BankDeregistered {
			/// The bank.
			bank: T::AccountId,
		},
		/// An auditor was registered and its bond held.
		AuditorRegistered {
			/// The auditor.
			auditor: T::AccountId,
			/// Its withholding on merchant payouts.
			rho: Perbill,
			/// The bond held from its balance.
			bond: BalanceOf<T>,
		},
		/// An auditor was deregistered; it may settle pending blocks until `bond_free_at`.
		AuditorRetiring {
			/// The auditor.
			auditor: T::AccountId,
			/// The block from which its bond can be withdrawn.
			bond_free_at: BlockNumberFor<T>,
		},
		/// A retired auditor's bond was released and its record removed.
		AuditorBondWithdrawn {
			/// The auditor.
			auditor: T::AccountId,
			/// The bond released to its free balance.
			bond: BalanceOf<T>,
		},
		/// A bank issued a batch of tokens to a buyer and its collateral was held.
		TokensIssued {
			/// The new batch; its tokens are `(batch, 0) .. (batch, count − 1)`.
			batch: BatchId,
			/// The issuing bank.
			bank: T::AccountId,
			/// The buyer owning the tokens.
			owner: T::AccountId,
			/// Number of tokens.
			count: u32,
			/// Face value of each token.
			value: BalanceOf<T>,
			/// First block at which the tokens are expired.
			expires_at: BlockNumberFor<T>,
		},
		/// A bank took back the collateral of a batch's expired, unspent tokens.
		CollateralReclaimed {
			/// The batch.
			batch: BatchId,
			/// The bank.
			bank: T::AccountId,
			/// Unspent tokens whose collateral was released.
			tokens: u32,
			/// The amount released.
			amount: BalanceOf<T>,
		},
		/// A purchase was settled: its merchant was paid.
		PurchaseSettled {
			/// The purchase id.
			purchase: PurchaseId,
			/// The merchant.
			merchant: T::AccountId,
			/// What the merchant received: value × (1 − rho).
			paid: BalanceOf<T>,
			/// Whether it was prepaid (paid whatever its tokens' validity).
			prepaid: bool,
		},
		/// A held purchase was rejected whole: no payment; its valid tokens stay unspent.
		PurchaseRejected {
			/// The purchase id.
			purchase: PurchaseId,
			/// The merchant, who must not deliver.
			merchant: T::AccountId,
			/// The reason of its first invalid token.
			reason: InvalidReason,
		},
		/// Some tokens of a purchase were invalid.
		InvalidTokens {
			/// The purchase id.
			purchase: PurchaseId,
			/// Each invalid token with its reason.
			tokens: InvalidTokens<T::MaxTokensPerPurchase>,
		},
		/// An auditor set a buyer's trust profile and initial block size (trust restarts).
		TrustProfileSet {
			/// The auditor.
			auditor: T::AccountId,
			/// The buyer.
			buyer: T::AccountId,
			/// The profile: neutral, optimistic or pessimistic.
			profile: TrustProfile,
			/// The buyer's `W_0`, also its current block size now.
			initial_size: u32,
		},
		/// A buyer's trust was recomputed after a block.
		TrustUpdated {
			/// The auditor.
			auditor: T::AccountId,
			/// The buyer.
			buyer: T::AccountId,
			/// The buyer's profile.
			profile: TrustProfile,
			/// The new trust value, in [0, 1].
			trust: TrustValue,
			/// The size `W` of the buyer's next block.
			next_block_size: u32,
			/// Invalid tokens `gamma` as the runtime's `TrustGamma` counts it: all so far
			/// (cumulative) or those of the window this block closed.
			gamma: u32,
			/// This block's risk for the auditor.
			block_risk: i128,
			/// The buyer's cumulative risk with this auditor.
			user_risk: i128,
			/// The auditor's cumulative risk over all buyers.
			auditor_risk: i128,
		},
		/// A merchant payout could not be transferred (the merchant's account cannot receive
		/// it): it is held on the auditor as the merchant's credit, to withdraw later.
		PayoutCredited {
			/// The merchant owed.
			merchant: T::AccountId,
			/// The auditor that owes it.
			auditor: T::AccountId,
			/// The amount credited.
			amount: BalanceOf<T>,
		},
		/// A merchant withdrew what an auditor owed it.
		CreditWithdrawn {
			/// The merchant.
			merchant: T::AccountId,
			/// The auditor it was owed by.
			auditor: T::AccountId,
			/// The amount paid.
			amount: BalanceOf<T>,
		},
		/// A merchant claimed an auditor's receipt after its deadline: the purchase was not
		/// settled as paid in time, so the auditor paid the amount and the penalty, and the
		/// purchase id is now settled (it can never be paid again).
		ReceiptClaimed {
			/// The purchase promised.
			purchase: PurchaseId,
			/// The merchant paid.
			merchant: T::AccountId,
			/// The auditor that broke its promise.
			auditor: T::AccountId,
			/// The receipt's amount.
			amount: BalanceOf<T>,
			/// The penalty paid on top.
			penalty: BalanceOf<T>,
		},
		/// An auditor forgot a buyer: its records of it are removed and their deposit released.
		BuyerForgotten {
			/// The auditor.
			auditor: T::AccountId,
			/// The buyer.
			buyer: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
		},
		/// A token block of a `submit_blocks` was refused whole (its form, its sequence number,
		/// or its buyer record's deposit): nothing of it was kept; the other token blocks of
		/// the extrinsic were settled.
		TokenBlockRefused {
			/// The buyer whose purchases it held.
			buyer: T::AccountId,
			/// Its sequence number.
			seq: u32,
			/// Why (the error `submit_block` would have failed with).
			error: DispatchError,
		},
		/// A token block was validated and settled.
		TokenBlockValidated {
			/// The auditor that submitted it.
			auditor: T::AccountId,
			/// The buyer whose purchases it held.
			buyer: T::AccountId,
			/// Outcome: counts per reason, amounts and the block's risk.
			summary: TokenBlockSummary<BalanceOf<T>>,
		},
	}

	/// Errors of the micropay pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered bank.
		AlreadyBank,
		/// The account is not a registered bank.
		NotBank,
		/// The bank is deregistered and may not issue tokens.
		BankDeregistered,
		/// The account is already a registered auditor.
		AlreadyAuditor,
		/// The account is not a registered auditor.
		NotAuditor,
		/// The auditor is already retiring.
		AuditorAlreadyRetiring,
		/// The auditor is active: deregister it first.
		AuditorNotRetiring,
		/// The auditor's retirement period has not ended yet.
		RetirementPeriodNotOver,
		/// The account cannot afford the hold (auditor bond or batch collateral).
		InsufficientBalance,
		/// A batch must hold at least one token.
		EmptyBatch,
		/// The batch holds more tokens than `MaxBatchTokens`.
		BatchTooLarge,
		/// Token value must be above zero.
		ZeroValue,
		/// `count × value` overflows the balance type.
		CollateralOverflow,
		/// The expiry is not in the future.
		ExpiryInPast,
		/// The expiry is further away than `MaxTokenLifetime`.
		ExpiryTooFar,
		/// No batch with this id.
		UnknownBatch,
		/// Only the issuing bank may reclaim a batch's collateral.
		NotBatchBank,
		/// The batch has not expired yet.
		BatchNotExpired,
		/// The batch's collateral was already reclaimed.
		AlreadyReclaimed,
		/// The block's sequence number is not the next one for this (auditor, buyer): it was
		/// already submitted, or one is missing.
		WrongBlockSequence,
		/// A token block must hold at least one purchase.
		EmptyBlock,
		/// The block holds more tokens than `MaxBlockTokens`.
		TooManyTokens,
		/// A purchase holds no token.
		EmptyPurchase,
		/// A purchase marked prepaid brings the block to the buyer's block size `W` or beyond:
		/// it should have been held. (If the auditor lowered `W` since the buyer's last block,
		/// the old `W` still bounds that buyer's next block, so earlier promises settle.)
		PrepaidBeyondBlockSize,
		/// The block size is outside `[MinBlockTokens, MaxBlockTokens]`.
		BlockSizeOutOfBounds,
		/// The auditor's free balance and bond cannot cover the merchant payouts.
		AuditorCannotPay,
		/// Moving held funds failed (collateral or bond smaller than the books say).
		HoldMismatch,
		/// A purchase of the block names another auditor than the caller: only the auditor
		/// the buyer signed for may settle it. Nothing of the block is kept.
		WrongAuditor,
		/// Only the auditor itself (or Root) may withdraw its bond.
		NotAuditorOrRoot,
		/// No credit is owed to this merchant by this auditor.
		NoCredit,
		/// The credit still cannot be transferred (e.g. it would leave the merchant's account
		/// below the existential deposit): fund the account first.
		CreditNotPayable,
		/// Only the merchant named in a receipt may claim it.
		NotReceiptMerchant,
		/// The receipt's signature is not the auditor's.
		BadReceiptSignature,
		/// The receipt's deadline has not passed: the auditor may still settle the purchase.
		ReceiptNotDue,
		/// The receipt's claim window (`ReceiptClaimWindow` blocks after its deadline) is over.
		ReceiptExpired,
		/// The purchase was already settled (paid to its merchant, or its receipt claimed).
		PurchaseAlreadySettled,
		/// The auditor keeps no record of this buyer.
		NoBuyerRecord,
		/// More purchases in one extrinsic than `MaxPurchasesPerCall`.
		TooManyPurchases,
		/// A `submit_blocks` must carry at least one token block.
		NoTokenBlocks,
		/// The token blocks redeem tokens of more distinct banks than the call's `banks`
		/// witness: nothing was kept. Declare at least the number of distinct banks.
		TooManyBanks,
		/// A purchase's token run holds no token.
		EmptyTokenRun,
		/// A purchase's token run goes past the largest token index (`u32::MAX`).
		TokenRunOverflow,
		/// A purchase's token runs hold more than `MaxTokensPerPurchase` tokens.
		PurchaseTooLarge,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(now: BlockNumberFor<T>, remaining_weight: Weight) -> Weight {
			Self::prune_settled(now, remaining_weight)
		}

		/// The auditor's worker: forms, submits and resolves token blocks from the purchases
		/// its front desk accepted (see `features::worker`).
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::run_auditor_worker(now);
		}

		/// A retiring auditor makes no new promises, but the receipts it gave before can be
		/// claimed until their deadline (the desk's horizon) plus `ReceiptClaimWindow`: its
		/// bond must stay held that long.
		fn integrity_test() {
			let horizon: BlockNumberFor<T> =
				micropay_primitives::desk::settle_horizon(&Self::desk_limits()).into();
			assert!(
				T::AuditorRetirementPeriod::get() >= horizon + T::ReceiptClaimWindow::get(),
				"AuditorRetirementPeriod must cover the desk horizon and ReceiptClaimWindow"
			);
			assert!(
				T::MaxPurchasesPerCall::get() >= T::MaxPurchasesPerBlock::get(),
				"MaxPurchasesPerCall must hold a full token block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Register a bank.
		///
		/// - Origin: Root.
		/// - `bank`: the account that will issue tokens.
		///
		/// Emits `BankRegistered`. Fails with `AlreadyBank` if it is registered (even if
		/// deregistered: a bank id is not reused).
		#[pallet::call_index(0)]
		pub fn register_bank(origin: OriginFor<T>, bank: T::AccountId) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_register_bank(bank)
		}

		/// Deregister a bank: it can no longer issue tokens.
		///
		/// Its outstanding tokens stay valid and backed until redeemed or expired, and it can
		/// still reclaim expired collateral, so no funds are stranded.
		///
		/// - Origin: Root.
		/// - `bank`: a registered, active bank.
		///
		/// Emits `BankDeregistered`.
		#[pallet::call_index(1)]
		pub fn deregister_bank(origin: OriginFor<T>, bank: T::AccountId) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_deregister_bank(bank)
		}

		/// Register an auditor and hold its bond (`AuditorBond`) from its balance.
		///
		/// - Origin: Root.
		/// - `auditor`: the account that will submit token blocks.
		/// - `rho`: the share of each merchant payment it withholds (e.g. 2% = 20000000
		///   parts per billion).
		///
		/// Emits `AuditorRegistered`. Fails with `InsufficientBalance` if the auditor cannot
		/// afford the bond.
		#[pallet::call_index(2)]
		pub fn register_auditor(
			origin: OriginFor<T>,
			auditor: T::AccountId,
			rho: Perbill,
		) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_register_auditor(&auditor, rho)
		}

		/// Start an auditor's retirement.
		///
		/// The auditor may still submit blocks for `AuditorRetirementPeriod` blocks so pending
		/// purchases settle; then `withdraw_auditor_bond` releases its bond.
		///
		/// - Origin: Root.
		/// - `auditor`: an active auditor.
		///
		/// Emits `AuditorRetiring`.
		#[pallet::call_index(3)]
		pub fn deregister_auditor(origin: OriginFor<T>, auditor: T::AccountId) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_deregister_auditor(auditor)
		}

		/// Release a retired auditor's bond and remove its record.
		///
		/// - Origin: the auditor itself, or Root.
		/// - `auditor`: an auditor whose retirement period is over.
		///
		/// Emits `AuditorBondWithdrawn`. Fails with `NotAuditorOrRoot` for anyone else.
		#[pallet::call_index(4)]
		pub fn withdraw_auditor_bond(
			origin: OriginFor<T>,
			auditor: T::AccountId,
		) -> DispatchResult {
			if let Some(caller) = ensure_signed_or_root(origin)? {
				ensure!(caller == auditor, Error::<T>::NotAuditorOrRoot);
			}
			Self::do_withdraw_auditor_bond(auditor)
		}

		/// Issue a batch of tokens to a buyer, holding `count × value` from the bank as
		/// collateral.
		///
		/// - Origin: a registered, active bank.
		/// - `owner`: the buyer who will own the tokens.
		/// - `count`: number of tokens (1 ..= `MaxBatchTokens`).
		/// - `value`: face value of each token (> 0).
		/// - `expires_at`: first block at which the tokens are expired (in the future, at most
		///   `MaxTokenLifetime` away).
		///
		/// Emits `TokensIssued` with the batch id; the tokens are `(batch, 0 .. count)`.
		#[pallet::call_index(5)]
		pub fn issue_tokens(
			origin: OriginFor<T>,
			owner: T::AccountId,
			count: u32,
			value: BalanceOf<T>,
			expires_at: BlockNumberFor<T>,
		) -> DispatchResult {
			let bank = ensure_signed(origin)?;
			Self::do_issue_tokens(bank, owner, count, value, expires_at)
		}

		/// Take back the collateral of a batch's unspent tokens once the batch has expired.
		///
		/// - Origin: the bank that issued the batch (a deregistered bank too).
		/// - `batch`: an expired batch not yet reclaimed.
		///
		/// Emits `CollateralReclaimed`. The batch's spent bitmap is removed; its tokens stay
		/// invalid (`Expired`). Charged for the largest batch, refunded to the batch's size;
		/// weighed by what it deletes (one write per bitmap word).
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::reclaim_weight(T::MaxBatchTokens::get()))]
		pub fn reclaim_expired(origin: OriginFor<T>, batch: BatchId) -> DispatchResultWithPostInfo {
			let bank = ensure_signed(origin)?;
			let count = Self::do_reclaim_expired(bank, batch)?;
			Ok(Some(Self::reclaim_weight(count)).into())
		}

		/// Validate and settle a token block of one buyer.
		///
		/// Every token is checked (forged, not owned, bad signature, double-spent on chain or
		/// in the block, double-sold, expired, collateral missing). Valid tokens of accepted
		/// purchases are marked spent and redeemed from the bank's collateral to the auditor;
		/// each prepaid purchase's merchant is paid `value × (1 − rho)` whatever its tokens;
		/// each held purchase's merchant is paid only if all its tokens are valid, otherwise
		/// the purchase is rejected and its valid tokens stay unspent. Payouts come from the
		/// auditor's free balance, then from its bond.
		///
		/// - Origin: a registered auditor (active or retiring). No fee when every token is
		///   valid; a token block with any invalid token pays its fee (junk costs its sender).
		/// - `buyer`: the buyer who signed every purchase of the block.
		/// - `seq`: the block's sequence number for (auditor, buyer), starting at 0; a block
		///   cannot be submitted twice.
		/// - `purchases`: the purchases in arrival order, each signed for the caller (else the
		///   whole block fails with `WrongAuditor`); a prepaid one must leave the block
		///   under the buyer's block size `W` (the one that reaches `W` is held); at most `MaxPurchasesPerBlock`,
		///   `MaxBlockTokens` tokens in all. Each purchase's tokens come as runs of
		///   consecutive tokens of one batch (`batch`, `first`, `count`), in the order the
		///   buyer signed them: the runtime expands them into the signed id list first
		///   (`EmptyTokenRun`, `TokenRunOverflow`, `PurchaseTooLarge` if it cannot).
		///
		/// Weighed by purchases, tokens and distinct spent-bitmap words (128 tokens of a
		/// batch share a word): tokens packed in few batches cost the least.
		///
		/// A purchase id settled before is never paid again, prepaid or not. A payout the
		/// merchant's account cannot receive does not fail the block: it is credited
		/// (`PayoutCredited`, `withdraw_credit`).
		///
		/// Emits `InvalidTokens`, `PurchaseSettled` / `PurchaseRejected` per purchase, then
		/// `TokenBlockValidated` (with the block's content hash).
		#[pallet::call_index(7)]
		#[pallet::weight(Pallet::<T>::token_blocks_weight(&Pallet::<T>::call_shape([purchases])))]
		pub fn submit_block(
			origin: OriginFor<T>,
			buyer: T::AccountId,
			seq: u32,
			purchases: SubmittedPurchases<T>,
		) -> DispatchResultWithPostInfo {
			let auditor = ensure_signed(origin)?;
			let shape = Self::call_shape([&purchases]);
			let outcome =
				Self::do_submit_blocks(auditor, alloc::vec![(buyer, seq, purchases)], true, None)?;
			Ok(Self::token_blocks_post_info(shape, &outcome))
		}

		/// Set a buyer's trust profile and initial block size `W_0`; the buyer's trust restarts
		/// from `T(0) = (W_0 + 1) / (W_0 + 2)` (its cumulative risk is kept). The first record
		/// of a buyer holds `BuyerRecordDeposit` from the auditor.
		///
		/// - Origin: a registered auditor (the profile applies to its own view of the buyer).
		/// - `buyer`: the buyer.
		/// - `profile`: `Neutral`, `Optimistic` or `Pessimistic`.
		/// - `initial_size`: `W_0`, within `[MinBlockTokens, MaxBlockTokens]`.
		///
		/// Emits `TrustProfileSet`.
		#[pallet::call_index(8)]
		pub fn set_trust_profile(
			origin: OriginFor<T>,
			buyer: T::AccountId,
			profile: TrustProfile,
			initial_size: u32,
		) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_set_trust_profile(auditor, buyer, profile, initial_size)
		}

		/// Claim an auditor's receipt whose purchase was not settled as paid by its deadline.
		///
		/// The merchant is paid the receipt's amount plus `ReceiptPenalty` of it from the
		/// auditor's bond (then its free balance), and the purchase id is marked settled, so no
		/// token block can pay it again.
		///
		/// - Origin: the merchant named in the receipt.
		/// - `receipt`: what the auditor's desk signed with "deliver" (purchase id, merchant,
		///   auditor, amount, deadline).
		/// - `signature`: the auditor's signature over the receipt's signing payload
		///   (`micropay/receipt/v1`, genesis hash, receipt).
		///
		/// Emits `ReceiptClaimed`. Fails, changing nothing, with `NotReceiptMerchant`,
		/// `NotAuditor`, `BadReceiptSignature`, `ReceiptNotDue`, `ReceiptExpired` (claimed more
		/// than `ReceiptClaimWindow` blocks after the deadline), `PurchaseAlreadySettled` (paid,
		/// or claimed before) or `AuditorCannotPay`.
		#[pallet::call_index(9)]
		pub fn claim_receipt(
			origin: OriginFor<T>,
			receipt: ReceiptOf<T>,
			signature: T::BuyerSignature,
		) -> DispatchResult {
			let merchant = ensure_signed(origin)?;
			Self::do_claim_receipt(merchant, receipt, signature)
		}

		/// Withdraw what `auditor` owes the caller: payouts that could not be transferred when
		/// its token blocks settled.
		///
		/// - Origin: the merchant.
		/// - `auditor`: the auditor that owes the credit.
		///
		/// Emits `CreditWithdrawn`. Fails with `NoCredit`, or `CreditNotPayable` if the
		/// account still cannot receive it (nothing changes; the credit stays).
		#[pallet::call_index(10)]
		pub fn withdraw_credit(origin: OriginFor<T>, auditor: T::AccountId) -> DispatchResult {
			let merchant = ensure_signed(origin)?;
			Self::do_withdraw_credit(merchant, auditor)
		}

		/// Forget a buyer: remove the caller's records of it (trust, next sequence number,
		/// last token block) and release their deposit (`BuyerRecordDeposit`).
		///
		/// Its next token block with this auditor starts again at sequence 0 with the default
		/// profile; its settled purchases stay settled. Forget a buyer only with nothing in
		/// flight for it (the worker re-forms a block whose sequence number was reset).
		///
		/// - Origin: the auditor (also a retired one, to recover its deposits).
		/// - `buyer`: a buyer the caller keeps records of.
		///
		/// Emits `BuyerForgotten`. Fails with `NoBuyerRecord`.
		#[pallet::call_index(11)]
		pub fn forget_buyer(origin: OriginFor<T>, buyer: T::AccountId) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_forget_buyer(auditor, buyer)
		}

		/// Validate and settle the token blocks of many buyers in one extrinsic.
		///
		/// Each token block is checked and settled as `submit_block` would, in order, against
		/// the state the earlier ones left (a buyer may have several consecutive token blocks
		/// here). What they owe is paid once: one collateral transfer per bank, one payout per
		/// merchant (the sum of its purchases'), one write per spent-bitmap word, and the
		/// auditor's record and risk once. A token block refused for its form, its sequence
		/// number or its buyer record's deposit emits `TokenBlockRefused` and changes nothing;
		/// the others settle.
		///
		/// - Origin: a registered auditor (active or retiring). No fee when every token is
		///   valid and no token block is refused; otherwise the auditor pays the fee.
		/// - `blocks`: at most `MaxBlocksPerCall` token blocks (buyer, sequence number,
		///   purchases with their tokens as runs, as in `submit_block`), `MaxPurchasesPerCall`
		///   purchases in all.
		/// - `banks`: a witness: at least the number of distinct banks whose tokens the call
		///   redeems (the auditor's worker counts them from the tokens' batches). It is charged
		///   for before dispatch, so a call need not be charged every batch as its own bank.
		///
		/// Weighed by token blocks, purchases, tokens, distinct words, merchants and banks
		/// (each token charged as invalid before dispatch, refunded to the tokens found
		/// invalid and the banks paid).
		///
		/// Fails whole, changing nothing, with `NotAuditor`, `NoTokenBlocks`,
		/// `TooManyPurchases`, `TooManyBanks` (more banks than the witness), `AuditorCannotPay`
		/// or `HoldMismatch`.
		///
		/// Emits per token block what `submit_block` emits, or `TokenBlockRefused`.
		#[pallet::call_index(12)]
		#[pallet::weight(Pallet::<T>::token_blocks_weight(
			&Pallet::<T>::call_shape(blocks.iter().map(|block| &block.purchases)).with_banks(*banks)
		))]
		pub fn submit_blocks(
			origin: OriginFor<T>,
			blocks: TokenBlocksOf<T>,
			banks: u32,
		) -> DispatchResultWithPostInfo {
			let auditor = ensure_signed(origin)?;
			ensure!(!blocks.is_empty(), Error::<T>::NoTokenBlocks);
			let shape = Self::call_shape(blocks.iter().map(|block| &block.purchases));
			let blocks =
				blocks.into_iter().map(|block| (block.buyer, block.seq, block.purchases)).collect();
			let outcome = Self::do_submit_blocks(auditor, blocks, false, Some(banks))?;
			Ok(Self::token_blocks_post_info(shape, &outcome))
		}
	}
}
