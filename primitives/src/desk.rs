//! The auditor's front desk: what it keeps per buyer and how it decides.
//!
//! The node's JSON-RPC (`micropay_submitPurchase`) admits purchases into a [`UserDesk`] and
//! the pallet's offchain worker turns it into token blocks; both read and write the same
//! SCALE-encoded records in the node's persistent offchain storage (keys: [`USERS_KEY`],
//! [`user_key`], [`purchase_key`]), each update a compare-and-set of a whole record, so
//! neither side can lose or duplicate an entry, and a crash loses nothing written.
//!
//! Life of a purchase: admitted as **prepaid** (the merchant delivers now) while it leaves the
//! buyer's open block under `W`, fits in one token block with the purchases before it, and
//! no block of the buyer awaits validation, else **held**
//! (the merchant waits); the offchain worker submits the open block once it reaches `W` or
//! has waited long enough (it is then **in flight**, with its on-chain sequence number), and
//! once the chain's sequence passed it, every purchase of it is **settled** or **rejected**.

use crate::{purchase::PurchaseId, token::InvalidReason, token::TokenId};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Key of the list of buyers the desk has records for.
pub const USERS_KEY: &[u8] = b"micropay/desk/users";
/// Prefix of a buyer's [`UserDesk`].
pub const USER_PREFIX: &[u8] = b"micropay/desk/user/";
/// Prefix of a purchase id's owner (the buyer whose desk holds it).
pub const PURCHASE_PREFIX: &[u8] = b"micropay/desk/purchase/";
/// Resolved purchases a desk remembers per buyer (the oldest are forgotten first).
pub const MAX_RESOLVED: usize = 1_024;
/// Buyers a desk keeps records for; a new buyer beyond this is refused (`DeskFull`).
pub const MAX_USERS: usize = 65_536;
/// Purchases a buyer may have waiting at the desk (open block and block in flight).
pub const MAX_PENDING: usize = 4_096;

/// Key of `user`'s desk record.
pub fn user_key(user: &impl Encode) -> Vec<u8> {
	let mut key = USER_PREFIX.to_vec();
	user.encode_to(&mut key);
	key
}

/// Key of the owner of purchase `id`.
pub fn purchase_key(id: &PurchaseId) -> Vec<u8> {
	let mut key = PURCHASE_PREFIX.to_vec();
	key.extend_from_slice(id);
	key
}

/// A purchase the desk accepted.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct DeskPurchase<AccountId, Signature> {
	/// Purchase id (hash of the signing payload).
	pub id: PurchaseId,
	/// The merchant.
	pub merchant: AccountId,
	/// Hash of the item information.
	pub item: [u8; 32],
	/// Creation time given by the buyer.
	pub created_at: u64,
	/// Tokens paying for it.
	pub tokens: Vec<TokenId>,
	/// The buyer's signature.
	pub signature: Signature,
	/// Whether the merchant was told to deliver at once.
	pub prepaid: bool,
}

/// A token block submitted and not yet seen settled on chain.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct InFlight<AccountId, Signature> {
	/// Its sequence number for (auditor, buyer).
	pub seq: u32,
	/// Chain block at which it was (last) submitted.
	pub submitted_at: u32,
	/// Its purchases, in block order.
	pub purchases: Vec<DeskPurchase<AccountId, Signature>>,
}

/// What became of a purchase once its block was on chain.
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub enum Resolution {
	/// Its merchant was paid on chain.
	Settled,
	/// The chain rejected it (a held purchase with an invalid token), for this reason when
	/// the worker saw it, else `Unknown`.
	Rejected(InvalidReason),
}

/// Where a purchase stands, as the status RPC reports it.
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub enum PurchaseStatus {
	/// Prepaid: the merchant delivered; its block is not on chain yet.
	Delivered,
	/// Held: the merchant waits for its block.
	Waiting,
	/// In the token block with this sequence number, submitted, not yet settled.
	Submitted {
		/// The block's sequence number.
		seq: u32,
		/// Whether it was prepaid.
		prepaid: bool,
	},
	/// Resolved on chain.
	Resolved(Resolution),
}

/// Why the desk refused a purchase.
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub enum Refusal {
	/// The chain's rules reject this token (forged, not owned, spent, expired, …).
	Invalid(TokenId, InvalidReason),
	/// This token is already in a purchase waiting at this desk (a double-spend caught
	/// before the chain).
	DoubleSpent(TokenId),
	/// This very purchase was already accepted (a double-sell).
	DoubleSold,
	/// The purchase has no token, or more than a purchase may hold.
	BadSize,
	/// The buyer has too many purchases waiting; try again after its next block.
	DeskFull,
}

