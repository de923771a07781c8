//! The auditor's front desk: JSON-RPC methods a merchant calls with a buyer's signed purchase.
//!
//! `micropay_submitPurchase` answers at once: `deliver` (prepaid: the token block is being
//! built) with a **receipt** signed by the auditor key, `wait` (held: the merchant waits for
//! the chain) or `reject` with the reason. The desk serves the auditor chosen by the rule its
//! offchain worker shares (`MicropayApi::desk_auditor`: the smallest of the node's `mpau` keys
//! that is a registered auditor) and answers only while that auditor is active. Each attempt
//! reads the buyer's desk record, then the chain at the best block (one call of
//! `MicropayApi::desk_check`: the purchase by the rules of `submit_block`, tokens expiring
//! within the desk's horizon, the buyer's `W`, the amount due, the auditor's cover), decides,
//! and writes the record by compare-and-set; a conflict (the worker resolved a token block
//! meanwhile) retries with fresh chain state, so `W` and the in-flight state are read
//! together with the admission. The pending set catches a token already waiting with another
//! merchant (double-spend) or the same purchase twice (double-sell); the index from purchase
//! id to buyer catches a purchase sent again after it was resolved (the buyer's record holds
//! only what is pending, so its read and rewrite do not grow with the buyer's history; the
//! outcomes are in the buyer's resolution log, which only the worker writes and only
//! `micropay_purchaseStatus` reads). A receipt is given only
//! while every outstanding receipt could be claimed, penalty included, from the auditor's bond
//! alone; otherwise the purchase is held.
//!
//! Accepted purchases live in the node's persistent offchain storage
//! (`micropay_primitives::desk`), where the offchain worker forms token blocks from them. The
//! desk journals each admission and syncs it to disk before it answers
//! ([`crate::desk_journal`]): the offchain database commits asynchronously, and a node killed
//! right after an answer would otherwise lose the promise; [`recover`] replays the
//! journal at start-up. The
//! index from purchase id to buyer is written only for admitted purchases and collected when
//! the buyer's resolution log forgets them. `micropay_purchaseStatus` reports what became of a
//! purchase, with its receipt; `micropay_exposure` the promises outstanding, and
//! `micropay_buyerExposure` one buyer's share of them.

use codec::{Decode, Encode};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use micropay_primitives::{
	desk::{
		exposure, listed_key, purchase_key, resolved_key, settle_horizon, user_key, AuditorCover,
		ChainCheck, Decision, DeskPurchase, Promise, PurchaseStatus, Refusal, Resolution,
		ResolvedLog, UserDesk, MAX_USERS, PROMISED_KEY, RELEASED_KEY, USERS_KEY,
	},
	purchase::{Receipt, SignedPurchase},
	token::TokenId,
};
use micropay_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Signature};
use pallet_micropay::crypto::AUDITOR_KEY_TYPE;
use pallet_micropay_runtime_api::MicropayApi;
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{
	offchain::{OffchainStorage, STORAGE_PREFIX},
	sr25519, Bytes, H256,
};
use sp_keystore::KeystorePtr;
use std::{
	sync::{Arc, Mutex},
	time::Instant,
};

use crate::{
	desk_journal::{DeskJournal, JournalEntry},
	native_check::NativeCheck,
};

/// A signed purchase as the desk checks it.
type DeskSigned = pallet_micropay::features::worker::DeskSignedOf<micropay_runtime::Runtime>;

/// A token id in JSON: `{ "batch": 3, "index": 17 }`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct TokenJson {
	/// The batch.
	pub batch: u64,
	/// The token's index in its batch.
	pub index: u32,
}

/// A buyer's signed purchase, as a merchant forwards it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PurchaseRequest {
	/// The buyer (SS58).
	pub buyer: AccountId,
	/// The merchant to pay (SS58).
	pub merchant: AccountId,
	/// The auditor the buyer signed the purchase for (SS58): this desk's.
	pub auditor: AccountId,
	/// Hash of the item information.
	pub item: H256,
	/// Creation time given by the buyer.
	pub created_at: u64,
	/// The tokens paying for it.
	pub tokens: Vec<TokenJson>,
	/// The buyer's sr25519 signature over the purchase's signing payload, plain or wrapped
	/// in `<Bytes>…</Bytes>` as browser wallets sign (64 bytes, hex).
	pub signature: Bytes,
}

/// The auditor's signed promise behind `deliver`; a merchant claims it on chain with
/// `micropay.claimReceipt` if the purchase is not paid by `deadline`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptJson {
	/// The purchase id.
	pub purchase_id: H256,
	/// The merchant owed.
	pub merchant: AccountId,
	/// The auditor that promised.
	pub auditor: AccountId,
	/// The amount due, in the smallest unit (a decimal string: it may exceed 2^53).
	pub amount: String,
	/// The last block by which the purchase must be settled.
	pub deadline: BlockNumber,
	/// The auditor's sr25519 signature over the receipt's signing payload (hex).
	pub signature: Bytes,
}

