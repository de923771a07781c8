//! Storage migrations: version 2's three items per (auditor, buyer) fold into one record
//! that the chain goes on from as if nothing had moved.

use crate::{
	migrations::v3::{v2, MigrateV2ToV3},
	mock::*,
	BuyerRecords, Error, Pallet, TrustProfile,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};

/// Rewrites every buyer record in version 2's layout and marks storage as version 2, the
/// way a chain that ran the version 2 runtime holds them.
fn store_as_version_2() {
	for (auditor, buyer, record) in BuyerRecords::<Test>::drain() {
		v2::Trust::<Test>::insert(&auditor, &buyer, record.trust);
		if record.next_seq != 0 {
			v2::NextBlockSeq::<Test>::insert(&auditor, &buyer, record.next_seq);
		}
		if let Some(last) = record.last {
			v2::LastTokenBlock::<Test>::insert(&auditor, &buyer, last);
		}
	}
	StorageVersion::new(2).put::<Pallet<Test>>();
}

#[test]
fn version_2_buyer_records_fold_into_one_record_each_and_settling_goes_on() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 10, 10, 100);
		// The main buyer has settled two token blocks; the other buyer only has a profile.
		assert_ok!(submit(0, vec![one_token_purchase(batch, 0, 1)]));
		assert_ok!(submit(1, vec![one_token_purchase(batch, 1, 2)]));
		let other = account_of(&other_buyer_pair());
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			other.clone(),
			TrustProfile::Pessimistic,
			8
		));
		let before: Vec<_> = BuyerRecords::<Test>::iter().collect();
		assert_eq!(before.len(), 2);
		store_as_version_2();
		// A stray sequence number without a trust record (version 2 never wrote one alone).
		v2::NextBlockSeq::<Test>::insert(auditor(), merchant(), 3);

		MigrateV2ToV3::<Test>::on_runtime_upgrade();

		let mut after: Vec<_> = BuyerRecords::<Test>::iter().collect();
		let mut expected = before;
		after.sort_by(|a, b| a.1.cmp(&b.1));
		expected.sort_by(|a, b| a.1.cmp(&b.1));
		assert_eq!(after, expected);
		assert_eq!(next_seq_of(&auditor(), &buyer()), 2);
		assert_eq!(last_token_block(&auditor(), &buyer()).map(|last| last.seq), Some(1));
		assert_eq!(stored_trust(&auditor(), &other).map(|t| t.state.block_size), Some(8));
		assert_eq!(v2::Trust::<Test>::iter().count(), 0);
		assert_eq!(v2::NextBlockSeq::<Test>::iter().count(), 0);
		assert_eq!(v2::LastTokenBlock::<Test>::iter().count(), 0);
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);

		// The chain goes on from the migrated sequence number; the old one is refused.
		assert_noop!(
			submit(1, vec![one_token_purchase(batch, 2, 3)]),
			Error::<Test>::WrongBlockSequence
		);
		assert_ok!(submit(2, vec![one_token_purchase(batch, 2, 3)]));
		assert_eq!(next_seq_of(&auditor(), &buyer()), 3);
	});
}

#[test]
fn the_fold_runs_once() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 10, 10, 100);
		assert_ok!(submit(0, vec![one_token_purchase(batch, 0, 1)]));
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
		// Items in the old layout on a chain already at version 3 are not the migration's to
		// touch: it does nothing.
		v2::NextBlockSeq::<Test>::insert(auditor(), merchant(), 3);
		let records: Vec<_> = BuyerRecords::<Test>::iter().collect();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(BuyerRecords::<Test>::iter().collect::<Vec<_>>(), records);
		assert_eq!(v2::NextBlockSeq::<Test>::get(auditor(), merchant()), 3);
		v2::NextBlockSeq::<Test>::remove(auditor(), merchant());
	});
}
