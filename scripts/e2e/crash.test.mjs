// Crash test: purchases the desk accepted survive a `kill -9` of the node before their block
// was submitted, and after a restart on the same base path the block is submitted exactly
// once with every one of them.
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

test('accepted purchases survive kill -9 and their block is submitted exactly once', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, eve] = ['//Alice', '//Bob', '//Charlie', '//Eve'].map((uri) => keyring.addFromUri(uri));
  node = await startDevNode({ basePath, logName: 'crash-1.log' });
  let { api } = node;
  const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 5_000;
  const { events } = await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(charlie.address, 40, 10n ** 10n, expiresAt), bob);
  const batch = events.find(({ event }) => event.method === 'TokensIssued').event.data.batch.toNumber();
  const tokens = (from, n) => Array.from({ length: n }, (_, i) => ({ batch, index: from + i }));
  const item = (n) => u8aToHex(new Uint8Array(32).fill(n));

  // Two purchases, 10 tokens: under W = 20, so no block is due yet.
  const accepted = [];
  for (let i = 0; i < 2; i += 1) {
    const { answer } = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(i), createdAt: i, tokens: tokens(i * 5, 5) });
    assert.equal(answer.decision, 'deliver');
    accepted.push(answer.purchaseId);
  }
  assert.equal((await api.query.micropay.nextBlockSeq(alice.address, charlie.address)).toNumber(), 0);

  const killed = await node.stop('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');

  node = await startDevNode({ basePath, logName: 'crash-2.log' });
  ({ api } = node);
  for (const id of accepted) {
    assert.equal((await purchaseStatus(node, id))?.status, 'delivered', `purchase ${id} survived`);
  }
  // The desk still knows the tokens: reusing one is a double-spend.
  const reuse = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(9), createdAt: 9, tokens: tokens(4, 1) });
  assert.equal(reuse.answer.reason, 'DoubleSpent');

  // Two more purchases reach W; the worker submits the block with all four.
  for (let i = 2; i < 4; i += 1) {
    const { answer } = await buyAtDesk(node, charlie, { merchant: eve.address, item: item(i), createdAt: i, tokens: tokens(i * 5, 5) });
    accepted.push(answer.purchaseId);
  }
  for (const id of accepted) {
    assert.equal((await waitForStatus(node, id, (s) => s.status === 'settled')).status, 'settled');
  }
  const settledAt = (await api.rpc.chain.getHeader()).number.toNumber();
  // A few blocks later the block has still been settled once: sequence 1, four purchases.
  await waitForBlock(api, settledAt + 3);
  assert.equal((await api.query.micropay.nextBlockSeq(alice.address, charlie.address)).toNumber(), 1);
  const last = (await api.query.micropay.lastTokenBlock(alice.address, charlie.address)).unwrap();
  assert.deepEqual([last.seq.toNumber(), last.purchases.toNumber(), last.valid.toNumber()], [0, 4, 20]);
});
