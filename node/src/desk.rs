//! The auditor's front desk: JSON-RPC methods a merchant calls with a buyer's signed purchase.
//!
//! `micropay_submitPurchase` answers at once: `deliver` (prepaid: the block is under building),
//! `wait` (held: the merchant waits for the chain) or `reject` with the reason. Before
//! accepting, the desk checks the purchase against the chain at the best block (signature,
//! issuance, ownership, spent, expired, collateral, already settled, and the buyer's `W`: one
//! call of the runtime API `MicropayApi::desk_check`, the same rules as `submit_block`) and
//! against the auditor's
//! own pending purchases (a token already waiting with another merchant is a double-spend, the
//! same purchase twice is a double-sell). Accepted purchases go to the node's persistent
//! offchain storage (`micropay_primitives::desk`), where the pallet's offchain worker forms
//! token blocks from them; every update is one compare-and-set of a whole record, retried on
//! conflict, so concurrent calls and the worker never lose or duplicate an entry.
//! `micropay_purchaseStatus` reports what became of a purchase.

use codec::{Decode, Encode};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use micropay_primitives::{
	desk::{
		purchase_key, user_key, BlockLimits, Decision, DeskPurchase, PurchaseStatus, Refusal,
		Resolution, UserDesk, MAX_USERS, USERS_KEY,
	},
	token::TokenId,
};
use micropay_runtime::{opaque::Block, AccountId, Signature};
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
use std::{sync::Arc, time::Instant};

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
	/// Hash of the item information.
	pub item: H256,
	/// Creation time given by the buyer.
	pub created_at: u64,
	/// The tokens paying for it.
	pub tokens: Vec<TokenJson>,
	/// The buyer's sr25519 signature over the purchase's signing payload (64 bytes, hex).
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
	/// Time the desk took to decide, in microseconds (network excluded).
	pub desk_micros: u64,
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
}

/// The front desk's JSON-RPC methods.
#[rpc(server, namespace = "micropay")]
pub trait DeskApi {
	/// Hands a buyer's signed purchase to this node's auditor; answers `deliver`, `wait` or
	/// `reject` with the reason.
	#[method(name = "submitPurchase", blocking)]
	fn submit_purchase(&self, purchase: PurchaseRequest) -> RpcResult<DeskAnswer>;

	/// What became of purchase `id`, or null if this desk does not know it.
	#[method(name = "purchaseStatus", blocking)]
	fn purchase_status(&self, id: H256) -> RpcResult<Option<StatusAnswer>>;
}

/// The desk: the chain client, the offchain database and the auditor key.
pub struct Desk<C, S> {
	client: Arc<C>,
	storage: S,
	keystore: KeystorePtr,
}

