// Runs the front-desk benchmark alone against a fresh dev node (scripts/desk-bench.sh).
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode } from '../lib/devnode.mjs';
import { deskBenchmark, rpcFloor } from './desk.mjs';

await cryptoWaitReady();
const node = await startDevNode({ logName: 'desk-bench.log' });
try {
  const requests = Number(process.env.DESK_REQUESTS ?? 10_000);
  const initialSize = process.env.DESK_W0 ? Number(process.env.DESK_W0) : undefined;
  const window = Number(process.env.DESK_WINDOW ?? 4);
  const buyerCount = Number(process.env.DESK_BUYERS ?? 50);
  const r = await deskBenchmark(node, new Keyring({ type: 'sr25519' }), { requests, initialSize, window, buyerCount });
  const ms = (x) => `${x.toFixed(3)} ms`;
  console.log(`${r.requests} purchases of 10 tokens from ${buyerCount} buyers in ${r.seconds.toFixed(1)} s: ${r.perSecond.toFixed(0)} purchases/s`);
  console.log(`desk decision latency (network excluded): p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (target p99 ≤ 2 ms)`);
  console.log(
    `  of which the chain check p50 ${ms(r.checkP50)}, p99 ${ms(r.checkP99)}; the desk's records p50 ${ms(r.recordsP50)}, p99 ${ms(r.recordsP99)};` +
      ` ${(100 * r.retriedShare).toFixed(2)}% checked again after a conflicting write; ${(100 * r.nativeShare).toFixed(1)}% checked as native code`,
  );
  console.log(`client round trip (loopback WebSocket): p50 ${ms(r.clientP50)}, p99 ${ms(r.clientP99)}`);
  console.log(`decisions: ${JSON.stringify(r.decisions)}`);
  // What any call costs through the same client and window, beside the desk's round trip.
  for (const method of ['system_chain', 'micropay_exposure']) {
    const f = await rpcFloor(node, method, { requests: Math.min(requests, 10_000), window });
    console.log(`floor, ${f.method} × ${f.requests}, ${window} in flight: ${f.perSecond.toFixed(0)} calls/s, round trip p50 ${ms(f.p50)}, p99 ${ms(f.p99)}`);
  }
} finally {
  await node.stop();
}
