//! The desk's records in a database of their own: the offchain storage the desk and the
//! auditor's offchain worker share (`micropay_primitives::desk`), kept in a ParityDB instance
//! beside the chain's database instead of in the chain database's offchain column.
//!
//! Why: the chain's database commits a whole block at once (thousands of trie nodes at the
//! real-path load), and one ParityDB instance puts every commit through one queue, one overlay
//! lock and one set of background threads. The desk makes about five reads and two writes per
//! decision; while a loaded block was being committed they waited behind it, and the desk's
//! latency at the client went from 2 ms to hundreds of milliseconds for the second after each
//! block (`scripts/flow-bench.sh`, the timeline of stop 23 in the issue note). In a database
//! of its own the desk waits only for its own and the worker's writes.
//!
//! Nothing else changes: the same keys and values, every update of a record a compare-and-set
//! (here under a lock per key stripe, which `set` and `remove` take too, so a plain write
//! never slips between a compare and its set). Commits are asynchronous as in the chain's
//! database; what the desk promised is in its journal first (`crate::desk_journal`).
//!
//! **Bound to its chain database.** The store lives beside the chain database, not in it, so
//! `purge-chain` (which deletes the chain database) would leave it behind, and a node started
//! on a new chain with the same genesis (a purged `--dev` chain) would take the old chain's
//! pending purchases and in-flight token blocks for its own. So a token, written in both the
//! store and the chain database's offchain column, binds them ([`DeskStore::open_bound`]):
//! - neither has one: a node from before this store, or a new chain. Its desk is copied over
//!   from the column ([`DeskStore::adopt`]: the buyer list, each listed buyer's mark, record
//!   and resolution log, the index entries of the purchases those hold, the two totals);
//! - the store has a token the chain database lacks or differs from: the chain database was
//!   replaced, and the store is deleted and started anew (then bound as above);
//! - the chain database has one and the store none: the store was lost; it starts empty (the
//!   journal's replay puts the desk's promises back) and is bound.

use codec::{Decode, Encode};
use micropay_primitives::desk::{
	listed_key, purchase_key, resolved_key, user_key, ResolvedLog, UserDesk, PROMISED_KEY,
	RELEASED_KEY, USERS_KEY,
};
use micropay_runtime::{AccountId, Signature};
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use std::{
	hash::{BuildHasher, Hasher},
	path::Path,
	sync::{Arc, Mutex, MutexGuard},
};

/// Key stripes: a compare-and-set locks one of these, chosen by its key.
const STRIPES: usize = 64;

/// The token binding the store to its chain database (in both; see the module's docs).
pub const BINDING_KEY: &[u8] = b"micropay/desk/store-binding";

/// How [`DeskStore::open_bound`] found the store.
#[derive(Debug, Eq, PartialEq)]
pub enum Binding {
	/// Bound to this chain database already.
	Bound,
	/// Bound now, with this many buyers copied from the chain database's offchain column.
	Adopted(usize),
	/// The store belonged to another chain database: deleted, started anew and bound, with this
	/// many buyers copied.
	Replaced(usize),
	/// The store was missing while the chain database was bound: started empty and bound.
	Restarted,
}

/// The only column.
const COLUMN: u8 = 0;

/// The desk's own offchain storage (cheap to clone: the database and its locks are shared).
#[derive(Clone)]
pub struct DeskStore {
	db: Arc<parity_db::Db>,
	stripes: Arc<[Mutex<()>; STRIPES]>,
	hasher: std::collections::hash_map::RandomState,
}

impl std::fmt::Debug for DeskStore {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("DeskStore").finish_non_exhaustive()
	}
}

fn full_key(prefix: &[u8], key: &[u8]) -> Vec<u8> {
	let mut full = Vec::with_capacity(prefix.len() + key.len());
	full.extend_from_slice(prefix);
	full.extend_from_slice(key);
	full
}

impl DeskStore {
	/// Opens (or creates) the store in the directory `path`.
	///
	/// # Errors
	/// ParityDB cannot open or create it (the message says why).
	pub fn open(path: &Path) -> Result<Self, String> {
		let options = parity_db::Options::with_columns(path, 1);
		let db = parity_db::Db::open_or_create(&options).map_err(|error| error.to_string())?;
		Ok(Self {
			db: Arc::new(db),
			stripes: Arc::new(std::array::from_fn(|_| Mutex::new(()))),
			hasher: Default::default(),
		})
	}

