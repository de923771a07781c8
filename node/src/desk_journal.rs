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
//! merchant's to claim).
//!
//! **Segments.** The journal is a run of segment files `<path>.<n>`; appends go to the last
//! one, and after [`SEGMENT_ENTRIES`] entries a new one is started. A closed segment whose
//! entries all passed their `keep_until` is deleted. Nothing is ever rewritten while the desk
//! answers (a rewrite of a journal of minutes of purchases took hundreds of milliseconds, in
//! the request that fell due for it); at start-up the live entries are rewritten into one new
//! segment. A journal of the single-file layout (`<path>` itself) is read first, then removed.
//!
//! **Group commit.** Requests write their frames under a lock, then wait for a sync that
//! covers them: the first waiter syncs for everyone written so far, the others wait for it
//! (or the next one). Four requests in flight pay about one sync, not four in a row. A failed
//! sync fails every append from then on (what the file holds is unknown: the node must
//! restart and replay); a failed write cuts the frame off.
//!
//! Format: a sequence of frames `len: u32 LE, checksum: twox64(payload), payload` where the
//! payload is a SCALE [`JournalEntry`]. A frame cut short by a crash, or one whose checksum
//! fails, ends its segment: nothing after it in that segment is read (it was never
//! acknowledged).

use codec::{Decode, Encode};
use micropay_primitives::desk::DeskPurchase;
use micropay_runtime::{AccountId, Signature};
use std::{
	collections::BTreeMap,
	fs::{self, File, OpenOptions},
	io::{self, Read, Write},
	path::{Path, PathBuf},
	sync::{Arc, Condvar, Mutex, MutexGuard},
};

/// Entries per segment file.
pub const SEGMENT_ENTRIES: u32 = 4_096;

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

/// The journal: segment files appended under a lock, synced by group commit.
pub struct DeskJournal {
	base: PathBuf,
	segment_entries: u32,
	state: Mutex<State>,
	sync: Mutex<Sync>,
	synced: Condvar,
}

/// What appends share.
struct State {
	/// The segment appends go to, and its number.
	file: Arc<File>,
	segment: u64,
	/// Entries in it, and the latest `keep_until` among them.
	entries: u32,
	keep_until: u32,
	/// Closed segments with the latest `keep_until` of their entries.
	closed: BTreeMap<u64, u32>,
	/// Frames written so far (a frame's sequence number is the count after it).
	written: u64,
}

/// What syncs share.
struct Sync {
	/// Frames known to be on disk.
	synced: u64,
	/// Whether a request is syncing for the others.
	syncing: bool,
	/// A sync failed: the journal takes no more appends.
	failed: bool,
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every whole entry of the file at `path`, in order (none if there is no file).
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

/// The segment numbers present next to `base` (`<base>.<n>`), in order.
fn segments(base: &Path) -> io::Result<Vec<u64>> {
	let (Some(dir), Some(name)) = (base.parent(), base.file_name().and_then(|n| n.to_str())) else {
		return Ok(Vec::new());
	};
	let prefix = format!("{name}.");
	let mut numbers = Vec::new();
	for item in fs::read_dir(dir)? {
		let file_name = item?.file_name();
		if let Some(number) = file_name
			.to_str()
			.and_then(|n| n.strip_prefix(&prefix))
			.and_then(|n| n.parse::<u64>().ok())
		{
			numbers.push(number);
		}
	}
	numbers.sort_unstable();
	Ok(numbers)
}

fn segment_path(base: &Path, number: u64) -> PathBuf {
	let mut name = base.as_os_str().to_owned();
	name.push(format!(".{number}"));
	PathBuf::from(name)
}

fn sync_dir(base: &Path) -> io::Result<()> {
	match base.parent() {
		Some(dir) => File::open(dir)?.sync_all(),
		None => Ok(()),
	}
}

impl DeskJournal {
	/// Opens (or creates) the journal at `path`, with a new segment every
	/// [`SEGMENT_ENTRIES`] entries.
	///
	/// # Errors
	/// The directory or the file cannot be created.
	pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
		Self::open_with_segments_of(path, SEGMENT_ENTRIES)
	}

	/// Opens (or creates) the journal at `path`, with a new segment every `entries`.
	///
	/// # Errors
	/// The directory or the file cannot be created.
	pub fn open_with_segments_of(path: impl Into<PathBuf>, entries: u32) -> io::Result<Self> {
		let base = path.into();
		if let Some(dir) = base.parent() {
			fs::create_dir_all(dir)?;
		}
		let existing = segments(&base)?;
		// Closed segments keep everything until the start-up compaction reads them.
		let closed = existing.iter().map(|number| (*number, u32::MAX)).collect();
		let segment = existing.last().map_or(0, |last| last + 1);
		let file = Arc::new(open_append(&segment_path(&base, segment))?);
		sync_dir(&base)?;
		Ok(Self {
			base,
			segment_entries: entries.max(1),
			state: Mutex::new(State {
				file,
				segment,
				entries: 0,
				keep_until: 0,
				closed,
				written: 0,
			}),
			sync: Mutex::new(Sync { synced: 0, syncing: false, failed: false }),
			synced: Condvar::new(),
		})
	}

