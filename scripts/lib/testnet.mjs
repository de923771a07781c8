// Starts the `local` Micropay network on this machine: three validators (Alice, Bob,
// Charlie: Aura authors and GRANDPA voters) and two auditor full nodes (Dave, Eve), each with
// its own base path, ports, log file and, for an auditor, its own `mpau` key inserted with
// `key insert`, its desk RPC and its offchain worker (`--offchain-worker always`: an auditor
// is not a validator). The nodes run from the raw chain spec this script exports, as
// operators on separate machines would (README, "Run a network").
//
// Used by `scripts/testnet.sh` (long-running, fixed ports) and by the end-to-end network
// test (free ports, killed and restarted nodes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, nodeBinary, startNode } from './devnode.mjs';

/** The validators of the `local` preset (runtime/src/genesis_config_presets.rs). */
export const VALIDATORS = ['alice', 'bob', 'charlie'];
/** The auditors of the `local` preset and the secret URIs of their `mpau` keys. */
export const AUDITORS = [
  { name: 'dave', suri: '//Dave' },
  { name: 'eve', suri: '//Eve' },
];

const capitalized = (name) => name[0].toUpperCase() + name.slice(1);

/** Exports the raw chain spec of the `local` preset to `file`. */
export function exportRawChainSpec(file) {
  const spec = execFileSync(nodeBinary(), ['export-chain-spec', '--chain', 'local', '--raw'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(file, spec);
  return file;
}

/** Inserts an auditor's `mpau` key into the keystore under `basePath`. */
function insertAuditorKey(chainSpec, basePath, suri) {
  execFileSync(
    nodeBinary(),
    ['key', 'insert', '--base-path', basePath, '--chain', chainSpec, '--key-type', 'mpau', '--scheme', 'sr25519', '--suri', suri],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** CPU seconds used so far and peak resident memory (MiB) of a running process. */
export function processUsage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / 100, peakMiB: peakKb / 1024 };
  } catch {
    return null;
  }
}

/**
 * One node of the network: started, killed and restarted on the same base path and ports.
 * `current` is what `startNode` returned for the running process (its `api`, `provider`).
 */
class NetworkNode {
  constructor({ name, role, args, basePath, logDir, rpcPort, p2pPort }) {
    Object.assign(this, { name, role, args, basePath, logDir, rpcPort, p2pPort });
    this.current = null;
    this.starts = 0;
    /** CPU seconds of processes of this node that have ended (killed or stopped). */
    this.pastCpuSeconds = 0;
    this.peakMiB = 0;
  }

  get api() {
    return this.current.api;
  }

  get provider() {
    return this.current.provider;
  }

  get url() {
    return `ws://127.0.0.1:${this.rpcPort}`;
  }

  async start(bootnodes = []) {
    this.starts += 1;
    this.current = await startNode({
      args: [...this.args, ...(bootnodes.length ? ['--bootnodes', ...bootnodes] : [])],
      rpcPort: this.rpcPort,
      p2pPort: this.p2pPort,
      logDir: this.logDir,
      logName: `${this.name}.log`,
      timeoutMs: 180_000,
    });
    this.bootnodes = bootnodes;
    return this;
  }

  /** Records this process's CPU time and peak memory (before it ends). */
  sampleUsage() {
    const usage = this.current && processUsage(this.current.child.pid);
    if (usage) {
      this.lastCpuSeconds = usage.cpuSeconds;
      this.peakMiB = Math.max(this.peakMiB, usage.peakMiB);
    }
    return usage;
  }

  /** Resource use over every process this node ran. */
  usage() {
    const usage = this.sampleUsage();
    return { cpuSeconds: this.pastCpuSeconds + (usage?.cpuSeconds ?? 0), peakMiB: this.peakMiB, starts: this.starts };
  }

  /** Ends the process (SIGKILL: a crash; SIGTERM: a clean stop). */
  async kill(signal = 'SIGKILL') {
    if (!this.current) return null;
    this.sampleUsage();
    this.pastCpuSeconds += this.lastCpuSeconds ?? 0;
    this.lastCpuSeconds = 0;
    const result = await this.current.stop(signal);
    this.current = null;
    return result;
  }

  /** Starts the node again on the same base path, ports and bootnodes. */
  restart() {
    return this.start(this.bootnodes);
  }
}

/**
 * Starts the network under `dir` (base paths, chain spec) with logs in `logDir`.
 *
 * @param {object} options
 * @param {string} options.dir working directory (one base path per node, the chain spec)
 * @param {string} [options.logDir] node logs (default: `dir`)
 * @param {number} [options.firstRpcPort] RPC ports from here in order alice, bob, charlie,
 *   dave, eve (default: free ports); p2p ports from `firstP2pPort` likewise
 * @param {number} [options.firstP2pPort]
 */
export async function startTestnet({ dir, logDir = dir, firstRpcPort, firstP2pPort }) {
  mkdirSync(dir, { recursive: true });
  const chainSpec = exportRawChainSpec(path.join(dir, 'micropay-local-raw.json'));
  const common = ['--chain', chainSpec];
  const names = [...VALIDATORS, ...AUDITORS.map(({ name }) => name)];
  const nodes = {};
  for (const [i, name] of names.entries()) {
    const basePath = path.join(dir, name);
    rmSync(path.join(logDir, `${name}.log`), { force: true });
    const auditor = AUDITORS.find((a) => a.name === name);
    if (auditor) insertAuditorKey(chainSpec, basePath, auditor.suri);
    // A validator refuses to start without a persistent network key; on this loopback
    // network each node's key is fixed by its place (operators generate theirs: README).
    const nodeKey = (i + 1).toString(16).padStart(64, '0');
    const args = [
      ...common,
      '--base-path', basePath,
      '--name', capitalized(name),
      '--node-key', nodeKey,
      ...(auditor
        ? ['--offchain-worker', 'always']
        : [`--${name}`, '--validator', '--offchain-worker', 'never']),
    ];
    nodes[name] = new NetworkNode({
      name,
      role: auditor ? 'auditor' : 'validator',
      args,
      basePath,
      logDir,
      rpcPort: firstRpcPort ? firstRpcPort + i : await freePort(),
      p2pPort: firstP2pPort ? firstP2pPort + i : await freePort(),
    });
  }
  // Alice first: her address is every other node's bootnode.
  await nodes.alice.start();
  const peerId = (await nodes.alice.api.rpc.system.localPeerId()).toString();
  const bootnode = `/ip4/127.0.0.1/tcp/${nodes.alice.p2pPort}/p2p/${peerId}`;
  await Promise.all(names.slice(1).map((name) => nodes[name].start([bootnode])));

  const all = () => names.map((name) => nodes[name]);
  const stop = async () => {
    await Promise.all(all().map((node) => node.kill('SIGTERM')));
  };
  return { nodes, all, chainSpec, bootnode, stop };
}

/** Resolves once every running node of `network` sees at least `peers` peers. */
export async function waitForPeers(network, peers, { timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      network.all().filter((node) => node.current).map(async (node) => (await node.api.rpc.system.health()).peers.toNumber()),
    );
    if (counts.every((count) => count >= peers)) return counts;
    if (Date.now() > deadline) throw new Error(`peers ${counts.join(', ')}; wanted ${peers} each`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
