//! The auditor's front desk: what it keeps per buyer and how it decides.
//!
//! The node's JSON-RPC (`micropay_submitPurchase`) admits purchases into a [`UserDesk`] and
//! the pallet's offchain worker turns it into token blocks; both read and write the same
//! SCALE-encoded records in the node's persistent offchain storage (keys: [`USERS_KEY`],
//! [`listed_key`], [`user_key`], [`purchase_key`], [`resolved_key`]), each update a
//! compare-and-set of a whole record, so neither side can lose or duplicate an entry, and a
//! crash loses nothing written.
//!
//! A buyer's record holds only what is pending (its open block and its block in flight):
//! every admission reads and rewrites it, so it must not grow with the buyer's history. What
//! became of its resolved purchases is in its [`ResolvedLog`], which only the worker writes
//! (once per resolved token block) and only the status RPC reads; a purchase id sent again
//! after its resolution is caught by the desk's index ([`purchase_key`]), which holds every
//! id the desk admitted until the log forgets it.
//!
//! Life of a purchase: admitted as **prepaid** (the merchant delivers now) while it leaves the
//! buyer's open block under `W`, fits in one token block with the purchases before it, and
//! no block of the buyer awaits validation, else **held**
//! (the merchant waits); the offchain worker submits the open block once it reaches `W` or
//! has waited long enough (it is then **in flight**, with its on-chain sequence number), and
//! once the chain's sequence passed it, every purchase of it is **settled** or **rejected**.

use crate::{
	purchase::{may_prepay, token_block_content, PurchaseId, SignedPurchase},
	token::{InvalidReason, TokenId},
};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Key of the list of buyers the desk has records for.
pub const USERS_KEY: &[u8] = b"micropay/desk/users";
/// Prefix of a buyer's mark that it is on the [`USERS_KEY`] list (see [`listed_key`]).
pub const LISTED_PREFIX: &[u8] = b"micropay/desk/listed/";
/// Prefix of a buyer's [`UserDesk`].
pub const USER_PREFIX: &[u8] = b"micropay/desk/user/";
/// Prefix of a purchase id's owner (the buyer whose desk holds it).
pub const PURCHASE_PREFIX: &[u8] = b"micropay/desk/purchase/";
/// Prefix of a buyer's [`ResolvedLog`].
pub const RESOLVED_PREFIX: &[u8] = b"micropay/desk/resolved/";
/// Key of the total the desk ever promised merchants (u128, smallest unit; written by the
/// desk only).
pub const PROMISED_KEY: &[u8] = b"micropay/desk/promised";
/// Key of the total of promises resolved on chain (u128; written by the worker only). The
/// auditor's exposure is promised − released ([`exposure`]).
pub const RELEASED_KEY: &[u8] = b"micropay/desk/released";
/// Resolved purchases a desk remembers per buyer (the oldest are forgotten first).
pub const MAX_RESOLVED: usize = 1_024;
/// Buyers a desk keeps records for; a new buyer beyond this is refused (`DeskFull`).
pub const MAX_USERS: usize = 65_536;
/// Purchases a buyer may have waiting at the desk (open block and block in flight).
pub const MAX_PENDING: usize = 4_096;

/// What the desk has promised and the chain not yet settled: the receipts outstanding against
/// the auditor's bond.
pub const fn exposure(promised: u128, released: u128) -> u128 {
	promised.saturating_sub(released)
}

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

/// Key of `user`'s mark that it is on the worker's list, so the desk need not read the whole
/// list (32 bytes per buyer) on every admission to find it there.
///
/// The desk sets the mark only after the list holds the buyer; the worker clears it before
/// it takes the buyer off the list, and sets it again after putting back a buyer that turned
/// out busy. So once the desk has admitted a purchase (its record written) and sees the
/// mark, the buyer is listed, or a worker is taking it off and will re-read the record after
/// that admission, see it busy and put it back. A crash between the steps leaves a buyer
/// listed without its mark (the next admission reads the list and marks it), never a mark
/// without the buyer listed, as the offchain database keeps its writes in order.
pub fn listed_key(user: &impl Encode) -> Vec<u8> {
	let mut key = LISTED_PREFIX.to_vec();
	user.encode_to(&mut key);
	key
}

/// Key of `user`'s [`ResolvedLog`].
pub fn resolved_key(user: &impl Encode) -> Vec<u8> {
	let mut key = RESOLVED_PREFIX.to_vec();
	user.encode_to(&mut key);
	key
}

/// A promise the desk made: the receipt it signed for a prepaid purchase.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct Promise<Signature> {
	/// What the merchant is due (the purchase's value less the auditor's withholding).
	pub amount: u128,
	/// What a claim of the receipt would cost the auditor (amount plus penalty): what the
	/// promise adds to the auditor's exposure.
	pub claim_cost: u128,
	/// The block by which the purchase must be settled, or the merchant may claim the receipt.
	pub deadline: u32,
	/// The auditor's signature over the receipt.
	pub signature: Signature,
}

