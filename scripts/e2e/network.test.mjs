// End-to-end on a real network (scripts/lib/testnet.mjs): three validators (Alice, Bob,
// Charlie) and two auditor full nodes (Dave, Eve) on loopback, from the exported raw `local`
// chain spec, with faults: a validator killed and restarted, an auditor node killed after
// promising and restarted, a buyer double-spending across the two auditors. At the end every
// node agrees on the finalized chain, and each node's CPU time and peak memory is printed.
//
// GRANDPA finalizes with more than 2/3 of the voters: three validators tolerate no fault
// for finality (3f + 1 voters tolerate f). With one of three down, the other two keep
// producing blocks (Aura) and finality waits for the third; this test asserts exactly that
// (the blocks made while it is down are not finalized until it is back), and that finality
// resumes and the restarted validator catches up.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { repoRoot, sendAndWaitInBlock, waitForBlock } from '../lib/devnode.mjs';
import { buyAtDesk, purchaseStatus, waitForStatus } from '../lib/desk.mjs';
import { startTestnet, waitForPeers } from '../lib/testnet.mjs';

const UNIT = 10n ** 12n;
const VALUE = UNIT / 10n;
/** What a merchant is paid for one token at a 2% withholding. */
const PAID_PER_TOKEN = (VALUE * 98n) / 100n;

let network;
let dir;
let keyring;
let pairs;
/** Batch of each buyer (by name), and the next unused token index in it. */
const wallets = {};

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  pairs = Object.fromEntries(
    ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].flatMap((name) => [
      [name.toLowerCase(), keyring.addFromUri(`//${name}`)],
      [`${name.toLowerCase()}Stash`, keyring.addFromUri(`//${name}//stash`)],
    ]),
  );
  dir = mkdtempSync(path.join(os.tmpdir(), 'micropay-network-'));
  network = await startTestnet({ dir, logDir: path.join(repoRoot, 'scripts', '.e2e-logs', 'network') });
  await waitForPeers(network, 4);
});