	fn stripe(&self, key: &[u8]) -> MutexGuard<'_, ()> {
		let mut hasher = self.hasher.build_hasher();
		hasher.write(key);
		let index = (hasher.finish() as usize) % STRIPES;
		self.stripes[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
		match self.db.get(COLUMN, key) {
			Ok(value) => value,
			Err(error) => {
				log::error!(target: "micropay-desk", "desk store read failed: {error}");
				None
			},
		}
	}

	fn write(&self, key: &[u8], value: Option<&[u8]>) {
		if let Err(error) = self.db.commit([(COLUMN, key, value.map(<[u8]>::to_vec))]) {
			log::error!(target: "micropay-desk", "desk store write failed: {error}");
		}
	}

	/// Opens the store in `path` bound to the chain database whose offchain storage is `chain`
	/// (see the module's docs): adopts, replaces or restarts it as the tokens say.
	///
	/// # Errors
	/// The store cannot be opened or deleted, or a record to adopt does not decode (nothing is
	/// bound then: the next start tries again).
	pub fn open_bound<S: OffchainStorage>(
		path: &Path,
		chain: &mut S,
	) -> Result<(Self, Binding), String> {
		let mut store = Self::open(path)?;
		let in_chain = chain.get(STORAGE_PREFIX, BINDING_KEY);
		let in_store = store.get(STORAGE_PREFIX, BINDING_KEY);
		if in_store.is_some() && in_store == in_chain {
			return Ok((store, Binding::Bound));
		}
		// A token the chain database does not share: the store is another chain's.
		let replaced = in_store.is_some();
		if replaced {
			drop(store);
			std::fs::remove_dir_all(path).map_err(|error| error.to_string())?;
			store = Self::open(path)?;
		}
		let binding = match (&in_chain, replaced) {
			(Some(_), _) => Binding::Restarted,
			(None, false) => Binding::Adopted(store.adopt(chain)?),
			(None, true) => Binding::Replaced(store.adopt(chain)?),
		};
		let token = match in_chain {
			Some(token) => token,
			None => {
				let token = new_token(path);
				chain.set(STORAGE_PREFIX, BINDING_KEY, &token);
				token
			},
		};
		store.set(STORAGE_PREFIX, BINDING_KEY, &token);
		Ok((store, binding))
	}

	/// Copies the desk's records from `from` (the chain database's offchain storage); returns
	/// the buyers copied.
	///
	/// # Errors
	/// A record in `from` does not decode.
	pub fn adopt<S: OffchainStorage>(&mut self, from: &S) -> Result<usize, String> {
		let copy = |store: &mut Self, key: &[u8]| -> Option<Vec<u8>> {
			let value = from.get(STORAGE_PREFIX, key)?;
			store.set(STORAGE_PREFIX, key, &value);
			Some(value)
		};
		let buyers: Vec<AccountId> = match copy(self, USERS_KEY) {
			Some(bytes) => Decode::decode(&mut &bytes[..])
				.map_err(|error| format!("desk buyer list: {error}"))?,
			None => Vec::new(),
		};
		for buyer in &buyers {
			copy(self, &listed_key(buyer));
			let mut ids = Vec::new();
			if let Some(bytes) = copy(self, &user_key(buyer)) {
				let desk = UserDesk::<AccountId, Signature>::decode(&mut &bytes[..])
					.map_err(|error| format!("desk record: {error}"))?;
				ids.extend(desk.pending().map(|purchase| purchase.id));
			}
			if let Some(bytes) = copy(self, &resolved_key(buyer)) {
				let log = ResolvedLog::decode(&mut &bytes[..])
					.map_err(|error| format!("desk resolution log: {error}"))?;
				ids.extend(log.entries.iter().map(|(id, _)| *id));
			}
			for id in ids {
				copy(self, &purchase_key(&id));
			}
		}
		copy(self, PROMISED_KEY);
		copy(self, RELEASED_KEY);
		Ok(buyers.len())
	}
}

/// A token no other store has: the hash of the store's path, the time and the process.
fn new_token(path: &Path) -> Vec<u8> {
	let now = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |elapsed| elapsed.as_nanos());
	let seed = (path.to_string_lossy().into_owned(), now, std::process::id()).encode();
	sp_io::hashing::blake2_256(&seed).to_vec()
}

impl OffchainStorage for DeskStore {
	fn set(&mut self, prefix: &[u8], key: &[u8], value: &[u8]) {
		let key = full_key(prefix, key);
		let _stripe = self.stripe(&key);
		self.write(&key, Some(value));
	}

	fn remove(&mut self, prefix: &[u8], key: &[u8]) {
		let key = full_key(prefix, key);
		let _stripe = self.stripe(&key);
		self.write(&key, None);
	}

