//! `frame_system`: block limits, account data and runtime identity.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::ConstU32,
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_runtime::Perbill;
use sp_version::RuntimeVersion;

use crate::{
	weights::paritydb::ParityDbWeight, AccountId, Balance, Block, BlockNumber, Hash, Nonce,
	PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, RuntimeTask, VERSION,
};

/// Share of a block's weight and length that normal (non-operational) extrinsics may use.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Largest block, in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	/// How many recent block hashes the chain keeps (for mortal transactions).
	pub const BlockHashCount: BlockNumber = 2400;
	/// The runtime version, as `frame_system` reports it.
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute in each six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// At most 5 MiB per block, of which normal extrinsics may fill `NORMAL_DISPATCH_RATIO`.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
		})
		.build();
	/// The generic Substrate SS58 prefix.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB, so storage access is priced for it, as measured on
	/// the reference machine (`weights::paritydb`).
	type DbWeight = ParityDbWeight;
	/// The system calls and the transaction extensions (nonce, era, genesis, weight checks)
	/// priced with `DbWeight`; the prelude's `()` prices their storage at RocksDB's reference
	/// weights (25 µs a read, 100 µs a write), which this node does not run.
	type SystemWeightInfo = frame_system::weights::SubstrateWeight<Runtime>;
	type ExtensionsWeightInfo = frame_system::SubstrateExtensionsWeight<Runtime>;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

#[cfg(test)]
mod tests {
	use super::Runtime;
	use crate::weights::paritydb::ParityDbWeight;
	use frame_support::weights::constants::RocksDbWeight;
	use frame_system::ExtensionsWeightInfo;

	/// Every signed extrinsic's extensions read and write storage (the sender's nonce, the fee
	/// payer's account), and the node keeps that storage in ParityDB: a nonce bump is priced
	/// at the runtime's database weights, not at frame-system's RocksDB defaults (a 100 µs
	/// write), which would overcharge every extrinsic, a plain transfer most of all.
	#[test]
	fn transaction_extensions_price_storage_at_the_nodes_database_weights() {
		let nonce = <Runtime as frame_system::Config>::ExtensionsWeightInfo::check_nonce();
		let storage = ParityDbWeight::get().reads_writes(1, 1);
		assert!(nonce.ref_time() >= storage.ref_time(), "the nonce's read and write are priced");
		assert!(
			nonce.ref_time() < RocksDbWeight::get().writes(1).ref_time(),
			"check_nonce weighs {} ps",
			nonce.ref_time()
		);
	}
}
