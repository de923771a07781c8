// One point of the talk's figure 1 (mean block size) and figure 3 (average risk per block)
// at a fixed double-spend rate, measured on the live local network (scripts/lib/testnet.mjs)
// and compared with the simulator for the same parameters.
//
//   node live-figures.mjs [--buyers 20] [--rounds 6] [--rate 0.1] [--seed 7]
//
// 20 buyers per trust profile (auditor Dave sets each buyer's profile, W0 = 20) pay through
// Dave's desk, one token block per buyer per round, shaped as the simulator shapes it
// (simulator/src/engine.rs `full_block`): purchases of 5 tokens, all prepaid but the last,
// which reaches W and is held. Each token is a double-spend with probability `rate`: the
// buyer also spends it at the other auditor (Eve), whose token block settles before Dave's,
// so Dave's token block meets it as DoubleSpentOnChain. Dave's desk cannot refuse it: when
// the buyer paid Dave, the token was unspent (a double-spend across auditors is exactly what
// only the chain catches). Mean block size and risk per block are read from Dave's
// TokenBlockValidated events; the sampling error is the standard error over buyers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { repoRoot, sendAndWaitInBlock } from './lib/devnode.mjs';
import { buyAtDesk } from './lib/desk.mjs';
import { signedPurchase } from './lib/purchase.mjs';
import { startTestnet, waitForPeers } from './lib/testnet.mjs';
import { nextBlockSeq } from './lib/records.mjs';

const options = { buyers: 20, rounds: 6, rate: 0.1, seed: 7 };
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in options)) throw new Error(`unknown option ${process.argv[i]}`);
  options[name] = Number(process.argv[i + 1]);
}
const PROFILES = ['Neutral', 'Optimistic', 'Pessimistic'];
const UNIT = 10n ** 12n;
const VALUE = UNIT / 10n;
const W0 = 20;
const TOKENS_PER_PURCHASE = 5;
const RHO = 0.02; // the local preset's auditors withhold 2%

