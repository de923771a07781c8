//! Genesis presets: `development` (one node is everything, `--dev`) and `local_testnet`
//! (three validators and two auditors on separate nodes, `--chain local`).
//!
//! The well-known dev accounts play fixed roles so a newcomer can issue tokens and pay at
//! once from polkadot.js apps. On `development`:
//!
//! | account | role |
//! |---|---|
//! | Alice | block author, GRANDPA voter, sudo, and the registered **auditor** |
//! | Bob | registered **bank** |
//! | Charlie, Dave | **buyers** |
//! | Eve, Ferdie | **merchants** |
//!
//! On `local_testnet` ([`local_roles`]) validators and auditors are different keys, as real
//! operators run them on different machines:
//!
//! | account | role |
//! |---|---|
//! | Alice, Bob, Charlie | validators (Aura authors, GRANDPA voters); Alice is sudo |
//! | Dave, Eve | registered **auditors**, each on its own full node with its own `mpau` key |
//! | Ferdie | registered **bank** |
//! | Alice//stash, Bob//stash, Charlie//stash | **buyers** |
//! | Dave//stash, Eve//stash, Ferdie//stash | **merchants** |
//!
//! Every one of them is endowed with [`DEV_ENDOWMENT`]; banks and auditors are registered at
//! genesis, auditors withholding [`DEV_AUDITOR_RHO`] (their bonds are held at genesis).

use alloc::{vec, vec::Vec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	AccountId, Balance, BalancesConfig, MicropayConfig, RuntimeGenesisConfig, SudoConfig, UNIT,
};
use sp_runtime::Perbill;

/// Free balance each dev account starts with: one million `MPY`.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * UNIT;

/// The dev auditor's withholding on merchant payouts: 2%.
pub const DEV_AUDITOR_RHO: Perbill = Perbill::from_percent(2);

/// The dev accounts' roles (see the module docs).
pub mod dev_roles {
	use super::*;

	/// The auditor (also sudo and the block author on `--dev`).
	pub fn auditor() -> AccountId {
		Sr25519Keyring::Alice.to_account_id()
	}
	/// The bank.
	pub fn bank() -> AccountId {
		Sr25519Keyring::Bob.to_account_id()
	}
	/// The buyers.
	pub fn buyers() -> Vec<AccountId> {
		vec![Sr25519Keyring::Charlie.to_account_id(), Sr25519Keyring::Dave.to_account_id()]
	}
	/// The merchants.
	pub fn merchants() -> Vec<AccountId> {
		vec![Sr25519Keyring::Eve.to_account_id(), Sr25519Keyring::Ferdie.to_account_id()]
	}
}

/// The `local_testnet` accounts' roles (see the module docs).
pub mod local_roles {
	use super::*;

	/// The validators' Aura and GRANDPA keys (authors and voters).
	pub fn validators() -> Vec<(AuraId, GrandpaId)> {
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		]
	}
	/// The auditors, whose keys are not validator keys.
	pub fn auditors() -> Vec<AccountId> {
		vec![Sr25519Keyring::Dave.to_account_id(), Sr25519Keyring::Eve.to_account_id()]
	}
	/// The bank.
	pub fn bank() -> AccountId {
		Sr25519Keyring::Ferdie.to_account_id()
	}
	/// The buyers.
	pub fn buyers() -> Vec<AccountId> {
		[Sr25519Keyring::AliceStash, Sr25519Keyring::BobStash, Sr25519Keyring::CharlieStash]
			.into_iter()
			.map(|key| key.to_account_id())
			.collect()
	}
	/// The merchants.
	pub fn merchants() -> Vec<AccountId> {
		[Sr25519Keyring::DaveStash, Sr25519Keyring::EveStash, Sr25519Keyring::FerdieStash]
			.into_iter()
			.map(|key| key.to_account_id())
			.collect()
	}
}

/// Aura and GRANDPA keys of a well-known dev authority.
fn authority_keys(seed: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(seed.public().into(), grandpa.public().into())
}

