//! A mock runtime (system, balances, micropay) with real sr25519 buyer keys.

use crate::{
	self as pallet_micropay, BatchId, BlockPurchase, BuyerRecords, GammaMode, NextBatchId,
	Recovery, TokenBlock, TokenBlockOf, TokenBlockSummary, TokenId, UserTrust,
};
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Hooks},
	weights::Weight,
	BoundedVec,
};
use micropay_primitives::purchase::SignedPurchase;
use sp_core::{sr25519, Pair};
use sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage, MultiSignature, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
/// Balances in the mock.
pub type Balance = u128;
/// Accounts in the mock.
pub type AccountId = AccountId32;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Micropay = pallet_micropay;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Priced like the runtime, so weights that add database accesses can be tested.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The bond an auditor puts up.
pub const BOND: Balance = 1_000;
/// Blocks a retiring auditor keeps its bond (covers the desk horizon and the claim window).
pub const RETIREMENT: u64 = 40;
/// Withholding of the genesis auditor: 10%.
pub const RHO_PERCENT: u32 = 10;

parameter_types! {
	/// Raised by tests of payouts an account cannot receive.
	pub static ExistentialDeposit: Balance = 1;
	pub const MaxBlockTokens: u32 = 64;
	pub const MaxPurchasesPerBlock: u32 = 16;
	pub const MaxTokensPerPurchase: u32 = 16;
	pub static TrustGamma: GammaMode = GammaMode::Cumulative;
	pub static TrustRecovery: Recovery = Recovery::Off;
	pub const ReceiptPenalty: Perbill = Perbill::from_percent(10);
	/// Zero but in the test of buyer records, so other tests' balances stay round.
	pub static BuyerRecordDeposit: Balance = 0;
}

/// Blocks after a receipt's deadline during which it may be claimed.
pub const CLAIM_WINDOW: u64 = 20;

impl pallet_micropay::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type BuyerSignature = MultiSignature;
	type MaxBlockTokens = MaxBlockTokens;
	type MinBlockTokens = ConstU32<1>;
	type DefaultBlockTokens = MaxBlockTokens;
	type TrustGamma = TrustGamma;
	type TrustRecovery = TrustRecovery;
	type MaxPurchasesPerBlock = MaxPurchasesPerBlock;
	type MaxBlocksPerCall = ConstU32<8>;
	type MaxPurchasesPerCall = ConstU32<32>;
	type MaxTokensPerPurchase = MaxTokensPerPurchase;
	type MaxBatchTokens = ConstU32<1024>;
	type MaxTokenLifetime = ConstU64<1_000>;
	type AuditorBond = ConstU128<BOND>;
	type AuditorRetirementPeriod = ConstU64<RETIREMENT>;
	type ReceiptPenalty = ReceiptPenalty;
	type ReceiptClaimWindow = ConstU64<CLAIM_WINDOW>;
	type BuyerRecordDeposit = BuyerRecordDeposit;
	type MaxPrunePerBlock = ConstU32<8>;
	type AuthorityId = crate::crypto::AuditorAuthId;
	type DeskMaxBlockAge = ConstU32<DESK_MAX_AGE>;
	type DeskResubmitAfter = ConstU32<DESK_RESUBMIT_AFTER>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::Sr25519Buyers;
}

/// Blocks after which the worker submits a non-full open block.
pub const DESK_MAX_AGE: u32 = 5;
/// Blocks after which the worker sends an unsettled block again.
pub const DESK_RESUBMIT_AFTER: u32 = 3;

/// The mock's signed transactions, as the offchain worker creates them.
pub type MockExtrinsic =
	sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, MultiSignature, ()>;

impl frame_system::offchain::SigningTypes for Test {
	type Public = sp_runtime::MultiSigner;
	type Signature = MultiSignature;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = MockExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<
		C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		_nonce: u32,
	) -> Option<MockExtrinsic> {
		let signature = C::sign(&call.encode(), public)?;
		Some(MockExtrinsic::new_signed(call, account, signature, ()))
	}
}

/// A dev key pair from a derivation path such as `//Buyer`.
pub fn pair(path: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(path, None).expect("static derivation paths are valid")
}

/// The account of a key pair.
pub fn account_of(pair: &sr25519::Pair) -> AccountId {
	AccountId32::from(pair.public())
}

/// The account of a derivation path.
pub fn account(path: &str) -> AccountId {
	account_of(&pair(path))
}