/// A purchase the desk accepted.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct DeskPurchase<AccountId, Signature> {
	/// Purchase id (hash of the signing payload).
	pub id: PurchaseId,
	/// The purchase as the buyer signed it.
	pub purchase: SignedPurchase<AccountId, Signature, Vec<TokenId>>,
	/// Whether the merchant was told to deliver at once.
	pub prepaid: bool,
	/// The signed receipt given with "deliver" (none for a held purchase).
	pub promise: Option<Promise<Signature>>,
}

impl<AccountId, Signature> DeskPurchase<AccountId, Signature> {
	/// Tokens paying for it.
	pub fn token_count(&self) -> u32 {
		self.purchase.tokens.len() as u32
	}

	/// What the desk promised the merchant for it (0 for a held purchase).
	pub fn promised(&self) -> u128 {
		self.promise.as_ref().map_or(0, |promise| promise.claim_cost)
	}
}

/// A token block submitted and not yet seen settled on chain.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct InFlight<AccountId, Signature> {
	/// Its sequence number for (auditor, buyer).
	pub seq: u32,
	/// Chain block at which it was (last) submitted.
	pub submitted_at: u32,
	/// How many times it was sent; after [`MAX_SENDS`] unanswered sends it is re-formed.
	pub sends: u32,
	/// Its purchases, in block order.
	pub purchases: Vec<DeskPurchase<AccountId, Signature>>,
}

/// What became of a purchase once its block was on chain.
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
#[must_use]
pub enum Resolution {
	/// Its merchant was paid on chain.
	Settled,
	/// The chain rejected it (a held purchase with an invalid token), for this reason when
	/// the worker saw it, else `Unknown`.
	Rejected(InvalidReason),
}

impl Resolution {
	/// Whether a promise made for the purchase is no longer outstanding: it was paid
	/// (settled), or its id was settled otherwise (double-sold: paid before, or its receipt
	/// claimed). A promised purchase rejected for another reason keeps its receipt claimable,
	/// so the desk keeps counting it.
	pub fn releases_promise(&self) -> bool {
		matches!(self, Resolution::Settled | Resolution::Rejected(InvalidReason::DoubleSold))
	}
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
	/// The buyer has too many purchases waiting (or the desk too many buyers); try again
	/// after the buyer's next token block.
	DeskFull,
	/// The purchase names another auditor than this desk's.
	WrongAuditor,
	/// This desk's auditor is not an active registered auditor (retiring, deregistered, or
	/// no auditor key on this node): it makes no new promises.
	AuditorInactive,
	/// This token expires before a token block holding it could settle
	/// ([`settle_horizon`] blocks from now).
	ExpiresTooSoon(TokenId),
	/// The merchant's account cannot receive the payout (a new account and a payout below
	/// the existential deposit): it would only become a credit on chain.
	MerchantCannotReceive,
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
	/// What the merchant is due if the purchase settles: its value less the withholding.
	pub amount_due: u128,
	/// What a claim of its receipt would cost the auditor: `amount_due` plus the penalty.
	pub claim_cost: u128,
	/// The auditor's bond: what backs its promises (its free balance can move away at any
	/// time, so it does not count).
	pub cover: u128,
}

/// What backs an auditor's promises on chain (runtime API `auditor_cover`).
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct AuditorCover {
	/// Its bond on hold.
	pub bond: u128,
	/// Its free balance (what it pays merchants from first).
	pub free: u128,
	/// Whether it is active (a retiring auditor's desk makes no new promises).
	pub active: bool,
	/// Credits it owes merchants whose accounts could not receive a payout.
	pub credits_owed: u128,
}

/// Sends of one token block before the worker stops resending it and re-forms it from the
/// buyer's open purchases (the chain refused it whole, or its transaction keeps being lost).
pub const MAX_SENDS: u32 = 3;

/// Blocks of slack between the last possible submission of a token block and the deadline of
/// the receipts in it (the chain must include and finalize the block).
pub const SETTLE_MARGIN: u32 = 5;

/// Blocks within which a purchase admitted now is settled on chain, if the auditor and its
/// node work: the open block's age limit, then every send of it. The desk refuses tokens that
/// expire within it, and the receipts it signs fall due after it.
pub const fn settle_horizon(limits: &BlockLimits) -> u32 {
	limits
		.max_age
		.saturating_add(limits.resubmit_after.saturating_mul(MAX_SENDS))
		.saturating_add(SETTLE_MARGIN)
}

