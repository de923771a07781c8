// End-to-end: buyers pay merchants through Alice's front desk (node RPC), her offchain
// worker forms and submits the token blocks, and the chain settles them.
//
// Charlie is honest. Dave double-spends twice: once at the desk (caught there, before the
// chain), and once by spending the same tokens through a second auditor before Alice's block
// reaches the chain (caught on chain: Alice still pays the merchant she promised, and Dave's
// block size shrinks while Charlie's does not).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { buyAtDesk, deskRequest, sendToDesk, waitForStatus } from '../lib/desk.mjs';
import { sendAndWaitInBlock, startDevNode } from '../lib/devnode.mjs';
import { purchasePayload, signedPurchase, wrapBytes } from '../lib/purchase.mjs';
import { lastTokenBlock, nextBlockSeq } from '../lib/records.mjs';

const UNIT = 10n ** 12n;
const VALUE = UNIT / 100n; // 0.01 MPY per token
let node;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  node = await startDevNode({ logName: 'desk.log' });
});

after(async () => {
  await node?.stop();
});

const item = (n) => u8aToHex(new Uint8Array(32).fill(n));
const free = async (address) => (await node.api.query.system.account(address)).data.free.toBigInt();
const blockSize = async (auditor, user) =>
  (await node.api.call.micropayApi.trustState(auditor, user)).state.blockSize.toNumber();

async function issue(api, bank, owner, count) {
  const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 5_000;
  const { events } = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(owner, count, VALUE, expiresAt), bank);
  const issued = events.find(({ event }) => event.section === 'micropay' && event.method === 'TokensIssued');
  const batch = issued.event.data.batch.toNumber();
  return (from, n) => Array.from({ length: n }, (_, i) => ({ batch, index: from + i }));
}

