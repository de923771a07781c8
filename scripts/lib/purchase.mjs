// Builds and signs a Micropay purchase exactly as the chain verifies it (protocol v2,
// docs/protocol.md "Purchase payload"; primitives/src/purchase.rs):
//   payload = SCALE(PURCHASE_TAG: [u8; 20], genesis_hash: H256, buyer, merchant, auditor,
//                   item: [u8; 32], created_at: u64, tokens: Vec<TokenId>)
//   id      = blake2_256(payload)
// The chain also accepts a signature over `<Bytes>` + payload + `</Bytes>` (what browser
// wallets' signRaw signs); the id is always the hash of the plain payload.
import { u8aConcat, stringToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

export const PURCHASE_TAG = stringToU8a('micropay/purchase/v2');
export const RECEIPT_TAG = stringToU8a('micropay/receipt/v1');
/** The dev chain's genesis auditor (//Alice). */
export const DEV_AUDITOR = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

/** The signing payload and id of a purchase on the chain `api` is connected to. */
export function purchasePayload(api, { buyer, merchant, auditor = DEV_AUDITOR, item, createdAt, tokens }) {
  const fields = api.createType(
    '(AccountId32, AccountId32, AccountId32, [u8; 32], u64, Vec<(u64, u32)>)',
    [buyer, merchant, auditor, item, createdAt, tokens.map(({ batch, index }) => [batch, index])],
  );
  const payload = u8aConcat(PURCHASE_TAG, api.genesisHash.toU8a(), fields.toU8a());
  return { payload, id: blake2AsU8a(payload, 256) };
}

/** `payload` as browser wallets sign raw bytes. */
export const wrapBytes = (payload) => u8aConcat(stringToU8a('<Bytes>'), payload, stringToU8a('</Bytes>'));

/**
 * `tokens` as a token block carries them: runs `{ batch, first, count }` of consecutive
 * tokens of one batch, in order (primitives/src/token.rs, `token_runs`). The buyer signs the
 * ids; the chain expands the runs back into them.
 */
export function tokenRuns(tokens) {
  const runs = [];
  for (const token of tokens) {
    // Numbers, strings or BNs alike: compare values, not representations.
    const batch = BigInt(token.batch.toString());
    const index = Number(token.index.toString());
    const last = runs[runs.length - 1];
    if (last && last.batch === batch && last.first + last.count === index) last.count += 1;
    else runs.push({ batch, first: index, count: 1 });
  }
  return runs;
}

/**
 * A purchase as `micropay.submitBlock` takes it (tokens as runs), signed by `buyerPair` (an
 * sr25519 keyring pair) for `auditor`: the signature is a `MultiSignature::Sr25519`.
 */
export function signedPurchase(api, buyerPair, { merchant, auditor = DEV_AUDITOR, item, createdAt, tokens, prepaid }) {
  const { payload, id } = purchasePayload(api, {
    buyer: buyerPair.address,
    merchant,
    auditor,
    item,
    createdAt,
    tokens,
  });
  return {
    id,
    purchase: {
      purchase: {
        merchant,
        auditor,
        item,
        createdAt,
        tokens: tokenRuns(tokens),
        signature: { Sr25519: buyerPair.sign(payload) },
      },
      prepaid,
    },
  };
}

/** The bytes an auditor signs for a receipt (primitives/src/purchase.rs, `Receipt`). */
export function receiptPayload(api, { purchaseId, merchant, auditor, amount, deadline }) {
  const receipt = api.createType('([u8; 32], AccountId32, AccountId32, u128, u32)', [
    purchaseId,
    merchant,
    auditor,
    amount,
    deadline,
  ]);
  return u8aConcat(RECEIPT_TAG, api.genesisHash.toU8a(), receipt.toU8a());
}

/** A receipt as `micropay.claimReceipt` takes it: `[receipt, signature]`. */
export function claimArgs({ purchaseId, merchant, auditor, amount, deadline, signature }) {
  return [{ purchase: purchaseId, merchant, auditor, amount, deadline }, { Sr25519: signature }];
}
