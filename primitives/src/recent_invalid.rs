//! The invalid-token counts of a user's most recent blocks, kept in a fixed-size ring so the
//! state has a bounded encoding (`MaxEncodedLen`) and needs no `BoundedVec`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// How many recent blocks [`RecentInvalid`] remembers, and so the longest window a windowed
/// `gamma` may use.
pub const RECENT_BLOCKS: usize = 16;

/// Ring of the invalid-token counts (`beta`) of the last [`RECENT_BLOCKS`] blocks; blocks not
/// seen yet count as clean.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct RecentInvalid {
	/// `beta` of the remembered blocks; slot `next − 1` (mod [`RECENT_BLOCKS`]) is the newest.
	counts: [u32; RECENT_BLOCKS],
	/// Slot the next block's `beta` goes to. Taken mod [`RECENT_BLOCKS`] on use, so any
	/// decoded value is safe.
	next: u8,
}

impl RecentInvalid {
	/// Remembers one more block with `beta` invalid tokens, forgetting the oldest.
	pub fn push(&mut self, beta: u32) {
		let slot = self.next_slot();
		if let Some(count) = self.counts.get_mut(slot) {
			*count = beta;
		}
		self.next = u8::try_from((slot + 1) % RECENT_BLOCKS).unwrap_or(0);
	}

	/// Sum of the `beta` of the last `blocks` blocks (`blocks` clamped to
	/// `[1, RECENT_BLOCKS]`), saturating at `u32::MAX`.
	pub fn sum_last(&self, blocks: u8) -> u32 {
		let blocks = usize::from(blocks).clamp(1, RECENT_BLOCKS);
		let newest_first =
			(1..=blocks).map(|age| (self.next_slot() + RECENT_BLOCKS - age) % RECENT_BLOCKS);
		newest_first
			.filter_map(|slot| self.counts.get(slot).copied())
			.fold(0u32, u32::saturating_add)
	}

	fn next_slot(&self) -> usize {
		usize::from(self.next) % RECENT_BLOCKS
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sums_only_the_last_blocks() {
		let mut recent = RecentInvalid::default();
		for beta in 1..=20 {
			recent.push(beta);
		}
		assert_eq!(recent.sum_last(1), 20);
		assert_eq!(recent.sum_last(3), 20 + 19 + 18);
		assert_eq!(recent.sum_last(u8::MAX), (5..=20).sum::<u32>());
		assert_eq!(recent.sum_last(0), 20);
	}

	#[test]
	fn saturates_and_tolerates_a_corrupt_cursor() {
		let mut recent = RecentInvalid { counts: [u32::MAX; RECENT_BLOCKS], next: 200 };
		assert_eq!(recent.sum_last(16), u32::MAX);
		recent.push(0);
		assert_eq!(recent.sum_last(1), 0);
	}
}
