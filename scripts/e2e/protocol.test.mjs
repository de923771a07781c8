// End-to-end, protocol v2 on the dev node (docs/protocol.md): a purchase names its auditor,
// a settled purchase is never paid twice, and a receipt is enforceable from the bond.
// Alice is the genesis auditor (her node's desk and worker run); Auditor2 is registered here
// and has no node: it stands for an auditor whose node went down after promising.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndWaitInBlock, startDevNode, waitForBlock } from '../lib/devnode.mjs';
import { buyAtDesk, buyerExposure, deskExposure } from '../lib/desk.mjs';
import { claimArgs, purchasePayload, receiptPayload, signedPurchase } from '../lib/purchase.mjs';
import { nextBlockSeq } from '../lib/records.mjs';

const UNIT = 10n ** 12n;
const VALUE = UNIT / 10n;
let node;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  node = await startDevNode({ logName: 'protocol.log' });
});

after(async () => {
  await node?.stop();
});

const free = async (address) => (await node.api.query.system.account(address)).data.free.toBigInt();
const eventsOf = (events, method) =>
  events.filter(({ event }) => event.section === 'micropay' && event.method === method).map(({ event }) => event);
const header = async () => (await node.api.rpc.chain.getHeader()).number.toNumber();

test('two auditors: only the named one settles, nothing is paid twice, receipts are paid from the bond once', async () => {
  const { api } = node;
  const [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map(
    (uri) => keyring.addFromUri(uri),
  );
  const auditor2 = keyring.addFromUri('//Auditor2');
  await sendAndWaitInBlock(api, api.tx.balances.transferKeepAlive(auditor2.address, 2_000n * UNIT), alice);
  await sendAndWaitInBlock(api, api.tx.sudo.sudo(api.tx.micropay.registerAuditor(auditor2.address, 20_000_000)), alice);

  const expiresAt = (await header()) + 5_000;
  const issued = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(charlie.address, 20, VALUE, expiresAt), bob);
  const batch = eventsOf(issued.events, 'TokensIssued')[0].data.batch.toNumber();
  const tokens = (from, n) => Array.from({ length: n }, (_, i) => ({ batch, index: from + i }));
  const item = u8aToHex(new Uint8Array(32).fill(3));

  // 1. A purchase Charlie signed for Alice, copied and sent by Auditor2: refused whole.
  const forAlice = signedPurchase(api, charlie, {
    merchant: eve.address, auditor: alice.address, item, createdAt: 1, tokens: tokens(0, 4), prepaid: true,
  });
  const eveBefore = await free(eve.address);
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.submitBlock(charlie.address, 0, [forAlice.purchase]), auditor2),
    /micropay\.WrongAuditor/,
  );
  assert.equal(await free(eve.address), eveBefore);

  // 2. Alice settles it once; sent again as prepaid it is double-sold and not paid again.
  const seq = await nextBlockSeq(api, alice.address, charlie.address);
  await sendAndWaitInBlock(api, api.tx.micropay.submitBlock(charlie.address, seq, [forAlice.purchase]), alice);
  const paidOnce = (4n * VALUE * 98n) / 100n;
  assert.equal((await free(eve.address)) - eveBefore, paidOnce);
  const replay = await sendAndWaitInBlock(
    api, api.tx.micropay.submitBlock(charlie.address, seq + 1, [forAlice.purchase]), alice,
  );
  assert.equal(eventsOf(replay.events, 'PurchaseRejected')[0].data.reason.toString(), 'DoubleSold');
  assert.equal((await free(eve.address)) - eveBefore, paidOnce, 'a settled purchase was paid twice');

  // 3. Alice's desk answers "deliver" with a receipt the chain accepts as hers: claiming it
  //    before its deadline fails on the deadline, not on the signature.
  const daveIssued = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(dave.address, 10, VALUE, expiresAt), bob);
  const daveBatch = eventsOf(daveIssued.events, 'TokensIssued')[0].data.batch.toNumber();
  const bought = await buyAtDesk(node, dave, {
    merchant: ferdie.address, item, createdAt: 2, tokens: [{ batch: daveBatch, index: 0 }, { batch: daveBatch, index: 1 }],
  });
  assert.equal(bought.answer.decision, 'deliver');
  const deskReceipt = bought.answer.receipt;
  assert.equal(deskReceipt.purchaseId, bought.answer.purchaseId);
  assert.equal(BigInt(deskReceipt.amount), (2n * VALUE * 98n) / 100n);
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.claimReceipt(...claimArgs(deskReceipt)), ferdie),
    /micropay\.ReceiptNotDue/,
  );
  const exposure = await deskExposure(node);
  assert.equal(BigInt(exposure.outstanding) >= BigInt(deskReceipt.amount), true);
  // Dave's share of it: this one receipt, amount plus the 10% penalty a claim would cost.
  const daveAtDesk = await buyerExposure(node, dave.address);
  assert.equal(BigInt(daveAtDesk.outstanding), BigInt(deskReceipt.amount) + BigInt(deskReceipt.amount) / 10n);
  assert.deepEqual([daveAtDesk.pending, daveAtDesk.openTokens], [1, 2]);

  // 4. Auditor2 promised Ferdie a purchase and its node never submitted it. After the
  //    deadline Ferdie claims: paid amount + 10% from Auditor2's bond, exactly once.
  const lost = purchasePayload(api, {
    buyer: charlie.address, merchant: ferdie.address, auditor: auditor2.address, item, createdAt: 3, tokens: tokens(10, 5),
  });
  const amount = (5n * VALUE * 98n) / 100n;
  const deadline = (await header()) + 1;
  const terms = { purchaseId: u8aToHex(lost.id), merchant: ferdie.address, auditor: auditor2.address, amount, deadline };
  const receipt = { ...terms, signature: u8aToHex(auditor2.sign(receiptPayload(api, terms))) };
  const forged = { ...terms, signature: u8aToHex(charlie.sign(receiptPayload(api, terms))) };
  await waitForBlock(api, deadline + 1);
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.claimReceipt(...claimArgs(forged)), ferdie),
    /micropay\.BadReceiptSignature/,
  );
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.claimReceipt(...claimArgs(receipt)), eve),
    /micropay\.NotReceiptMerchant/,
  );
  const bondBefore = (await api.query.micropay.auditors(auditor2.address)).unwrap().bond.toBigInt();
  const ferdieBefore = await free(ferdie.address);
  const claimed = await sendAndWaitInBlock(api, api.tx.micropay.claimReceipt(...claimArgs(receipt)), ferdie);
  const [event] = eventsOf(claimed.events, 'ReceiptClaimed');
  assert.equal(event.data.penalty.toBigInt(), amount / 10n);
  const fee = claimed.events
    .filter(({ event: e }) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid')
    .reduce((sum, { event: e }) => sum + e.data.actualFee.toBigInt(), 0n);
  assert.equal((await free(ferdie.address)) - ferdieBefore, amount + amount / 10n - fee);
  const bondAfter = (await api.query.micropay.auditors(auditor2.address)).unwrap().bond.toBigInt();
  assert.equal(bondBefore - bondAfter, amount + amount / 10n);
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.claimReceipt(...claimArgs(receipt)), ferdie),
    /micropay\.PurchaseAlreadySettled/,
  );
});
