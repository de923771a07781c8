// Starts and stops a Micropay dev node for scripts and end-to-end tests.
//
// The node runs with `--dev --tmp` (or on a given base path) on free loopback ports, its
// output goes to a log file, and it is killed when the test ends or the process exits, so a
// failing test never leaves a node behind.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

/** Path of the node binary: $MICROPAY_NODE, else the debug build in $CARGO_TARGET_DIR. */
export function nodeBinary() {
  if (process.env.MICROPAY_NODE) return process.env.MICROPAY_NODE;
  const target =
    process.env.CARGO_TARGET_DIR ?? path.join(process.env.HOME ?? '', '.cache/micropay/target');
  return path.join(target, 'debug', 'micropay-node');
}

/** A TCP port nothing listens on right now, on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a JSON-RPC server answers `system_health` on this loopback port. */
async function rpcAnswers(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

const running = new Set();
function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts a node with `args` (plus loopback RPC and p2p ports, no telemetry, Prometheus or
 * mDNS), waits for its RPC server and connects an ApiPromise to it.
 *
 * @param {object} options
 * @param {string[]} options.args the node's arguments (chain, base path, role, ...)
 * @param {string} [options.logName] log file name under `options.logDir`
 * @param {string} [options.logDir] directory of the log (default scripts/.e2e-logs)
 * @param {number} [options.rpcPort] RPC port (default: a free one)
 * @param {number} [options.p2pPort] p2p port (default: a free one)
 * @param {number} [options.timeoutMs] how long to wait for the RPC server
 */
export async function startNode(options) {
  const binary = nodeBinary();
  if (!existsSync(binary)) {
    throw new Error(`node binary not found at ${binary}; build it with 'cargo build -p micropay-node'`);
  }
  const rpcPort = options.rpcPort ?? (await freePort());
  const p2pPort = options.p2pPort ?? (await freePort());
  const logDir = options.logDir ?? path.join(repoRoot, 'scripts', '.e2e-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, options.logName ?? `node-${rpcPort}.log`);
  const args = [
    ...options.args,
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--no-prometheus',
    '--no-telemetry',
    '--no-mdns',
  ];
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
  });

  const url = `ws://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  // Poll the RPC server over HTTP (same port) until it answers; the timers keep the event
  // loop alive, and an early exit of the node is reported with its log.
  for (;;) {
    if (exited) throw new Error(`node exited early (${JSON.stringify(exited)}); see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node RPC did not come up on ${url}; see ${logFile}`);
    }
    if (await rpcAnswers(rpcPort)) break;
    await sleep(500);
  }
  const provider = new WsProvider(url);
  const api = await ApiPromise.create({ provider, noInitWarn: true });

  const stop = async (signal = 'SIGTERM') => {
    await api.disconnect().catch(() => {});
    if (exited) return exited;
    const done = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const result = await done;
    clearTimeout(timer);
    log.end();
    return result;
  };
  // `provider.send(method, params)` reaches RPC methods the API does not decorate, such as
  // the auditor desk's `micropay_*`.
  return { api, provider, url, rpcPort, p2pPort, logFile, child, stop };
}

/**
 * Starts a dev node (`--dev`, on `--tmp` or a given base path) and connects an ApiPromise
 * to it.
 *
 * @param {object} [options]
 * @param {string} [options.basePath] keep the chain in this directory instead of `--tmp`
 * @param {string[]} [options.extraArgs] more node arguments
 * @param {string} [options.logName] log file name under scripts/.e2e-logs
 * @param {number} [options.timeoutMs] how long to wait for the RPC server
 */
export function startDevNode(options = {}) {
  return startNode({
    args: [
      '--dev',
      ...(options.basePath ? ['--base-path', options.basePath] : ['--tmp']),
      ...(options.extraArgs ?? []),
    ],
    logName: options.logName,
    timeoutMs: options.timeoutMs,
  });
}

/** Resolves with the header of the first block whose number is at least `number`. */
export function waitForBlock(api, number, { finalized = false, timeoutMs = 120_000 } = {}) {
  const subscribe = finalized ? api.rpc.chain.subscribeFinalizedHeads : api.rpc.chain.subscribeNewHeads;
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no ${finalized ? 'finalized ' : ''}block #${number} within ${timeoutMs} ms`));
    }, timeoutMs);
    subscribe((header) => {
      if (header.number.toNumber() >= number) {
        clearTimeout(timer);
        unsubscribe();
        resolve(header);
      }
    }).then((unsub) => {
      unsubscribe = unsub;
    }, reject);
  });
}

// Re-exported for the scripts that import it from here; it lives where a browser can load it.
export { sendAndWaitInBlock } from './tx.mjs';
