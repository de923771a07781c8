//! Forgetting settled purchase ids once all their tokens have expired.
//!
//! A settled id is kept until the end of the epoch holding the block after the last expiry of
//! its tokens (and after any receipt for it can be claimed): from then on a replay fails on
//! `Expired` anyway. [`SettledByExpiry`] indexes ids by that epoch end in pages, one per
//! extrinsic; a cursor walks the epochs in `on_idle`, within the idle weight and
//! `MaxPrunePerBlock` units (one per page or id removed, one per epoch stepped). The cursor
//! moves faster than the chain, so it always catches up.

use crate::{features::settlement::SETTLED_EPOCH, pallet::*};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Forgets settled ids whose epoch ended before `now`; returns the weight used.
	pub(crate) fn prune_settled(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		// Stepping an epoch: its page count read (and removed once empty).
		let step = db.reads_writes(1, 1);
		// A page: read and removed, with one write per id it holds (a full page at most).
		let page = db.reads_writes(1, 1);
		let id = db.writes(1);
		let full_page =
			page.saturating_add(id.saturating_mul(u64::from(T::MaxPurchasesPerCall::get())));
		let mut used = db.reads_writes(1, 1);
		if remaining.any_lt(used.saturating_add(step).saturating_add(full_page)) {
			return Weight::zero();
		}
		let start = PruneCursor::<T>::get();
		let mut cursor = Self::settled_epoch(start);
		let mut budget = T::MaxPrunePerBlock::get();
		while cursor < now
			&& budget > 0
			&& remaining.all_gte(used.saturating_add(step).saturating_add(full_page))
		{
			used = used.saturating_add(step);
			budget -= 1;
			let pages = SettledPages::<T>::get(cursor);
			let mut exhausted = true;
			for index in 0..pages {
				if budget == 0 || remaining.any_lt(used.saturating_add(full_page)) {
					exhausted = false;
					break;
				}
				if let Some(ids) = SettledByExpiry::<T>::take(cursor, index) {
					for id in ids.iter() {
						SettledPurchases::<T>::remove(id);
					}
					used = used
						.saturating_add(page)
						.saturating_add(id.saturating_mul(ids.len() as u64));
					budget = budget.saturating_sub(1 + ids.len() as u32);
				}
			}
			if !exhausted {
				break;
			}
			SettledPages::<T>::remove(cursor);
			cursor = cursor.saturating_add(SETTLED_EPOCH.into());
		}
		if cursor != start {
			PruneCursor::<T>::put(cursor);
		}
		used
	}
}
