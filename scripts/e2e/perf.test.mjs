// The performance report's own arithmetic (no node): the signature ceiling's slope and its
// pricing in the runtime's units.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianSlope, signatureCeiling } from '../perf/signatures.mjs';

const result = (i, ns) => ({ components: [['i', i]], extrinsic_time: ns });

test('the slope of the medians ignores a repeat disturbed at one point', () => {
  const results = [];
  for (const i of [0, 10, 20, 30]) {
    for (const ns of [1000 + 40 * i, 1000 + 40 * i, 1000 + 40 * i + 1]) results.push(result(i, ns));
  }
  // One repeat at i = 30 took 100 times as long (a machine hiccup): the median sheds it.
  results.push(result(30, 100 * (1000 + 40 * 30)));
  assert.ok(Math.abs(medianSlope(results) - 40) < 0.1);
  assert.throws(() => medianSlope([result(5, 1), result(5, 2)]), /two component values/);
});

test('a signature is priced in the runtime units through the transfer and bounds the tokens per block', () => {
  const ms = 1_000_000_000; // ps
  const w = { transfer: { refTime: 400_000_000n }, normalMax: BigInt(1.5 * 1000 * ms), slotSeconds: 6 };
  // The runtime's transfer: its call 60 µs of compute + one 10 µs read + one 30 µs write; base
  // and extensions make the signed extrinsic 400 µs.
  const prices = { transferCall: 100_000_000, dbRead: 10_000_000, dbWrite: 30_000_000, tokensPerPurchase: 64 };
  // Here a transfer's compute takes 30 µs and a signature 15 µs: the runtime's units are 2× this machine's.
  const s = signatureCeiling({ signatureNs: 15_000, transferNs: 30_000, transferReads: 1, transferWrites: 1 }, w, prices);
  assert.equal(s.scale, 2);
  assert.equal(s.signature, 30_000_000);
  assert.equal(s.floor, 70_000_000);
  assert.equal(s.signatureVsTransfer, 0.075);
  assert.equal(s.leftUnderFifth, 10_000_000);
  // 1.5 s of normal-class weight holds 50,000 checks per 6 s block.
  assert.equal(Math.round(s.defaultBySignatures), Math.round((50_000 * 10) / 6));
  assert.equal(Math.round(s.bulkBySignatures), Math.round((50_000 * 64) / 6));
});
