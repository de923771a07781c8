//! The micropay pallet: token registry, auditor token blocks, settlement.

use frame_support::{parameter_types, traits::ConstU32};
use pallet_micropay::{GammaMode, Recovery};

use crate::{
	Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, Signature, DAYS, HOURS, UNIT,
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
}

impl pallet_micropay::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Signature = Signature;
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
	// Provisional until the benchmarks issue generates weights on the reference machine.
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_micropay::benchmark_helper::Sr25519Buyers;
}