/// The desk's answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeskAnswer {
	/// `deliver`, `wait` or `reject`.
	pub decision: &'static str,
	/// The purchase id (hash of its signing payload), once known.
	pub purchase_id: Option<H256>,
	/// Why it was rejected.
	pub reason: Option<String>,
	/// The token the rejection is about, if any.
	pub token: Option<TokenJson>,
	/// The signed receipt, with `deliver`.
	pub receipt: Option<ReceiptJson>,
	/// Time the desk took to decide, in microseconds (network excluded).
	pub desk_micros: u64,
	/// Of which: the chain check (`desk_check` runtime calls, retries included).
	pub check_micros: u64,
	/// Of which: the journal append and its sync.
	pub journal_micros: u64,
	/// Of which: the desk's records in the offchain database (the buyer's record read,
	/// decoded, encoded and written by compare-and-set, the index, the buyer list and the
	/// promised total).
	pub records_micros: u64,
	/// Attempts at the buyer's record: more than 1 when a concurrent write (the worker, or
	/// another request of the buyer) made the compare-and-set fail and the purchase was
	/// checked again.
	pub attempts: u32,
	/// Whether the chain check ran as native code (the chain runs the runtime this node was
	/// built with: `crate::native_check`) rather than as a runtime call.
	pub native_check: bool,
}

/// Where a purchase stands.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusAnswer {
	/// `delivered`, `waiting`, `submitted`, `settled` or `rejected`.
	pub status: &'static str,
	/// The token block's sequence number, once submitted.
	pub seq: Option<u32>,
	/// The chain's reason, for a rejected purchase.
	pub reason: Option<String>,
	/// The receipt given with `deliver`, while the purchase is pending.
	pub receipt: Option<ReceiptJson>,
}

/// The auditor's promises outstanding against what backs them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureAnswer {
	/// The auditor this desk serves.
	pub auditor: AccountId,
	/// What the receipts given and not yet resolved would cost if all were claimed (amounts
	/// plus penalties; smallest unit, decimal string).
	pub outstanding: String,
	/// Its bond on hold (decimal string).
	pub bond: String,
	/// Its free balance (decimal string).
	pub free: String,
	/// Whether it is active (the desk makes promises only then).
	pub active: bool,
}

/// What one buyer's purchases waiting at the desk amount to.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuyerExposureAnswer {
	/// The buyer.
	pub buyer: AccountId,
	/// What its receipts not yet resolved would cost the auditor if all were claimed
	/// (amounts plus penalties; smallest unit, decimal string).
	pub outstanding: String,
	/// Its purchases waiting: in the open token block and in the one in flight.
	pub pending: u32,
	/// Tokens in its open token block.
	pub open_tokens: u32,
	/// The sequence number of its token block in flight, if one is.
	pub in_flight: Option<u32>,
}

/// The front desk's JSON-RPC methods.
#[rpc(server, namespace = "micropay")]
pub trait DeskApi {
	/// Hands a buyer's signed purchase to this node's auditor; answers `deliver` (with a
	/// signed receipt), `wait` or `reject` with the reason.
	#[method(name = "submitPurchase", blocking)]
	fn submit_purchase(&self, purchase: PurchaseRequest) -> RpcResult<DeskAnswer>;

	/// What became of purchase `id`, or null if this desk does not know it.
	#[method(name = "purchaseStatus", blocking)]
	fn purchase_status(&self, id: H256) -> RpcResult<Option<StatusAnswer>>;

	/// The promises this desk's auditor has outstanding, beside its bond and free balance.
	#[method(name = "exposure", blocking)]
	fn exposure(&self) -> RpcResult<ExposureAnswer>;

	/// What `buyer`'s purchases waiting at this desk amount to: its receipts outstanding,
	/// purchases pending, open tokens and token block in flight.
	#[method(name = "buyerExposure", blocking)]
	fn buyer_exposure(&self, buyer: AccountId) -> RpcResult<BuyerExposureAnswer>;
}

/// The desk: the chain client, the offchain database, its journal and the auditor key.
pub struct Desk<C, S> {
	client: Arc<C>,
	storage: S,
	journal: Arc<DeskJournal>,
	keystore: KeystorePtr,
	/// The chain check as native code, tried before the runtime call (`None`: always the
	/// runtime call).
	native: Option<Arc<NativeCheck>>,
	/// The auditor chosen at the best block the desk last served, with that block's hash:
	/// one keystore listing and runtime call per best block, not per request.
	chosen: Mutex<Option<(H256, Option<AccountId>)>>,
}

impl<C, S> Desk<C, S> {
	/// A desk over `client`, the node's offchain `storage`, the desk's `journal` and the
	/// node's `keystore`, checking purchases with `native` code when it may.
	pub fn new(
		client: Arc<C>,
		storage: S,
		journal: Arc<DeskJournal>,
		keystore: KeystorePtr,
		native: Option<Arc<NativeCheck>>,
	) -> Self {
		Self { client, storage, journal, keystore, native, chosen: Mutex::new(None) }
	}
}

