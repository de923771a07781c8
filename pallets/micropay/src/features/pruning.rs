//! Forgetting settled purchase ids once all their tokens have expired.
//!
//! A settled id is kept until the block after the last expiry of its tokens: from then on a
//! replay fails on `Expired` anyway. [`SettledByExpiry`] indexes ids by that block, and a
//! cursor walks the blocks in `on_idle`, one storage step or one removal per unit of
//! `MaxPrunePerBlock`, within the idle weight. The cursor moves faster than the chain, so it
//! always catches up.

use crate::pallet::*;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// Forgets settled ids whose tokens all expired before `now`; returns the weight used.
	pub(crate) fn prune_settled(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let step = db.reads_writes(1, 1);
		let removal = db.reads_writes(1, 2);
		let mut used = db.reads_writes(1, 1);
		if remaining.any_lt(used.saturating_add(step)) {
			return Weight::zero();
		}
		let mut cursor = PruneCursor::<T>::get();
		let start = cursor;
		let mut budget = T::MaxPrunePerBlock::get();
		while cursor < now && budget > 0 && remaining.all_gte(used.saturating_add(step)) {
			used = used.saturating_add(step);
			budget -= 1;
			let mut exhausted = true;
			for (id, ()) in SettledByExpiry::<T>::drain_prefix(cursor) {
				SettledPurchases::<T>::remove(id);
				used = used.saturating_add(removal);
				budget = budget.saturating_sub(1);
				if budget == 0 || remaining.any_lt(used.saturating_add(removal)) {
					exhausted = SettledByExpiry::<T>::iter_prefix(cursor).next().is_none();
					break;
				}
			}
			if !exhausted {
				break;
			}
			cursor = cursor.saturating_add(One::one());
		}
		if cursor != start {
			PruneCursor::<T>::put(cursor);
		}
		used
	}
}
