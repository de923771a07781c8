//! The node's JSON-RPC methods beyond Substrate's defaults: account nonces and fee queries
//! (used by polkadot.js apps and `@polkadot/api`), and the auditor's front desk
//! (`micropay_submitPurchase`, `micropay_purchaseStatus`).

use std::sync::Arc;

use jsonrpsee::RpcModule;
use micropay_runtime::{opaque::Block, AccountId, Balance, Nonce};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC methods need from the node.
pub struct FullDeps<C, P, S> {
	/// The client, for runtime API calls.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The offchain database the auditor's front desk keeps purchases in (none: no desk).
	pub offchain_storage: Option<S>,
	/// The desk's journal (`crate::desk_journal`), with the offchain database.
	pub desk_journal: Option<Arc<crate::desk_journal::DeskJournal>>,
	/// The keystore holding the auditor key.
	pub keystore: sp_keystore::KeystorePtr,
	/// The desk's chain check as native code (`crate::native_check`), when the node has it.
	pub native_check: Option<Arc<crate::native_check::NativeCheck>>,
}

/// All of the node's extra RPC methods.
pub fn create_full<C, P, S>(
	deps: FullDeps<C, P, S>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: pallet_micropay_runtime_api::MicropayApi<Block, AccountId, micropay_runtime::Signature>,
	P: TransactionPool + 'static,
	S: sp_core::offchain::OffchainStorage + 'static,
{
	use crate::desk::{Desk, DeskApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, offchain_storage, desk_journal, keystore, native_check } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	if let (Some(storage), Some(journal)) = (offchain_storage, desk_journal) {
		module.merge(Desk::new(client, storage, journal, keystore, native_check).into_rpc())?;
	}
	Ok(module)
}
