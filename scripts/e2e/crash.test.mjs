// Crash test: purchases the desk accepted, delivered (journal synced) and held (journal
// written, not synced), survive a `kill -9` of the node before their block was submitted, and
// after a restart on the same base path the block is submitted exactly once with every one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { buyAtDesk, purchaseStatus, waitForStatus } from '../lib/desk.mjs';
import { sendAndWaitInBlock, startDevNode, waitForBlock } from '../lib/devnode.mjs';
import { lastTokenBlock, nextBlockSeq } from '../lib/records.mjs';

let basePath;
let node;

before(async () => {
  await cryptoWaitReady();
  basePath = mkdtempSync(path.join(tmpdir(), 'micropay-crash-'));
});

after(async () => {
  await node?.stop();
  rmSync(basePath, { recursive: true, force: true });
});

test('delivered and held purchases survive kill -9 and their block is submitted exactly once', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, eve] = ['//Alice', '//Bob', '//Charlie', '//Eve'].map((uri) => keyring.addFromUri(uri));
  node = await startDevNode({ basePath, logName: 'crash-1.log' });
  let { api } = node;
  const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 5_000;
  const { events } = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(charlie.address, 40, 10n ** 10n, expiresAt), bob);
  const batch = events.find(({ event }) => event.method === 'TokensIssued').event.data.batch.toNumber();
  const tokens = (from, n) => Array.from({ length: n }, (_, i) => ({ batch, index: from + i }));
  const item = (n) => u8aToHex(new Uint8Array(32).fill(n));

  // Two purchases, 10 tokens: under W = 20, so both are delivered (their receipts synced to
  // the journal before the answer).
  const accepted = [];
  for (let i = 0; i < 2; i += 1) {
    const { answer } = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(i), createdAt: i, tokens: tokens(i * 5, 5) });
    assert.equal(answer.decision, 'deliver');
    accepted.push(answer.purchaseId);
  }
  // A third of 10 tokens reaches W: held. The journal has it in its file but did not wait
  // for the disk; a killed process must not lose it.
  const held = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(2), createdAt: 2, tokens: tokens(10, 10) });
  assert.equal(held.answer.decision, 'wait');
  accepted.push(held.answer.purchaseId);

  const killed = await node.stop('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');

  node = await startDevNode({ basePath, logName: 'crash-2.log' });
  ({ api } = node);
  for (const id of accepted.slice(0, 2)) {
    assert.equal((await purchaseStatus(node, id))?.status, 'delivered', `purchase ${id} survived`);
  }
  // (Its block was due at once: a block may have been authored before the kill.)
  assert.ok(['waiting', 'submitted', 'settled'].includes((await purchaseStatus(node, held.answer.purchaseId))?.status), 'the held purchase survived');
  // The desk still knows the tokens, the held purchase's too: reusing one is a double-spend.
  for (const [n, index] of [[9, 4], [8, 12]]) {
    const reuse = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(n), createdAt: n, tokens: tokens(index, 1) });
    // (DoubleSpent at the desk; DoubleSpentOnChain if the block already settled.)
    assert.match(reuse.answer.reason ?? '', /^DoubleSpent/, `token ${index} is known`);
  }

  // The block with all three (20 tokens) is submitted and settled.
  for (const id of accepted) {
    assert.equal((await waitForStatus(node, id, (s) => s.status === 'settled')).status, 'settled');
  }
  const settledAt = (await api.rpc.chain.getHeader()).number.toNumber();
  // A few blocks later the block has still been settled once: sequence 1, three purchases.
  await waitForBlock(api, settledAt + 3);
  assert.equal(await nextBlockSeq(api, alice.address, charlie.address), 1);
  const last = await lastTokenBlock(api, alice.address, charlie.address);
  assert.deepEqual([last.seq.toNumber(), last.purchases.toNumber(), last.valid.toNumber()], [0, 3, 20]);
});
