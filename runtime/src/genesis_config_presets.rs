//! Genesis presets: `development` (one authority, `--dev`) and `local_testnet` (two).
//!
//! The well-known dev accounts play fixed roles so a newcomer can issue tokens and pay at
//! once from polkadot.js apps:
//!
//! | account | role |
//! |---|---|
//! | Alice | block author, GRANDPA voter, sudo, and the registered **auditor** |
//! | Bob | registered **bank** |
//! | Charlie, Dave | **buyers** |
//! | Eve, Ferdie | **merchants** |
//!
//! Every one of them is endowed with [`DEV_ENDOWMENT`]; Bob is registered as a bank and
//! Alice as an auditor withholding [`DEV_AUDITOR_RHO`] (her bond is held at genesis).

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

/// Aura and GRANDPA keys of a well-known dev authority.
fn authority_keys(seed: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(seed.public().into(), grandpa.public().into())
}

/// A genesis with the given authorities, endowed accounts and sudo key.
fn genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
) -> Option<Value> {
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
			banks: vec![dev_roles::bank()],
			auditors: vec![(dev_roles::auditor(), DEV_AUDITOR_RHO)],
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
	genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		dev_roles::auditor(),
	)
}

/// The `local_testnet` preset: Alice and Bob author and finalize.
pub fn local_testnet_genesis() -> Option<Value> {
	genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		dev_accounts(),
		dev_roles::auditor(),
	)
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
