// Client of the auditor's front desk (node JSON-RPC `micropay_submitPurchase` and
// `micropay_purchaseStatus`): a merchant forwards the buyer's signed purchase and gets
// `deliver`, `wait` or `reject` (with the reason) at once. `node` is what
// `startDevNode` returns (its `api` builds payloads, its `provider` sends the calls).
import { u8aToHex } from '@polkadot/util';
import { DEV_AUDITOR, purchasePayload, wrapBytes } from './purchase.mjs';

/**
 * The request a merchant sends for a purchase signed by `buyerPair` for `auditor`; with
 * `wrapped` the buyer signs `<Bytes>payload</Bytes>`, as browser wallets do.
 */
export function deskRequest(api, buyerPair, { merchant, auditor = DEV_AUDITOR, item, createdAt, tokens, wrapped = false }) {
  const { payload, id } = purchasePayload(api, { buyer: buyerPair.address, merchant, auditor, item, createdAt, tokens });
  return {
    id: u8aToHex(id),
    request: {
      buyer: buyerPair.address,
      merchant,
      auditor,
      item,
      createdAt,
      tokens,
      signature: u8aToHex(buyerPair.sign(wrapped ? wrapBytes(payload) : payload)),
    },
  };
}

/** Sends a prepared request; resolves with the desk's answer. */
export const sendToDesk = (node, request) => node.provider.send('micropay_submitPurchase', [request]);

/** Signs and sends a purchase; resolves with `{ id, answer }`. */
export async function buyAtDesk(node, buyerPair, purchase) {
  const { id, request } = deskRequest(node.api, buyerPair, purchase);
  return { id, answer: await sendToDesk(node, request) };
}

/** The desk's auditor's promises outstanding, bond and free balance. */
export const deskExposure = (node) => node.provider.send('micropay_exposure', []);

/** One buyer's receipts outstanding, pending purchases, open tokens and token block in flight. */
export const buyerExposure = (node, buyer) => node.provider.send('micropay_buyerExposure', [buyer]);

/** What became of purchase `id` (hex), or null. */
export const purchaseStatus = (node, id) => node.provider.send('micropay_purchaseStatus', [id]);

/** Polls `purchaseStatus` until `done(status)` holds. */
export async function waitForStatus(node, id, done, { timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await purchaseStatus(node, id);
    if (status && done(status)) return status;
    if (Date.now() > deadline) throw new Error(`purchase ${id} still ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