/// The desk's answer to a merchant.
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub enum Decision {
	/// Deliver now (prepaid).
	Deliver,
	/// Wait for the chain (held).
	Wait,
	/// Refused.
	Reject(Refusal),
}

/// Limits the desk applies to the blocks it forms (the runtime's constants).
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct BlockLimits {
	/// Most tokens in a block.
	pub max_tokens: u32,
	/// Most purchases in a block.
	pub max_purchases: u32,
	/// Most tokens in a purchase.
	pub max_tokens_per_purchase: u32,
	/// Blocks after which a non-full open block is submitted anyway.
	pub max_age: u32,
	/// Blocks after which an in-flight block not seen on chain is submitted again.
	pub resubmit_after: u32,
}

/// Everything the desk needs from the chain about one purchase, in one runtime call.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct ChainCheck {
	/// The purchase id, or why the chain's rules refuse it.
	pub verdict: Result<PurchaseId, Refusal>,
	/// The buyer's block size `W` with this auditor.
	pub block_size: u32,
	/// The runtime's block bounds and worker timings.
	pub limits: BlockLimits,
}

/// One buyer's state at the desk.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct UserDesk<AccountId, Signature> {
	/// The open block's purchases, in arrival order.
	pub open: Vec<DeskPurchase<AccountId, Signature>>,
	/// Chain block at which the open block received its first purchase.
	pub opened_at: u32,
	/// The block submitted and not yet seen settled.
	pub in_flight: Option<InFlight<AccountId, Signature>>,
	/// Recently resolved purchases, oldest first, at most [`MAX_RESOLVED`].
	pub resolved: Vec<(PurchaseId, Resolution)>,
}

impl<AccountId, Signature> Default for UserDesk<AccountId, Signature> {
	fn default() -> Self {
		Self { open: Vec::new(), opened_at: 0, in_flight: None, resolved: Vec::new() }
	}
}

impl<AccountId: Clone, Signature: Clone> UserDesk<AccountId, Signature> {
	/// Tokens in the open block.
	pub fn open_tokens(&self) -> u32 {
		self.open.iter().map(|purchase| purchase.tokens.len() as u32).sum()
	}

	/// Purchases waiting: the open block's and the in-flight block's.
	pub fn pending(&self) -> impl Iterator<Item = &DeskPurchase<AccountId, Signature>> {
		self.open.iter().chain(self.in_flight.iter().flat_map(|block| block.purchases.iter()))
	}

	/// Admits `purchase` (already checked against the chain) given the buyer's block size
	/// `w`, at chain block `now`; on `Deliver` or `Wait` it is recorded with its `prepaid`.
	pub fn admit(
		&mut self,
		mut purchase: DeskPurchase<AccountId, Signature>,
		w: u32,
		now: u32,
		limits: &BlockLimits,
	) -> Decision {
		let size = purchase.tokens.len() as u32;
		if size == 0 || size > limits.max_tokens_per_purchase {
			return Decision::Reject(Refusal::BadSize);
		}
		if self.pending().any(|pending| pending.id == purchase.id)
			|| self.resolved.iter().any(|(id, _)| *id == purchase.id)
		{
			return Decision::Reject(Refusal::DoubleSold);
		}
		let pending: BTreeSet<&TokenId> = self.pending().flat_map(|p| p.tokens.iter()).collect();
		let mut seen = BTreeSet::new();
		for token in &purchase.tokens {
			if pending.contains(token) || !seen.insert(token) {
				return Decision::Reject(Refusal::DoubleSpent(*token));
			}
		}
		if self.pending().count() >= MAX_PENDING {
			return Decision::Reject(Refusal::DeskFull);
		}
		let tokens_after = self.open_tokens().saturating_add(size);
		// A promise must fit in the block being built, or it could meet a smaller `W` in
		// the next one: so also fewer purchases than a block holds.
		let fits = (self.open.len() as u32) < limits.max_purchases;
		purchase.prepaid = self.in_flight.is_none() && tokens_after < w && fits;
		if self.open.is_empty() {
			self.opened_at = now;
		}
		let decision = if purchase.prepaid { Decision::Deliver } else { Decision::Wait };
		self.open.push(purchase);
		decision
	}

