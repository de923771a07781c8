// The real path under load: buyers' purchases go to the auditor's front desk
// (`micropay_submitPurchase`) at a fixed offered rate (open loop), the desk answers each at
// once, and the node's offchain worker forms and submits the token blocks (`submit_blocks`).
// Nothing is submitted by this script but the purchases.
//
// It reports, over the measured window (after a warm-up):
// - the desk: purchases/s answered, latency at the client from each request's scheduled time
//   (so queueing behind a slow desk counts), p50/p99, and the share held (`wait`);
// - the chain: validated tokens/s in blocks included and in blocks finalized, purchases/s
//   settled, failed extrinsics, the weight the token-block extrinsics used per chain block,
//   and the node's real time to author each block (from its log) beside that weight.
import { u8aToHex } from '@polkadot/util';
import { readFileSync, writeFileSync } from 'node:fs';
import { deskRequest } from '../lib/desk.mjs';
import { openDeskSocket } from './desk-socket.mjs';
import { issueEach } from './load.mjs';
import { median, percentile } from './stats.mjs';

export const TOKENS_PER_PURCHASE = 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Chain-side records, one per imported block, and the finalized head. Blocks are only noted
 * while the load is offered and read once `resume` is called: decoding a block of thousands of
 * purchases takes this process's single thread for a second or more, which would stall the
 * requests it sends to the desk meanwhile (and take a core from the node).
 */
function watchChain(api) {
  const blocks = new Map();
  let finalized = 0;
  const pending = [];
  const noted = [];
  let reading = false;
  const read = (header) => {
      pending.push(
        (async () => {
          const at = await api.at(header.hash);
          const [block, events, timestamp, weight] = await Promise.all([
            api.rpc.chain.getBlock(header.hash),
            at.query.system.events(),
            at.query.timestamp.now(),
            at.query.system.blockWeight(),
          ]);
          const record = {
            number: header.number.toNumber(),
            timestamp: timestamp.toNumber(),
            tokens: 0,
            tokenBlocks: 0,
            purchases: 0,
            failed: 0,
            calls: 0,
            callWeight: 0n,
            normalWeight: weight.normal.refTime.toBigInt(),
          };
          const extrinsics = block.block.extrinsics;
          for (const { event, phase } of events) {
            if (event.section === 'micropay' && event.method === 'TokenBlockValidated') {
              record.tokens += event.data.summary.valid.toNumber();
              record.tokenBlocks += 1;
            }
            if (event.section === 'micropay' && event.method === 'PurchaseSettled') record.purchases += 1;
            if (event.section === 'system' && event.method === 'ExtrinsicFailed') record.failed += 1;
            if (event.section === 'system' && event.method === 'ExtrinsicSuccess' && phase.isApplyExtrinsic) {
              const { method } = extrinsics[phase.asApplyExtrinsic.toNumber()].method;
              if (method === 'submitBlocks') {
                record.calls += 1;
                record.callWeight += event.data.dispatchInfo.weight.refTime.toBigInt();
              }
            }
          }
          blocks.set(record.number, record);
        })().catch((error) => console.error(`block #${header.number}: ${error.message}`)),
      );
  };
  const subscriptions = [
    api.rpc.chain.subscribeNewHeads((header) => {
      if (reading) read(header);
      else noted.push(header);
    }),
    api.rpc.chain.subscribeFinalizedHeads((header) => {
      finalized = Math.max(finalized, header.number.toNumber());
    }),
  ];
  return {
    blocks,
    finalized: () => finalized,
    /** Reads the blocks noted so far, and every later one as it comes. */
    resume() {
      reading = true;
      for (const header of noted.splice(0)) read(header);
    },
    async stop() {
      for (const unsubscribe of await Promise.all(subscriptions)) unsubscribe();
      await Promise.all(pending);
    },
  };
}

/** Authoring time of each block the node proposed, from its log (`Prepared block for proposing at N (T ms)`). */
export function authoringTimes(logFile) {
  const times = new Map();
  const pattern = /Prepared block for proposing at (\d+) \((\d+) ms\)/g;
  for (const match of readFileSync(logFile, 'utf8').matchAll(pattern)) times.set(Number(match[1]), Number(match[2]));
  return times;
}

/**
 * Runs the load: `buyers` buyers paying `merchants` merchants 10-token purchases at `rate`
 * purchases/s offered for `warmup + seconds` seconds, `inFlight` requests at most in flight.
 */
