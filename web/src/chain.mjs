// The page's one connection to a node: endpoint from the URL, an ApiPromise that retries,
// and plain-language states for the header (connecting, ready, down, error).
import { ApiPromise, WsProvider } from '@polkadot/api';

export const DEFAULT_RPC = 'ws://127.0.0.1:9944';
const RETRY_MS = 3_000;

/** The endpoint named by `?rpc=` in the page's URL, else the dev node's. */
export const endpointFrom = (location) => new URLSearchParams(location.search).get('rpc')?.trim() || DEFAULT_RPC;

/** Why `url` cannot be a node endpoint, or null. */
export function endpointProblem(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL; a node endpoint looks like ws://127.0.0.1:9944`;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return `"${url}" is not a WebSocket endpoint (ws:// or wss://), e.g. ws://127.0.0.1:9944`;
  }
  return null;
}

/**
 * Connects to `url`; `onStatus({ state, message })` hears every change, with `state` one of
 * `connecting`, `ready`, `down` (unreachable or lost: the provider retries) and `error`
 * (nothing to retry). Resolves nothing: returns `{ api, provider }` at once, or null.
 */
export function connect(url, onStatus) {
  const problem = endpointProblem(url);
  if (problem) {
    onStatus({ state: 'error', message: problem });
    return null;
  }
  let provider;
  try {
    provider = new WsProvider(url, RETRY_MS, {}, 20_000);
  } catch (error) {
    onStatus({ state: 'error', message: `Cannot use ${url}: ${error.message}` });
    return null;
  }
  let ready = false;
  let everConnected = false;
  provider.on('error', () => {
    if (!provider.isConnected) {
      onStatus({
        state: 'down',
        message: everConnected
          ? `Lost the connection to ${url}; retrying every ${RETRY_MS / 1000} s…`
          : `Cannot reach ${url}: is the node running, and is this its endpoint? Retrying every ${RETRY_MS / 1000} s…`,
      });
    }
  });
  provider.on('disconnected', () => {
    if (everConnected) onStatus({ state: 'down', message: `Lost the connection to ${url}; retrying every ${RETRY_MS / 1000} s…` });
  });
  provider.on('connected', () => {
    everConnected = true;
    onStatus(ready ? { state: 'ready', message: 'reconnected' } : { state: 'connecting', message: 'connected; loading metadata…' });
  });
  const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: false });
  api.on('ready', () => {
    ready = true;
    onStatus({ state: 'ready', message: 'ready' });
  });
  // The API relays the provider's connection errors (handled above); only others are news.
  api.on('error', (error) => {
    if (provider.isConnected && error instanceof Error) onStatus({ state: 'error', message: `Node error: ${error.message}` });
  });
  api.isReadyOrError.catch(() => {}); // the states above report it; no unhandled rejection
  return { api, provider };
}

/** What the page needs to know about the chain once connected, or why it cannot serve it. */
export async function describeChain(api, provider) {
  const [chain, methods, header] = await Promise.all([
    api.rpc.system.chain(),
    provider.send('rpc_methods', []),
    api.rpc.chain.getHeader(),
  ]);
  const missing = [];
  if (!api.query.micropay) missing.push('the micropay pallet');
  if (!api.call.micropayApi) missing.push('the MicropayApi runtime API');
  const desk = methods.methods.includes('micropay_submitPurchase');
  return {
    name: chain.toString(),
    genesis: api.genesisHash.toHex(),
    decimals: api.registry.chainDecimals[0] ?? 12,
    symbol: api.registry.chainTokens[0] ?? 'MPY',
    ss58: api.registry.chainSS58 ?? 42,
    head: header.number.toNumber(),
    desk,
    problem: missing.length ? `This node has no ${missing.join(' and no ')}: is it a Micropay node?` : null,
  };
}