/** A small seeded generator (mulberry32), so a run can be repeated. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const meanAndError = (values) => {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1);
  return { mean, error: Math.sqrt(variance / n) };
};

/** The simulator's fig. 1 and fig. 3 values at `rate`, for the chain's own trust rule. */
function simulatorPoint(rate) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'micropay-sim-'));
  const binary = path.join(process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/micropay/target'), 'release', 'micropay-sim');
  const args = [
    '--quiet', 'figures', '--out', out, '--buyers', '4000', '--blocks', String(options.rounds),
    '--initial-size', String(W0), '--tokens-per-purchase', String(TOKENS_PER_PURCHASE),
    '--rho', String(RHO), '--gamma-window', '1', '--recovery-after', '3',
  ];
  execFileSync(binary, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const row = (file) => {
    const lines = readFileSync(path.join(out, file), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const line = lines.slice(1).map((l) => l.split(',')).find((cells) => Math.abs(Number(cells[0]) - rate) < 1e-9);
    if (!line) throw new Error(`rate ${rate} is not a point of ${file}`);
    return Object.fromEntries(header.slice(1).map((name, i) => [name, Number(line[i + 1])]));
  };
  const result = { size: row('fig1_block_size_vs_rate.csv'), risk: row('fig3_risk_vs_rate.csv') };
  rmSync(out, { recursive: true, force: true });
  return result;
}

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const [dave, eve, ferdie] = ['//Dave', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
const merchant = keyring.addFromUri('//Dave//stash').address;
const buyers = PROFILES.flatMap((profile) =>
  Array.from({ length: options.buyers }, (_, i) => ({
    profile,
    pair: keyring.addFromUri(`//live/${profile}/${i}`),
    next: 0,
    sizes: [],
    risks: [],
  })),
);
const random = rng(options.seed);
const dir = mkdtempSync(path.join(os.tmpdir(), 'micropay-live-'));
console.log(`starting the local network in ${dir} …`);
const network = await startTestnet({ dir, logDir: path.join(dir, 'logs') });
const stop = async () => {
  await network.stop();
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => stop().then(() => process.exit(130)));

try {
  await waitForPeers(network, 4);
  const api = network.nodes.alice.api;
  const desk = network.nodes.dave;
  const send = async (signer, txs) => {
    const nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    return Promise.all(txs.map((tx, i) => sendAndWaitInBlock(api, tx, signer, { nonce: nonce + i })));
  };
  // W never grows past W0 (recovery moves it back toward W0), so this is enough.
  const tokensEach = options.rounds * W0 + W0;
  const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 10_000;
  const issued = await send(ferdie, buyers.map((b) => api.tx.micropay.issueTokens(b.pair.address, tokensEach, VALUE, expiresAt)));
  for (const [i, b] of buyers.entries()) {
    const event = issued[i].events.find(({ event: e }) => e.method === 'TokensIssued' && e.data.owner.toString() === b.pair.address);
    b.batch = event.event.data.batch.toNumber();
  }
  await send(dave, buyers.map((b) => api.tx.micropay.setTrustProfile(b.pair.address, b.profile, W0)));
  const issuedAt = (await api.rpc.chain.getHeader()).number.toNumber();
  while ((await desk.api.rpc.chain.getHeader()).number.toNumber() < issuedAt) await new Promise((r) => setTimeout(r, 500));
  console.log(`${buyers.length} buyers funded and profiled; ${options.rounds} rounds at rate ${options.rate}`);

  let raced = 0;
  let createdAt = 1;
  const item = u8aToHex(new Uint8Array(32).fill(5));
  for (let round = 0; round < options.rounds; round++) {
    const started = Date.now();
    const plans = [];
    for (const b of buyers) {
      const w = (await api.call.micropayApi.trustState(dave.address, b.pair.address)).state.blockSize.toNumber();
      const tokens = Array.from({ length: w }, (_, i) => ({ batch: b.batch, index: b.next + i }));
      b.next += w;
      const invalid = tokens.filter(() => random() < options.rate);
      const seq = await nextBlockSeq(api, dave.address, b.pair.address);
      plans.push({ b, w, tokens, invalid, seq });
    }
    // Prepaid purchases first (all tokens still unspent), then the held one that reaches W
    // and its double-spends at Eve right behind it: Dave's worker forms the token block at
    // its next block import, so Eve's (tipped) token block settles first.
    for (const plan of plans) {
      const purchases = [];
      for (let i = 0; i < plan.tokens.length; i += TOKENS_PER_PURCHASE) purchases.push(plan.tokens.slice(i, i + TOKENS_PER_PURCHASE));
      for (const tokens of purchases.slice(0, -1)) {
        const { answer } = await buyAtDesk(desk, plan.b.pair, { merchant, auditor: dave.address, item, createdAt: createdAt++, tokens });
        if (answer.decision !== 'deliver') throw new Error(`prepaid purchase answered ${JSON.stringify(answer)}`);
      }
      plan.last = purchases[purchases.length - 1];
    }
    const eveNonce = (await api.rpc.system.accountNextIndex(eve.address)).toNumber();
    let eveSent = 0;
    const spends = [];
    for (const plan of plans) {
      const { answer } = await buyAtDesk(desk, plan.b.pair, { merchant, auditor: dave.address, item, createdAt: createdAt++, tokens: plan.last });
      if (answer.decision !== 'wait') throw new Error(`closing purchase answered ${JSON.stringify(answer)}`);
      if (plan.invalid.length === 0) continue;
      const elsewhere = signedPurchase(api, plan.b.pair, {
        merchant, auditor: eve.address, item, createdAt: createdAt++, tokens: plan.invalid, prepaid: false,
      });
      const eveSeq = await nextBlockSeq(api, eve.address, plan.b.pair.address);
      const tx = api.tx.micropay.submitBlock(plan.b.pair.address, eveSeq, [elsewhere.purchase]);
      spends.push(tx.signAndSend(eve, { nonce: eveNonce + eveSent++, tip: 1_000_000n }));
    }
    await Promise.all(spends);
    // Dave's token blocks of this round, from his events.
    const pending = new Map(plans.map((plan) => [plan.b.pair.address, plan]));
    const deadline = Date.now() + 180_000;
    let scanned = (await api.rpc.chain.getHeader()).number.toNumber() - 1;
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`round ${round}: ${pending.size} token blocks of Dave never settled`);
      await new Promise((r) => setTimeout(r, 2_000));
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      for (let n = scanned + 1; n <= best; n++) {
        const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
        for (const { event } of events) {
          if (event.section !== 'micropay' || event.method !== 'TokenBlockValidated') continue;
          if (event.data.auditor.toString() !== dave.address) continue;
          const plan = pending.get(event.data.buyer.toString());
          if (!plan || event.data.summary.seq.toNumber() !== plan.seq) continue;
          const summary = event.data.summary;
          const invalid = Object.values(summary.invalid.toJSON()).reduce((sum, count) => sum + Number(count), 0);
          if (invalid !== plan.invalid.length) raced += 1;
          plan.b.sizes.push(plan.w);
          plan.b.risks.push(Number(summary.risk.toBigInt()) / Number(VALUE));
          pending.delete(plan.b.pair.address);
        }
      }
      scanned = best;
    }
    console.log(`round ${round + 1}/${options.rounds}: ${plans.length} token blocks of Dave in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }

  console.log(`simulator: the same rule (windowed gamma 1, recovery after 3), 4000 buyers × ${options.rounds} blocks …`);
  const sim = simulatorPoint(options.rate);
  console.log(`\nrate ${options.rate}, W0 ${W0}, ${TOKENS_PER_PURCHASE} tokens per purchase, rho ${RHO}, ${options.buyers} buyers per profile × ${options.rounds} token blocks on the live network`);
  console.log('| profile | mean W, live ± s.e. | mean W, simulator | risk per block (tokens), live ± s.e. | risk, simulator |');
  console.log('|---|---|---|---|---|');
  for (const profile of PROFILES) {
    const group = buyers.filter((b) => b.profile === profile);
    const size = meanAndError(group.map((b) => b.sizes.reduce((s, v) => s + v, 0) / b.sizes.length));
    const risk = meanAndError(group.map((b) => b.risks.reduce((s, v) => s + v, 0) / b.risks.length));
    const key = profile.toLowerCase();
    console.log(
      `| ${key} | ${size.mean.toFixed(2)} ± ${size.error.toFixed(2)} | ${sim.size[key].toFixed(2)} | ${risk.mean.toFixed(3)} ± ${risk.error.toFixed(3)} | ${sim.risk[key].toFixed(3)} |`,
    );
  }
  console.log(`token blocks where Dave's block met another number of double-spends than drawn (a race): ${raced}`);
} finally {
  await stop();
}
process.exit(0);
