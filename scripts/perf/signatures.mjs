// The signature ceiling: every purchase carries its buyer's sr25519 signature, and the chain
// checks each one. That check alone bounds the chain work per purchase from below and the
// tokens per chain block from above, whatever else is made cheaper.
//
// The check is timed on this machine with the node's `benchmark pallet` (FRAME's baseline
// `sr25519_verification`), next to `pallet_balances::transfer_keep_alive` timed the same way.
// The runtime's weights may come from another machine (scripts/benchmark.sh's), so the
// signature is priced in the runtime's units through the transfer's call: the signature's time
// here times the runtime's compute weight of that call (its weight less its reads and writes)
// over the call's time here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.mjs';


/** Runs one benchmark of `pallet` with `node` and returns its raw results (times in ns). */
function runBenchmark(node, pallet, extrinsic, { steps, repeat }) {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-sig-'));
  const file = join(dir, 'results.json');
  try {
    execFileSync(
      node,
      ['benchmark', 'pallet', '--chain', 'dev', '--pallet', pallet, '--extrinsic', extrinsic,
        '--steps', String(steps), '--repeat', String(repeat), '--wasm-execution', 'compiled',
        '--json-file', file],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const [result] = JSON.parse(readFileSync(file, 'utf8'));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The least-squares slope, in ns per unit of the single component, of the median time at each
 * component value (the median-slopes idea: the medians shed the noisy repeats).
 */
export function medianSlope(timeResults) {
  const byValue = new Map();
  for (const { components, extrinsic_time: ns } of timeResults) {
    const value = components[0][1];
    if (!byValue.has(value)) byValue.set(value, []);
    byValue.get(value).push(ns);
  }
  const points = [...byValue].map(([x, times]) => [x, median(times)]);
  if (points.length < 2) throw new Error('a slope needs at least two component values');
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxy = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  const sxx = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  return sxy / sxx;
}

/**
 * Times one sr25519 verification and one transfer_keep_alive on this machine with `node`
 * (built with `runtime-benchmarks`). Returns ns, or null with the reason when the node cannot
 * run benchmarks.
 */
export function timeSignatureAndTransfer(node, { steps = 10, repeat = 10 } = {}) {
  try {
    const signature = runBenchmark(node, 'frame_benchmarking', 'sr25519_verification', { steps, repeat });
    const transfer = runBenchmark(node, 'pallet_balances', 'transfer_keep_alive', { steps: 2, repeat });
    const db = transfer.db_results[0] ?? { reads: 0, writes: 0 };
    return {
      signatureNs: medianSlope(signature.time_results),
      transferNs: median(transfer.time_results.map((r) => r.extrinsic_time)),
      transferReads: db.reads,
      transferWrites: db.writes,
    };
  } catch (error) {
    return { unavailable: String(error.message ?? error).split('\n')[0] };
  }
}

/**
 * The signature's price in the runtime's weight (ps) and the ceilings it sets, from the times
 * of `timeSignatureAndTransfer` and the live runtime's figures of the weight report `w`
 * (`transfer.refTime`: the whole signed extrinsic, base and extensions included).
 * `transferCall` is the weight of the transfer's call alone; `dbRead`/`dbWrite` are the
 * runtime's database weights (ps).
 */
export function signatureCeiling(times, w, { transferCall, dbRead, dbWrite, tokensPerPurchase }) {
  const transferCompute = transferCall - times.transferReads * dbRead - times.transferWrites * dbWrite;
  const scale = transferCompute / (times.transferNs * 1000);
  const signature = times.signatureNs * 1000 * scale;
  // A purchase's own floor: its signature check and its settled id (one read and one write:
  // the record that makes a resent purchase `DoubleSold`).
  const floor = signature + dbRead + dbWrite;
  const perSecond = (perPurchase) => ((Number(w.normalMax) / signature) * perPurchase) / w.slotSeconds;
  return {
    scale,
    signature,
    floor,
    signatureVsTransfer: signature / Number(w.transfer.refTime),
    floorVsTransfer: floor / Number(w.transfer.refTime),
    defaultBySignatures: perSecond(10),
    bulkBySignatures: perSecond(tokensPerPurchase),
    // What is left of 1/5 of a transfer for everything else a purchase costs.
    leftUnderFifth: Number(w.transfer.refTime) / 5 - floor,
  };
}