test('purchases through the desk: deliver, wait, reject; blocks settle; a cheater shrinks', async () => {
  const { api } = node;
  const [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map(
    (uri) => keyring.addFromUri(uri),
  );
  const auditor2 = keyring.addFromUri('//Auditor2');
  // A second auditor, so Dave can spend the same tokens twice before Alice's block lands.
  await sendAndWaitInBlock(api, api.tx.balances.transferKeepAlive(auditor2.address, 2_000n * UNIT), alice);
  await sendAndWaitInBlock(
    api,
    api.tx.sudo.sudo(api.tx.micropay.registerAuditor(auditor2.address, 20_000_000)),
    alice,
  );
  const charlieTokens = await issue(api, bob, charlie.address, 40);
  const daveTokens = await issue(api, bob, dave.address, 40);
  assert.equal(await blockSize(alice.address, charlie.address), 20);
  const eveBefore = await free(eve.address);

  // Charlie: 5 + 5 + 5 tokens stay under W = 20 (deliver); the purchase reaching 20 waits.
  // The second is signed as browser wallets sign (<Bytes>payload</Bytes>): the desk and the
  // chain take it like the others (all four settle below).
  const charlieBuys = [];
  for (let i = 0; i < 4; i += 1) {
    charlieBuys.push(
      await buyAtDesk(node, charlie, { merchant: eve.address, item: item(i), createdAt: i, tokens: charlieTokens(i * 5, 5), wrapped: i === 1 }),
    );
  }
  assert.deepEqual(charlieBuys.map(({ answer }) => answer.decision), ['deliver', 'deliver', 'deliver', 'wait']);
  assert.ok(charlieBuys.every(({ answer }) => answer.deskMicros > 0));
  // The dev chain runs the runtime compiled into this node, so the desk checks as native code
  // (node/src/native_check.rs) and reached the same verdicts the runtime call would.
  assert.ok(
    charlieBuys.every(({ answer }) => answer.nativeCheck === true),
    `checked by a runtime call: ${JSON.stringify(charlieBuys.map(({ answer }) => answer.nativeCheck))}`,
  );

  // Dave, first cheat: the same token with two merchants at one desk is refused there.
  const daveFirst = await buyAtDesk(node, dave, { merchant: eve.address, item: item(10), createdAt: 10, tokens: daveTokens(0, 5) });
  assert.equal(daveFirst.answer.decision, 'deliver');
  const doubleSpend = await buyAtDesk(node, dave, { merchant: ferdie.address, item: item(11), createdAt: 11, tokens: daveTokens(3, 5) });
  assert.equal(doubleSpend.answer.decision, 'reject');
  assert.equal(doubleSpend.answer.reason, 'DoubleSpent');
  assert.deepEqual(doubleSpend.answer.token, daveTokens(3, 1)[0]);
  const doubleSell = await buyAtDesk(node, dave, { merchant: eve.address, item: item(10), createdAt: 10, tokens: daveTokens(0, 5) });
  assert.equal(doubleSell.answer.decision, 'reject');
  assert.equal(doubleSell.answer.reason, 'DoubleSold');
  const forged = await buyAtDesk(node, dave, { merchant: eve.address, item: item(12), createdAt: 12, tokens: [{ batch: 999_999, index: 0 }] });
  assert.deepEqual([forged.answer.decision, forged.answer.reason], ['reject', 'Unknown']);
  // The wallet form is no loophole: a wrapped signature over another purchase is refused.
  const tampered = deskRequest(api, dave, { merchant: eve.address, item: item(18), createdAt: 18, tokens: daveTokens(30, 1) });
  const other = purchasePayload(api, { buyer: dave.address, merchant: eve.address, item: item(19), createdAt: 18, tokens: daveTokens(30, 1) });
  tampered.request.signature = u8aToHex(dave.sign(wrapBytes(other.payload)));
  const badWrapped = await sendToDesk(node, tampered.request);
  assert.deepEqual([badWrapped.decision, badWrapped.reason], ['reject', 'BadSignature']);

  // Dave, second cheat: tokens 5..9 accepted at Alice's desk (prepaid), then spent through
  // Auditor2 before Alice's block reaches the chain.
  const cheat = await buyAtDesk(node, dave, { merchant: eve.address, item: item(13), createdAt: 13, tokens: daveTokens(5, 5) });
  assert.equal(cheat.answer.decision, 'deliver');
  const elsewhere = signedPurchase(api, dave, { merchant: ferdie.address, auditor: auditor2.address, item: item(14), createdAt: 14, tokens: daveTokens(5, 5), prepaid: false });
  await sendAndWaitInBlock(api, api.tx.micropay.submitBlock(dave.address, 0, [elsewhere.purchase]), auditor2);
  // Dave fills his block to W = 20; the purchase reaching it waits.
  const daveRest = [];
  for (let i = 0; i < 2; i += 1) {
    daveRest.push(
      await buyAtDesk(node, dave, { merchant: eve.address, item: item(15 + i), createdAt: 15 + i, tokens: daveTokens(10 + i * 5, 5) }),
    );
  }
  assert.deepEqual(daveRest.map(({ answer }) => answer.decision), ['deliver', 'wait']);

  // Alice's worker submits both full blocks; the held purchases resolve.
  const held = await waitForStatus(node, charlieBuys[3].answer.purchaseId, (s) => s.status === 'settled' || s.status === 'rejected');
  assert.equal(held.status, 'settled');
  const daveHeld = await waitForStatus(node, daveRest[1].answer.purchaseId, (s) => s.status === 'settled' || s.status === 'rejected');
  assert.equal(daveHeld.status, 'settled');
  for (const { answer } of [...charlieBuys, daveFirst, cheat, daveRest[0]]) {
    const status = await waitForStatus(node, answer.purchaseId, (s) => s.status === 'settled');
    assert.equal(status.status, 'settled');
  }

  // Each block settled exactly once.
  assert.equal(await nextBlockSeq(api, alice.address, charlie.address), 1);
  assert.equal(await nextBlockSeq(api, alice.address, dave.address), 1);
  const daveBlock = await lastTokenBlock(api, alice.address, dave.address);
  assert.equal(daveBlock.invalid.doubleSpentOnChain.toNumber(), 5);
  assert.equal(daveBlock.valid.toNumber(), 15);

  // Trust: the cheater's W shrinks (neutral, beta 5 of 20: 15), the honest buyer's stays.
  assert.equal(await blockSize(alice.address, dave.address), 15);
  assert.equal(await blockSize(alice.address, charlie.address), 20);

  // Money: Eve was paid 98% of every purchase Alice accepted, the cheat included (Alice's
  // promise), for 20 + 20 tokens; Alice's risk is what the cheat cost her.
  const paid = (40n * VALUE * 98n) / 100n;
  assert.equal((await free(eve.address)) - eveBefore, paid);
  const aliceRisk = (await api.call.micropayApi.auditorRisk(alice.address)).toBigInt();
  assert.equal(aliceRisk, paid - 35n * VALUE);
});
