// End-to-end smoke test: a dev node produces blocks, exposes the micropay pallet, and
// includes a signed extrinsic.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndWaitInBlock, startDevNode, waitForBlock } from '../lib/devnode.mjs';

let node;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode({ logName: 'smoke.log' });
});

after(async () => {
  await node?.stop();
});

test('the dev chain produces block #2', async () => {
  const header = await waitForBlock(node.api, 2);
  assert.ok(header.number.toNumber() >= 2);
});

test('the micropay pallet is in the runtime metadata', async () => {
  const metadata = await node.api.rpc.state.getMetadata();
  const pallets = metadata.asLatest.pallets.map((p) => p.name.toString());
  assert.ok(pallets.includes('Micropay'), `pallets: ${pallets.join(', ')}`);
  assert.equal(typeof node.api.tx.micropay.submitBlock, 'function');
  assert.equal(typeof node.api.tx.micropay.issueTokens, 'function');
});

test('chain properties name the MPY token with 12 decimals', async () => {
  const properties = await node.api.rpc.system.properties();
  assert.equal(properties.tokenSymbol.unwrap()[0].toString(), 'MPY');
  assert.equal(properties.tokenDecimals.unwrap()[0].toNumber(), 12);
});

test('a signed transfer is included in a block', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const amount = 1_000_000_000_000n;
  const before = (await node.api.query.system.account(bob.address)).data.free.toBigInt();

  const { blockHash, events } = await sendAndWaitInBlock(
    node.api,
    node.api.tx.balances.transferKeepAlive(bob.address, amount),
    alice,
  );

  const names = events.map(({ event }) => `${event.section}.${event.method}`);
  assert.ok(names.includes('system.ExtrinsicSuccess'), `events: ${names.join(', ')}`);
  assert.ok(names.includes('balances.Transfer'), `events: ${names.join(', ')}`);
  const block = await node.api.rpc.chain.getBlock(blockHash);
  const included = block.block.extrinsics.some(
    (xt) => xt.isSigned && xt.signer.toString() === alice.address && xt.method.section === 'balances',
  );
  assert.ok(included, 'the transfer is among the block extrinsics');
  const after = (await node.api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, amount);
});
