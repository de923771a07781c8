//! What the benchmarks need from the runtime: buyer accounts whose keys can sign purchases.

use sp_core::{crypto::KeyTypeId, sr25519};

/// Key type of the throwaway buyer keys the benchmarks create in the benchmark keystore.
pub const BENCHMARK_KEY_TYPE: KeyTypeId = KeyTypeId(*b"mpbn");

/// Creates buyers and signs purchases for the benchmarks.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A buyer account, distinct for each `seed`, whose key is in the keystore.
	fn buyer(seed: u32) -> AccountId;
	/// `buyer`'s signature over `message`.
	fn sign(buyer: &AccountId, message: &[u8]) -> Signature;
}

/// [`BenchmarkHelper`] for runtimes whose accounts are sr25519 public keys and whose
/// signatures take sr25519 (`AccountId32` and `MultiSignature`).
pub struct Sr25519Buyers;

impl<AccountId, Signature> BenchmarkHelper<AccountId, Signature> for Sr25519Buyers
where
	AccountId: From<sr25519::Public> + AsRef<[u8]>,
	Signature: From<sr25519::Signature>,
{
	fn buyer(seed: u32) -> AccountId {
		let suri = alloc::format!("//MicropayBenchmarkBuyer{seed}");
		sp_io::crypto::sr25519_generate(BENCHMARK_KEY_TYPE, Some(suri.into_bytes())).into()
	}

	fn sign(buyer: &AccountId, message: &[u8]) -> Signature {
		let mut raw = [0u8; 32];
		raw.copy_from_slice(buyer.as_ref());
		sp_io::crypto::sr25519_sign(BENCHMARK_KEY_TYPE, &sr25519::Public::from_raw(raw), message)
			.expect("the buyer's key was generated in the benchmark keystore")
			.into()
	}
}
