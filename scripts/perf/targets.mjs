// Issue 13's targets and how the report prints a number next to its target and its
// ceilings. Targets are reported, never asserted.
import { median } from './stats.mjs';

export const TARGETS = {
  /** Validated tokens/s at the default shape, through the desk and the worker. */
  defaultTokensPerSecond: 20_000,
  /** Chain work per purchase at the default shape, as a share of one transfer_keep_alive. */
  perPurchaseVsTransfer: 1 / 5,
  /** Validated tokens/s at the bulk shape. */
  bulkTokensPerSecond: 150_000,
  /** Block authoring/import time, as a share of the slot. */
  blockTimeShareOfSlot: 1 / 3,
  /** Desk p99 latency at the client, ms, 4 in flight, open loop ... */
  deskP99Ms: 2,
  /** ... at this offered rate at least. */
  deskDecisionsPerSecond: 3_000,
};

export const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });
export const us = (refTime) => `${fmt(Number(refTime) / 1e6, 1)} µs`;
export const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** Prints the real-path load (flow.mjs) next to its targets. */
export function printFlow(r, { slotSeconds = 6 } = {}) {
  const t = TARGETS;
  console.log(
    `offered ${fmt(r.offered)} purchases/s (${fmt(r.offered * 10)} tokens/s) for ${fmt(r.windowSeconds, 1)} s measured;` +
      ` ${fmt(r.total)} purchases answered in ${fmt(r.sentFor, 1)} s; decisions ${JSON.stringify(r.decisions)};` +
      ` share held ${fmt(100 * r.heldShare, 1)}%`,
  );
  console.log(
    `validated tokens/s included: ${fmt(r.tokensPerSecond)}, finalized: ${fmt(r.finalizedTokensPerSecond)}` +
      ` (target ≥ ${fmt(t.defaultTokensPerSecond)}: ${verdict(r.finalizedTokensPerSecond >= t.defaultTokensPerSecond)});` +
      ` purchases/s settled: ${fmt(r.purchasesPerSecond)}`,
  );
  console.log(
    `accepted ${fmt(r.accepted)}, settled ${fmt(r.settled)}; ${fmt(r.tokenBlocks)} token blocks in ${fmt(r.calls)} submit_blocks` +
      ` over ${r.loadedBlocks} chain blocks; failed extrinsics: ${r.failed}`,
  );
  const budget = slotSeconds * 1000 * t.blockTimeShareOfSlot;
  console.log(
    `node authoring time per loaded chain block: median ${fmt(r.medianAuthoringMs)} ms, max ${fmt(r.maxAuthoringMs)} ms` +
      ` (target ≤ ${fmt(budget)} ms: ${verdict(r.maxAuthoringMs <= budget)}); weight of its token blocks:` +
      ` median ${fmt(r.medianCallWeightMs, 1)} ms, max ${fmt(r.maxCallWeightMs, 1)} ms; ${fmt(r.perPurchaseWeightUs, 1)} µs of weight per settled purchase`,
  );
  printImports(r.imports, budget);
  console.log(
    `desk at the client (open loop, queueing included): p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms at ${fmt(r.deskPerSecond)} decisions/s` +
      ` (target p99 ≤ ${t.deskP99Ms} ms at ≥ ${fmt(t.deskDecisionsPerSecond)}/s:` +
      ` ${verdict(r.p99 <= t.deskP99Ms && r.deskPerSecond >= t.deskDecisionsPerSecond)});` +
      ` p99.9 ${fmt(r.p999, 1)} ms, ${fmt(100 * r.slowerThan10ms, 2)}% above 10 ms;` +
      ` from when a request could go (the load generator's own timer and collector delays left out): p50 ${fmt(r.fromDueP50, 2)} ms, p99 ${fmt(r.fromDueP99, 2)} ms; inside the desk (deskMicros): p50 ${fmt(r.deskP50, 2)} ms, p99 ${fmt(r.deskP99, 2)} ms,` +
      ` of which the chain check p50 ${fmt(r.checkP50, 2)} ms, p99 ${fmt(r.checkP99, 2)} ms, the journal p50 ${fmt(r.journalP50, 2)} ms, p99 ${fmt(r.journalP99, 2)} ms` +
      ` and the desk's records p50 ${fmt(r.recordsP50, 2)} ms, p99 ${fmt(r.recordsP99, 2)} ms; ${fmt(100 * r.retriedShare, 2)}% checked again after a conflicting write; ${fmt(100 * r.nativeShare, 1)}% checked as native code;` +
      ` ${fmt(r.deliverCount)} deliver (receipt signed, journal synced) p50 ${fmt(r.deliverP50, 2)} ms, p99 ${fmt(r.deliverP99, 2)} ms;` +
      ` ${fmt(r.waitCount)} wait p50 ${fmt(r.waitP50, 2)} ms, p99 ${fmt(r.waitP99, 2)} ms`,
  );
}

/** Loaded blocks' import times (reexecute.mjs) against the `budget` in ms. */
export function printImports(imports, budget) {
  if (!imports?.length) return;
  const ms = imports.map((b) => b.ms);
  const weights = imports.map((b) => b.weightMs);
  const worst = imports.reduce((a, b) => (b.ms > a.ms ? b : a));
  console.log(
    `block import, re-executed on a quiet machine (benchmark block, ${imports.length} loaded blocks): median ${fmt(median(ms))} ms,` +
      ` max ${fmt(worst.ms)} ms (target ≤ ${fmt(budget)} ms: ${verdict(worst.ms <= budget)}); the blocks' consumed weight:` +
      ` median ${fmt(median(weights))} ms (the slowest block: ${fmt(worst.ms)} ms for ${fmt(worst.weightMs)} ms of weight)`,
  );
}