/// The auditor key a node's desk and worker both serve: the smallest of the node's keys that
/// is a registered auditor on chain. One rule, so the two never act for different auditors.
pub fn choose_auditor_key<K: Ord + Clone>(
	keys: &[K],
	is_registered: impl Fn(&K) -> bool,
) -> Option<K> {
	keys.iter().filter(|key| is_registered(key)).min().cloned()
}

/// What the chain recorded about the last token block of an (auditor, buyer): its sequence
/// number and content hash ([`token_block_content`]).
#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct SettledTokenBlock {
	/// Its sequence number.
	pub seq: u32,
	/// The hash of its purchase ids in order.
	pub content: [u8; 32],
}

/// How a token block in flight ended, once the chain's sequence passed it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Resolved {
	/// Purchases resolved (settled or rejected), with what the desk had promised for each.
	pub resolved: Vec<(PurchaseId, Resolution, u128)>,
	/// Purchases the settled token block did not hold; they went back to the open block.
	pub reopened: u32,
}

/// What became of a buyer's recently resolved purchases, oldest first, at most
/// [`MAX_RESOLVED`]: written by the worker when it resolves a token block, read by the
/// status RPC and the journal's replay, never by an admission.
#[derive(Clone, Debug, Default, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct ResolvedLog {
	/// The resolutions, oldest first.
	pub entries: Vec<(PurchaseId, Resolution)>,
}

impl ResolvedLog {
	/// What became of purchase `id`, if the log still remembers it (the latest entry).
	pub fn get(&self, id: &PurchaseId) -> Option<Resolution> {
		self.entries.iter().rev().find(|(resolved, _)| resolved == id).map(|(_, outcome)| *outcome)
	}

	/// Appends `resolutions` and forgets the oldest past [`MAX_RESOLVED`]; returns the ids
	/// forgotten (their index keys can be collected: the desk no longer knows them).
	pub fn record(
		&mut self,
		resolutions: impl IntoIterator<Item = (PurchaseId, Resolution)>,
	) -> Vec<PurchaseId> {
		self.entries.extend(resolutions);
		let excess = self.entries.len().saturating_sub(MAX_RESOLVED);
		self.entries.drain(..excess).map(|(id, _)| id).collect()
	}
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
	/// Resolutions a record written before the [`ResolvedLog`] still holds (runtimes up to
	/// spec 203 kept a buyer's last [`MAX_RESOLVED`] here). Empty in every record written
	/// now: the worker moves what it finds into the log on its next write. Kept in the
	/// layout so a desk and a worker of either version read each other's records (the worker
	/// is upgraded with the runtime, the desk with the node).
	pub resolved: Vec<(PurchaseId, Resolution)>,
}

impl<AccountId, Signature> Default for UserDesk<AccountId, Signature> {
	fn default() -> Self {
		Self { open: Vec::new(), opened_at: 0, in_flight: None, resolved: Vec::new() }
	}
}

impl<AccountId: Clone + PartialEq, Signature: Clone> UserDesk<AccountId, Signature> {
	/// Tokens in the open block.
	pub fn open_tokens(&self) -> u32 {
		self.open.iter().map(DeskPurchase::token_count).sum()
	}

	/// Purchases waiting: the open block's and the in-flight block's.
	pub fn pending(&self) -> impl Iterator<Item = &DeskPurchase<AccountId, Signature>> {
		self.open.iter().chain(self.in_flight.iter().flat_map(|block| block.purchases.iter()))
	}

	/// What the receipts of the purchases waiting would cost the auditor if all were claimed
	/// (the buyer's share of the desk's exposure).
	pub fn promised(&self) -> u128 {
		self.pending().fold(0u128, |sum, purchase| sum.saturating_add(purchase.promised()))
	}

	/// Whether nothing of this buyer waits at the desk (it may leave the worker's list).
	pub fn is_idle(&self) -> bool {
		self.open.is_empty() && self.in_flight.is_none()
	}

	/// Admits `purchase` (already checked against the chain, and not in the desk's index:
	/// an id the desk admitted before is a double-sell however it ended) given the buyer's
	/// block size `w`, at chain block `now`. It is prepaid (`Deliver`) if the rule
	/// [`may_prepay`] allows it, it fits in the block being built, no token block of the buyer
	/// awaits validation, and `promise` is given (the caller gives none when the auditor's
	/// bond cannot back another promise); it then keeps `promise`. Else it is held (`Wait`).
	pub fn admit(
		&mut self,
		purchase: DeskPurchase<AccountId, Signature>,
		w: u32,
		now: u32,
		limits: &BlockLimits,
		promise: Option<Promise<Signature>>,
	) -> Decision {
		match self
			.admit_with(purchase, w, now, limits, || Ok::<_, core::convert::Infallible>(promise))
		{
			Ok(decision) => decision,
			Err(never) => match never {},
		}
	}