/// The genesis bank.
pub fn bank() -> AccountId {
	account("//Bank")
}
/// The genesis auditor.
pub fn auditor() -> AccountId {
	account("//Auditor")
}
/// The main buyer (its key signs purchases).
pub fn buyer_pair() -> sr25519::Pair {
	pair("//Buyer")
}
/// The main buyer's account.
pub fn buyer() -> AccountId {
	account_of(&buyer_pair())
}
/// The sequence number `buyer`'s next token block with `auditor` must carry.
pub fn next_seq_of(auditor: &AccountId, buyer: &AccountId) -> u32 {
	Micropay::buyer_record(auditor, buyer).next_seq
}
/// The outcome of `buyer`'s last token block with `auditor`, if a record keeps one.
pub fn last_token_block(
	auditor: &AccountId,
	buyer: &AccountId,
) -> Option<TokenBlockSummary<Balance>> {
	BuyerRecords::<Test>::get(auditor, buyer).and_then(|record| record.last)
}
/// The trust record `auditor` keeps of `buyer`, if it keeps one.
pub fn stored_trust(auditor: &AccountId, buyer: &AccountId) -> Option<UserTrust> {
	BuyerRecords::<Test>::get(auditor, buyer).map(|record| record.trust)
}
/// A second buyer.
pub fn other_buyer_pair() -> sr25519::Pair {
	pair("//OtherBuyer")
}
/// A merchant.
pub fn merchant() -> AccountId {
	account("//Merchant")
}
/// Another merchant.
pub fn other_merchant() -> AccountId {
	account("//OtherMerchant")
}

/// Initial balances.
pub const BANK_FUNDS: Balance = 1_000_000;
/// The auditor's initial balance (its bond is held from it).
pub const AUDITOR_FUNDS: Balance = 100_000;
/// Initial balance of buyers and merchants.
pub const PARTY_FUNDS: Balance = 1_000;

/// Test externalities: a bank and an auditor (rho = 10%) registered, everyone funded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(bank(), BANK_FUNDS),
			(auditor(), AUDITOR_FUNDS),
			(buyer(), PARTY_FUNDS),
			(account_of(&other_buyer_pair()), PARTY_FUNDS),
			(merchant(), PARTY_FUNDS),
			(other_merchant(), PARTY_FUNDS),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_micropay::GenesisConfig::<Test> {
		banks: vec![bank()],
		auditors: vec![(auditor(), Perbill::from_percent(RHO_PERCENT))],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// Benchmarks generate buyer keys in it; the offchain worker finds the auditor key in it.
	let keystore = sp_keystore::testing::MemoryKeystore::new();
	sp_keystore::Keystore::sr25519_generate_new(
		&keystore,
		crate::crypto::AUDITOR_KEY_TYPE,
		Some("//Auditor"),
	)
	.expect("the memory keystore generates keys");
	ext.register_extension(sp_keystore::KeystoreExt::new(keystore));
	ext.execute_with(|| {
		// What a runtime's genesis does after the pallets' own builds: stores each pallet's
		// storage version.
		<AllPalletsWithSystem as frame_support::traits::OnGenesis>::on_genesis();
		System::set_block_number(1);
	});
	ext
}

/// Like [`new_test_ext`], with offchain storage and a transaction pool for the worker; the
/// function returned lists the transactions sent to the pool so far.
pub fn new_offchain_test_ext() -> (sp_io::TestExternalities, impl Fn() -> Vec<MockExtrinsic>) {
	use sp_core::offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt};
	let mut ext = new_test_ext();
	let (offchain, _) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	let sent = move || {
		pool_state
			.read()
			.transactions
			.iter()
			.map(|bytes| {
				codec::Decode::decode(&mut &bytes[..]).expect("the worker sends mock extrinsics")
			})
			.collect()
	};
	(ext, sent)
}

/// Runs `test` on fresh externalities, then checks the pallet's invariants and that the
/// total issuance did not change (the pallet moves funds, it never mints or burns).
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		test();
		Micropay::do_try_state().expect("micropay invariants hold");
		assert_eq!(Balances::total_issuance(), issuance, "total issuance changed");
	});
}

/// Registers `who` as an auditor (rho = 10%), funded by the bank (no new money: the tests
/// check the total issuance).
pub fn register_funded_auditor(who: &AccountId) {
	use frame_support::traits::{fungible::Mutate, tokens::Preservation};
	frame_support::assert_ok!(<Balances as Mutate<_>>::transfer(
		&bank(),
		who,
		10 * BOND,
		Preservation::Preserve
	));
	frame_support::assert_ok!(Micropay::register_auditor(
		RuntimeOrigin::root(),
		who.clone(),
		Perbill::from_percent(RHO_PERCENT)
	));
}

/// Sets the main buyer's block size `W` with the genesis auditor (neutral profile).
pub fn set_block_size(w: u32) {
	frame_support::assert_ok!(Micropay::set_trust_profile(
		RuntimeOrigin::signed(auditor()),
		buyer(),
		crate::TrustProfile::Neutral,
		w
	));
}

/// Issues a batch from the genesis bank to `owner` and returns its id.
pub fn issue(owner: &AccountId, count: u32, value: Balance, expires_at: u64) -> BatchId {
	let id = NextBatchId::<Test>::get();
	frame_support::assert_ok!(Micropay::issue_tokens(
		RuntimeOrigin::signed(bank()),
		owner.clone(),
		count,
		value,
		expires_at
	));
	id
}

