// Front-desk benchmark: 10-token purchases through `micropay_submitPurchase`, reporting
// purchases/s and decision latency p50/p99, both as the desk measured it (`deskMicros`:
// chain checks, pending-set checks and the offchain write, network excluded) and as the
// client saw it (loopback WebSocket round trip included).
//
// Run alone: `scripts/desk-bench.sh` (or as part of `scripts/perf-report.sh`).
import { u8aToHex } from '@polkadot/util';
import { deskRequest, sendToDesk } from '../lib/desk.mjs';
import { sendAndWaitInBlock } from '../lib/devnode.mjs';
import { issueEach } from './load.mjs';
import { percentile } from './stats.mjs';

const TOKENS_PER_PURCHASE = 10;

/** Issues each buyer a batch; with `initialSize`, Alice sets their `W_0` to it. */
async function prepareBuyers(api, keyring, buyerCount, tokensEach, initialSize, label) {
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const buyers = Array.from({ length: buyerCount }, (_, i) => keyring.addFromUri(`//DeskBench/${label}/${i}`));
  // Bob issues each buyer a batch while Alice, the auditor, sets their `W_0` if asked.
  const profiles = async () => {
    if (!initialSize) return;
    let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    await Promise.all(
      buyers.map((buyer) =>
        sendAndWaitInBlock(api, api.tx.micropay.setTrustProfile(buyer.address, 'Neutral', initialSize), alice, { nonce: nonce++ }),
      ),
    );
  };
  const [batches] = await Promise.all([issueEach(api, bob, buyers, tokensEach, { value: 10n ** 9n, expiresIn: 10_000 }), profiles()]);
  return { buyers, batches };
}

/**
 * Sends `requests` purchases (default 10,000) of 10 tokens from 50 buyers, `window` at a time.
 * Buyers keep the runtime's default `W_0` (20: a block every two purchases, as most buyers
 * would) unless `initialSize` is given.
 */
export async function deskBenchmark(
  node,
  keyring,
  { requests = 10_000, buyerCount = 50, window = 4, initialSize, log = console.log } = {},
  label = `w${window}`,
) {
  const { api } = node;
  const merchants = ['//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri).address);
  const perBuyer = Math.ceil(requests / buyerCount);
  log(`desk: preparing ${buyerCount} buyers with ${perBuyer * TOKENS_PER_PURCHASE} tokens each`);
  const { buyers, batches } = await prepareBuyers(api, keyring, buyerCount, perBuyer * TOKENS_PER_PURCHASE, initialSize, label);

  const prepared = [];
  for (let k = 0; k < perBuyer; k += 1) {
    for (const buyer of buyers) {
      if (prepared.length === requests) break;
      const batch = batches.get(buyer.address);
      prepared.push(
        deskRequest(api, buyer, {
          merchant: merchants[k % merchants.length],
          item: u8aToHex(new Uint8Array(32).fill(k % 256)),
          createdAt: k,
          tokens: Array.from({ length: TOKENS_PER_PURCHASE }, (_, i) => ({ batch, index: k * TOKENS_PER_PURCHASE + i })),
        }).request,
      );
    }
  }
  log(`desk: ${prepared.length} purchases signed; sending ${window} at a time`);

  const desk = [];
  const check = [];
  const records = [];
  let retried = 0;
  let native = 0;
  const decisions = {};
  const { seconds, times: client } = await closedLoop(prepared.length, window, async (i) => {
    const answer = await sendToDesk(node, prepared[i]);
    desk.push(answer.deskMicros / 1e3);
    check.push(answer.checkMicros / 1e3);
    records.push(answer.recordsMicros / 1e3);
    if (answer.attempts > 1) retried += 1;
    if (answer.nativeCheck) native += 1;
    decisions[answer.decision] = (decisions[answer.decision] ?? 0) + 1;
  });
  for (const list of [desk, check, records]) list.sort((a, b) => a - b);
  return {
    requests: prepared.length,
    seconds,
    perSecond: prepared.length / seconds,
    p50: percentile(desk, 50),
    p99: percentile(desk, 99),
    checkP50: percentile(check, 50),
    checkP99: percentile(check, 99),
    recordsP50: percentile(records, 50),
    recordsP99: percentile(records, 99),
    retriedShare: retried / prepared.length,
    nativeShare: native / prepared.length,
    clientP50: percentile(client, 50),
    clientP99: percentile(client, 99),
    decisions,
  };
}

/**
 * The floor under a desk decision's round trip: `requests` calls of `method` (no parameters)
 * through the same client, `window` at a time, timed as the desk's are. `system_chain` is
 * the RPC stack alone (loopback WebSocket, jsonrpsee, the JS client); `micropay_exposure`
 * adds what every desk request also pays: a blocking method on jsonrpsee's thread pool,
 * offchain reads and one runtime call.
 */
export async function rpcFloor(node, method, { requests = 10_000, window = 4 } = {}) {
  const { seconds, times } = await closedLoop(requests, window, () => node.provider.send(method, []));
  return { method, requests, perSecond: requests / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * Runs `call(i)` for i = 0 … count − 1, `window` at a time (each slot sends its next call when
 * its last one is answered); resolves to the seconds taken and the round trips in ms, sorted.
 */
async function closedLoop(count, window, call) {
  const times = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const slot = async () => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await call(i);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: window }, slot));
  times.sort((a, b) => a - b);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, times };
}
