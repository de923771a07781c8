//! The desk's write-ahead journal: every purchase the desk admits is appended here and
//! synced to disk **before** the merchant hears `deliver` or `wait`.
//!
//! Why: the desk keeps its records in the node's offchain database, and ParityDB commits
//! asynchronously (a commit is queued in memory and written to its log by a background
//! thread). A node killed in the milliseconds after an answer lost the record, so the worker
//! never submitted a purchase whose merchant had already delivered (the end-to-end network
//! test caught it: after `kill -9` and a restart, `micropay_purchaseStatus` of a delivered
//! purchase answered `null`). The merchant's receipt still let it claim from the bond, but
//! the auditor paid a penalty and never redeemed the buyer's tokens.
//!
//! An entry is appended once the buyer's record took the purchase (its compare-and-set
//! succeeded) and before the merchant is answered, so every answered admission is in the
//! journal and nothing that was refused is. At start-up, before the desk and the offchain
//! worker run, the node replays it ([`crate::desk::recover`]): a purchase of this chain
//! (genesis hash), admitted at a block the node has, that its buyer's record does not know is
//! put back as admitted (`UserDesk::restore`), and the desk's promised total is recomputed
//! from the records. Entries are kept until `keep_until` (the admission block plus the desk's
//! settle horizon: by then the purchase was settled, or its receipt fell due and is the
//! merchant's to claim); the file is rewritten without older entries at start-up and every
//! [`COMPACT_EVERY`] appends.
//!
//! Format: a sequence of frames `len: u32 LE, checksum: twox64(payload), payload` where the
//! payload is a SCALE [`JournalEntry`]. A frame cut short by a crash, or one whose checksum
//! fails, ends the journal: nothing after it is read (it was never acknowledged).

use codec::{Decode, Encode};
use micropay_primitives::desk::DeskPurchase;
use micropay_runtime::{AccountId, Signature};
use std::{
	fs::{self, File, OpenOptions},
	io::{self, Read, Write},
	path::{Path, PathBuf},
	sync::Mutex,
};

/// Appends between two compactions of the journal.
pub const COMPACT_EVERY: u32 = 4_096;

/// Largest frame payload read back (a purchase of the most tokens is a few KiB).
const MAX_ENTRY_BYTES: usize = 1 << 20;

/// One admitted purchase, as journaled.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq)]
pub struct JournalEntry {
	/// Genesis hash of the chain it was admitted on (a journal that outlived its database,
	/// e.g. after `purge-chain`, is not replayed onto another chain).
	pub genesis: [u8; 32],
	/// The buyer whose record holds it.
	pub buyer: AccountId,
	/// The purchase as admitted (prepaid flag and promise included).
	pub purchase: DeskPurchase<AccountId, Signature>,
	/// The chain block it was admitted at.
	pub admitted_at: u32,
	/// The last chain block at which replaying it still matters.
	pub keep_until: u32,
}

/// The journal file, appended under a lock.
pub struct DeskJournal {
	path: PathBuf,
	compact_every: u32,
	state: Mutex<State>,
}

struct State {
	file: File,
	appends_since_compaction: u32,
}

fn frame(entry: &JournalEntry) -> Vec<u8> {
	let payload = entry.encode();
	let mut bytes = Vec::with_capacity(payload.len() + 12);
	bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
	bytes.extend_from_slice(&sp_io::hashing::twox_64(&payload));
	bytes.extend_from_slice(&payload);
	bytes
}

fn open_append(path: &Path) -> io::Result<File> {
	OpenOptions::new().create(true).append(true).open(path)
}

/// Every whole entry of the journal at `path`, in order (none if there is no file).
pub fn read_entries(path: &Path) -> io::Result<Vec<JournalEntry>> {
	let mut bytes = Vec::new();
	match File::open(path) {
		Ok(mut file) => file.read_to_end(&mut bytes)?,
		Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
		Err(error) => return Err(error),
	};
	let mut entries = Vec::new();
	let mut rest = &bytes[..];
	while rest.len() >= 12 {
		let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
		if len > MAX_ENTRY_BYTES || rest.len() < 12 + len {
			break;
		}
		let payload = &rest[12..12 + len];
		if sp_io::hashing::twox_64(payload) != rest[4..12] {
			break;
		}
		match JournalEntry::decode(&mut &payload[..]) {
			Ok(entry) => entries.push(entry),
			Err(_) => break,
		}
		rest = &rest[12 + len..];
	}
	Ok(entries)
}