	fn get(&self, prefix: &[u8], key: &[u8]) -> Option<Vec<u8>> {
		self.read(&full_key(prefix, key))
	}

	fn compare_and_set(
		&mut self,
		prefix: &[u8],
		key: &[u8],
		old_value: Option<&[u8]>,
		new_value: &[u8],
	) -> bool {
		let key = full_key(prefix, key);
		let _stripe = self.stripe(&key);
		if self.read(&key).as_deref() != old_value {
			return false;
		}
		self.write(&key, Some(new_value));
		true
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::desk::test_purchase;
	use micropay_primitives::desk::Resolution;
	use sp_core::offchain::storage::InMemOffchainStorage;

	fn account(n: u8) -> AccountId {
		AccountId::from([n; 32])
	}

	fn open(dir: &tempfile::TempDir) -> DeskStore {
		DeskStore::open(&dir.path().join("desk-store")).unwrap()
	}

	#[test]
	fn a_compare_and_set_writes_only_over_the_value_it_saw() {
		let dir = tempfile::tempdir().unwrap();
		let mut store = open(&dir);
		assert!(!store.compare_and_set(STORAGE_PREFIX, b"k", Some(b"a"), b"b"));
		assert_eq!(store.get(STORAGE_PREFIX, b"k"), None);
		assert!(store.compare_and_set(STORAGE_PREFIX, b"k", None, b"a"));
		assert!(!store.compare_and_set(STORAGE_PREFIX, b"k", None, b"c"));
		assert!(!store.compare_and_set(STORAGE_PREFIX, b"k", Some(b"x"), b"c"));
		assert_eq!(store.get(STORAGE_PREFIX, b"k"), Some(b"a".to_vec()));
		assert!(store.compare_and_set(STORAGE_PREFIX, b"k", Some(b"a"), b"b"));
		assert_eq!(store.get(STORAGE_PREFIX, b"k"), Some(b"b".to_vec()));
		// Prefixes are kept apart, and a removed key reads as absent.
		assert_eq!(store.get(b"other", b"k"), None);
		store.remove(STORAGE_PREFIX, b"k");
		assert_eq!(store.get(STORAGE_PREFIX, b"k"), None);
	}

	#[test]
	fn concurrent_compare_and_sets_lose_no_update() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(&dir);
		let threads: Vec<_> = (0..4)
			.map(|_| {
				let mut store = store.clone();
				std::thread::spawn(move || {
					for _ in 0..250 {
						loop {
							let old = store.get(STORAGE_PREFIX, b"counter");
							let count = old
								.as_deref()
								.map_or(0, |bytes| u32::decode(&mut &bytes[..]).unwrap());
							let next = (count + 1).encode();
							if store.compare_and_set(
								STORAGE_PREFIX,
								b"counter",
								old.as_deref(),
								&next,
							) {
								break;
							}
						}
					}
				})
			})
			.collect();
		for thread in threads {
			thread.join().unwrap();
		}
		let bytes = store.get(STORAGE_PREFIX, b"counter").unwrap();
		assert_eq!(u32::decode(&mut &bytes[..]).unwrap(), 1_000);
	}

	#[test]
	fn what_was_written_is_there_after_a_reopen() {
		let dir = tempfile::tempdir().unwrap();
		{
			let mut store = open(&dir);
			store.set(STORAGE_PREFIX, b"kept", b"value");
			store.set(STORAGE_PREFIX, b"gone", b"value");
			store.remove(STORAGE_PREFIX, b"gone");
		}
		let store = open(&dir);
		assert_eq!(store.get(STORAGE_PREFIX, b"kept"), Some(b"value".to_vec()));
		assert_eq!(store.get(STORAGE_PREFIX, b"gone"), None);
	}

	/// A chain database's offchain column as a node before this store left it: buyer 1 has
	/// purchase 1 pending and purchase 2 resolved; buyer 2 is listed with nothing left.
	fn chain_with_a_desk() -> InMemOffchainStorage {
		let mut chain = InMemOffchainStorage::default();
		let mut desk = UserDesk::<AccountId, Signature>::default();
		assert!(desk.restore(test_purchase(1, false, None), 10, &ResolvedLog::default()));
		let log = ResolvedLog { entries: vec![([2; 32], Resolution::Settled)] };
		chain.set(STORAGE_PREFIX, USERS_KEY, &vec![account(1), account(2)].encode());
		chain.set(STORAGE_PREFIX, &listed_key(&account(1)), &true.encode());
		chain.set(STORAGE_PREFIX, &user_key(&account(1)), &desk.encode());
		chain.set(STORAGE_PREFIX, &resolved_key(&account(1)), &log.encode());
		for id in [[1; 32], [2; 32]] {
			chain.set(STORAGE_PREFIX, &purchase_key(&id), &account(1).encode());
		}
		chain.set(STORAGE_PREFIX, PROMISED_KEY, &70u128.encode());
		chain.set(STORAGE_PREFIX, RELEASED_KEY, &30u128.encode());
		chain
	}

