//! A user's trust and block-size state as an auditor keeps it, and the update the pallet runs
//! after each settled token block.
//!
//! With [`TrustParams::talk`] (and with [`TrustParams::default`], which has no size bounds)
//! the update is exactly the talk's: cumulative `gamma`, [`next_block_size`], no recovery.
//! Two options, both off by default:
//!
//! - [`GammaMode::Windowed`]: `gamma` counts only the invalid tokens of the last `n` blocks,
//!   `n ≤` [`RECENT_BLOCKS`](crate::recent_invalid::RECENT_BLOCKS). Both `T` of a block's
//!   step are taken over the window that block closes: `T(gamma)` with the block, `T(gamma −
//!   beta)` without it. So every invalid token shrinks `W` (a steady cheater never reaches a
//!   point where `gamma` stops moving, as the talk's cumulative rule does once `gamma ≥ W`),
//!   and forgetting an old bad block alone never grows `W`: only recovery does. The window
//!   still stops the step while its invalid tokens reach `W` (both `T` clamp at `beta = W`),
//!   so the runtime uses `n = 1`: each token block judged on its own evidence, `W` itself
//!   carrying the history (`docs/protocol.md`, "Trust").
//! - [`Recovery::TowardInitial`]: after `k` consecutive clean blocks (`beta = 0`), `W` moves
//!   halfway toward `W_0`, the step rounded up so it is at least one token, and the count of
//!   clean blocks starts again. Recovery only raises `W` (never above `W_0`); any invalid
//!   token resets the count.
//!
//! Both results are clamped to the bounds in [`TrustParams`].
//!
//! ```
//! use micropay_primitives::block_size::BlockSizeBounds;
//! use micropay_primitives::trust::{trust, TrustProfile};
//! use micropay_primitives::trust_state::{TrustParams, TrustState};
//!
//! let params = TrustParams::talk(BlockSizeBounds::new(1, 512));
//! let mut state = TrustState::new(TrustProfile::Neutral, 20, &params);
//! // A block of 20 tokens settles with 5 invalid ones: W = 20 · T0(5) / T0(0) = 15.24 → 15.
//! let outcome = state.apply_block(5, &params);
//! assert_eq!(outcome.next_size, 15);
//! assert_eq!(outcome.trust, trust(TrustProfile::Neutral, 20, 5));
//! assert_eq!(state.block_size, 15);
//! ```

use crate::{
	block_size::{next_block_size, BlockSizeBounds},
	recent_invalid::{RecentInvalid, RECENT_BLOCKS},
	trust::{initial_trust, trust, TrustProfile, TrustValue},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Which invalid tokens count in `gamma`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub enum GammaMode {
	/// All invalid tokens since the user's first block (the talk). Once `gamma ≥ W` the size
	/// never moves again.
	#[default]
	Cumulative,
	/// Only those of the last `blocks` blocks, `blocks` clamped to `[1, RECENT_BLOCKS]`.
	Windowed {
		/// Window length, in blocks.
		blocks: u8,
	},
}

/// Whether an honest user's block size grows back after it was cut.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub enum Recovery {
	/// Never (the talk).
	#[default]
	Off,
	/// After `clean_blocks` consecutive clean blocks (0 counts as 1), `W` moves halfway toward
	/// `W_0`, rounded up.
	TowardInitial {
		/// Consecutive clean blocks needed for one step.
		clean_blocks: u32,
	},
}

/// The auditor's (or the chain's) settings for the block-size update.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct TrustParams {
	/// Smallest and largest block size.
	pub bounds: BlockSizeBounds,
	/// Which invalid tokens count in `gamma`.
	pub gamma: GammaMode,
	/// Whether clean blocks win back block size.
	pub recovery: Recovery,
}

impl TrustParams {
	/// The talk's rule within `bounds`: cumulative `gamma`, no recovery.
	pub const fn talk(bounds: BlockSizeBounds) -> Self {
		Self { bounds, gamma: GammaMode::Cumulative, recovery: Recovery::Off }
	}
}

/// What one settled block did to a user's standing (what the pallet's event reports).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct BlockOutcome {
	/// The user's next block size `W_i`.
	pub next_size: u32,
	/// The user's trust after the block, `T(gamma_i)` with parameter `W_{i−1}`.
	pub trust: TrustValue,
	/// The `gamma` that trust was computed from (cumulative or windowed).
	pub gamma: u32,
	/// Whether a recovery step raised the size.
	pub recovered: bool,
}

/// Trust and block-size state of one user with one auditor; what the pallet stores.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct TrustState {
	/// The user's trust model.
	pub profile: TrustProfile,
	/// Initial block size `W_0`, within the bounds it was created with.
	pub initial_size: u32,
	/// Current block size `W`.
	pub block_size: u32,
	/// Invalid tokens over all the user's blocks (the talk's `gamma`), saturating.
	pub gamma: u32,
	/// Current trust value (see [`BlockOutcome::trust`]); `T(0)` for a new user.
	pub trust: TrustValue,
	/// Blocks settled so far, saturating.
	pub blocks: u32,
	/// Consecutive clean blocks since the last invalid token or recovery step.
	pub clean_streak: u32,
	/// Invalid tokens of the most recent blocks, for the windowed `gamma`.
	pub recent: RecentInvalid,
}