fn internal(message: impl ToString) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32603, message.to_string(), None::<()>)
}

fn invalid_params(message: impl ToString) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32602, message.to_string(), None::<()>)
}

fn token_json(token: TokenId) -> TokenJson {
	TokenJson { batch: token.batch, index: token.index }
}

/// The receipt for `id` as JSON, with `promise`'s terms.
fn receipt_json(
	id: [u8; 32],
	merchant: &AccountId,
	auditor: &AccountId,
	promise: &Promise<Signature>,
) -> ReceiptJson {
	let signature = match &promise.signature {
		Signature::Sr25519(signature) => Bytes(signature.0.to_vec()),
		other => Bytes(other.encode()),
	};
	ReceiptJson {
		purchase_id: H256(id),
		merchant: merchant.clone(),
		auditor: auditor.clone(),
		amount: promise.amount.to_string(),
		deadline: promise.deadline,
		signature,
	}
}

/// Where the desk's time went for one request, in microseconds, and its attempts.
#[derive(Clone, Copy, Debug, Default)]
struct Phases {
	check: u64,
	journal: u64,
	records: u64,
	attempts: u32,
	native: bool,
}

/// Runs `f`, adding the microseconds it took to `total`.
fn timed<T>(total: &mut u64, f: impl FnOnce() -> T) -> T {
	let started = Instant::now();
	let result = f();
	*total = total.saturating_add(started.elapsed().as_micros() as u64);
	result
}

/// The answer for a decision taken after `started`.
fn answer(
	decision: Decision,
	id: Option<[u8; 32]>,
	receipt: Option<ReceiptJson>,
	started: Instant,
) -> DeskAnswer {
	answer_timed(decision, id, receipt, started, Phases::default())
}

/// [`answer`], with where the time went.
fn answer_timed(
	decision: Decision,
	id: Option<[u8; 32]>,
	receipt: Option<ReceiptJson>,
	started: Instant,
	phases: Phases,
) -> DeskAnswer {
	let (name, reason, token) = match decision {
		Decision::Deliver => ("deliver", None, None),
		Decision::Wait => ("wait", None, None),
		Decision::Reject(refusal) => {
			let (reason, token) = match refusal {
				Refusal::Invalid(token, reason) => (format!("{reason:?}"), Some(token_json(token))),
				Refusal::DoubleSpent(token) => ("DoubleSpent".to_string(), Some(token_json(token))),
				Refusal::ExpiresTooSoon(token) => {
					("ExpiresTooSoon".to_string(), Some(token_json(token)))
				},
				other => (format!("{other:?}"), None),
			};
			("reject", Some(reason), token)
		},
	};
	DeskAnswer {
		decision: name,
		purchase_id: id.map(H256),
		reason,
		token,
		receipt: if name == "deliver" { receipt } else { None },
		desk_micros: started.elapsed().as_micros() as u64,
		check_micros: phases.check,
		journal_micros: phases.journal,
		records_micros: phases.records,
		attempts: phases.attempts,
		native_check: phases.native,
	}
}

fn reject(refusal: Refusal, id: Option<[u8; 32]>, started: Instant) -> DeskAnswer {
	answer(Decision::Reject(refusal), id, None, started)
}

