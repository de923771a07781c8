//! Chain specifications built from the runtime's genesis presets.

use micropay_runtime::{TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// The chain specification of this node (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol and decimals, so polkadot.js apps shows amounts in `MPY`.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// A chain spec on the runtime preset `preset`.
fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"The runtime wasm was not built (was SKIP_WASM_BUILD set?); rebuild without it.".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: Alice alone authors and finalizes; the dev accounts have their micropay roles.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Micropay Development",
		"micropay_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice, Bob and Charlie author and finalize; Dave and Eve are auditors on
/// their own nodes (`scripts/testnet.sh` starts all five).
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Micropay Local Testnet",
		"micropay_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