	fn desk_keys() -> Vec<Vec<u8>> {
		vec![
			USERS_KEY.to_vec(),
			listed_key(&account(1)),
			user_key(&account(1)),
			resolved_key(&account(1)),
			purchase_key(&[1; 32]),
			purchase_key(&[2; 32]),
			PROMISED_KEY.to_vec(),
			RELEASED_KEY.to_vec(),
		]
	}

	#[test]
	fn a_desk_kept_in_the_chain_database_is_adopted_once() {
		let mut chain = chain_with_a_desk();
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk-store");
		let (store, binding) = DeskStore::open_bound(&path, &mut chain).unwrap();
		assert_eq!(binding, Binding::Adopted(2));
		for key in desk_keys() {
			assert!(store.get(STORAGE_PREFIX, &key).is_some());
			assert_eq!(store.get(STORAGE_PREFIX, &key), chain.get(STORAGE_PREFIX, &key));
		}
		drop(store);
		// Once bound, the store is the desk's: the next start copies nothing over it.
		chain.set(STORAGE_PREFIX, PROMISED_KEY, &99u128.encode());
		let (store, binding) = DeskStore::open_bound(&path, &mut chain).unwrap();
		assert_eq!(binding, Binding::Bound);
		assert_eq!(store.get(STORAGE_PREFIX, PROMISED_KEY), Some(70u128.encode()));
	}

	#[test]
	fn a_store_left_by_a_purged_chain_is_not_taken_for_the_new_chains() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk-store");
		let (mut store, _) = DeskStore::open_bound(&path, &mut chain_with_a_desk()).unwrap();
		store.set(STORAGE_PREFIX, b"written since", b"value");
		drop(store);
		// `purge-chain`: a new chain database, the store left beside it.
		let mut new_chain = InMemOffchainStorage::default();
		let (store, binding) = DeskStore::open_bound(&path, &mut new_chain).unwrap();
		assert_eq!(binding, Binding::Replaced(0));
		for key in desk_keys() {
			assert_eq!(store.get(STORAGE_PREFIX, &key), None, "the old chain's desk survived");
		}
		assert_eq!(store.get(STORAGE_PREFIX, b"written since"), None);
		drop(store);
		assert_eq!(DeskStore::open_bound(&path, &mut new_chain).unwrap().1, Binding::Bound);
	}

	#[test]
	fn a_lost_store_starts_empty_rather_than_from_the_column_it_left() {
		let dir = tempfile::tempdir().unwrap();
		let mut chain = chain_with_a_desk();
		let (store, _) = DeskStore::open_bound(&dir.path().join("first"), &mut chain).unwrap();
		drop(store);
		// The store's directory is gone; the column still holds the desk as it was before
		// the store existed, which is out of date: not copied again.
		let (store, binding) =
			DeskStore::open_bound(&dir.path().join("second"), &mut chain).unwrap();
		assert_eq!(binding, Binding::Restarted);
		assert_eq!(store.get(STORAGE_PREFIX, USERS_KEY), None);
	}

	#[test]
	fn a_new_node_adopts_nothing_and_a_broken_record_stops_the_start() {
		let dir = tempfile::tempdir().unwrap();
		let (store, binding) =
			DeskStore::open_bound(&dir.path().join("new"), &mut InMemOffchainStorage::default())
				.unwrap();
		assert_eq!(binding, Binding::Adopted(0));
		assert_eq!(store.get(STORAGE_PREFIX, USERS_KEY), None);

		let mut chain = InMemOffchainStorage::default();
		chain.set(STORAGE_PREFIX, USERS_KEY, &vec![account(1)].encode());
		chain.set(STORAGE_PREFIX, &user_key(&account(1)), b"not a record");
		let path = dir.path().join("broken");
		let error = DeskStore::open_bound(&path, &mut chain).unwrap_err();
		assert!(error.starts_with("desk record"), "{error}");
		// Not bound: the next start tries again.
		assert!(chain.get(STORAGE_PREFIX, BINDING_KEY).is_none());
	}
}