	/// Appends `entry` and returns once it is on disk (with whatever other requests wrote
	/// meanwhile: one sync covers them all).
	///
	/// # Errors
	/// The write or a sync failed: the purchase must not be acknowledged.
	pub fn append(&self, entry: &JournalEntry) -> io::Result<()> {
		let mine = self.write(entry)?;
		self.wait_synced(mine)
	}

	/// Appends `entry` without waiting for the disk: it is in the file, so it outlives the
	/// node's process (the kernel holds it), but not a crash of the machine until the next
	/// [`Self::append`] or segment rotation syncs it (frames reach the disk in order).
	///
	/// # Errors
	/// The write failed, or an earlier sync did.
	pub fn append_unsynced(&self, entry: &JournalEntry) -> io::Result<()> {
		self.write(entry).map(|_| ())
	}

	/// Writes `entry`'s frame; returns its number.
	fn write(&self, entry: &JournalEntry) -> io::Result<u64> {
		let mut state = lock(&self.state);
		if lock(&self.sync).failed {
			return Err(io::Error::other("an earlier sync of the desk journal failed"));
		}
		if state.entries >= self.segment_entries {
			self.rotate(&mut state, entry.admitted_at)?;
		}
		let before = state.file.metadata()?.len();
		if let Err(error) = (&*state.file).write_all(&frame(entry)) {
			// A frame cut short would end the segment for every later entry: cut it off.
			let _ = state.file.set_len(before);
			return Err(error);
		}
		state.entries += 1;
		state.keep_until = state.keep_until.max(entry.keep_until);
		state.written += 1;
		Ok(state.written)
	}

	/// Returns once frame `mine` is on disk: syncs for everyone if no one is syncing, else
	/// waits for the sync under way (and the next, if it started before `mine` was written).
	fn wait_synced(&self, mine: u64) -> io::Result<()> {
		let mut sync = lock(&self.sync);
		loop {
			if sync.synced >= mine {
				return Ok(());
			}
			if sync.failed {
				return Err(io::Error::other("a sync of the desk journal failed"));
			}
			if sync.syncing {
				sync = self.synced.wait(sync).unwrap_or_else(|poisoned| poisoned.into_inner());
				continue;
			}
			sync.syncing = true;
			drop(sync);
			let (written, file) = {
				let state = lock(&self.state);
				(state.written, state.file.clone())
			};
			let result = file.sync_data();
			sync = lock(&self.sync);
			sync.syncing = false;
			match result {
				Ok(()) => sync.synced = sync.synced.max(written),
				Err(_) => sync.failed = true,
			}
			self.synced.notify_all();
		}
	}

	/// Closes the current segment (synced: every frame written so far is on disk), deletes
	/// the closed segments whose entries all passed their `keep_until` by block `now`, and
	/// starts the next segment.
	fn rotate(&self, state: &mut State, now: u32) -> io::Result<()> {
		state.file.sync_data()?;
		{
			let mut sync = lock(&self.sync);
			sync.synced = sync.synced.max(state.written);
			self.synced.notify_all();
		}
		state.closed.insert(state.segment, state.keep_until);
		let expired: Vec<u64> = state
			.closed
			.iter()
			.filter(|(_, keep_until)| **keep_until < now)
			.map(|(number, _)| *number)
			.collect();
		for number in expired {
			fs::remove_file(segment_path(&self.base, number))?;
			state.closed.remove(&number);
		}
		state.segment += 1;
		state.file = Arc::new(open_append(&segment_path(&self.base, state.segment))?);
		state.entries = 0;
		state.keep_until = 0;
		sync_dir(&self.base)
	}

	/// Every whole entry, in order: the single-file layout's, then each segment's.
	///
	/// # Errors
	/// A file cannot be read.
	pub fn entries(&self) -> io::Result<Vec<JournalEntry>> {
		let state = lock(&self.state);
		let mut entries = read_entries(&self.base)?;
		let mut numbers: Vec<u64> = state.closed.keys().copied().collect();
		numbers.push(state.segment);
		for number in numbers {
			entries.extend(read_entries(&segment_path(&self.base, number))?);
		}
		Ok(entries)
	}

