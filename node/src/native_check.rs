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
//! [`micropay_runtime::WASM_BINARY`]. After a runtime upgrade, on a node built without its
//! wasm (`SKIP_WASM_BUILD`), or one whose runtime calls run other code than `:code`
//! (`--wasm-runtime-overrides`, code substitutes in the chain spec), the desk calls the
//! runtime as before, so the check always applies the rules the chain applies. A panic in
//! native code (the runtime has none by design; a wasm trap is an error; a debug build's
//! overflow checks could) is caught and the desk falls back to the runtime call.
//!
//! The desk's check is advisory: `submit_block` checks every purchase again on chain.

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	sync::{Arc, Mutex},
};

use micropay_primitives::desk::ChainCheck;
use micropay_runtime::{opaque::Block, AccountId, Runtime};
use pallet_micropay::features::worker::DeskSignedOf;
use sp_core::{storage::well_known_keys::CODE, H256};
use sp_runtime::traits::HashingFor;
use sp_state_machine::{Backend as StateBackend, Ext, OverlayedChanges};

use crate::service::FullClient;

/// Whether code whose hash is `on_chain` may run as the native code whose wasm hashes to
/// `native`: only the same code, and never when either is unknown.
pub fn same_code(native: Option<H256>, on_chain: Option<H256>) -> bool {
	matches!((native, on_chain), (Some(native), Some(on_chain)) if native == on_chain)
}

/// The desk's check run natively over the node's client (see the module's documentation).
pub struct NativeCheck {
	client: Arc<FullClient>,
	/// The hash of the wasm this node's runtime was compiled to, if it was.
	native_code: Option<H256>,
	/// The last block asked about, and whether its runtime is the native one: `:code` is
	/// looked up once per best block, not per request.
	verified: Mutex<Option<(H256, bool)>>,
}

impl NativeCheck {
	/// A native check over `client`, for the runtime compiled into this node. Only for a node
	/// whose runtime calls run the chain's `:code` (no `--wasm-runtime-overrides`, no code
	/// substitutes in the chain spec).
	pub fn new(client: Arc<FullClient>) -> Self {
		let native_code =
			micropay_runtime::WASM_BINARY.map(|code| H256(sp_io::hashing::blake2_256(code)));
		Self { client, native_code, verified: Mutex::new(None) }
	}

	/// Whether the chain's runtime at `at`, whose state is `state`, is the one compiled into
	/// this node.
	fn runs_native_code(&self, at: H256, state: &impl StateBackend<HashingFor<Block>>) -> bool {
		let mut verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some((block, same)) = *verified {
			if block == at {
				return same;
			}
		}
		let same = same_code(self.native_code, state.storage_hash(CODE).ok().flatten());
		*verified = Some((at, same));
		same
	}

	/// The check of `purchase` of `buyer` for `auditor` at block `at`, run natively; `None`
	/// when it may not be (the chain's runtime there is not this node's, its state is gone,
	/// or the native code panicked): the caller then calls the runtime.
	pub fn desk_check(
		&self,
		at: H256,
		auditor: &AccountId,
		buyer: &AccountId,
		purchase: &DeskSignedOf<Runtime>,
	) -> Option<ChainCheck> {
		// A node built without its wasm never runs natively, and needs no state to know it.
		self.native_code?;
		let state = self.client.state_at(at).ok()?;
		if !self.runs_native_code(at, &state) {
			return None;
		}
		let mut changes = OverlayedChanges::<HashingFor<Block>>::default();
		let mut ext = Ext::new(&mut changes, &state, None);
		unwinding(|| {
			sp_externalities::set_and_run_with_externalities(&mut ext, || {
				pallet_micropay::Pallet::<Runtime>::desk_check(auditor, buyer, purchase.clone())
			})
		})
	}
}

/// Runs `f`, or `None` if it panicked. The node's panic hook (set by `sc-cli`) ends the
/// process on a panic unless the thread asked to unwind, so `catch_unwind` alone would not
/// keep a panic in native runtime code from taking the node down: the guard asks to unwind
/// while `f` runs, as Substrate's executor does around its own native calls.
pub fn unwinding<R>(f: impl FnOnce() -> R) -> Option<R> {
	let _unwind = sp_panic_handler::AbortGuard::force_unwind();
	catch_unwind(AssertUnwindSafe(f)).ok()
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

	/// Set in the child process of [`a_panic_in_native_code_is_a_fallback_not_the_end_of_the_node`].
	const PANIC_CHILD: &str = "MICROPAY_NATIVE_PANIC_CHILD";

	#[test]
	fn a_panic_in_native_code_is_a_fallback_not_the_end_of_the_node() {
		if std::env::var_os(PANIC_CHILD).is_some() {
			// The hook the node runs with (`sc-cli` sets it): a panic on a thread that did not
			// ask to unwind ends the process. It is global, so it is set only in this child.
			sp_panic_handler::set("https://example.invalid", "test");
			assert_eq!(unwinding(|| -> u32 { panic!("native code panicked") }), None);
			assert_eq!(unwinding(|| 7u32), Some(7));
			return;
		}
		let name =
			"native_check::tests::a_panic_in_native_code_is_a_fallback_not_the_end_of_the_node";
		let child = std::process::Command::new(std::env::current_exe().expect("the test binary"))
			.args([name, "--exact", "--nocapture", "--test-threads=1"])
			.env(PANIC_CHILD, "1")
			.output()
			.expect("the test binary runs");
		assert!(
			child.status.success() && String::from_utf8_lossy(&child.stdout).contains("1 passed"),
			"a panic in native code ended the process: {}\n{}",
			child.status,
			String::from_utf8_lossy(&child.stderr)
				.lines()
				.find(|line| line.contains("panicked"))
				.unwrap_or_default(),
		);
	}
}