	/// Where purchase `id` stands, if this desk knows it.
	pub fn status(&self, id: &PurchaseId) -> Option<PurchaseStatus> {
		if let Some(purchase) = self.open.iter().find(|purchase| purchase.id == *id) {
			return Some(if purchase.prepaid {
				PurchaseStatus::Delivered
			} else {
				PurchaseStatus::Waiting
			});
		}
		if let Some(block) = &self.in_flight {
			if let Some(purchase) = block.purchases.iter().find(|purchase| purchase.id == *id) {
				return Some(PurchaseStatus::Submitted {
					seq: block.seq,
					prepaid: purchase.prepaid,
				});
			}
		}
		self.resolved
			.iter()
			.rev()
			.find(|(resolved, _)| resolved == id)
			.map(|(_, resolution)| PurchaseStatus::Resolved(*resolution))
	}

	/// Whether the open block should be submitted now: it reached `w`, or it waited
	/// `max_age` blocks; never while another block is in flight.
	pub fn block_due(&self, w: u32, now: u32, limits: &BlockLimits) -> bool {
		self.in_flight.is_none()
			&& !self.open.is_empty()
			&& (self.open_tokens() >= w || now.saturating_sub(self.opened_at) >= limits.max_age)
	}

	/// Moves the open block's first purchases (as many as a block holds) in flight as block
	/// `seq`, submitted at `now`; returns it. The rest stay open, opened now.
	pub fn take_block(
		&mut self,
		seq: u32,
		now: u32,
		limits: &BlockLimits,
	) -> &InFlight<AccountId, Signature> {
		let (mut tokens, mut count) = (0u32, 0usize);
		for purchase in &self.open {
			let size = purchase.tokens.len() as u32;
			if count as u32 >= limits.max_purchases
				|| tokens.saturating_add(size) > limits.max_tokens
			{
				break;
			}
			tokens += size;
			count += 1;
		}
		let purchases: Vec<_> = self.open.drain(..count.max(1).min(self.open.len())).collect();
		self.opened_at = now;
		self.in_flight.insert(InFlight { seq, submitted_at: now, purchases })
	}

	/// Whether the in-flight block was submitted `resubmit_after` blocks ago or more and
	/// should be sent again (its transaction may have been lost).
	pub fn resubmit_due(&self, now: u32, limits: &BlockLimits) -> bool {
		self.in_flight
			.as_ref()
			.is_some_and(|block| now.saturating_sub(block.submitted_at) >= limits.resubmit_after)
	}