impl<C, S> Desk<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MicropayApi<Block, AccountId, Signature>,
	S: OffchainStorage + 'static,
{
	/// The auditor this desk serves at best block `best`, by the rule the worker shares;
	/// `None` when no key of this node is a registered auditor. Once the node has auditor
	/// keys, asked once per best block (a key inserted meanwhile counts from the next one).
	fn auditor(&self, best: H256) -> RpcResult<Option<AccountId>> {
		let mut chosen = self.chosen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some((at, auditor)) = chosen.as_ref() {
			if *at == best {
				return Ok(auditor.clone());
			}
		}
		let candidates: Vec<AccountId> = self
			.keystore
			.sr25519_public_keys(AUDITOR_KEY_TYPE)
			.into_iter()
			.map(|public| AccountId::from(public.0))
			.collect();
		if candidates.is_empty() {
			return Ok(None);
		}
		let auditor = self.client.runtime_api().desk_auditor(best, candidates).map_err(internal)?;
		*chosen = Some((best, auditor.clone()));
		Ok(auditor)
	}

	fn read_u128(&self, key: &[u8]) -> u128 {
		self.storage
			.get(STORAGE_PREFIX, key)
			.and_then(|bytes| u128::decode(&mut &bytes[..]).ok())
			.unwrap_or(0)
	}

	/// Receipts given and not yet resolved.
	fn outstanding(&self) -> u128 {
		exposure(self.read_u128(PROMISED_KEY), self.read_u128(RELEASED_KEY))
	}

	/// Adds `amount` to the total promised (compare-and-set, retried).
	fn add_promised(&self, amount: u128) {
		let mut storage = self.storage.clone();
		loop {
			let old = storage.get(STORAGE_PREFIX, PROMISED_KEY);
			let total = old
				.as_deref()
				.and_then(|mut bytes| u128::decode(&mut bytes).ok())
				.unwrap_or(0)
				.saturating_add(amount);
			if storage.compare_and_set(
				STORAGE_PREFIX,
				PROMISED_KEY,
				old.as_deref(),
				&total.encode(),
			) {
				return;
			}
		}
	}

	/// The receipt for purchase `id` if the auditor's cover allows one more promise.
	fn promise(
		&self,
		auditor: &AccountId,
		id: [u8; 32],
		merchant: &AccountId,
		check: &ChainCheck,
		now: BlockNumber,
	) -> RpcResult<Option<Promise<Signature>>> {
		// Every receipt outstanding could be claimed, penalty included, from the bond alone.
		if self.outstanding().saturating_add(check.claim_cost) > check.cover {
			return Ok(None);
		}
		let deadline = now.saturating_add(settle_horizon(&check.limits));
		let receipt: Receipt<AccountId, Balance, BlockNumber> = Receipt {
			purchase: id,
			merchant: merchant.clone(),
			auditor: auditor.clone(),
			amount: check.amount_due,
			deadline,
		};
		let genesis = self.client.info().genesis_hash;
		let public = sr25519::Public::from_raw(auditor.clone().into());
		let signature = self
			.keystore
			.sr25519_sign(AUDITOR_KEY_TYPE, &public, &receipt.signing_payload(&genesis))
			.map_err(internal)?
			.ok_or_else(|| internal("the auditor key cannot sign"))?;
		Ok(Some(Promise {
			amount: check.amount_due,
			claim_cost: check.claim_cost,
			deadline,
			signature: signature.into(),
		}))
	}

	/// Decides on `request` and records an accepted purchase.
	fn decide(&self, request: PurchaseRequest) -> RpcResult<DeskAnswer> {
		let started = Instant::now();
		let Some(auditor) = self.auditor(self.client.info().best_hash)? else {
			return Ok(reject(Refusal::AuditorInactive, None, started));
		};
		let signature = sr25519::Signature::try_from(&request.signature[..])
			.map_err(|_| invalid_params("signature must be 64 bytes (sr25519)"))?;
		let signed = SignedPurchase {
			merchant: request.merchant.clone(),
			auditor: request.auditor.clone(),
			item: request.item.0,
			created_at: request.created_at,
			tokens: request.tokens.iter().map(|t| TokenId::new(t.batch, t.index)).collect(),
			signature: Signature::Sr25519(signature),
		};
		let buyer = request.buyer;
		let mut phases = Phases::default();
		if !timed(&mut phases.records, || has_room_for(&self.storage, &buyer))? {
			return Ok(reject(Refusal::DeskFull, None, started));
		}
		let key = user_key(&buyer);
		let mut storage = self.storage.clone();
		let (decision, id, promise) = loop {
			// The record first, then the chain: if the worker resolves a token block after
			// this read, the write below fails and the next attempt sees the new `W`.
			phases.attempts = phases.attempts.saturating_add(1);
			let (old, mut desk) = timed(&mut phases.records, || {
				let old = storage.get(STORAGE_PREFIX, &key);
				Self::decode_desk(old.as_deref()).map(|desk| (old, desk))
			})?;
			let best = self.client.info();
			let (check, native) =
				timed(&mut phases.check, || self.check(best.best_hash, &auditor, &buyer, &signed))?;
			phases.native = native;
			let id = match check.verdict {
				Ok(id) => id,
				Err(refusal) => return Ok(reject(refusal, None, started)),
			};
			// Admitted before (its index is written once the admission held, and collected
			// when the buyer's log forgets it): pending or resolved, a double-sell.
			if timed(&mut phases.records, || storage.get(STORAGE_PREFIX, &purchase_key(&id)))
				.is_some()
			{
				return Ok(reject(Refusal::DoubleSold, Some(id), started));
			}
			let entry =
				DeskPurchase { id, purchase: signed.clone(), prepaid: false, promise: None };
			// The receipt is signed only for a purchase the desk delivers.
			let decision =
				desk.admit_with(entry, check.block_size, best.best_number, &check.limits, || {
					self.promise(&auditor, id, &request.merchant, &check, best.best_number)
				})?;
			if let Decision::Reject(refusal) = decision {
				return Ok(reject(refusal, Some(id), started));
			}
			let written = timed(&mut phases.records, || {
				storage.compare_and_set(STORAGE_PREFIX, &key, old.as_deref(), &desk.encode())
			});
			if written {
				// On disk before the merchant is answered: the offchain database commits
				// asynchronously, the journal does not (crate::desk_journal).
				let admitted = desk.pending_purchase(&id).cloned();
				let kept = admitted.as_ref().and_then(|p| p.promise.clone());
				if let Some(purchase) = admitted {
					let entry = JournalEntry {
						genesis: best.genesis_hash.into(),
						buyer: buyer.clone(),
						purchase,
						admitted_at: best.best_number,
						keep_until: best.best_number.saturating_add(settle_horizon(&check.limits)),
					};
					let journaling = Instant::now();
					// A promise is on disk before the merchant hears of it; a held purchase
					// is in the file (it outlives the node's process) and reaches the disk
					// with the next promise's sync: until then a crash of the machine may
					// lose it, which costs nobody anything (the merchant has delivered
					// nothing, the buyer's tokens stay unspent, the merchant may send it again).
					if decision == Decision::Deliver {
						self.journal.append(&entry).map_err(internal)?;
					} else {
						self.journal.append_unsynced(&entry).map_err(internal)?;
					}
					phases.journal = journaling.elapsed().as_micros() as u64;
				}
				break (decision, id, kept);
			}
		};
		timed(&mut phases.records, || {
			storage.set(STORAGE_PREFIX, &purchase_key(&id), &buyer.encode());
			register_buyer(&mut storage, &buyer)
		})?;
		let receipt = promise.map(|promise| {
			timed(&mut phases.records, || self.add_promised(promise.claim_cost));
			receipt_json(id, &request.merchant, &auditor, &promise)
		});
		Ok(answer_timed(decision, Some(id), receipt, started, phases))
	}

	/// The chain's check of `signed` at block `at`: natively when this node runs the chain's
	/// runtime (`crate::native_check`), else by a runtime call; and whether it ran natively.
	fn check(
		&self,
		at: H256,
		auditor: &AccountId,
		buyer: &AccountId,
		signed: &DeskSigned,
	) -> RpcResult<(ChainCheck, bool)> {
		if let Some(check) =
			self.native.as_ref().and_then(|native| native.desk_check(at, auditor, buyer, signed))
		{
			return Ok((check, true));
		}
		let check = self
			.client
			.runtime_api()
			.desk_check(at, auditor.clone(), buyer.clone(), signed.clone())
			.map_err(internal)?;
		Ok((check, false))
	}

	fn decode_desk(bytes: Option<&[u8]>) -> RpcResult<UserDesk<AccountId, Signature>> {
		match bytes {
			Some(mut bytes) => {
				Decode::decode(&mut bytes).map_err(|_| internal("corrupt desk record"))
			},
			None => Ok(UserDesk::default()),
		}
	}

	fn status(&self, id: H256) -> RpcResult<Option<StatusAnswer>> {
		let storage = self.storage.clone();
		let Some(buyer) = storage.get(STORAGE_PREFIX, &purchase_key(&id.0)) else {
			return Ok(None);
		};
		let buyer = AccountId::decode(&mut &buyer[..]).map_err(|_| internal("corrupt index"))?;
		let desk = Self::decode_desk(storage.get(STORAGE_PREFIX, &user_key(&buyer)).as_deref())?;
		let log = match desk.status(&id.0) {
			Some(_) => ResolvedLog::default(),
			None => resolution_log(&storage, &buyer).map_err(internal)?,
		};
		let receipt = desk.pending_purchase(&id.0).and_then(|pending| {
			let promise = pending.promise.as_ref()?;
			Some(receipt_json(id.0, &pending.purchase.merchant, &pending.purchase.auditor, promise))
		});
		let plain = |status| StatusAnswer { status, seq: None, reason: None, receipt: None };
		Ok(desk.status_with(&log, &id.0).map(|status| match status {
			PurchaseStatus::Delivered => StatusAnswer { receipt, ..plain("delivered") },
			PurchaseStatus::Waiting => plain("waiting"),
			PurchaseStatus::Submitted { seq, .. } => {
				StatusAnswer { seq: Some(seq), receipt, ..plain("submitted") }
			},
			PurchaseStatus::Resolved(Resolution::Settled) => plain("settled"),
			PurchaseStatus::Resolved(Resolution::Rejected(reason)) => {
				StatusAnswer { reason: Some(format!("{reason:?}")), ..plain("rejected") }
			},
		}))
	}

	fn buyer_exposure_answer(&self, buyer: AccountId) -> RpcResult<BuyerExposureAnswer> {
		let desk =
			Self::decode_desk(self.storage.get(STORAGE_PREFIX, &user_key(&buyer)).as_deref())?;
		Ok(BuyerExposureAnswer {
			buyer,
			outstanding: desk.promised().to_string(),
			pending: desk.pending().count() as u32,
			open_tokens: desk.open_tokens(),
			in_flight: desk.in_flight.as_ref().map(|block| block.seq),
		})
	}

	fn exposure_answer(&self) -> RpcResult<ExposureAnswer> {
		let best = self.client.info().best_hash;
		let auditor = self
			.auditor(best)?
			.ok_or_else(|| internal("no key of this node is a registered auditor"))?;
		let cover: Option<AuditorCover> =
			self.client.runtime_api().auditor_cover(best, auditor.clone()).map_err(internal)?;
		let cover = cover.ok_or_else(|| internal("the auditor is not registered"))?;
		Ok(ExposureAnswer {
			auditor,
			outstanding: self.outstanding().to_string(),
			bond: cover.bond.to_string(),
			free: cover.free.to_string(),
			active: cover.active,
		})
	}
}

