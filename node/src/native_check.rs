//! The desk's chain check run as native code, when the chain runs the runtime this node was
//! built with.
//!
//! Each desk decision asks the chain one question (`MicropayApi::desk_check`). As a runtime
//! call it costs a wasm instance made and torn down per request (with the page faults of its
//! fresh memory): under the desk benchmark that was about as much of the node's CPU as the
//! check itself (the sr25519 verification of the purchase). The node links the same runtime
//! crate, so it can run the same function, `pallet_micropay::Pallet::desk_check`, natively
//! over the same state: a read-only view of the block's state (an [`Ext`] over the client's
//! state, whose changes are dropped), the same storage reads, the same host functions.
//!
//! **When.** Only when the chain's runtime code at that block is, byte for byte, the wasm
//! compiled from the source this node was built from: the hash of `:code` equals the hash of
//! [`micropay_runtime::WASM_BINARY`]. After a runtime upgrade (or on a node built without
//! its wasm, `SKIP_WASM_BUILD`) the desk calls the runtime as before, so the check always
//! applies the rules the chain applies. A panic in native code (the runtime has none by
//! design; a wasm trap is an error) is caught and the desk falls back to the runtime call.
//!
//! The desk's check is advisory: `submit_block` checks every purchase again on chain.

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	sync::{Arc, Mutex},
};

use micropay_primitives::desk::ChainCheck;
use micropay_runtime::{AccountId, Runtime};
use pallet_micropay::features::worker::DeskSignedOf;
use sp_core::{storage::well_known_keys::CODE, H256};
use sp_runtime::traits::HashingFor;
use sp_state_machine::{Backend as StateBackend, Ext, OverlayedChanges};

use crate::service::FullClient;

/// Runs the desk's check natively (see the module's documentation).
pub trait NativeDeskCheck: Send + Sync {
	/// The check of `purchase` of `buyer` for `auditor` at block `at`, run natively; `None`
	/// when it may not be (the chain's runtime there is not this node's, its state is gone,
	/// or the native code panicked): the caller then calls the runtime.
	fn desk_check(
		&self,
		at: H256,
		auditor: &AccountId,
		buyer: &AccountId,
		purchase: &DeskSignedOf<Runtime>,
	) -> Option<ChainCheck>;
}

/// Whether code whose hash is `on_chain` may run as the native code whose wasm hashes to
/// `native`: only the same code, and never when either is unknown.
pub fn same_code(native: Option<H256>, on_chain: Option<H256>) -> bool {
	matches!((native, on_chain), (Some(native), Some(on_chain)) if native == on_chain)
}

/// [`NativeDeskCheck`] over the node's client.
pub struct NativeCheck {
	client: Arc<FullClient>,
	/// The hash of the wasm this node's runtime was compiled to, if it was.
	native_code: Option<H256>,
	/// The last block asked about, and whether its runtime is the native one: `:code` is
	/// looked up once per best block, not per request.
	verified: Mutex<Option<(H256, bool)>>,
}

impl NativeCheck {
	/// A native check over `client`, for the runtime compiled into this node.
	pub fn new(client: Arc<FullClient>) -> Self {
		let native_code =
			micropay_runtime::WASM_BINARY.map(|code| H256(sp_io::hashing::blake2_256(code)));
		Self { client, native_code, verified: Mutex::new(None) }
	}

	/// Whether the chain's runtime at `at` is the one compiled into this node.
	fn runs_native_code(&self, at: H256) -> bool {
		let mut verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some((block, same)) = *verified {
			if block == at {
				return same;
			}
		}
		let on_chain =
			self.client.state_at(at).ok().and_then(|state| state.storage_hash(CODE).ok().flatten());
		let same = same_code(self.native_code, on_chain);
		*verified = Some((at, same));
		same
	}
}

impl NativeDeskCheck for NativeCheck {
	fn desk_check(
		&self,
		at: H256,
		auditor: &AccountId,
		buyer: &AccountId,
		purchase: &DeskSignedOf<Runtime>,
	) -> Option<ChainCheck> {
		if !self.runs_native_code(at) {
			return None;
		}
		let state = self.client.state_at(at).ok()?;
		let mut changes =
			OverlayedChanges::<HashingFor<micropay_runtime::opaque::Block>>::default();
		let mut ext = Ext::new(&mut changes, &state, None);
		catch_unwind(AssertUnwindSafe(|| {
			sp_externalities::set_and_run_with_externalities(&mut ext, || {
				pallet_micropay::Pallet::<Runtime>::desk_check(auditor, buyer, purchase.clone())
			})
		}))
		.ok()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_the_same_known_code_runs_natively() {
		let code = Some(H256::repeat_byte(1));
		assert!(same_code(code, code));
		assert!(!same_code(code, Some(H256::repeat_byte(2))), "an upgraded runtime ran natively");
		assert!(!same_code(None, code), "a node without its wasm ran natively");
		assert!(!same_code(code, None), "a chain without code ran natively");
		assert!(!same_code(None, None));
	}
}