export async function flowLoad(node, keyring, options) {
  const { buyers: buyerCount = 1_000, merchants: merchantCount = 100, rate = 1_000, seconds = 60, warmup = 10, inFlight = 4 } = options;
  const log = options.log ?? console.log;
  const { api } = node;
  const bob = keyring.addFromUri('//Bob');
  const value = 10n ** 10n;
  const buyers = Array.from({ length: buyerCount }, (_, i) => keyring.addFromUri(`//Flow/${i}`));
  const merchants = Array.from({ length: merchantCount }, (_, j) => keyring.addFromUri(`//FlowMerchant/${j}`).address);
  const total = Math.ceil(rate * (warmup + seconds));
  const perBuyer = Math.ceil(total / buyerCount);

  log(`flow: issuing ${buyerCount} batches of ${perBuyer * TOKENS_PER_PURCHASE} tokens`);
  const issued = await issueEach(api, bob, buyers, perBuyer * TOKENS_PER_PURCHASE, { value, expiresIn: 20_000 });
  const batches = buyers.map((buyer, i) => {
    if (!issued.has(buyer.address)) throw new Error(`no batch issued to buyer ${i}`);
    return issued.get(buyer.address);
  });

  const signing = Date.now();
  // Each request is kept as its serialized parameters (one string: see desk-socket.mjs).
  const requests = [];
  for (let r = 0; r < total; r += 1) {
    // Signing is slow in JS (about 0.8 ms): let the WebSocket's keep-alive run meanwhile.
    if (r % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    const i = r % buyerCount;
    const k = Math.floor(r / buyerCount);
    requests.push(
      JSON.stringify([
        deskRequest(api, buyers[i], {
          merchant: merchants[r % merchantCount],
          item: u8aToHex(new Uint8Array(32).fill(k % 256)),
          createdAt: k,
          tokens: Array.from({ length: TOKENS_PER_PURCHASE }, (_, t) => ({ batch: batches[i], index: k * TOKENS_PER_PURCHASE + t })),
        }).request,
      ]),
    );
  }
  log(`flow: ${total} purchases signed in ${((Date.now() - signing) / 1000).toFixed(1)} s; offering ${rate}/s, ${inFlight} in flight`);

  const desk = await openDeskSocket(node.url);
  const chain = watchChain(api);
  // What each answer said, in columns (numbers, not objects, while the load runs).
  const column = () => new Float64Array(total).fill(NaN);
  const timing = { sent: column(), done: column(), free: column(), desk: column(), check: column(), journal: column(), records: column(), attempts: column() };
  const native = new Uint8Array(total);
  const decisionOf = new Array(total);
  let lastAnswer = 0;
  let next = 0;
  const t0 = performance.now() + 500;
  const scheduledAt = (r) => t0 + (1000 * r) / rate;
  const slot = async () => {
    let free = performance.now();
    for (;;) {
      const r = next++;
      if (r >= total) return;
      const scheduled = scheduledAt(r);
      // Never before its time: a timer may fire up to a millisecond early (Node truncates
      // the delay and counts from the start of its loop turn).
      for (let wait = scheduled - performance.now(); wait > 0; wait = scheduled - performance.now()) {
        await sleep(Math.max(1, Math.ceil(wait)));
      }
      timing.free[r] = free;
      timing.sent[r] = performance.now();
      try {
        const answer = await desk.submit(requests[r]);
        decisionOf[r] = answer.decision;
        timing.desk[r] = answer.deskMicros / 1e3;
        timing.check[r] = answer.checkMicros / 1e3;
        timing.journal[r] = answer.journalMicros / 1e3;
        timing.records[r] = answer.recordsMicros / 1e3;
        timing.attempts[r] = answer.attempts;
        native[r] = answer.nativeCheck === true ? 1 : 0;
      } catch (error) {
        decisionOf[r] = `error: ${error.message}`;
      }
      requests[r] = undefined;
      free = performance.now();
      timing.done[r] = free;
      lastAnswer = free;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, slot));
  desk.close();
  const sentFor = (performance.now() - t0) / 1000;
  const sendEnd = Date.now();
  const windowStart = sendEnd - (performance.now() - (t0 + warmup * 1000));
  const answers = Array.from({ length: total }, (_, r) => {
    const scheduled = scheduledAt(r);
    const done = timing.done[r];
    return {
      r,
      scheduled,
      latency: done - scheduled,
      // The generator's own lateness left out: a request whose slot was free before its time
      // waited only for this process's timer (which fires up to a millisecond late, or later
      // while its collector runs), not for the desk; one whose slot was still busy at its
      // time keeps the whole wait (the queue the desk caused).
      latencyFromDue: done - (timing.free[r] < scheduled ? timing.sent[r] : scheduled),
      deskMs: timing.desk[r],
      checkMs: timing.check[r],
      journalMs: timing.journal[r],
      recordsMs: timing.records[r],
      attempts: timing.attempts[r],
      native: native[r] === 1,
      decision: decisionOf[r],
    };
  });
  log(`flow: ${total} purchases answered in ${sentFor.toFixed(1)} s (offered ${warmup + seconds} s)`);

  chain.resume();
  const accepted = answers.filter((a) => a.decision === 'deliver' || a.decision === 'wait').length;
  // Let the worker settle what the desk accepted (a token block waits at most DeskMaxBlockAge).
  const drainDeadline = Date.now() + 180_000;
  const settled = () => [...chain.blocks.values()].reduce((sum, b) => sum + b.purchases, 0);
  while (settled() < accepted && Date.now() < drainDeadline) await sleep(2_000);
  const lastNumber = Math.max(...chain.blocks.keys());
  const finalDeadline = Date.now() + 60_000;
  while (chain.finalized() < lastNumber && Date.now() < finalDeadline) await sleep(1_000);
  await chain.stop();

  if (process.env.FLOW_DUMP) {
    writeFileSync(process.env.FLOW_DUMP, JSON.stringify(answers.map((a) => [a.r, performance.timeOrigin + a.scheduled, a.latency, a.deskMs, a.checkMs, a.recordsMs, a.latencyFromDue])));
  }
  const measured = answers.filter((a) => a.scheduled >= t0 + warmup * 1000);
  const latencies = measured.map((a) => a.latency).sort((a, b) => a - b);
  const fromDue = measured.map((a) => a.latencyFromDue).sort((a, b) => a - b);
  const sortedOf = (key, rows = measured) => rows.map((a) => a[key]).filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
  const deskTimes = sortedOf('deskMs');
  const checkTimes = sortedOf('checkMs');
  const journalTimes = sortedOf('journalMs');
  const recordsTimes = sortedOf('recordsMs');
  const retried = measured.filter((a) => a.attempts > 1).length;
  // A promise (deliver) waits for the journal's sync, a held purchase (wait) does not.
  const deskTimesOf = (decision) => sortedOf('deskMs', measured.filter((a) => a.decision === decision));
  const deliverTimes = deskTimesOf('deliver');
  const waitTimes = deskTimesOf('wait');
  const decisions = {};
  for (const a of answers) decisions[a.decision] = (decisions[a.decision] ?? 0) + 1;
  const blocks = [...chain.blocks.values()].sort((a, b) => a.number - b.number);
  const inWindow = blocks.filter((b) => b.timestamp > windowStart && b.timestamp <= sendEnd);
  const windowSeconds = (sendEnd - windowStart) / 1000;
  const sum = (list, key) => list.reduce((s, b) => s + Number(b[key]), 0);
  const finalizedInWindow = inWindow.filter((b) => b.number <= chain.finalized());
  const authored = authoringTimes(node.logFile);
  const loaded = blocks.filter((b) => b.calls > 0);
  const authoring = loaded.map((b) => authored.get(b.number)).filter((ms) => ms !== undefined);
  return {
    offered: rate,
    total,
    sentFor,
    // Answers per second over the measured window, from its first request's scheduled time to
    // the last answer (a desk slower than the offered rate stretches the window).
    deskPerSecond: measured.length / Math.max(1e-3, (lastAnswer - (t0 + warmup * 1000)) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    fromDueP50: percentile(fromDue, 50),
    fromDueP99: percentile(fromDue, 99),
    deskP50: percentile(deskTimes, 50),
    deskP99: percentile(deskTimes, 99),
    checkP50: percentile(checkTimes, 50),
    checkP99: percentile(checkTimes, 99),
    journalP50: percentile(journalTimes, 50),
    journalP99: percentile(journalTimes, 99),
    recordsP50: percentile(recordsTimes, 50),
    recordsP99: percentile(recordsTimes, 99),
    retriedShare: retried / Math.max(1, measured.length),
    nativeShare: measured.filter((a) => a.native).length / Math.max(1, measured.length),
    deliverCount: deliverTimes.length,
    deliverP50: percentile(deliverTimes, 50),
    deliverP99: percentile(deliverTimes, 99),
    waitCount: waitTimes.length,
    waitP50: percentile(waitTimes, 50),
    waitP99: percentile(waitTimes, 99),
    slowerThan10ms: latencies.filter((ms) => ms > 10).length / Math.max(1, latencies.length),
    decisions,
    heldShare: (decisions.wait ?? 0) / Math.max(1, accepted),
    accepted,
    settled: settled(),
    windowSeconds,
    tokensPerSecond: sum(inWindow, 'tokens') / windowSeconds,
    finalizedTokensPerSecond: sum(finalizedInWindow, 'tokens') / windowSeconds,
    purchasesPerSecond: sum(inWindow, 'purchases') / windowSeconds,
    failed: sum(blocks, 'failed'),
    calls: sum(blocks, 'calls'),
    tokenBlocks: sum(blocks, 'tokenBlocks'),
    loadedBlocks: loaded.length,
    // The blocks that carried token blocks (reexecute.mjs times their import).
    loadedNumbers: loaded.map((b) => b.number),
    maxCallWeightMs: Math.max(0, ...loaded.map((b) => Number(b.callWeight) / 1e9)),
    medianCallWeightMs: median(loaded.map((b) => Number(b.callWeight) / 1e9)),
    medianAuthoringMs: median(authoring),
    maxAuthoringMs: Math.max(0, ...authoring),
    perPurchaseWeightUs: (sum(blocks, 'callWeight') / Math.max(1, sum(blocks, 'purchases'))) / 1e6,
    blocks,
  };
}