impl<C, S> Desk<C, S> {
	/// A desk over `client`, the node's offchain `storage` and its `keystore`.
	pub fn new(client: Arc<C>, storage: S, keystore: KeystorePtr) -> Self {
		Self { client, storage, keystore }
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

/// The answer for a decision taken after `started`.
fn answer(decision: Decision, id: Option<[u8; 32]>, started: Instant) -> DeskAnswer {
	let (name, reason, token) = match decision {
		Decision::Deliver => ("deliver", None, None),
		Decision::Wait => ("wait", None, None),
		Decision::Reject(refusal) => {
			let (reason, token) = match refusal {
				Refusal::Invalid(token, reason) => (format!("{reason:?}"), Some(token_json(token))),
				Refusal::DoubleSpent(token) => ("DoubleSpent".to_string(), Some(token_json(token))),
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
		desk_micros: started.elapsed().as_micros() as u64,
	}
}

impl<C, S> Desk<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MicropayApi<Block, AccountId, Signature>,
	S: OffchainStorage + 'static,
{
	/// The auditor this desk serves: the node's first auditor (`mpau`) key.
	fn auditor(&self) -> RpcResult<AccountId> {
		self.keystore
			.sr25519_public_keys(AUDITOR_KEY_TYPE)
			.first()
			.map(|public| AccountId::from(public.0))
			.ok_or_else(|| internal("this node has no auditor key (key type mpau)"))
	}

	/// Decides on `request` and records an accepted purchase.
	fn decide(&self, request: PurchaseRequest) -> RpcResult<DeskAnswer> {
		let started = Instant::now();
		let auditor = self.auditor()?;
		let signature = sr25519::Signature::try_from(&request.signature[..])
			.map_err(|_| invalid_params("signature must be 64 bytes (sr25519)"))?;
		let purchase = DeskPurchase {
			id: [0; 32],
			merchant: request.merchant,
			item: request.item.0,
			created_at: request.created_at,
			tokens: request.tokens.iter().map(|t| TokenId::new(t.batch, t.index)).collect(),
			signature: Signature::Sr25519(signature),
			prepaid: false,
		};
		let best = self.client.info();
		let check = self
			.client
			.runtime_api()
			.desk_check(best.best_hash, auditor, request.buyer.clone(), purchase.clone())
			.map_err(internal)?;
		let id = match check.verdict {
			Ok(id) => id,
			Err(refusal) => return Ok(answer(Decision::Reject(refusal), None, started)),
		};
		if !self.register_buyer(&request.buyer)? {
			return Ok(answer(Decision::Reject(Refusal::DeskFull), Some(id), started));
		}
		self.storage.clone().set(STORAGE_PREFIX, &purchase_key(&id), &request.buyer.encode());
		let purchase = DeskPurchase { id, ..purchase };
		let decision = self.admit(
			&request.buyer,
			purchase,
			check.block_size,
			best.best_number,
			&check.limits,
		)?;
		Ok(answer(decision, Some(id), started))
	}

	/// Adds `buyer` to the worker's list; `false` if the list is full.
	fn register_buyer(&self, buyer: &AccountId) -> RpcResult<bool> {
		let mut storage = self.storage.clone();
		loop {
			let old = storage.get(STORAGE_PREFIX, USERS_KEY);
			let mut users: Vec<AccountId> = match &old {
				Some(bytes) => Decode::decode(&mut &bytes[..])
					.map_err(|_| internal("corrupt desk buyer list"))?,
				None => Vec::new(),
			};
			if users.contains(buyer) {
				return Ok(true);
			}
			if users.len() >= MAX_USERS {
				return Ok(false);
			}
			users.push(buyer.clone());
			if storage.compare_and_set(STORAGE_PREFIX, USERS_KEY, old.as_deref(), &users.encode()) {
				return Ok(true);
			}
		}
	}

	/// Admits `purchase` into `buyer`'s desk record (compare-and-set, retried on conflict).
	fn admit(
		&self,
		buyer: &AccountId,
		purchase: DeskPurchase<AccountId, Signature>,
		w: u32,
		now: u32,
		limits: &BlockLimits,
	) -> RpcResult<Decision> {
		let key = user_key(buyer);
		let mut storage = self.storage.clone();
		loop {
			let old = storage.get(STORAGE_PREFIX, &key);
			let mut desk = Self::decode_desk(old.as_deref())?;
			let decision = desk.admit(purchase.clone(), w, now, limits);
			if matches!(decision, Decision::Reject(_))
				|| storage.compare_and_set(STORAGE_PREFIX, &key, old.as_deref(), &desk.encode())
			{
				return Ok(decision);
			}
		}
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
		Ok(desk.status(&id.0).map(|status| match status {
			PurchaseStatus::Delivered => {
				StatusAnswer { status: "delivered", seq: None, reason: None }
			},
			PurchaseStatus::Waiting => StatusAnswer { status: "waiting", seq: None, reason: None },
			PurchaseStatus::Submitted { seq, .. } => {
				StatusAnswer { status: "submitted", seq: Some(seq), reason: None }
			},
			PurchaseStatus::Resolved(Resolution::Settled) => {
				StatusAnswer { status: "settled", seq: None, reason: None }
			},
			PurchaseStatus::Resolved(Resolution::Rejected(reason)) => {
				StatusAnswer { status: "rejected", seq: None, reason: Some(format!("{reason:?}")) }
			},
		}))
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
}
