//! Storage version 2 → 3: what the chain keeps per (auditor, buyer) moves from three items
//! (`Trust`, `NextBlockSeq`, `LastTokenBlock`) into one [`BuyerRecords`] item, so settling a
//! token block reads one item and writes one where it read two and wrote three.
//!
//! Runs in one block: its work is three reads and four writes per buyer record, and the
//! records any auditor can make are bounded by its record deposits. A chain holding more
//! records than one block's weight can move would run this as a multi-block migration
//! (`pallet-migrations`) instead; this chain's runtime runs it on upgrade
//! (`runtime/src/lib.rs`, `Migrations`).

use crate::{pallet::*, BuyerRecord, TokenBlockSummary, UserTrust};
use core::marker::PhantomData;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, storage_alias,
	traits::UncheckedOnRuntimeUpgrade, Blake2_128Concat,
};

/// The version 2 layout, as it was stored.
pub mod v2 {
	use super::*;

	/// Version 2's trust record of each buyer, per auditor.
	#[storage_alias]
	pub type Trust<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		UserTrust,
	>;

	/// Version 2's next sequence number of each (auditor, buyer).
	#[storage_alias]
	pub type NextBlockSeq<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		u32,
		ValueQuery,
	>;

	/// Version 2's last token block outcome of each (auditor, buyer).
	#[storage_alias]
	pub type LastTokenBlock<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		TokenBlockSummary<BalanceOf<T>>,
	>;
}

/// Moves every version 2 buyer record into [`BuyerRecords`]; run it through [`MigrateV2ToV3`].
pub struct FoldBuyerRecords<T>(PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for FoldBuyerRecords<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut moved = 0u64;
		for (auditor, buyer, trust) in v2::Trust::<T>::drain() {
			let next_seq = v2::NextBlockSeq::<T>::take(&auditor, &buyer);
			let last = v2::LastTokenBlock::<T>::take(&auditor, &buyer);
			BuyerRecords::<T>::insert(&auditor, &buyer, BuyerRecord { trust, next_seq, last });
			moved = moved.saturating_add(1);
		}
		// Version 2 wrote a sequence number and an outcome only beside a trust record and
		// removed all three together, so nothing should be left; whatever is, has no deposit
		// behind it and no trust to go with, and goes.
		let stray = u64::from(v2::NextBlockSeq::<T>::clear(u32::MAX, None).unique)
			.saturating_add(u64::from(v2::LastTokenBlock::<T>::clear(u32::MAX, None).unique));
		if stray > 0 {
			log::warn!(target: "runtime::micropay", "v3: removed {stray} stray buyer items");
		}
		log::info!(target: "runtime::micropay", "v3: folded {moved} buyer records");
		T::DbWeight::get().reads_writes(
			moved.saturating_mul(3).saturating_add(stray),
			moved.saturating_mul(4).saturating_add(stray),
		)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		Ok((v2::Trust::<T>::iter_keys().count() as u64).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let before = u64::decode(&mut &state[..]).map_err(|_| "v3: bad pre-upgrade state")?;
		let after = BuyerRecords::<T>::iter_keys().count() as u64;
		frame_support::ensure!(before == after, "v3: buyer records lost or made up");
		frame_support::ensure!(v2::Trust::<T>::iter_keys().next().is_none(), "v3: Trust left");
		Ok(())
	}
}

/// Storage version 2 → 3 of the pallet: [`FoldBuyerRecords`], run once.
pub type MigrateV2ToV3<T> =
	VersionedMigration<2, 3, FoldBuyerRecords<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