impl DeskJournal {
	/// Opens (or creates) the journal at `path`, due for compaction every
	/// [`COMPACT_EVERY`] appends.
	///
	/// # Errors
	/// The directory or the file cannot be created.
	pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
		Self::open_compacting_every(path, COMPACT_EVERY)
	}

	/// Opens (or creates) the journal at `path`, due for compaction every `appends`.
	///
	/// # Errors
	/// The directory or the file cannot be created.
	pub fn open_compacting_every(path: impl Into<PathBuf>, appends: u32) -> io::Result<Self> {
		let path = path.into();
		if let Some(dir) = path.parent() {
			fs::create_dir_all(dir)?;
		}
		let file = open_append(&path)?;
		Ok(Self {
			path,
			compact_every: appends.max(1),
			state: Mutex::new(State { file, appends_since_compaction: 0 }),
		})
	}

	/// Appends `entry` and syncs it to disk; returns whether a compaction is due.
	///
	/// # Errors
	/// The write or the sync failed: the purchase must not be acknowledged.
	pub fn append(&self, entry: &JournalEntry) -> io::Result<bool> {
		let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let before = state.file.metadata()?.len();
		if let Err(error) =
			state.file.write_all(&frame(entry)).and_then(|()| state.file.sync_data())
		{
			// A frame cut short would end the journal for every later entry: cut it off.
			let _ = state.file.set_len(before);
			return Err(error);
		}
		state.appends_since_compaction = state.appends_since_compaction.saturating_add(1);
		Ok(state.appends_since_compaction >= self.compact_every)
	}

	/// Every whole entry, in order.
	///
	/// # Errors
	/// The file cannot be read.
	pub fn entries(&self) -> io::Result<Vec<JournalEntry>> {
		let _state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		read_entries(&self.path)
	}

	/// Rewrites the journal with only the entries still worth replaying at block `now`
	/// (`keep_until >= now`): to a new file, synced, then renamed over the old one.
	///
	/// # Errors
	/// The journal cannot be read or rewritten (the old file is then left as it was), or the
	/// directory cannot be synced after the rename.
	pub fn compact(&self, now: u32) -> io::Result<usize> {
		let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let kept: Vec<JournalEntry> =
			read_entries(&self.path)?.into_iter().filter(|e| e.keep_until >= now).collect();
		let fresh = self.path.with_extension("compacting");
		{
			let mut file = File::create(&fresh)?;
			for entry in &kept {
				file.write_all(&frame(entry))?;
			}
			file.sync_all()?;
		}
		fs::rename(&fresh, &self.path)?;
		// Appends go to the new file from now on, whatever happens next.
		state.file = open_append(&self.path)?;
		state.appends_since_compaction = 0;
		if let Some(dir) = self.path.parent() {
			// The rename itself must survive a crash.
			File::open(dir)?.sync_all()?;
		}
		Ok(kept.len())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use micropay_primitives::{purchase::SignedPurchase, token::TokenId};
	use sp_core::sr25519;

	fn entry(n: u8, keep_until: u32) -> JournalEntry {
		let account = AccountId::from([n; 32]);
		JournalEntry {
			genesis: [9; 32],
			buyer: account.clone(),
			purchase: DeskPurchase {
				id: [n; 32],
				purchase: SignedPurchase {
					merchant: account.clone(),
					auditor: account,
					item: [n; 32],
					created_at: u64::from(n),
					tokens: vec![TokenId::new(1, u32::from(n))],
					signature: Signature::Sr25519(sr25519::Signature::from_raw([n; 64])),
				},
				prepaid: true,
				promise: None,
			},
			admitted_at: 1,
			keep_until,
		}
	}

	#[test]
	fn appended_entries_read_back_in_order_after_a_reopen() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		let journal = DeskJournal::open(&path).unwrap();
		for n in 1..=3 {
			assert!(!journal.append(&entry(n, 10)).unwrap());
		}
		drop(journal);
		let reopened = DeskJournal::open(&path).unwrap();
		reopened.append(&entry(4, 10)).unwrap();
		let ids: Vec<u8> = reopened.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![1, 2, 3, 4]);
	}

	#[test]
	fn a_frame_cut_short_or_corrupt_ends_the_journal() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		let journal = DeskJournal::open(&path).unwrap();
		journal.append(&entry(1, 10)).unwrap();
		journal.append(&entry(2, 10)).unwrap();
		let whole = fs::read(&path).unwrap();
		// A crash in the middle of the second frame: the first survives.
		fs::write(&path, &whole[..whole.len() - 5]).unwrap();
		assert_eq!(read_entries(&path).unwrap(), vec![entry(1, 10)]);
		// A flipped byte in the first frame's payload: nothing is trusted from there on.
		let mut corrupt = whole.clone();
		corrupt[20] ^= 0xff;
		fs::write(&path, &corrupt).unwrap();
		assert_eq!(read_entries(&path).unwrap(), Vec::<JournalEntry>::new());
	}

	#[test]
	fn compaction_keeps_only_what_is_still_worth_replaying() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		let journal = DeskJournal::open(&path).unwrap();
		journal.append(&entry(1, 5)).unwrap();
		journal.append(&entry(2, 50)).unwrap();
		assert_eq!(journal.compact(6).unwrap(), 1);
		journal.append(&entry(3, 60)).unwrap();
		let ids: Vec<u8> = journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![2, 3]);
		assert!(!dir.path().join("desk.compacting").exists());
	}

	#[test]
	fn a_compaction_falls_due_after_enough_appends() {
		let dir = tempfile::tempdir().unwrap();
		let journal =
			DeskJournal::open_compacting_every(dir.path().join("desk.journal"), 8).unwrap();
		let due: Vec<bool> = (0..8).map(|_| journal.append(&entry(1, 10)).unwrap()).collect();
		assert_eq!(due, vec![false, false, false, false, false, false, false, true]);
		journal.compact(11).unwrap();
		assert!(journal.entries().unwrap().is_empty());
		assert!(!journal.append(&entry(2, 20)).unwrap());
	}
}