/// Who plays which part in a genesis.
struct Roles {
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	banks: Vec<AccountId>,
	auditors: Vec<AccountId>,
}

/// A genesis with the given authorities, endowed accounts, sudo key, banks and auditors.
fn genesis(Roles { authorities, endowed, root, banks, auditors }: Roles) -> Option<Value> {
	let config = RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|who| (who, DEV_ENDOWMENT)).collect(),
			..Default::default()
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|(aura, _)| aura.clone()).collect(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|(_, grandpa)| (grandpa.clone(), 1)).collect(),
			..Default::default()
		},
		sudo: SudoConfig { key: Some(root) },
		micropay: MicropayConfig {
			banks,
			auditors: auditors.into_iter().map(|auditor| (auditor, DEV_AUDITOR_RHO)).collect(),
		},
		..Default::default()
	};
	serde_json::to_value(config).ok()
}

/// Every account with a dev role.
fn dev_accounts() -> Vec<AccountId> {
	let mut accounts = vec![dev_roles::auditor(), dev_roles::bank()];
	accounts.extend(dev_roles::buyers());
	accounts.extend(dev_roles::merchants());
	accounts
}

/// The `development` preset: Alice alone authors and finalizes.
pub fn development_genesis() -> Option<Value> {
	genesis(Roles {
		authorities: vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		endowed: dev_accounts(),
		root: dev_roles::auditor(),
		banks: vec![dev_roles::bank()],
		auditors: vec![dev_roles::auditor()],
	})
}

/// The `local_testnet` preset: Alice, Bob and Charlie author and finalize; Dave and Eve
/// audit from their own nodes; every well-known account is endowed.
pub fn local_testnet_genesis() -> Option<Value> {
	genesis(Roles {
		authorities: local_roles::validators(),
		endowed: Sr25519Keyring::well_known().map(|key| key.to_account_id()).collect(),
		root: Sr25519Keyring::Alice.to_account_id(),
		banks: vec![local_roles::bank()],
		auditors: local_roles::auditors(),
	})
}

/// The JSON of the preset called `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_genesis()?,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis()?,
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// Names of the presets [`get_preset`] knows.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{Grandpa, Runtime};
	use sp_runtime::BuildStorage;

	/// The storage a preset's genesis builds, ready to read.
	fn genesis_state(preset: Value) -> sp_io::TestExternalities {
		let config: RuntimeGenesisConfig =
			serde_json::from_value(preset).expect("a preset is a whole genesis config");
		config.build_storage().expect("the preset's genesis builds").into()
	}

	#[test]
	fn the_local_testnet_has_three_validators_and_two_auditors_that_are_not_validators() {
		genesis_state(local_testnet_genesis().unwrap()).execute_with(|| {
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
			assert_eq!(Grandpa::grandpa_authorities().len(), 3);
			let validators: Vec<AccountId> =
				[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
					.into_iter()
					.map(|key| key.to_account_id())
					.collect();
			for auditor in local_roles::auditors() {
				assert!(!validators.contains(&auditor), "an auditor is a validator");
				let info = pallet_micropay::Auditors::<Runtime>::get(&auditor)
					.expect("the auditor is registered at genesis");
				assert_eq!(info.bond, <Runtime as pallet_micropay::Config>::AuditorBond::get());
			}
			assert!(pallet_micropay::Banks::<Runtime>::contains_key(local_roles::bank()));
			assert!(!validators.contains(&local_roles::bank()));
			for account in local_roles::buyers().into_iter().chain(local_roles::merchants()) {
				assert_eq!(
					frame_system::Pallet::<Runtime>::account(&account).data.free,
					DEV_ENDOWMENT
				);
			}
		});
	}

	#[test]
	fn the_development_chain_keeps_alice_as_its_one_author_and_auditor() {
		genesis_state(development_genesis().unwrap()).execute_with(|| {
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
			assert!(pallet_micropay::Auditors::<Runtime>::contains_key(dev_roles::auditor()));
			assert!(pallet_micropay::Banks::<Runtime>::contains_key(dev_roles::bank()));
		});
	}
}