impl<C, S> DeskApiServer for Desk<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MicropayApi<Block, AccountId, Signature>,
	S: OffchainStorage + 'static,
{
	fn submit_purchase(&self, purchase: PurchaseRequest) -> RpcResult<DeskAnswer> {
		self.decide(purchase)
	}

	fn purchase_status(&self, id: H256) -> RpcResult<Option<StatusAnswer>> {
		self.status(id)
	}

	fn exposure(&self) -> RpcResult<ExposureAnswer> {
		self.exposure_answer()
	}

	fn buyer_exposure(&self, buyer: AccountId) -> RpcResult<BuyerExposureAnswer> {
		self.buyer_exposure_answer(buyer)
	}
}

/// The worker's buyer list, with its bytes as read (for a compare-and-set).
fn users<S: OffchainStorage>(storage: &S) -> RpcResult<(Option<Vec<u8>>, Vec<AccountId>)> {
	let old = storage.get(STORAGE_PREFIX, USERS_KEY);
	let users = decode_or(old.as_deref(), "desk buyer list").map_err(internal)?.unwrap_or_default();
	Ok((old, users))
}

fn is_marked<S: OffchainStorage>(storage: &S, buyer: &AccountId) -> bool {
	storage.get(STORAGE_PREFIX, &listed_key(buyer)).is_some()
}