	/// [`Self::admit`], asking `promise` for the promise only once everything else allows
	/// prepaying: the desk signs a receipt for a purchase it delivers, not for one it holds
	/// or rejects. An error of `promise` admits nothing.
	pub fn admit_with<E>(
		&mut self,
		mut purchase: DeskPurchase<AccountId, Signature>,
		w: u32,
		now: u32,
		limits: &BlockLimits,
		promise: impl FnOnce() -> Result<Option<Promise<Signature>>, E>,
	) -> Result<Decision, E> {
		let size = purchase.token_count();
		if size == 0 || size > limits.max_tokens_per_purchase {
			return Ok(Decision::Reject(Refusal::BadSize));
		}
		if self.pending().any(|pending| pending.id == purchase.id)
			|| self.resolved.iter().any(|(id, _)| *id == purchase.id)
		{
			return Ok(Decision::Reject(Refusal::DoubleSold));
		}
		let pending: BTreeSet<&TokenId> =
			self.pending().flat_map(|p| p.purchase.tokens.iter()).collect();
		let mut seen = BTreeSet::new();
		for token in &purchase.purchase.tokens {
			if pending.contains(token) || !seen.insert(token) {
				return Ok(Decision::Reject(Refusal::DoubleSpent(*token)));
			}
		}
		if self.pending().count() >= MAX_PENDING {
			return Ok(Decision::Reject(Refusal::DeskFull));
		}
		let tokens_after = self.open_tokens().saturating_add(size);
		// A promise must fit in the block being built, or it could meet a smaller `W` in
		// the next one: so also fewer purchases than a block holds.
		let fits = (self.open.len() as u32) < limits.max_purchases;
		let may_prepay = self.in_flight.is_none() && may_prepay(tokens_after, w) && fits;
		purchase.promise = if may_prepay { promise()? } else { None };
		purchase.prepaid = purchase.promise.is_some();
		if self.open.is_empty() {
			self.opened_at = now;
		}
		let decision = if purchase.prepaid { Decision::Deliver } else { Decision::Wait };
		self.open.push(purchase);
		Ok(decision)
	}

	/// Puts back a purchase this desk admitted (as admitted: its prepaid flag and promise
	/// kept) whose record was lost in a crash before it reached the disk, at chain block
	/// `now`; the desk's journal holds it (node `desk_journal`). Returns whether it was put
	/// back: a purchase the record or the buyer's `log` still knows (pending or resolved) is
	/// left alone, so replaying a journal twice changes nothing. It goes at the end of the
	/// open block, like any new purchase; its tokens were the buyer's when it was admitted,
	/// and the chain refuses whatever was spent since.
	pub fn restore(
		&mut self,
		purchase: DeskPurchase<AccountId, Signature>,
		now: u32,
		log: &ResolvedLog,
	) -> bool {
		if self.status_with(log, &purchase.id).is_some() {
			return false;
		}
		if self.open.is_empty() {
			self.opened_at = now;
		}
		self.open.push(purchase);
		true
	}

	/// The pending purchase `id`, if this desk holds it.
	pub fn pending_purchase(&self, id: &PurchaseId) -> Option<&DeskPurchase<AccountId, Signature>> {
		self.pending().find(|purchase| purchase.id == *id)
	}

	/// Where purchase `id` stands, if the record or the buyer's resolution `log` knows it.
	pub fn status_with(&self, log: &ResolvedLog, id: &PurchaseId) -> Option<PurchaseStatus> {
		self.status(id).or_else(|| log.get(id).map(PurchaseStatus::Resolved))
	}

	/// Where purchase `id` stands, if this record knows it: pending, or resolved in a record
	/// of the old layout (see [`Self::status_with`] for a resolution in the log).
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
	///
	/// `prepaid_limit` is the chain's bound for prepaid purchases in this block
	/// ([`may_prepay`] against it): a prepaid purchase past it (possible only when a refused
	/// block is re-formed after `W` shrank) goes as held; its merchant keeps its receipt.
	pub fn take_block(
		&mut self,
		seq: u32,
		now: u32,
		limits: &BlockLimits,
		prepaid_limit: u32,
	) -> &InFlight<AccountId, Signature> {
		let (mut tokens, mut count) = (0u32, 0usize);
		for purchase in &self.open {
			let size = purchase.token_count();
			if count as u32 >= limits.max_purchases
				|| tokens.saturating_add(size) > limits.max_tokens
			{
				break;
			}
			tokens += size;
			count += 1;
		}
		let mut purchases: Vec<_> = self.open.drain(..count.max(1).min(self.open.len())).collect();
		let mut tokens = 0u32;
		for purchase in &mut purchases {
			tokens = tokens.saturating_add(purchase.token_count());
			purchase.prepaid = purchase.prepaid && may_prepay(tokens, prepaid_limit);
		}
		self.opened_at = now;
		self.in_flight.insert(InFlight { seq, submitted_at: now, sends: 1, purchases })
	}

