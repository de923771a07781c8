// End-to-end: the dev genesis roles drive the whole on-chain flow. Bob (bank) issues tokens
// to Charlie (buyer); Charlie signs purchases in JavaScript; Alice (auditor) submits them as a
// token block; Eve (merchant) is paid 98% (rho = 2%) and a replayed purchase is double-sold.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndWaitInBlock, startDevNode } from '../lib/devnode.mjs';
import { signedPurchase } from '../lib/purchase.mjs';
import { nextBlockSeq } from '../lib/records.mjs';

const UNIT = 10n ** 12n;
let node;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  node = await startDevNode({ logName: 'settlement.log' });
});

after(async () => {
  await node?.stop();
});

const free = async (address) => (await node.api.query.system.account(address)).data.free.toBigInt();
const eventsOf = (events, method) =>
  events.filter(({ event }) => event.section === 'micropay' && event.method === method).map(({ event }) => event);

test('genesis registers Bob as a bank and Alice as a bonded auditor', async () => {
  const bob = keyring.addFromUri('//Bob');
  const alice = keyring.addFromUri('//Alice');
  assert.equal((await node.api.query.micropay.banks(bob.address)).unwrap().toString(), 'Active');
  const auditor = (await node.api.query.micropay.auditors(alice.address)).unwrap();
  assert.equal(auditor.rho.toNumber(), 20_000_000); // 2% in parts per billion
  assert.equal(auditor.bond.toBigInt(), 1_000n * UNIT);
});

test('issue, pay through an auditor block, and reject a replay', async () => {
  const { api } = node;
  const [alice, bob, charlie, eve] = ['//Alice', '//Bob', '//Charlie', '//Eve'].map((uri) => keyring.addFromUri(uri));
  const value = UNIT / 10n; // 0.1 MPY per token
  const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 1_000;

  const issued = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(charlie.address, 8, value, expiresAt), bob);
  const [tokensIssued] = eventsOf(issued.events, 'TokensIssued');
  const batch = tokensIssued.data.batch.toNumber();
  const tokens = (from, n) => Array.from({ length: n }, (_, i) => ({ batch, index: from + i }));

  const item = u8aToHex(new Uint8Array(32).fill(1));
  const first = signedPurchase(api, charlie, { merchant: eve.address, item, createdAt: 1, tokens: tokens(0, 3), prepaid: true });
  const second = signedPurchase(api, charlie, { merchant: eve.address, item, createdAt: 2, tokens: tokens(3, 2), prepaid: false });

  const eveBefore = await free(eve.address);
  const seq = await nextBlockSeq(api, alice.address, charlie.address);
  const block = await sendAndWaitInBlock(
    api,
    api.tx.micropay.submitBlock(charlie.address, seq, [first.purchase, second.purchase]),
    alice,
  );
  const settled = eventsOf(block.events, 'PurchaseSettled');
  assert.equal(settled.length, 2);
  assert.deepEqual(settled.map((e) => u8aToHex(e.data.purchase)), [u8aToHex(first.id), u8aToHex(second.id)]);
  const [validated] = eventsOf(block.events, 'TokenBlockValidated');
  const summary = validated.data.summary;
  assert.equal(summary.valid.toNumber(), 5);
  assert.equal(summary.invalid.doubleSold.toNumber(), 0);
  const paid = (5n * value * 98n) / 100n;
  assert.equal(summary.paidOut.toBigInt(), paid);
  assert.equal(summary.risk.toBigInt(), paid - 5n * value);
  assert.equal((await free(eve.address)) - eveBefore, paid);

  // The same signed purchase again, held: double-sold, rejected, nothing paid.
  const replay = { ...first.purchase, prepaid: false };
  const again = await sendAndWaitInBlock(api, api.tx.micropay.submitBlock(charlie.address, seq + 1, [replay]), alice);
  const [rejected] = eventsOf(again.events, 'PurchaseRejected');
  assert.equal(rejected.data.reason.toString(), 'DoubleSold');
  assert.equal((await free(eve.address)) - eveBefore, paid);

  // The runtime API (polkadot.js apps: Developer → Runtime calls → micropayApi) reads it back.
  const status = await api.call.micropayApi.tokenStatus({ batch, index: 0 });
  assert.equal(status.type, 'Spent');
  const unspent = await api.call.micropayApi.tokenStatus({ batch, index: 7 });
  assert.equal(unspent.type, 'Unspent');
  assert.equal((await api.call.micropayApi.tokenStatus({ batch: 999_999, index: 0 })).type, 'Unknown');
  const trust = await api.call.micropayApi.trustState(alice.address, charlie.address);
  assert.equal(trust.state.blocks.toNumber(), 2);
  assert.equal(trust.state.trust.toBigInt(), 818_181_818_181_818_182n); // 18/22, Perquintill
  assert.equal(trust.state.gamma.toNumber(), 3); // the replay's three double-sold tokens
  // Neutral profile, W_0 = 20: trust (20 + 1 − 3)/(20 + 2) = 81.8%; the next block holds 17.
  assert.equal(trust.state.blockSize.toNumber(), 17);
  assert.equal(trust.risk.toBigInt(), paid - 5n * value);
  const auditorRisk = await api.call.micropayApi.auditorRisk(alice.address);
  assert.equal(auditorRisk.toBigInt(), paid - 5n * value);

  // Submitting the same sequence number twice fails with a clear error.
  await assert.rejects(
    sendAndWaitInBlock(api, api.tx.micropay.submitBlock(charlie.address, seq + 1, [second.purchase]), alice),
    /micropay\.WrongBlockSequence/,
  );
});
