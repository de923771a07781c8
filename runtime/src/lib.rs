//! # Micropay runtime
//!
//! A solochain runtime with Aura block production, GRANDPA finality, balances, transaction
//! fees, sudo, and the micropay pallet (bank-issued tokens, auditor token blocks, trust and
//! risk). Configuration lives in [`configs`], runtime APIs in [`apis`], and the genesis
//! presets (`development`, `local_testnet`) in [`genesis_config_presets`].
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to large items.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub use apis::RuntimeApi;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_micropay::Call as MicropayCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the client side needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The keys a validator of this chain registers.
	pub struct SessionKeys {
		/// Aura block authoring key.
		pub aura: Aura,
		/// GRANDPA finality key.
		pub grandpa: Grandpa,
		/// The auditor key its offchain worker signs token blocks with (`--dev` inserts
		/// `//Alice`'s).
		pub auditor: pallet_micropay::crypto::AuditorKey,
	}
}

/// This runtime's version; polkadot.js apps reads `spec_name` and `spec_version`.
///
/// 200: protocol v2 (purchases name their auditor, receipts, merchant credits; the
/// `submit_block` call's and the runtime API's types changed, so `transaction_version` moved
/// too). No storage migration: no chain ran protocol v1 (`docs/protocol.md`).
///
/// 201: token blocks in bulk (`submit_blocks`, call index 12; existing calls encode as before,
/// so `transaction_version` stays) and settled ids indexed in pages per extrinsic (storage
/// version 2 of the pallet; no migration: no chain holds version 1 state worth keeping).
///
/// 202: one buyer record per (auditor, buyer) (`BuyerRecords`, storage version 3) in place of
/// `Trust`, `NextBlockSeq` and `LastTokenBlock`; migrated on upgrade (`Migrations`). Calls
/// encode as before, so `transaction_version` stays.
///
/// 203: token blocks carry each purchase's tokens as runs (`TokenRun`: batch, first, count)
/// instead of one id per token; `submit_block` and `submit_blocks` encode differently, so
/// `transaction_version` moved to 3. No storage change.
/// 204: the offchain worker writes what became of a buyer's purchases to its resolution log
/// (`micropay/desk/resolved/<buyer>`), apart from the desk record every admission rewrites,
/// and keeps each listed buyer's mark (`micropay/desk/listed/<buyer>`). No on-chain change.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("micropay"),
	impl_name: Cow::Borrowed("micropay-node"),
	authoring_version: 1,
	spec_version: 204,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// Block production timing.
pub mod time {
	use super::BlockNumber;

	/// Target time between two blocks. Aura's slot duration is this value; it cannot be
	/// changed once a chain has started.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
	/// Aura slot duration.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
}
pub use time::*;

/// Units of the native token, `MPY`, which has [`TOKEN_DECIMALS`] decimals.
pub mod currency {
	use super::Balance;

	/// Decimals of the native token (shown by polkadot.js apps through the chain properties).
	pub const TOKEN_DECIMALS: u8 = 12;
	/// Symbol of the native token.
	pub const TOKEN_SYMBOL: &str = "MPY";
	/// One whole `MPY`.
	pub const UNIT: Balance = 1_000_000_000_000;
	/// A thousandth of a `MPY`.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// A millionth of a `MPY`.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
	/// The minimum balance an account must keep to exist.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
}
pub use currency::*;

/// Signature of transactions and of buyers' purchases (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// An account: the public key of [`Signature`]'s signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Hash of blocks, extrinsics and purchases.
pub type Hash = sp_core::H256;
/// Block number.
pub type BlockNumber = u32;
/// Address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction goes through.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
);

/// Extrinsic format of this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a transaction signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on runtime upgrade, besides the pallets' own: each runs once, when the
/// pallet's stored version is the one it leads from.
type Migrations = (pallet_micropay::migrations::v3::MigrateV2ToV3<Runtime>,);

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Micropay = pallet_micropay;
}