	/// Rewrites the journal with only the entries still worth replaying at block `now`
	/// (`keep_until >= now`) into a new segment, synced, then removes the older files. Run at
	/// start-up, before the desk answers; returns how many entries were kept.
	///
	/// # Errors
	/// A file cannot be read, written or removed (the older files are then left as they were).
	pub fn compact(&self, now: u32) -> io::Result<usize> {
		let kept: Vec<JournalEntry> =
			self.entries()?.into_iter().filter(|e| e.keep_until >= now).collect();
		let mut state = lock(&self.state);
		let mut old: Vec<u64> = state.closed.keys().copied().collect();
		old.push(state.segment);
		let segment = state.segment + 1;
		let path = segment_path(&self.base, segment);
		let mut file = open_append(&path)?;
		for entry in &kept {
			file.write_all(&frame(entry))?;
		}
		file.sync_all()?;
		sync_dir(&self.base)?;
		for number in old {
			fs::remove_file(segment_path(&self.base, number))?;
		}
		match fs::remove_file(&self.base) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
			_ => {},
		}
		sync_dir(&self.base)?;
		state.closed.clear();
		state.segment = segment;
		state.file = Arc::new(file);
		state.entries = kept.len() as u32;
		state.keep_until = kept.iter().map(|e| e.keep_until).max().unwrap_or(0);
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
			journal.append(&entry(n, 10)).unwrap();
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
		let segment = segment_path(&path, 0);
		let whole = fs::read(&segment).unwrap();
		// A crash in the middle of the second frame: the first survives.
		fs::write(&segment, &whole[..whole.len() - 5]).unwrap();
		assert_eq!(read_entries(&segment).unwrap(), vec![entry(1, 10)]);
		assert_eq!(journal.entries().unwrap(), vec![entry(1, 10)]);
		// A flipped byte in the first frame's payload: nothing is trusted from there on.
		let mut corrupt = whole.clone();
		corrupt[20] ^= 0xff;
		fs::write(&segment, &corrupt).unwrap();
		assert_eq!(read_entries(&segment).unwrap(), Vec::<JournalEntry>::new());
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
		assert_eq!(segments(&path).unwrap(), vec![1], "one segment left");
		// Reopened: the kept entries and the new one, in order.
		drop(journal);
		let reopened = DeskJournal::open(&path).unwrap();
		let ids: Vec<u8> = reopened.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![2, 3]);
	}

	#[test]
	fn a_journal_of_the_single_file_layout_is_read_then_compacted_away() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		fs::write(&path, [frame(&entry(1, 50)), frame(&entry(2, 5))].concat()).unwrap();
		let journal = DeskJournal::open(&path).unwrap();
		journal.append(&entry(3, 50)).unwrap();
		let ids: Vec<u8> = journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![1, 2, 3]);
		assert_eq!(journal.compact(10).unwrap(), 2);
		assert!(!path.exists());
		let ids: Vec<u8> = journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![1, 3]);
	}

	#[test]
	fn concurrent_appends_all_reach_the_journal_and_share_syncs() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Arc::new(DeskJournal::open(dir.path().join("desk.journal")).unwrap());
		let writers: Vec<_> = (0..4u8)
			.map(|w| {
				let journal = journal.clone();
				std::thread::spawn(move || {
					for n in 0..50u8 {
						journal.append(&entry(w * 50 + n, 10)).unwrap();
					}
				})
			})
			.collect();
		for writer in writers {
			writer.join().unwrap();
		}
		let mut ids: Vec<u8> =
			journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		ids.sort_unstable();
		assert_eq!(ids, (0..200u8).collect::<Vec<_>>());
		assert_eq!(lock(&journal.sync).synced, 200);
	}

	#[test]
	fn an_unsynced_append_is_in_the_file_at_once_and_the_next_synced_append_covers_it() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		let journal = DeskJournal::open_with_segments_of(&path, 3).unwrap();
		journal.append_unsynced(&entry(1, 10)).unwrap();
		assert_eq!(lock(&journal.sync).synced, 0, "not waited for");
		// What a restart after the process was killed reads: the file as the kernel holds it.
		assert_eq!(read_entries(&segment_path(&path, 0)).unwrap(), vec![entry(1, 10)]);
		journal.append(&entry(2, 10)).unwrap();
		assert_eq!(lock(&journal.sync).synced, 2, "one sync covers both frames");
		// A rotation syncs what the closed segment holds.
		journal.append_unsynced(&entry(3, 10)).unwrap();
		journal.append_unsynced(&entry(4, 10)).unwrap();
		assert_eq!(lock(&journal.sync).synced, 3);
		let ids: Vec<u8> = journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![1, 2, 3, 4]);
	}

	#[test]
	fn closed_segments_are_deleted_once_their_entries_passed_their_horizon() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("desk.journal");
		let journal = DeskJournal::open_with_segments_of(&path, 2).unwrap();
		let at = |n: u8, admitted_at: u32, keep_until: u32| JournalEntry {
			admitted_at,
			..entry(n, keep_until)
		};
		journal.append(&at(1, 1, 10)).unwrap();
		journal.append(&at(2, 1, 10)).unwrap();
		// Segment 0 is full: the third entry starts segment 1.
		journal.append(&at(3, 5, 20)).unwrap();
		journal.append(&at(4, 5, 20)).unwrap();
		assert_eq!(segments(&path).unwrap(), vec![0, 1]);
		// At block 11 every entry of segment 0 is past its horizon: it goes at the next
		// rotation; segment 1's are not.
		journal.append(&at(5, 11, 30)).unwrap();
		assert_eq!(segments(&path).unwrap(), vec![1, 2]);
		let ids: Vec<u8> = journal.entries().unwrap().iter().map(|e| e.purchase.id[0]).collect();
		assert_eq!(ids, vec![3, 4, 5]);
	}
}
