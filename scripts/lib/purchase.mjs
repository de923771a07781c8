// Builds and signs a Micropay purchase exactly as the chain verifies it:
//   payload = SCALE(PURCHASE_TAG: [u8; 20], genesis_hash: H256, body)
//   body    = { buyer, merchant, item: [u8; 32], created_at: u64, tokens: Vec<TokenId> }
//   id      = blake2_256(payload)
// (see primitives/src/purchase.rs).
import { u8aConcat, stringToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

export const PURCHASE_TAG = stringToU8a('micropay/purchase/v1');

/** The signing payload and id of a purchase on the chain `api` is connected to. */
export function purchasePayload(api, { buyer, merchant, item, createdAt, tokens }) {
  const body = api.createType(
    '(AccountId32, AccountId32, [u8; 32], u64, Vec<(u64, u32)>)',
    [buyer, merchant, item, createdAt, tokens.map(({ batch, index }) => [batch, index])],
  );
  const payload = u8aConcat(PURCHASE_TAG, api.genesisHash.toU8a(), body.toU8a());
  return { payload, id: blake2AsU8a(payload, 256) };
}

/**
 * A purchase as `micropay.submitBlock` takes it, signed by `buyerPair` (an sr25519 keyring
 * pair): the signature is a `MultiSignature::Sr25519`.
 */
export function signedPurchase(api, buyerPair, { merchant, item, createdAt, tokens, prepaid }) {
  const { payload, id } = purchasePayload(api, {
    buyer: buyerPair.address,
    merchant,
    item,
    createdAt,
    tokens,
  });
  return {
    id,
    purchase: {
      merchant,
      item,
      createdAt,
      tokens,
      signature: { Sr25519: buyerPair.sign(payload) },
      prepaid,
    },
  };
}
