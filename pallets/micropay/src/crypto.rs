//! The auditor's key: its own key type (`mpau`) and sr25519 application crypto.
//!
//! The offchain worker signs `submit_block` with, and the front desk serves, the smallest key
//! of this type in the node's keystore whose account is a registered auditor
//! (`micropay_primitives::desk::choose_auditor_key`). On `--dev` the runtime's session keys
//! include it, so `//Alice`'s auditor key is inserted automatically; on other nodes insert it
//! with `micropay-node key insert --key-type mpau --scheme sr25519 --suri <secret>`.

use sp_core::crypto::KeyTypeId;
use sp_runtime::{
	app_crypto::{app_crypto, sr25519},
	MultiSignature, MultiSigner,
};

/// Key type of auditor keys.
pub const AUDITOR_KEY_TYPE: KeyTypeId = KeyTypeId(*b"mpau");

app_crypto!(sr25519, AUDITOR_KEY_TYPE);

/// The auditor key as the offchain worker's signer (`AppCrypto` for `MultiSigner` runtimes).
pub struct AuditorAuthId;

impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for AuditorAuthId {
	type RuntimeAppPublic = Public;
	type GenericSignature = sp_core::sr25519::Signature;
	type GenericPublic = sp_core::sr25519::Public;
}

/// Binds the auditor key type to the runtime's session keys (so `--dev` inserts it).
pub struct AuditorKey;

impl sp_runtime::BoundToRuntimeAppPublic for AuditorKey {
	type Public = Public;
}