impl TrustState {
	/// A new user with `profile` and initial block size `initial_size` (brought within
	/// `params.bounds`), trusted at `T(0) = (W_0 + 1)/(W_0 + 2)`.
	pub fn new(profile: TrustProfile, initial_size: u32, params: &TrustParams) -> Self {
		let initial_size = params.bounds.clamp(u128::from(initial_size));
		Self {
			profile,
			initial_size,
			block_size: initial_size,
			gamma: 0,
			trust: initial_trust(profile, initial_size),
			blocks: 0,
			clean_streak: 0,
			recent: RecentInvalid::default(),
		}
	}

	/// Records a settled block with `beta` invalid tokens and moves to the next block size.
	pub fn apply_block(&mut self, beta: u32, params: &TrustParams) -> BlockOutcome {
		let w_prev = self.block_size;
		let (gamma_prev, gamma_new) = self.record(beta, params.gamma);
		let mut next_size =
			next_block_size(self.profile, w_prev, gamma_prev, gamma_new, params.bounds);
		let raised = self.recovery_step(beta, next_size, params);
		let recovered = raised.is_some();
		next_size = raised.unwrap_or(next_size);
		self.block_size = next_size;
		self.trust = trust(self.profile, w_prev, gamma_new);
		BlockOutcome { next_size, trust: self.trust, gamma: gamma_new, recovered }
	}

	/// Updates the counters for a block with `beta` invalid tokens; returns `gamma` without
	/// and with it, as `mode` counts it (windowed: over the window this block closes).
	fn record(&mut self, beta: u32, mode: GammaMode) -> (u32, u32) {
		let gamma_before = match mode {
			GammaMode::Cumulative => self.gamma,
			// The blocks that stay in the window once this one joins it.
			GammaMode::Windowed { blocks } if blocks > 1 => {
				self.recent.sum_last(blocks.min(RECENT_BLOCKS as u8) - 1)
			},
			GammaMode::Windowed { .. } => 0,
		};
		self.gamma = self.gamma.saturating_add(beta);
		self.recent.push(beta);
		self.blocks = self.blocks.saturating_add(1);
		self.clean_streak = if beta == 0 { self.clean_streak.saturating_add(1) } else { 0 };
		(gamma_before, gamma_before.saturating_add(beta))
	}

	/// The raised size if this block completes a recovery streak and `size` is below `W_0`;
	/// restarts the streak when it does.
	fn recovery_step(&mut self, beta: u32, size: u32, params: &TrustParams) -> Option<u32> {
		let Recovery::TowardInitial { clean_blocks } = params.recovery else {
			return None;
		};
		if beta != 0 || self.clean_streak < clean_blocks.max(1) || size >= self.initial_size {
			return None;
		}
		self.clean_streak = 0;
		let gap = self.initial_size.saturating_sub(size);
		let raised = size.saturating_add(gap.div_ceil(2));
		Some(params.bounds.clamp(u128::from(raised)))
	}
}

/// What the chain keeps per (auditor, user): the trust state and the cumulative risk the
/// user's blocks caused the auditor.
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct UserTrust {
	/// Profile, sizes, `gamma`, trust value and block count.
	pub state: TrustState,
	/// Sum of the risks of the user's blocks (paid out − redeemed); negative is a gain.
	pub risk: i128,
	/// The user's next block may hold a prepaid purchase only while, with it, the block has
	/// fewer tokens than this. It is `W` after every block; when the auditor changes the
	/// user's profile it becomes the larger of the old limit and the new `W_0`, so purchases
	/// the auditor already promised under the old `W` still settle as prepaid.
	pub prepaid_limit: u32,
}

impl UserTrust {
	/// A user's first record: `state`, no risk, prepaid purchases up to its block size.
	pub fn new(state: TrustState) -> Self {
		Self { prepaid_limit: state.block_size, state, risk: 0 }
	}

	/// Restarts trust with `state` (a new profile and `W_0`); risk is kept and the prepaid
	/// limit never shrinks before the next block.
	pub fn restart(&mut self, state: TrustState) {
		self.prepaid_limit = self.prepaid_limit.max(state.block_size);
		self.state = state;
	}

	/// Applies a settled block with `invalid` invalid tokens and `risk` (see
	/// [`TrustState::apply_block`]); the prepaid limit becomes the new `W`.
	pub fn apply_block(&mut self, invalid: u32, risk: i128, params: &TrustParams) -> BlockOutcome {
		let outcome = self.state.apply_block(invalid, params);
		self.risk = self.risk.saturating_add(risk);
		self.prepaid_limit = self.state.block_size;
		outcome
	}
}
