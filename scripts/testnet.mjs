// Runs the `local` network (three validators, two auditor nodes) until Ctrl-C; see
// scripts/testnet.sh and README "Run a network".
//   node testnet.mjs DIR [FIRST_RPC_PORT] [FIRST_P2P_PORT]
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AUDITORS, startTestnet, waitForPeers } from './lib/testnet.mjs';

const [dir, firstRpc = '9944', firstP2p = '30333'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node testnet.mjs DIR [FIRST_RPC_PORT] [FIRST_P2P_PORT]');
  process.exit(2);
}
// DIR is wiped at start, so only a directory this script made (it leaves a marker) or an
// empty one is taken.
const marker = path.join(dir, '.micropay-testnet');
if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(marker)) {
  console.error(`${dir} is not empty and was not made by testnet.sh: choose another DIR`);
  process.exit(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(marker, 'made by scripts/testnet.sh; wiped at its next start\n');
const network = await startTestnet({
  dir,
  logDir: path.join(dir, 'logs'),
  firstRpcPort: Number(firstRpc),
  firstP2pPort: Number(firstP2p),
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the network…');
  await network.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

await waitForPeers(network, network.all().length - 1);
console.log(`Micropay local network: chain spec ${network.chainSpec}`);
console.log(`bootnode ${network.bootnode}\n`);
console.log('node      role            RPC (ws; the desk on auditors)   log');
for (const node of network.all()) {
  const auditor = AUDITORS.find((a) => a.name === node.name);
  const role = auditor ? `auditor ${auditor.suri}` : 'validator';
  console.log(`${node.name.padEnd(9)} ${role.padEnd(15)} ${node.url.padEnd(32)} ${node.current.logFile}`);
}
console.log('\nall nodes connected; Ctrl-C stops them all');
for (;;) {
  const [best, finalized] = await Promise.all([
    network.nodes.alice.api.rpc.chain.getHeader(),
    network.nodes.alice.api.rpc.chain.getFinalizedHead(),
  ]).catch(() => [null, null]);
  if (best) {
    const final = await network.nodes.alice.api.rpc.chain.getHeader(finalized);
    console.log(`best #${best.number.toNumber()}, finalized #${final.number.toNumber()}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 30_000));
}
