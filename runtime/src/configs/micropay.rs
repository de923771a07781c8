//! The micropay pallet: token registry, auditor token blocks, settlement.

use frame_support::{parameter_types, traits::ConstU32};
use pallet_micropay::{GammaMode, Recovery};
use sp_runtime::Perbill;

use codec::Encode;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Nonce, Runtime, RuntimeCall, RuntimeHoldReason,
	Signature, SignedPayload, System, TxExtension, UncheckedExtrinsic, DAYS, UNIT,
};

parameter_types! {
	/// Largest token block (the largest `W`).
	pub const MaxBlockTokens: u32 = 1_024;
	/// Smallest block size a user's trust can bring `W` down to (every purchase waits).
	pub const MinBlockTokens: u32 = 1;
	/// `W_0` of users the auditor has not profiled (neutral profile).
	pub const DefaultBlockTokens: u32 = 20;
	/// Each token block judged on its own invalid tokens (a window of one block), `W` carrying
	/// the history: a cheater's `W` shrinks with every invalid token. The talk's cumulative
	/// `gamma` freezes `W` once `gamma ≥ W`, so a cheater would keep its size while cheating;
	/// it stays available (`GammaMode::Cumulative`) and is what the simulator's figures use.
	pub const TrustGamma: GammaMode = GammaMode::Windowed { blocks: 1 };
	/// After 3 clean token blocks in a row, `W` moves halfway back toward `W_0`, so an honest
	/// buyer (or one that stopped cheating) grows back; the talk never lets `W` grow.
	pub const TrustRecovery: Recovery = Recovery::TowardInitial { clean_blocks: 3 };
	/// Most purchases in one token block.
	pub const MaxPurchasesPerBlock: u32 = 256;
	/// Most token blocks in one `submit_blocks`: at the default shape (20 tokens, two
	/// purchases per token block) 256 of them fill `MaxPurchasesPerCall`.
	pub const MaxBlocksPerCall: u32 = 256;
	/// Most purchases in one extrinsic of token blocks (one page of settled ids, 16 KiB).
	pub const MaxPurchasesPerCall: u32 = 512;
	/// Most tokens covering one purchase.
	pub const MaxTokensPerPurchase: u32 = 64;
	/// Most tokens in one issued batch (512 spent-bitmap words).
	pub const MaxBatchTokens: u32 = 65_536;
	/// Tokens stay spendable for at most 30 days.
	pub const MaxTokenLifetime: BlockNumber = 30 * DAYS;
	/// An auditor bonds 1 000 MPY.
	pub const AuditorBond: Balance = 1_000 * UNIT;
	/// A deregistered auditor keeps its bond (and may settle pending blocks) for 2 days: the
	/// receipts it gave before can be claimed for a day after their deadline.
	pub const AuditorRetirementPeriod: BlockNumber = 2 * DAYS;
	/// The auditor's worker submits a non-full open block after a minute (10 blocks), so a
	/// held purchase never waits long.
	pub const DeskMaxBlockAge: u32 = 10;
	/// An in-flight block not settled within 5 blocks (30 s) is sent again.
	pub const DeskResubmitAfter: u32 = 5;
	/// A broken promise costs the auditor 10% on top of the receipt's amount.
	pub const ReceiptPenalty: Perbill = Perbill::from_percent(10);
	/// A merchant has a day after a receipt's deadline to claim it.
	pub const ReceiptClaimWindow: BlockNumber = DAYS;
	/// An auditor holds 0.01 MPY per buyer it keeps records of.
	pub const BuyerRecordDeposit: Balance = UNIT / 100;
}

impl pallet_micropay::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type BuyerSignature = Signature;
	type MaxBlockTokens = MaxBlockTokens;
	type MinBlockTokens = MinBlockTokens;
	type DefaultBlockTokens = DefaultBlockTokens;
	type TrustGamma = TrustGamma;
	type TrustRecovery = TrustRecovery;
	type MaxPurchasesPerBlock = MaxPurchasesPerBlock;
	type MaxBlocksPerCall = MaxBlocksPerCall;
	type MaxPurchasesPerCall = MaxPurchasesPerCall;
	type MaxTokensPerPurchase = MaxTokensPerPurchase;
	type MaxBatchTokens = MaxBatchTokens;
	type MaxTokenLifetime = MaxTokenLifetime;
	type AuditorBond = AuditorBond;
	type AuditorRetirementPeriod = AuditorRetirementPeriod;
	type ReceiptPenalty = ReceiptPenalty;
	type ReceiptClaimWindow = ReceiptClaimWindow;
	type BuyerRecordDeposit = BuyerRecordDeposit;
	type MaxPrunePerBlock = ConstU32<256>;
	type AuthorityId = pallet_micropay::crypto::AuditorAuthId;
	type DeskMaxBlockAge = DeskMaxBlockAge;
	type DeskResubmitAfter = DeskResubmitAfter;
	type WeightInfo = pallet_micropay::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_micropay::benchmark_helper::Sr25519Buyers;
}

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as sp_runtime::traits::Verify>::Signer;
	type Signature = Signature;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// How the auditor's offchain worker signs its transactions: every check of `TxExtension`,
/// mortal for `SIGNED_TX_PERIOD` blocks, no tip.
impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<
		C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		use sp_runtime::{generic::Era, traits::StaticLookup, SaturatedConversion};
		/// Blocks a worker transaction stays valid.
		const SIGNED_TX_PERIOD: u64 = 64;
		let current = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let extension: TxExtension = (
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(Era::mortal(SIGNED_TX_PERIOD, current)),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		);
		let payload = SignedPayload::new(call, extension).ok()?;
		let signature = payload.using_encoded(|bytes| C::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		let address = <Runtime as frame_system::Config>::Lookup::unlookup(account);
		Some(UncheckedExtrinsic::new_signed(call, address, signature, extension))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use micropay_primitives::{
		block_size::BlockSizeBounds,
		trust::TrustProfile,
		trust_state::{TrustParams, TrustState},
	};

	/// The block-size rule this runtime runs.
	fn params() -> TrustParams {
		TrustParams {
			bounds: BlockSizeBounds::new(MinBlockTokens::get(), MaxBlockTokens::get()),
			gamma: TrustGamma::get(),
			recovery: TrustRecovery::get(),
		}
	}

	#[test]
	fn a_cheaters_block_size_keeps_shrinking_and_an_honest_buyers_grows_back() {
		let params = params();
		let mut state = TrustState::new(TrustProfile::Neutral, DefaultBlockTokens::get(), &params);
		// One invalid token in every token block, for longer than `gamma ≥ W` takes.
		for block in 0..40 {
			let before = state.block_size;
			state.apply_block(1, &params);
			assert!(
				state.block_size < before || state.block_size == MinBlockTokens::get(),
				"block {block}: a cheater kept W = {before} while cheating"
			);
		}
		assert_eq!(state.block_size, MinBlockTokens::get());
		// It stops cheating: clean blocks win its size back.
		for _ in 0..200 {
			state.apply_block(0, &params);
		}
		assert_eq!(state.block_size, DefaultBlockTokens::get());
	}
}