	/// Whether the in-flight block was submitted `resubmit_after` blocks ago or more and
	/// should be sent again (its transaction may have been lost).
	pub fn resubmit_due(&self, now: u32, limits: &BlockLimits) -> bool {
		self.in_flight
			.as_ref()
			.is_some_and(|block| now.saturating_sub(block.submitted_at) >= limits.resubmit_after)
	}

	/// Marks the in-flight block sent again at `now` and returns it, or, after [`MAX_SENDS`]
	/// sends, puts its purchases back at the head of the open block (to be re-formed with
	/// the chain's current sequence number and `W`) and returns `None`: a block the chain
	/// refuses whole is never resent forever.
	pub fn resend(&mut self, now: u32) -> Option<InFlight<AccountId, Signature>> {
		let block = self.in_flight.as_mut()?;
		if block.sends < MAX_SENDS {
			block.sends = block.sends.saturating_add(1);
			block.submitted_at = now;
			return Some(block.clone());
		}
		let block = self.in_flight.take()?;
		self.reopen(block.purchases);
		None
	}

	/// Puts `purchases` back at the head of the open block, in their order.
	/// They have waited already: the re-formed token block is due at once.
	fn reopen(&mut self, purchases: Vec<DeskPurchase<AccountId, Signature>>) {
		if purchases.is_empty() {
			return;
		}
		self.opened_at = 0;
		let later = core::mem::replace(&mut self.open, purchases);
		self.open.extend(later);
	}