/// A second bank, funded by the genesis bank and registered; issues `count` tokens of `value`
/// to `owner`, expiring at `expires_at`. Returns the bank and the batch.
pub fn second_bank_issuing(
	owner: &AccountId,
	count: u32,
	value: Balance,
	expires_at: u64,
) -> (AccountId, BatchId) {
	use frame_support::traits::{fungible::Mutate, tokens::Preservation};
	let second = account("//SecondBank");
	frame_support::assert_ok!(<Balances as Mutate<_>>::transfer(
		&bank(),
		&second,
		10_000,
		Preservation::Preserve
	));
	frame_support::assert_ok!(Micropay::register_bank(RuntimeOrigin::root(), second.clone()));
	let batch = NextBatchId::<Test>::get();
	frame_support::assert_ok!(Micropay::issue_tokens(
		RuntimeOrigin::signed(second.clone()),
		owner.clone(),
		count,
		value,
		expires_at
	));
	(second, batch)
}

/// Token ids `first .. first + n` of `batch`.
pub fn tokens(batch: BatchId, first: u32, n: u32) -> Vec<TokenId> {
	(first..first + n).map(|index| TokenId::new(batch, index)).collect()
}

/// A block purchase of `tokens` for the genesis auditor, signed by `signer` for the current
/// chain.
pub fn purchase(
	signer: &sr25519::Pair,
	merchant: &AccountId,
	tokens: Vec<TokenId>,
	prepaid: bool,
) -> TestPurchase {
	purchase_at(signer, merchant, tokens, prepaid, 1_700_000_000_000)
}

/// Like [`purchase`], with an explicit creation time (to make distinct purchases).
pub fn purchase_at(
	signer: &sr25519::Pair,
	merchant: &AccountId,
	tokens: Vec<TokenId>,
	prepaid: bool,
	created_at: u64,
) -> TestPurchase {
	let genesis = System::block_hash(0);
	sign_purchase(signer, merchant, &auditor(), tokens, prepaid, created_at, genesis.as_ref())
}

/// A held purchase of the main buyer to the main merchant paying with token `index` of
/// `batch`, created at `created_at` (distinct times make distinct purchases).
pub fn one_token_purchase(batch: BatchId, index: u32, created_at: u64) -> TestPurchase {
	purchase_at(&buyer_pair(), &merchant(), tokens(batch, index, 1), false, created_at)
}

/// `user`'s token block `seq` of `purchases`.
pub fn token_block(user: &AccountId, seq: u32, purchases: Vec<TestPurchase>) -> TokenBlockOf<Test> {
	TokenBlock { buyer: user.clone(), seq, purchases: submitted(purchases) }
}

/// A purchase for `auditor`, signed by `signer` for the chain whose genesis hash is `genesis`.
pub fn sign_purchase(
	signer: &sr25519::Pair,
	merchant: &AccountId,
	auditor: &AccountId,
	tokens: Vec<TokenId>,
	prepaid: bool,
	created_at: u64,
	genesis: &[u8],
) -> TestPurchase {
	let tokens: BoundedVec<TokenId, MaxTokensPerPurchase> =
		tokens.try_into().expect("tests stay within MaxTokensPerPurchase");
	let mut genesis_hash = [0u8; 32];
	genesis_hash.copy_from_slice(genesis);
	let mut signed = SignedPurchase {
		merchant: merchant.clone(),
		auditor: auditor.clone(),
		item: [7u8; 32],
		created_at,
		tokens,
		signature: MultiSignature::Sr25519(sr25519::Signature::from_raw([0; 64])),
	};
	let payload = signed.signing_payload(&sp_core::H256(genesis_hash), &account_of(signer));
	signed.signature = MultiSignature::Sr25519(signer.sign(&payload));
	BlockPurchase { purchase: signed, prepaid }
}

/// Advances to block `n`, running `on_idle` with unlimited weight on the way.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Micropay::on_idle(next, Weight::MAX);
	}
}

/// The micropay events emitted so far.
pub fn micropay_events() -> Vec<pallet_micropay::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Micropay(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// A block purchase in the mock, its tokens as ids.
pub type TestPurchase =
	BlockPurchase<AccountId, MultiSignature, BoundedVec<TokenId, MaxTokensPerPurchase>>;

/// `purchases` as `submit_block` takes them: their tokens as runs.
pub fn submitted(purchases: Vec<TestPurchase>) -> pallet_micropay::SubmittedPurchases<Test> {
	purchases
		.into_iter()
		.map(TestPurchase::with_runs)
		.collect::<Vec<_>>()
		.try_into()
		.expect("tests stay within MaxPurchasesPerBlock")
}

/// The id of a block purchase of the main buyer.
pub fn purchase_id_of(purchase: &TestPurchase) -> [u8; 32] {
	Micropay::purchase_payload(&buyer(), &purchase.purchase).1
}

/// Submits `purchases` as block `seq` of the main buyer, from the genesis auditor.
pub fn submit(
	seq: u32,
	purchases: Vec<TestPurchase>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Micropay::submit_block(RuntimeOrigin::signed(auditor()), buyer(), seq, submitted(purchases))
}

/// Submits `purchases` as block `seq` of `user`, from the genesis auditor.
pub fn submit_for(
	user: &AccountId,
	seq: u32,
	purchases: Vec<TestPurchase>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Micropay::submit_block(
		RuntimeOrigin::signed(auditor()),
		user.clone(),
		seq,
		submitted(purchases),
	)
}