/// Whether the worker's list has room for `buyer` (or holds it already). A buyer with its
/// mark is listed (`listed_key`): the list (32 bytes per buyer) is read only for the others.
fn has_room_for<S: OffchainStorage>(storage: &S, buyer: &AccountId) -> RpcResult<bool> {
	if is_marked(storage, buyer) {
		return Ok(true);
	}
	let (_, users) = users(storage)?;
	Ok(users.len() < MAX_USERS || users.contains(buyer))
}

/// Puts `buyer` on the worker's list, after its purchase was admitted (the worker takes
/// idle buyers off the list, then re-reads their record, so one of the two sees the
/// other's write), then marks it listed. A marked buyer is listed, or being taken off by a
/// worker that will see this admission and put it back (`listed_key`), so its mark spares
/// reading the list. May pass `MAX_USERS` by the requests in flight.
fn register_buyer<S: OffchainStorage>(storage: &mut S, buyer: &AccountId) -> RpcResult<()> {
	if is_marked(storage, buyer) {
		return Ok(());
	}
	loop {
		let (old, mut users) = users(storage)?;
		if users.contains(buyer) {
			break;
		}
		users.push(buyer.clone());
		if storage.compare_and_set(STORAGE_PREFIX, USERS_KEY, old.as_deref(), &users.encode()) {
			break;
		}
	}
	storage.set(STORAGE_PREFIX, &listed_key(buyer), &true.encode());
	Ok(())
}

fn decode_or<T: Decode>(bytes: Option<impl AsRef<[u8]>>, what: &str) -> Result<Option<T>, String> {
	bytes
		.map(|bytes| T::decode(&mut bytes.as_ref()).map_err(|_| format!("corrupt {what}")))
		.transpose()
}

/// `buyer`'s resolution log (empty if it has none).
fn resolution_log<S: OffchainStorage>(
	storage: &S,
	buyer: &AccountId,
) -> Result<ResolvedLog, String> {
	Ok(decode_or(storage.get(STORAGE_PREFIX, &resolved_key(buyer)), "resolution log")?
		.unwrap_or_default())
}