	/// Resolves the in-flight block once the chain's next sequence number passed it, by
	/// content: if the chain's last token block of this buyer (`last`) is ours (same sequence
	/// number, same purchases), `outcome(id)` says what became of each purchase. Otherwise
	/// another block took our sequence number (a second node on our key, a block sent by
	/// hand): purchases the chain settled are settled, the others go back to the head of the
	/// open block. Returns what changed, or `None` if the block is still in flight; the
	/// caller records the resolutions in the buyer's [`ResolvedLog`].
	pub fn resolve(
		&mut self,
		chain_next_seq: u32,
		last: Option<SettledTokenBlock>,
		outcome: impl Fn(&PurchaseId) -> Resolution,
	) -> Option<Resolved> {
		let block = self.in_flight.take_if(|block| chain_next_seq > block.seq)?;
		let ours = last.is_some_and(|last| {
			last.seq == block.seq
				&& last.content == token_block_content(block.purchases.iter().map(|p| &p.id))
		});
		let mut done = Resolved::default();
		let mut reopen = Vec::new();
		for purchase in block.purchases {
			let resolution = outcome(&purchase.id);
			if ours || resolution == Resolution::Settled {
				done.resolved.push((purchase.id, resolution, purchase.promised()));
			} else {
				reopen.push(purchase);
			}
		}
		done.reopened = reopen.len() as u32;
		self.reopen(reopen);
		Some(done)
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
			purchase: SignedPurchase {
				merchant: 1,
				auditor: 2,
				item: [0; 32],
				created_at: u64::from(id),
				tokens: tokens.iter().map(|index| TokenId::new(0, *index)).collect(),
				signature: (),
			},
			prepaid: false,
			promise: None,
		}
	}

	/// A receipt the desk could sign for a purchase admitted at `now`.
	fn promise() -> Option<Promise<()>> {
		Some(Promise { amount: 9, claim_cost: 9, deadline: 100, signature: () })
	}

	#[test]
	fn a_restored_purchase_keeps_its_promise_and_is_restored_once() {
		let mut desk = Desk::default();
		assert_eq!(desk.admit(purchase(1, &[0, 1]), 5, 10, &LIMITS, promise()), Decision::Deliver);
		let mut lost = purchase(2, &[2]);
		lost.prepaid = true;
		lost.promise = promise();
		let none = ResolvedLog::default();
		assert!(desk.restore(lost.clone(), 12, &none));
		assert_eq!(desk.status(&[2; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.pending_purchase(&[2; 32]).and_then(|p| p.promise.clone()), promise());
		// Both receipts count toward what the buyer's promises would cost if claimed.
		assert_eq!(desk.promised(), 9 + 9);
		// Replaying the journal again, or a purchase the record still has, changes nothing.
		let before = desk.clone();
		assert!(!desk.restore(lost, 13, &none));
		assert!(!desk.restore(before.open[0].clone(), 13, &none));
		assert_eq!(desk, before);
		// A purchase resolved already is not put back either.
		let mut resolved = Desk::default();
		let log = ResolvedLog { entries: vec![([3; 32], Resolution::Settled)] };
		assert!(!resolved.restore(purchase(3, &[5]), 14, &log));
		// Nor one resolved in a record of the old layout.
		resolved.resolved.push(([5; 32], Resolution::Settled));
		assert!(!resolved.restore(purchase(5, &[7]), 14, &none));
		assert!(resolved.open.is_empty());
		// Into an empty open block: the block's age counts from the restore.
		let mut empty = Desk::default();
		assert!(empty.restore(purchase(4, &[6]), 20, &none));
		assert_eq!(empty.opened_at, 20);
	}

	#[test]
	fn purchases_are_prepaid_until_one_reaches_w_then_held() {
		let mut desk = Desk::default();
		assert_eq!(desk.admit(purchase(1, &[0, 1]), 5, 10, &LIMITS, promise()), Decision::Deliver);
		assert_eq!(desk.admit(purchase(2, &[2, 3]), 5, 11, &LIMITS, promise()), Decision::Deliver);
		// 4 + 1 = 5 reaches W = 5: held.
		assert_eq!(desk.admit(purchase(3, &[4]), 5, 12, &LIMITS, promise()), Decision::Wait);
		assert_eq!(desk.opened_at, 10);
		assert!(desk.block_due(5, 12, &LIMITS));
		assert_eq!(desk.status(&[1; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.status(&[3; 32]), Some(PurchaseStatus::Waiting));
	}

	#[test]
	fn double_spends_and_double_sells_are_refused_at_the_desk() {
		let mut desk = Desk::default();
		assert_eq!(desk.admit(purchase(1, &[0, 1]), 5, 0, &LIMITS, promise()), Decision::Deliver);
		let spent_again = purchase(2, &[1, 2]);
		assert_eq!(
			desk.admit(spent_again, 5, 0, &LIMITS, promise()),
			Decision::Reject(Refusal::DoubleSpent(TokenId::new(0, 1)))
		);
		assert_eq!(
			desk.admit(purchase(1, &[5]), 5, 0, &LIMITS, promise()),
			Decision::Reject(Refusal::DoubleSold)
		);
		assert_eq!(
			desk.admit(purchase(3, &[7, 7]), 5, 0, &LIMITS, promise()),
			Decision::Reject(Refusal::DoubleSpent(TokenId::new(0, 7)))
		);
		assert_eq!(
			desk.admit(purchase(4, &[]), 5, 0, &LIMITS, promise()),
			Decision::Reject(Refusal::BadSize)
		);
		assert_eq!(
			desk.admit(purchase(4, &[1, 2, 3, 4, 5]), 5, 0, &LIMITS, promise()),
			Decision::Reject(Refusal::BadSize)
		);
		// Refusals change nothing.
		assert_eq!(desk.open.len(), 1);
	}

	#[test]
	fn a_block_goes_in_flight_once_and_purchases_wait_meanwhile() {
		let mut desk = Desk::default();
		desk.admit(purchase(1, &[0, 1, 2]), 4, 0, &LIMITS, promise());
		desk.admit(purchase(2, &[3]), 4, 0, &LIMITS, promise());
		assert!(desk.block_due(4, 0, &LIMITS));
		let block = desk.take_block(7, 1, &LIMITS, 4).clone();
		assert_eq!((block.seq, block.purchases.len()), (7, 2));
		assert!(!desk.block_due(4, 1, &LIMITS), "one block in flight at a time");
		// While it is in flight, new purchases wait, and its tokens still count as pending.
		assert_eq!(desk.admit(purchase(3, &[9]), 4, 2, &LIMITS, promise()), Decision::Wait);
		assert!(matches!(
			desk.admit(purchase(4, &[3]), 4, 2, &LIMITS, promise()),
			Decision::Reject(_)
		));
		assert_eq!(
			desk.status(&[2; 32]),
			Some(PurchaseStatus::Submitted { seq: 7, prepaid: false })
		);
		assert!(!desk.resubmit_due(3, &LIMITS));
		assert!(desk.resubmit_due(4, &LIMITS));
		// The chain has not passed seq 7 yet: nothing resolves.
		let ours = SettledTokenBlock {
			seq: 7,
			content: token_block_content(block.purchases.iter().map(|p| &p.id)),
		};
		assert!(desk.resolve(7, Some(ours), |_| Resolution::Settled).is_none());
		let done = desk
			.resolve(8, Some(ours), |id| {
				if id[0] == 2 {
					Resolution::Rejected(InvalidReason::DoubleSpentOnChain)
				} else {
					Resolution::Settled
				}
			})
			.expect("the chain passed seq 7");
		assert_eq!(done.reopened, 0);
		// What was promised is released: the prepaid purchase's receipt, not the held one.
		assert_eq!(done.resolved.iter().map(|(_, _, promised)| promised).sum::<u128>(), 9);
		// The record keeps only what is pending; the outcomes go to the buyer's log.
		assert_eq!(desk.status(&[1; 32]), None);
		let mut log = ResolvedLog::default();
		assert!(log
			.record(done.resolved.iter().map(|(id, outcome, _)| (*id, *outcome)))
			.is_empty());
		assert_eq!(
			desk.status_with(&log, &[1; 32]),
			Some(PurchaseStatus::Resolved(Resolution::Settled))
		);
		assert_eq!(
			desk.status_with(&log, &[2; 32]),
			Some(PurchaseStatus::Resolved(Resolution::Rejected(InvalidReason::DoubleSpentOnChain)))
		);
		// Pending wins over the log: purchase 3 still waits.
		assert_eq!(desk.status_with(&log, &[3; 32]), Some(PurchaseStatus::Waiting));
		// A record of the old layout still refuses a purchase it resolved as a double-sell
		// (a resolved purchase of the new layout is refused by the desk's index).
		desk.resolved.push(([1; 32], Resolution::Settled));
		assert_eq!(
			desk.admit(purchase(1, &[20]), 4, 5, &LIMITS, promise()),
			Decision::Reject(Refusal::DoubleSold)
		);
	}

	#[test]
	fn blocks_respect_the_chain_limits_and_stale_blocks_go_anyway() {
		let mut desk = Desk::default();
		for id in 0..5 {
			let tokens = [u32::from(id) * 2, u32::from(id) * 2 + 1];
			desk.admit(purchase(id, &tokens), 100, 0, &LIMITS, promise());
		}
		// Only as many promises as one block holds: the 4th and 5th purchases wait, so no
		// prepaid purchase is left for a next block whose W may be smaller.
		assert_eq!(desk.status(&[2; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.status(&[3; 32]), Some(PurchaseStatus::Waiting));
		assert!(!desk.block_due(100, 4, &LIMITS));
		assert!(desk.block_due(100, 5, &LIMITS), "waited max_age blocks");
		let block = desk.take_block(0, 5, &LIMITS, 100);
		assert_eq!(block.purchases.len(), 3, "max_purchases");
		assert!(block.purchases.iter().all(|purchase| purchase.prepaid));
		assert_eq!(desk.open.len(), 2);
		assert!(desk.open.iter().all(|purchase| !purchase.prepaid));
	}

	#[test]
	fn without_a_promise_to_give_the_desk_holds() {
		let mut desk = Desk::default();
		// The auditor's bond cannot back another receipt: the merchant waits for the chain.
		assert_eq!(desk.admit(purchase(1, &[0]), 5, 0, &LIMITS, None), Decision::Wait);
		assert_eq!(desk.open[0].promise, None);
		assert_eq!(desk.admit(purchase(2, &[1]), 5, 0, &LIMITS, promise()), Decision::Deliver);
		assert_eq!(desk.open[1].promised(), 9);
	}

	#[test]
	fn a_receipt_is_asked_for_only_when_the_purchase_would_be_delivered() {
		let mut desk = Desk::default();
		let mut asked = 0;
		let mut ask = || {
			asked += 1;
			Ok::<_, ()>(promise())
		};
		assert_eq!(
			desk.admit_with(purchase(1, &[0]), 5, 0, &LIMITS, &mut ask),
			Ok(Decision::Deliver)
		);
		// Held (it reaches W), rejected (double spend, double sell): no receipt is signed.
		assert_eq!(
			desk.admit_with(purchase(2, &[1, 2, 3, 4]), 5, 0, &LIMITS, &mut ask),
			Ok(Decision::Wait)
		);
		assert_eq!(
			desk.admit_with(purchase(3, &[0]), 5, 0, &LIMITS, &mut ask),
			Ok(Decision::Reject(Refusal::DoubleSpent(TokenId::new(0, 0))))
		);
		assert_eq!(
			desk.admit_with(purchase(1, &[9]), 5, 0, &LIMITS, &mut ask),
			Ok(Decision::Reject(Refusal::DoubleSold))
		);
		assert_eq!(asked, 1);
		// A promise that cannot be made admits nothing.
		assert_eq!(
			desk.admit_with(purchase(4, &[7]), 9, 0, &LIMITS, || Err("no key")),
			Err("no key")
		);
		assert_eq!(desk.open.len(), 2);
	}

	#[test]
	fn a_block_the_chain_never_settles_is_re_formed_after_max_sends() {
		let mut desk = Desk::default();
		desk.admit(purchase(1, &[0, 1]), 4, 0, &LIMITS, promise());
		desk.take_block(0, 0, &LIMITS, 4);
		for send in 2..=MAX_SENDS {
			let again = desk.resend(send * 10).expect("sent again");
			assert_eq!((again.seq, again.sends), (0, send));
		}
		// A new purchase arrived meanwhile (held: a block was in flight).
		assert_eq!(desk.admit(purchase(2, &[5]), 4, 35, &LIMITS, promise()), Decision::Wait);
		assert!(desk.resend(40).is_none(), "never resent forever");
		assert!(desk.in_flight.is_none());
		assert_eq!(desk.open.iter().map(|p| p.id[0]).collect::<Vec<_>>(), vec![1, 2]);
		assert!(desk.open[0].prepaid, "its merchant keeps the promise");
		// Re-formed under a smaller W: the promise no longer fits and goes as held (its
		// receipt still protects the merchant).
		let block = desk.take_block(3, 41, &LIMITS, 2);
		assert!(block.purchases.iter().all(|p| !p.prepaid));
	}

	#[test]
	fn purchases_the_chain_did_not_settle_under_our_sequence_go_back_to_the_open_block() {
		let mut desk = Desk::default();
		desk.admit(purchase(1, &[0]), 10, 0, &LIMITS, promise());
		desk.admit(purchase(2, &[1]), 10, 0, &LIMITS, promise());
		desk.take_block(0, 1, &LIMITS, 10);
		desk.admit(purchase(3, &[2]), 10, 2, &LIMITS, promise());
		// Another block took seq 0: it held purchase 1 only.
		let theirs = SettledTokenBlock { seq: 0, content: token_block_content([&[1u8; 32]]) };
		let settled = |id: &PurchaseId| {
			if id[0] == 1 {
				Resolution::Settled
			} else {
				Resolution::Rejected(InvalidReason::Unknown)
			}
		};
		let done = desk.resolve(1, Some(theirs), settled).expect("seq 0 passed");
		assert_eq!(done.resolved, vec![([1; 32], Resolution::Settled, 9)]);
		assert_eq!(done.reopened, 1);
		assert_eq!(desk.status(&[2; 32]), Some(PurchaseStatus::Delivered));
		assert_eq!(desk.open.iter().map(|p| p.id[0]).collect::<Vec<_>>(), vec![2, 3]);
	}

	#[test]
	fn the_resolution_log_is_bounded_and_says_what_it_forgot() {
		let old_id = |i: usize| {
			let mut id = [0xff; 32];
			id[..2].copy_from_slice(&(i as u16).to_le_bytes());
			id
		};
		let mut log = ResolvedLog::default();
		let full = log.record((0..MAX_RESOLVED).map(|i| (old_id(i), Resolution::Settled)));
		assert!(full.is_empty());
		let forgotten = log.record([
			([1; 32], Resolution::Settled),
			([2; 32], Resolution::Rejected(InvalidReason::NotOwned)),
		]);
		assert_eq!(forgotten, vec![old_id(0), old_id(1)]);
		assert_eq!(log.entries.len(), MAX_RESOLVED);
		assert_eq!(log.get(&old_id(0)), None);
		assert_eq!(log.get(&old_id(2)), Some(Resolution::Settled));
		assert_eq!(log.get(&[2; 32]), Some(Resolution::Rejected(InvalidReason::NotOwned)));
	}

	#[test]
	fn a_record_of_the_old_layout_still_decodes_with_its_resolutions() {
		// The layout up to spec 203 is this one, with the resolutions inside.
		let mut old = Desk::default();
		old.admit(purchase(1, &[0]), 10, 0, &LIMITS, promise());
		old.resolved.push(([9; 32], Resolution::Settled));
		let decoded = Desk::decode(&mut &old.encode()[..]).unwrap();
		assert_eq!(decoded.status(&[9; 32]), Some(PurchaseStatus::Resolved(Resolution::Settled)));
		assert_eq!(decoded.status(&[1; 32]), Some(PurchaseStatus::Delivered));
		// A record written now carries the list empty: its entries (33 bytes each) are gone.
		let mut new = old.clone();
		new.resolved.clear();
		assert_eq!(new.encode().len() + 33, old.encode().len());
	}

	#[test]
	fn the_horizon_covers_the_age_limit_and_every_send() {
		assert_eq!(settle_horizon(&LIMITS), 5 + 3 * MAX_SENDS + SETTLE_MARGIN);
	}

	#[test]
	fn desk_and_worker_serve_the_smallest_registered_key() {
		assert_eq!(choose_auditor_key(&[9u8, 3, 5], |key| *key != 3), Some(5));
		assert_eq!(choose_auditor_key(&[9u8], |_| false), None);
	}

	#[test]
	fn a_promise_is_released_once_paid_or_settled_otherwise_only() {
		assert!(Resolution::Settled.releases_promise());
		assert!(Resolution::Rejected(InvalidReason::DoubleSold).releases_promise());
		// Rejected otherwise: its receipt can still be claimed, so it stays outstanding.
		assert!(!Resolution::Rejected(InvalidReason::NotOwned).releases_promise());
		assert_eq!(exposure(10, 4), 6);
		assert_eq!(exposure(4, 10), 0);
	}
}