	/// Resolves the in-flight block once the chain's next sequence number passed it:
	/// `outcome(id)` says what became of each purchase. Returns whether it resolved.
	pub fn resolve(
		&mut self,
		chain_next_seq: u32,
		outcome: impl Fn(&PurchaseId) -> Resolution,
	) -> bool {
		let Some(block) = self.in_flight.take_if(|block| chain_next_seq > block.seq) else {
			return false;
		};
		self.resolved
			.extend(block.purchases.iter().map(|purchase| (purchase.id, outcome(&purchase.id))));
		let excess = self.resolved.len().saturating_sub(MAX_RESOLVED);
		self.resolved.drain(..excess);
		true
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	type Desk = UserDesk<u8, ()>;

	const LIMITS: BlockLimits = BlockLimits {
		max_tokens: 8,
		max_purchases: 3,
		max_tokens_per_purchase: 4,
		max_age: 5,
		resubmit_after: 3,
	};

	fn purchase(id: u8, tokens: &[u32]) -> DeskPurchase<u8, ()> {
		DeskPurchase {
			id: [id; 32],
			merchant: 1,
			item: [0; 32],
			created_at: u64::from(id),
			tokens: tokens.iter().map(|index| TokenId::new(0, *index)).collect(),
			signature: (),
			prepaid: false,
		}
	}

	#[test]
	fn purchases_are_prepaid_until_one_reaches_w_then_held() {
		let mut desk = Desk::default();
		assert_eq!(desk.admit(purchase(1, &[0, 1]), 5, 10, &LIMITS), Decision::Deliver);
		assert_eq!(desk.admit(purchase(2, &[2, 3]), 5, 11, &LIMITS), Decision::Deliver);
		// 4 + 1 = 5 reaches W = 5: held.
		assert_eq!(desk.admit(purchase(3, &[4]), 5, 12, &LIMITS), Decision::Wait);
		assert_eq!(desk.opened_at, 10);
		assert!(desk.block_due(5, 12, &LIMITS));
		assert_eq!(desk.status(&[1; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.status(&[3; 32]), Some(PurchaseStatus::Waiting));
	}

	#[test]
	fn double_spends_and_double_sells_are_refused_at_the_desk() {
		let mut desk = Desk::default();
		assert_eq!(desk.admit(purchase(1, &[0, 1]), 5, 0, &LIMITS), Decision::Deliver);
		let spent_again = purchase(2, &[1, 2]);
		assert_eq!(
			desk.admit(spent_again, 5, 0, &LIMITS),
			Decision::Reject(Refusal::DoubleSpent(TokenId::new(0, 1)))
		);
		assert_eq!(
			desk.admit(purchase(1, &[5]), 5, 0, &LIMITS),
			Decision::Reject(Refusal::DoubleSold)
		);
		assert_eq!(
			desk.admit(purchase(3, &[7, 7]), 5, 0, &LIMITS),
			Decision::Reject(Refusal::DoubleSpent(TokenId::new(0, 7)))
		);
		assert_eq!(desk.admit(purchase(4, &[]), 5, 0, &LIMITS), Decision::Reject(Refusal::BadSize));
		assert_eq!(
			desk.admit(purchase(4, &[1, 2, 3, 4, 5]), 5, 0, &LIMITS),
			Decision::Reject(Refusal::BadSize)
		);
		// Refusals change nothing.
		assert_eq!(desk.open.len(), 1);
	}

	#[test]
	fn a_block_goes_in_flight_once_and_purchases_wait_meanwhile() {
		let mut desk = Desk::default();
		desk.admit(purchase(1, &[0, 1, 2]), 4, 0, &LIMITS);
		desk.admit(purchase(2, &[3]), 4, 0, &LIMITS);
		assert!(desk.block_due(4, 0, &LIMITS));
		let block = desk.take_block(7, 1, &LIMITS).clone();
		assert_eq!((block.seq, block.purchases.len()), (7, 2));
		assert!(!desk.block_due(4, 1, &LIMITS), "one block in flight at a time");
		// While it is in flight, new purchases wait, and its tokens still count as pending.
		assert_eq!(desk.admit(purchase(3, &[9]), 4, 2, &LIMITS), Decision::Wait);
		assert!(matches!(desk.admit(purchase(4, &[3]), 4, 2, &LIMITS), Decision::Reject(_)));
		assert_eq!(
			desk.status(&[2; 32]),
			Some(PurchaseStatus::Submitted { seq: 7, prepaid: false })
		);
		assert!(!desk.resubmit_due(3, &LIMITS));
		assert!(desk.resubmit_due(4, &LIMITS));
		// The chain has not passed seq 7 yet: nothing resolves.
		assert!(!desk.resolve(7, |_| Resolution::Settled));
		assert!(desk.resolve(8, |id| if id[0] == 2 {
			Resolution::Rejected(InvalidReason::DoubleSpentOnChain)
		} else {
			Resolution::Settled
		}));
		assert_eq!(desk.status(&[1; 32]), Some(PurchaseStatus::Resolved(Resolution::Settled)));
		assert_eq!(
			desk.status(&[2; 32]),
			Some(PurchaseStatus::Resolved(Resolution::Rejected(InvalidReason::DoubleSpentOnChain)))
		);
		// A resolved purchase sent again is still a double-sell.
		assert_eq!(
			desk.admit(purchase(1, &[20]), 4, 5, &LIMITS),
			Decision::Reject(Refusal::DoubleSold)
		);
	}

	#[test]
	fn blocks_respect_the_chain_limits_and_stale_blocks_go_anyway() {
		let mut desk = Desk::default();
		for id in 0..5 {
			desk.admit(purchase(id, &[u32::from(id) * 2, u32::from(id) * 2 + 1]), 100, 0, &LIMITS);
		}
		// Only as many promises as one block holds: the 4th and 5th purchases wait, so no
		// prepaid purchase is left for a next block whose W may be smaller.
		assert_eq!(desk.status(&[2; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.status(&[3; 32]), Some(PurchaseStatus::Waiting));
		assert!(!desk.block_due(100, 4, &LIMITS));
		assert!(desk.block_due(100, 5, &LIMITS), "waited max_age blocks");
		let block = desk.take_block(0, 5, &LIMITS);
		assert_eq!(block.purchases.len(), 3, "max_purchases");
		assert!(block.purchases.iter().all(|purchase| purchase.prepaid));
		assert_eq!(desk.open.len(), 2);
		assert!(desk.open.iter().all(|purchase| !purchase.prepaid));
	}
}