/// Replays the desk's journal at start-up, before the desk and the offchain worker run, at
/// chain block `now` of the chain with genesis hash `genesis`:
/// - each purchase of this chain, admitted at a block the node has and still within its
///   horizon (`keep_until >= now`), that its buyer's record does not know (the record's write
///   was lost in a crash) is put back as admitted (`UserDesk::restore`), with its index key
///   and its buyer on the worker's list;
/// - the promised total is recomputed from the records: what was released plus the promises
///   of every pending purchase (a crash may have lost an update of it);
/// - the journal is compacted.
///
/// Returns how many purchases were put back.
///
/// # Errors
/// The journal cannot be read or rewritten, or a desk record cannot be decoded.
pub fn recover<S: OffchainStorage>(
	storage: &mut S,
	journal: &DeskJournal,
	now: BlockNumber,
	genesis: [u8; 32],
) -> Result<usize, String> {
	let mut restored = 0;
	// The buyer list is read once and written once, however many entries there are.
	let mut users: Vec<AccountId> =
		decode_or(storage.get(STORAGE_PREFIX, USERS_KEY), "desk buyer list")?.unwrap_or_default();
	let listed = users.len();
	for entry in journal.entries().map_err(|error| error.to_string())? {
		if entry.genesis != genesis || entry.admitted_at > now || entry.keep_until < now {
			continue;
		}
		let key = user_key(&entry.buyer);
		let mut desk: UserDesk<AccountId, Signature> =
			decode_or(storage.get(STORAGE_PREFIX, &key), "desk record")?.unwrap_or_default();
		let log = resolution_log(storage, &entry.buyer)?;
		if desk.restore(entry.purchase.clone(), now, &log) {
			// Nothing else writes while the node starts.
			storage.set(STORAGE_PREFIX, &key, &desk.encode());
			restored += 1;
		}
		let index = purchase_key(&entry.purchase.id);
		if storage.get(STORAGE_PREFIX, &index).is_none() {
			storage.set(STORAGE_PREFIX, &index, &entry.buyer.encode());
		}
		if !desk.is_idle() && !users.contains(&entry.buyer) {
			users.push(entry.buyer.clone());
		}
	}
	if users.len() != listed {
		storage.set(STORAGE_PREFIX, USERS_KEY, &users.encode());
	}
	let mut pending: u128 = 0;
	for user in &users {
		let desk: UserDesk<AccountId, Signature> =
			decode_or(storage.get(STORAGE_PREFIX, &user_key(user)), "desk record")?
				.unwrap_or_default();
		pending = pending.saturating_add(desk.promised());
	}
	let released: u128 =
		decode_or(storage.get(STORAGE_PREFIX, RELEASED_KEY), "released total")?.unwrap_or(0);
	storage.set(STORAGE_PREFIX, PROMISED_KEY, &released.saturating_add(pending).encode());
	journal.compact(now).map_err(|error| error.to_string())?;
	Ok(restored)
}

