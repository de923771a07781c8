//! The micropay pallet: token registry, auditor token blocks, settlement.

use frame_support::{parameter_types, traits::ConstU32};
use pallet_micropay::{GammaMode, Recovery};

use codec::Encode;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Nonce, Runtime, RuntimeCall, RuntimeHoldReason,
	Signature, SignedPayload, System, TxExtension, UncheckedExtrinsic, DAYS, HOURS, UNIT,
};

parameter_types! {
	/// Largest token block (the largest `W`).
	pub const MaxBlockTokens: u32 = 1_024;
	/// Smallest block size a user's trust can bring `W` down to (every purchase waits).
	pub const MinBlockTokens: u32 = 1;
	/// `W_0` of users the auditor has not profiled (neutral profile).
	pub const DefaultBlockTokens: u32 = 20;
	/// The talk's cumulative `gamma`.
	pub const TrustGamma: GammaMode = GammaMode::Cumulative;
	/// The talk's rule: no recovery.
	pub const TrustRecovery: Recovery = Recovery::Off;
	/// Most purchases in one token block.
	pub const MaxPurchasesPerBlock: u32 = 256;
	/// Most tokens covering one purchase.
	pub const MaxTokensPerPurchase: u32 = 64;
	/// Most tokens in one issued batch (512 spent-bitmap words).
	pub const MaxBatchTokens: u32 = 65_536;
	/// Tokens stay spendable for at most 30 days.
	pub const MaxTokenLifetime: BlockNumber = 30 * DAYS;
	/// An auditor bonds 1 000 MPY.
	pub const AuditorBond: Balance = 1_000 * UNIT;
	/// A deregistered auditor keeps its bond (and may settle pending blocks) for 6 hours.
	pub const AuditorRetirementPeriod: BlockNumber = 6 * HOURS;
	/// The auditor's worker submits a non-full open block after a minute (10 blocks), so a
	/// held purchase never waits long.
	pub const DeskMaxBlockAge: u32 = 10;
	/// An in-flight block not settled within 5 blocks (30 s) is sent again.
	pub const DeskResubmitAfter: u32 = 5;
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
	type MaxTokensPerPurchase = MaxTokensPerPurchase;
	type MaxBatchTokens = MaxBatchTokens;
	type MaxTokenLifetime = MaxTokenLifetime;
	type AuditorBond = AuditorBond;
	type AuditorRetirementPeriod = AuditorRetirementPeriod;
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
