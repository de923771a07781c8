// Who can sign a purchase in the page: the well-known dev accounts (their keys are public:
// dev chains only), and accounts of a browser extension (polkadot.js or any wallet that
// injects `window.injectedWeb3`), which sign through `signRaw`, i.e. over
// `<Bytes>` + payload + `</Bytes>`: the chain and the desk accept that form too.
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { wrapBytes } from '../../scripts/lib/purchase.mjs';
import { withTimeout } from './dom.mjs';

/** The dev genesis roles (runtime/src/genesis_config_presets.rs). */
export const DEV_ACCOUNTS = [
  ['Alice', 'auditor'],
  ['Bob', 'bank'],
  ['Charlie', 'buyer'],
  ['Dave', 'buyer'],
  ['Eve', 'merchant'],
  ['Ferdie', 'merchant'],
];

/** A signer per dev account; `sign(payload, { wrapped })` signs plain or as wallets do. */
export async function devSigners(ss58Format) {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  return DEV_ACCOUNTS.map(([name, role]) => {
    const pair = keyring.addFromUri(`//${name}`);
    return {
      kind: 'dev',
      name,
      role,
      pair,
      address: pair.address,
      label: `${name} (${role}, dev key)`,
      sign: async (payload, { wrapped = false } = {}) => ({
        signature: pair.sign(wrapped ? wrapBytes(payload) : payload),
        form: wrapped ? 'wrapped' : 'plain',
      }),
    };
  });
}

/**
 * The sr25519 accounts of every injected extension (the desk takes sr25519 signatures
 * only). Resolves with `{ signers, notes }`; `notes` says what was skipped and why.
 */
export async function extensionSigners(appName, ss58Format) {
  const injected = globalThis.injectedWeb3 ?? {};
  const signers = [];
  const notes = [];
  if (!Object.keys(injected).length) notes.push('no browser extension found (window.injectedWeb3 is empty)');
  for (const [source, extension] of Object.entries(injected)) {
    try {
      const enabled = await withTimeout(extension.enable(appName), 60_000, `extension ${source}`);
      if (!enabled?.signer?.signRaw) {
        notes.push(`${source} cannot sign raw data`);
        continue;
      }
      for (const account of await enabled.accounts.get()) {
        if (account.type && account.type !== 'sr25519') {
          notes.push(`${account.name ?? account.address} (${source}) is ${account.type}: the desk takes sr25519 only`);
          continue;
        }
        const address = encodeAddress(decodeAddress(account.address), ss58Format);
        signers.push({
          kind: 'extension',
          name: account.name ?? address,
          role: source,
          address,
          label: `${account.name ?? address} (${source})`,
          sign: async (payload) => {
            const { signature } = await enabled.signer.signRaw({ address: account.address, data: u8aToHex(payload), type: 'bytes' });
            let bytes = hexToU8a(signature);
            // Some wallets prefix the MultiSignature variant (0x01 = sr25519); the desk wants 64 bytes.
            if (bytes.length === 65 && bytes[0] === 1) bytes = bytes.subarray(1);
            return { signature: bytes, form: 'wrapped' };
          },
        });
      }
    } catch (error) {
      notes.push(`${source}: ${error.message ?? error}`);
    }
  }
  return { signers, notes };
}