/// Purchase `id` as the desk keeps it, for tests: one token (batch 1, index `id`), created at
/// `id`, from merchant `[50; 32]` for auditor `[60; 32]`, with a blank signature.
#[cfg(test)]
pub(crate) fn test_purchase(
	id: u8,
	prepaid: bool,
	promise: Option<Promise<Signature>>,
) -> DeskPurchase<AccountId, Signature> {
	DeskPurchase {
		id: [id; 32],
		purchase: SignedPurchase {
			merchant: AccountId::from([50; 32]),
			auditor: AccountId::from([60; 32]),
			item: [0; 32],
			created_at: u64::from(id),
			tokens: vec![TokenId::new(1, u32::from(id))],
			signature: Signature::Sr25519(sr25519::Signature::from_raw([0; 64])),
		},
		prepaid,
		promise,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::desk_journal::DeskJournal;
	use sp_core::offchain::storage::InMemOffchainStorage;

	const GENESIS: [u8; 32] = [7; 32];

	fn account(n: u8) -> AccountId {
		AccountId::from([n; 32])
	}

	fn admitted(id: u8, buyer: u8, promised: u128) -> JournalEntry {
		JournalEntry {
			genesis: GENESIS,
			buyer: account(buyer),
			purchase: test_purchase(
				id,
				true,
				Some(Promise {
					amount: promised,
					claim_cost: promised,
					deadline: 40,
					signature: Signature::Sr25519(sr25519::Signature::from_raw([1; 64])),
				}),
			),
			admitted_at: 10,
			keep_until: 40,
		}
	}

	fn record(storage: &InMemOffchainStorage, buyer: u8) -> UserDesk<AccountId, Signature> {
		decode_or(storage.get(STORAGE_PREFIX, &user_key(&account(buyer))), "record")
			.unwrap()
			.unwrap_or_default()
	}

	#[test]
	fn a_promise_whose_record_was_lost_is_put_back_and_counted_once() {
		let dir = tempfile::tempdir().unwrap();
		let journal = DeskJournal::open(dir.path().join("desk.journal")).unwrap();
		let mut storage = InMemOffchainStorage::default();
		// Buyer 1's first purchase reached the database; its second was lost with the
		// promised total, the index key and the buyer list of that moment.
		let kept = admitted(1, 1, 30);
		let mut desk = UserDesk::<AccountId, Signature>::default();
		assert!(desk.restore(kept.purchase.clone(), 10, &ResolvedLog::default()));
		storage.set(STORAGE_PREFIX, &user_key(&account(1)), &desk.encode());
		storage.set(STORAGE_PREFIX, USERS_KEY, &vec![account(1)].encode());
		storage.set(STORAGE_PREFIX, RELEASED_KEY, &5u128.encode());
		for entry in [kept, admitted(2, 1, 20), admitted(3, 2, 10)] {
			journal.append(&entry).unwrap();
		}
		assert_eq!(recover(&mut storage, &journal, 12, GENESIS), Ok(2));
		let ids = |buyer| record(&storage, buyer).open.iter().map(|p| p.id[0]).collect::<Vec<_>>();
		assert_eq!(ids(1), vec![1, 2]);
		assert_eq!(ids(2), vec![3]);
		assert_eq!(record(&storage, 1).status(&[2; 32]), Some(PurchaseStatus::Delivered));
		assert!(storage.get(STORAGE_PREFIX, &purchase_key(&[3; 32])).is_some());
		let users: Vec<AccountId> =
			decode_or(storage.get(STORAGE_PREFIX, USERS_KEY), "users").unwrap().unwrap();
		assert_eq!(users, vec![account(1), account(2)]);
		let promised: u128 =
			decode_or(storage.get(STORAGE_PREFIX, PROMISED_KEY), "promised").unwrap().unwrap();
		assert_eq!(exposure(promised, 5), 30 + 20 + 10);
		// A second start-up changes nothing.
		let before = (record(&storage, 1), record(&storage, 2));
		assert_eq!(recover(&mut storage, &journal, 13, GENESIS), Ok(0));
		assert_eq!((record(&storage, 1), record(&storage, 2)), before);
	}

	fn listed(storage: &InMemOffchainStorage) -> Vec<AccountId> {
		decode_or(storage.get(STORAGE_PREFIX, USERS_KEY), "users").unwrap().unwrap_or_default()
	}

	#[test]
	fn a_buyer_is_listed_once_and_marked_and_listed_again_after_the_worker_took_it_off() {
		let mut storage = InMemOffchainStorage::default();
		register_buyer(&mut storage, &account(1)).unwrap();
		register_buyer(&mut storage, &account(2)).unwrap();
		register_buyer(&mut storage, &account(1)).unwrap();
		assert_eq!(listed(&storage), vec![account(1), account(2)]);
		assert!(is_marked(&storage, &account(1)) && is_marked(&storage, &account(2)));
		// The worker took buyer 1 off (mark first, then the list): its next admission lists
		// it again.
		storage.remove(STORAGE_PREFIX, &listed_key(&account(1)));
		storage.set(STORAGE_PREFIX, USERS_KEY, &vec![account(2)].encode());
		register_buyer(&mut storage, &account(1)).unwrap();
		assert_eq!(listed(&storage), vec![account(2), account(1)]);
		assert!(is_marked(&storage, &account(1)));
		// A crash between the worker's two steps: listed, not marked. Marked again, not
		// listed twice.
		storage.remove(STORAGE_PREFIX, &listed_key(&account(2)));
		register_buyer(&mut storage, &account(2)).unwrap();
		assert_eq!(listed(&storage), vec![account(2), account(1)]);
		assert!(is_marked(&storage, &account(2)));
	}

	#[test]
	fn a_full_list_refuses_new_buyers_only() {
		let mut storage = InMemOffchainStorage::default();
		let full: Vec<AccountId> = (0..MAX_USERS as u32)
			.map(|i| {
				let mut raw = [0u8; 32];
				raw[..4].copy_from_slice(&i.to_le_bytes());
				raw[31] = 0xee;
				AccountId::from(raw)
			})
			.collect();
		storage.set(STORAGE_PREFIX, USERS_KEY, &full.encode());
		assert!(!has_room_for(&storage, &account(1)).unwrap());
		// Listed (found in the list) or marked: it has its place.
		assert!(has_room_for(&storage, &full[7]).unwrap());
		storage.set(STORAGE_PREFIX, &listed_key(&account(1)), &true.encode());
		assert!(has_room_for(&storage, &account(1)).unwrap());
	}

	#[test]
	fn a_purchase_its_buyers_log_resolved_is_not_put_back() {
		let dir = tempfile::tempdir().unwrap();
		let journal = DeskJournal::open(dir.path().join("desk.journal")).unwrap();
		let mut storage = InMemOffchainStorage::default();
		// Settled and logged by the worker; the journal still holds its admission.
		let log = ResolvedLog { entries: vec![([1; 32], Resolution::Settled)] };
		storage.set(STORAGE_PREFIX, &resolved_key(&account(1)), &log.encode());
		journal.append(&admitted(1, 1, 30)).unwrap();
		assert_eq!(recover(&mut storage, &journal, 12, GENESIS), Ok(0));
		assert!(record(&storage, 1).open.is_empty());
		// Its promise is not counted as outstanding again.
		let promised: u128 =
			decode_or(storage.get(STORAGE_PREFIX, PROMISED_KEY), "promised").unwrap().unwrap();
		assert_eq!(promised, 0);
	}

	#[test]
	fn entries_of_another_chain_or_past_their_horizon_are_not_replayed() {
		let dir = tempfile::tempdir().unwrap();
		let journal = DeskJournal::open(dir.path().join("desk.journal")).unwrap();
		let mut storage = InMemOffchainStorage::default();
		let mut other_chain = admitted(1, 1, 10);
		other_chain.genesis = [8; 32];
		let mut stale = admitted(2, 1, 10);
		stale.keep_until = 11;
		let mut ahead = admitted(3, 1, 10);
		ahead.admitted_at = 30;
		for entry in [other_chain, stale, ahead] {
			journal.append(&entry).unwrap();
		}
		assert_eq!(recover(&mut storage, &journal, 12, GENESIS), Ok(0));
		assert!(record(&storage, 1).open.is_empty());
		// Compaction dropped the stale one only.
		assert_eq!(journal.entries().unwrap().len(), 2);
	}
}