after(async () => {
  if (network) {
    console.log('node      role       starts  CPU s  peak RSS MiB');
    for (const node of network.all()) {
      const { cpuSeconds, peakMiB, starts } = node.usage();
      console.log(
        `${node.name.padEnd(9)} ${node.role.padEnd(10)} ${String(starts).padStart(6)} ${cpuSeconds.toFixed(1).padStart(6)} ${peakMiB.toFixed(0).padStart(13)}`,
      );
    }
    await network.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = () => network.nodes.alice.api;
const free = async (address) => (await api().query.system.account(address)).data.free.toBigInt();
const eventsOf = (events, method) =>
  events.filter(({ event }) => event.section === 'micropay' && event.method === method).map(({ event }) => event);
const item = u8aToHex(new Uint8Array(32).fill(9));
let createdAt = 1;

/** The next `n` unused tokens of buyer `name`. */
function take(name, n) {
  const wallet = wallets[name];
  const tokens = Array.from({ length: n }, (_, i) => ({ batch: wallet.batch, index: wallet.next + i }));
  wallet.next += n;
  return tokens;
}

/** `buyer` buys `tokens` from `merchant` at `auditor`'s desk; resolves with the id and answer. */
async function buy(auditor, buyer, merchant, tokens) {
  const { id, answer } = await buyAtDesk(network.nodes[auditor], pairs[buyer], {
    merchant: pairs[merchant].address,
    auditor: pairs[auditor].address,
    item,
    createdAt: createdAt++,
    tokens,
  });
  return { id, answer, auditor, merchant, tokens: tokens.length };
}

/** The validator (by name) that authored block `hash`: Aura's slot modulo its authorities. */
async function authorOf(hash) {
  const header = await api().rpc.chain.getHeader(hash);
  const aura = header.digest.logs.find((log) => log.isPreRuntime && log.asPreRuntime[0].isAura);
  const slot = api().createType('u64', aura.asPreRuntime[1].toU8a(true)).toBigInt();
  const authorities = await (await api().at(hash)).query.aura.authorities();
  const key = u8aToHex(authorities[Number(slot % BigInt(authorities.length))].toU8a());
  return Object.keys(pairs).find((name) => u8aToHex(pairs[name].publicKey) === key) ?? key;
}

/** Hash of the block, from block `from` on, whose events settle purchase `id`. */
async function settlementBlock(id, from) {
  const best = (await api().rpc.chain.getHeader()).number.toNumber();
  for (let n = best; n >= from; n--) {
    const hash = await api().rpc.chain.getBlockHash(n);
    const events = await (await api().at(hash)).query.system.events();
    if (eventsOf(events, 'PurchaseSettled').some((event) => event.data.purchase.toHex() === id)) return hash;
  }
  throw new Error(`purchase ${id} is settled in no block from #${from}`);
}

const settled = (purchase) =>
  waitForStatus(network.nodes[purchase.auditor], purchase.id, (s) => s.status === 'settled' || s.status === 'rejected', {
    timeoutMs: 180_000,
  });

test('the network forms: every node sees the other four, blocks are authored and finalized', async () => {
  const start = (await api().rpc.chain.getHeader()).number.toNumber();
  await waitForBlock(api(), start + 2, { finalized: true, timeoutMs: 120_000 });
  // The bank (Ferdie) issues a batch to each buyer, in one chain block.
  const bank = pairs.ferdie;
  const expiresAt = start + 5_000;
  const nonce = (await api().rpc.system.accountNextIndex(bank.address)).toNumber();
  const buyers = ['aliceStash', 'bobStash', 'charlieStash'];
  const results = await Promise.all(
    buyers.map((buyer, i) =>
      sendAndWaitInBlock(api(), api().tx.micropay.issueTokens(pairs[buyer].address, 500, VALUE, expiresAt), bank, {
        nonce: nonce + i,
      }),
    ),
  );
  // The desks check purchases at their own node's best block: wait until both have the batches.
  const issuedIn = Math.max(
    ...(await Promise.all(results.map(async ({ blockHash }) => (await api().rpc.chain.getHeader(blockHash)).number.toNumber()))),
  );
  await Promise.all(['dave', 'eve'].map((auditor) => waitForBlock(network.nodes[auditor].api, issuedIn)));
  for (const [i, buyer] of buyers.entries()) {
    const [issued] = eventsOf(results[i].events, 'TokensIssued').filter(
      (event) => event.data.owner.toString() === pairs[buyer].address,
    );
    wallets[buyer] = { batch: issued.data.batch.toNumber(), next: 0 };
  }
});

test('purchases from several buyers through both auditors settle on chain, in blocks of different validators', async () => {
  const merchants = ['daveStash', 'eveStash', 'ferdieStash'];
  const before = Object.fromEntries(await Promise.all(merchants.map(async (m) => [m, await free(pairs[m].address)])));
  const purchases = [];
  const from = (await api().rpc.chain.getHeader()).number.toNumber();
  /** Each buyer buys 10 tokens (below W = 20: delivered with a receipt), then 10 more that
   *  reach W (held: the auditor's worker forms the token block at once); all settle. */
  const round = async (auditor) => {
    const mine = [];
    for (const [i, buyer] of ['aliceStash', 'bobStash', 'charlieStash'].entries()) {
      const first = await buy(auditor, buyer, merchants[i], take(buyer, 10));
      assert.equal(first.answer.decision, 'deliver', JSON.stringify(first.answer));
      assert.equal(first.answer.receipt.auditor, pairs[auditor].address);
      const second = await buy(auditor, buyer, merchants[i], take(buyer, 10));
      assert.equal(second.answer.decision, 'wait', JSON.stringify(second.answer));
      mine.push(first, second);
    }
    const outcomes = await Promise.all(mine.map(settled));
    assert.deepEqual(outcomes.map((o) => o.status), mine.map(() => 'settled'));
    purchases.push(...mine);
    return authorOf(await settlementBlock(mine[0].id, from));
  };
  const daveAuthor = await round('dave');
  let eveAuthor = await round('eve');
  // Which validator includes a transaction is decided by the slot it arrives in. Eve's next
  // token block goes in a block later until one lands with another validator than Dave's
  // (each attempt moves a slot), which shows both auditors' blocks reach every validator.
  for (let attempt = 0; eveAuthor === daveAuthor && attempt < 4; attempt++) {
    const now = (await api().rpc.chain.getHeader()).number.toNumber();
    await waitForBlock(api(), now + 1 + attempt);
    const held = await buy('eve', 'aliceStash', merchants[0], take('aliceStash', 20));
    assert.equal(held.answer.decision, 'wait');
    assert.equal((await settled(held)).status, 'settled');
    purchases.push(held);
    eveAuthor = await authorOf(await settlementBlock(held.id, from));
  }
  console.log(`token blocks: Dave's in a block of ${daveAuthor}, Eve's in a block of ${eveAuthor}`);
  assert.notEqual(eveAuthor, daveAuthor);
  for (const merchant of merchants) {
    const due = purchases.filter((p) => p.merchant === merchant).reduce((sum, p) => sum + BigInt(p.tokens) * PAID_PER_TOKEN, 0n);
    assert.equal((await free(pairs[merchant].address)) - before[merchant], due, `${merchant} paid`);
  }
});

test('a validator killed: the other two keep producing blocks; restarted, it catches up and finality resumes', async () => {
  const { alice, charlie } = network.nodes;
  const finalizedAtKill = (await alice.api.rpc.chain.getHeader(await alice.api.rpc.chain.getFinalizedHead())).number.toNumber();
  const bestAtKill = (await alice.api.rpc.chain.getHeader()).number.toNumber();
  await charlie.kill('SIGKILL');
  // Two of three slots still have their author: 3 more blocks take about 27 s.
  await waitForBlock(alice.api, bestAtKill + 3, { timeoutMs: 90_000 });
  const finalizedWhileDown = (await alice.api.rpc.chain.getHeader(await alice.api.rpc.chain.getFinalizedHead())).number.toNumber();
  console.log(`validator down: best ${bestAtKill} -> ${bestAtKill + 3}, finalized ${finalizedAtKill} -> ${finalizedWhileDown} (2 of 3 voters: below GRANDPA's threshold)`);
  assert.ok(finalizedWhileDown < bestAtKill + 3, 'two of three GRANDPA voters finalized');
  await charlie.restart();
  const best = (await alice.api.rpc.chain.getHeader()).number.toNumber();
  await waitForBlock(charlie.api, best, { timeoutMs: 120_000 });
  // Finality passes the blocks made while Charlie was down, on every node.
  for (const node of network.all()) {
    await waitForBlock(node.api, bestAtKill + 3, { finalized: true, timeoutMs: 120_000 });
  }
});

test('an auditor node killed after promising and restarted: every accepted purchase settles exactly once', async () => {
  const { dave } = network.nodes;
  const merchant = pairs.daveStash.address;
  const merchantBefore = await free(merchant);
  const first = await buy('dave', 'charlieStash', 'daveStash', take('charlieStash', 5));
  const second = await buy('dave', 'charlieStash', 'daveStash', take('charlieStash', 5));
  assert.deepEqual([first.answer.decision, second.answer.decision], ['deliver', 'deliver']);
  await dave.kill('SIGKILL');
  await dave.restart();
  // The promises survived the crash: in the offchain database, or put back from the desk's
  // journal if the database had not written them yet (node/src/desk_journal.rs).
  const putBack = readFileSync(dave.current.logFile, 'utf8').match(/Desk journal .*: (\d+) purchase\(s\) put back/g) ?? [];
  console.log(`dave restarted: ${putBack[putBack.length - 1] ?? 'no journal line'}`);
  for (const purchase of [first, second]) {
    const status = await purchaseStatus(dave, purchase.id);
    assert.equal(status?.status, 'delivered', `promise ${purchase.id} after the restart: ${JSON.stringify(status)}`);
  }
  const third = await buy('dave', 'charlieStash', 'daveStash', take('charlieStash', 10));
  assert.equal(third.answer.decision, 'wait');
  const outcomes = await Promise.all([first, second, third].map(settled));
  assert.deepEqual(outcomes.map((o) => o.status), ['settled', 'settled', 'settled']);
  assert.equal((await free(merchant)) - merchantBefore, 20n * PAID_PER_TOKEN, 'paid exactly once');
  // And nothing more arrives later: two more chain blocks, same balance.
  const now = (await api().rpc.chain.getHeader()).number.toNumber();
  await waitForBlock(api(), now + 2);
  assert.equal((await free(merchant)) - merchantBefore, 20n * PAID_PER_TOKEN, 'paid again after a restart');
});

test('a buyer spends the same tokens at both auditors: one settles, the other reports it, trust moves there only', async () => {
  const buyer = pairs.bobStash.address;
  const merchant = pairs.eveStash.address;
  const trust = async (auditor) => {
    const record = await api().call.micropayApi.trustState(pairs[auditor].address, buyer);
    return { blockSize: record.state.blockSize.toNumber(), risk: record.risk.toBigInt() };
  };
  const daveTrustBefore = await trust('dave');
  const eveTrustBefore = await trust('eve');
  const merchantBefore = await free(merchant);
  const spent = take('bobStash', 5);
  // Eve promises 5 tokens (delivered, with her receipt); Dave gets the same 5 in a purchase
  // that reaches W, so his token block goes first and settles.
  const atEve = await buy('eve', 'bobStash', 'eveStash', spent);
  assert.equal(atEve.answer.decision, 'deliver');
  assert.ok(atEve.answer.receipt, 'a delivered purchase carries a receipt');
  const atDave = await buy('dave', 'bobStash', 'eveStash', [...spent, ...take('bobStash', 15)]);
  assert.equal(atDave.answer.decision, 'wait');
  assert.equal((await settled(atDave)).status, 'settled');
  // Eve's desk now refuses the spent tokens; a fresh purchase closes her token block.
  const closing = await buy('eve', 'bobStash', 'eveStash', take('bobStash', 15));
  assert.equal(closing.answer.decision, 'wait');
  const outcomes = await Promise.all([atEve, closing].map(settled));
  // The promise is kept: Eve pays the merchant for the double-spent purchase she promised.
  assert.deepEqual(outcomes.map((o) => o.status), ['settled', 'settled']);
  assert.equal((await free(merchant)) - merchantBefore, (20n + 5n + 15n) * PAID_PER_TOKEN);
  const daveTrust = await trust('dave');
  const eveTrust = await trust('eve');
  assert.equal(daveTrust.blockSize, daveTrustBefore.blockSize, "Dave's W moved");
  assert.ok(eveTrust.blockSize < eveTrustBefore.blockSize, `Eve's W ${eveTrustBefore.blockSize} -> ${eveTrust.blockSize}`);
  assert.ok(eveTrust.risk > eveTrustBefore.risk, "the buyer's risk at Eve did not rise");
  assert.ok(daveTrust.risk <= daveTrustBefore.risk, "the buyer's risk at Dave rose");
});

test('every node agrees on the finalized chain and the balances, and no purchase was settled twice', async () => {
  const target = (await api().rpc.chain.getHeader()).number.toNumber();
  const views = await Promise.all(
    network.all().map(async (node) => {
      await waitForBlock(node.api, target, { finalized: true, timeoutMs: 120_000 });
      const hash = await node.api.rpc.chain.getBlockHash(target);
      const at = await node.api.at(hash);
      const balances = await Promise.all(
        ['daveStash', 'eveStash', 'ferdieStash', 'dave', 'eve'].map(async (m) => (await at.query.system.account(pairs[m].address)).data.free.toString()),
      );
      return { node: node.name, hash: hash.toHex(), balances };
    }),
  );
  for (const view of views.slice(1)) {
    assert.equal(view.hash, views[0].hash, `${view.node} finalized another block #${target}`);
    assert.deepEqual(view.balances, views[0].balances, `${view.node} sees other balances`);
  }
  // Every token block of the run, who included it, and that each purchase settled once.
  const authors = new Set();
  const settledIds = new Map();
  const tokenBlocks = [];
  for (let n = 1; n <= target; n++) {
    const hash = await api().rpc.chain.getBlockHash(n);
    const events = await (await api().at(hash)).query.system.events();
    const validated = eventsOf(events, 'TokenBlockValidated');
    if (validated.length === 0) continue;
    const author = await authorOf(hash);
    authors.add(author);
    for (const event of validated) tokenBlocks.push({ chainBlock: n, auditor: event.data.auditor.toString(), author });
    for (const event of eventsOf(events, 'PurchaseSettled')) {
      const id = event.data.purchase.toHex();
      settledIds.set(id, (settledIds.get(id) ?? 0) + 1);
    }
  }
  console.log(`${tokenBlocks.length} token blocks in chain blocks authored by ${[...authors].join(', ')}`);
  for (const auditor of ['dave', 'eve']) {
    assert.ok(tokenBlocks.some((b) => b.auditor === pairs[auditor].address), `no token block of ${auditor}`);
  }
  for (const [id, count] of settledIds) assert.equal(count, 1, `purchase ${id} settled ${count} times`);
});
