//! The micropay pallet: token registry, auditor token blocks, settlement.

use frame_support::{parameter_types, traits::ConstU32};

use crate::{
	Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, Signature, DAYS, HOURS, UNIT,
};

parameter_types! {
	/// Largest token block (the largest `W`).
	pub const MaxBlockTokens: u32 = 1_024;
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
	type MaxPurchasesPerBlock = MaxPurchasesPerBlock;
	type MaxTokensPerPurchase = MaxTokensPerPurchase;
	type MaxBatchTokens = MaxBatchTokens;
	type MaxTokenLifetime = MaxTokenLifetime;
	type AuditorBond = AuditorBond;
	type AuditorRetirementPeriod = AuditorRetirementPeriod;
	type MaxPrunePerBlock = ConstU32<256>;
	// Provisional until the benchmarks issue generates weights on the reference machine.
	type WeightInfo = ();
}
