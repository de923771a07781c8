// What a payment costs on chain, read from the live runtime (its weights are the generated
// ones): `transactionPaymentApi.queryInfo` prices a call from its arguments alone, so dummy
// signatures do not matter here.
import { u8aToHex } from '@polkadot/util';
import { DEV_AUDITOR } from '../lib/purchase.mjs';

/** A `submit_block` call of `purchases` purchases of `perPurchase` tokens each. */
export function submitBlockCall(api, user, merchant, { purchases, perPurchase, batch = 0, seq = 0 }) {
  const block = Array.from({ length: purchases }, (_, j) => ({
    purchase: {
      merchant,
      auditor: DEV_AUDITOR,
      item: u8aToHex(new Uint8Array(32).fill(j % 256)),
      createdAt: j,
      tokens: Array.from({ length: perPurchase }, (_, i) => ({ batch, index: j * perPurchase + i })),
      signature: { Sr25519: u8aToHex(new Uint8Array(64)) },
    },
    prepaid: false,
  }));
  return api.tx.micropay.submitBlock(user, seq, block);
}

/** Weight (ref time, ps) and encoded length of `tx` signed by `signer`, with the base
 * extrinsic weight included. */
export async function extrinsicCost(api, tx, signer) {
  const info = await tx.paymentInfo(signer);
  const base = api.consts.system.blockWeights.perClass.normal.baseExtrinsic.refTime.toBigInt();
  const signed = tx.isSigned ? tx : await tx.signAsync(signer, { nonce: 0 });
  return { refTime: info.weight.refTime.toBigInt() + base, length: signed.encodedLength };
}

/**
 * The weight section of the report: per-token weight of `submit_block` next to one
 * `transfer_keep_alive`, and how many tokens one chain block carries by weight and by length.
 */
export async function weightReport(api, { alice, bob, eve }) {
  const maxTokens = api.consts.micropay.maxBlockTokens.toNumber();
  const perPurchaseMax = api.consts.micropay.maxTokensPerPurchase.toNumber();
  const fullPurchases = Math.ceil(maxTokens / perPurchaseMax);
  const full = await extrinsicCost(
    api,
    submitBlockCall(api, bob.address, eve.address, { purchases: fullPurchases, perPurchase: perPurchaseMax }),
    alice,
  );
  const half = await extrinsicCost(
    api,
    submitBlockCall(api, bob.address, eve.address, {
      purchases: fullPurchases,
      perPurchase: perPurchaseMax / 2,
    }),
    alice,
  );
  // The front desk's typical purchase: 10 tokens.
  const tenTokenPurchases = Math.floor(maxTokens / 10);
  const typical = await extrinsicCost(
    api,
    submitBlockCall(api, bob.address, eve.address, { purchases: tenTokenPurchases, perPurchase: 10 }),
    alice,
  );
  const transfer = await extrinsicCost(api, api.tx.balances.transferKeepAlive(eve.address, 1n), alice);

  const fullTokens = fullPurchases * perPurchaseMax;
  const typicalTokens = tenTokenPurchases * 10;
  const perToken = Number(full.refTime) / fullTokens;
  const perTokenTypical = Number(typical.refTime) / typicalTokens;
  const marginal = Number(full.refTime - half.refTime) / (fullTokens / 2);

  const weights = api.consts.system.blockWeights;
  const normalMax = weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const lengthMax = api.consts.system.blockLength.max.normal.toNumber();
  const byWeight = Number(normalMax / full.refTime) * fullTokens;
  const byLength = Math.floor(lengthMax / full.length) * fullTokens;
  return {
    fullTokens,
    fullPurchases,
    full,
    typical,
    typicalTokens,
    transfer,
    perToken,
    perTokenTypical,
    marginal,
    ratio: perToken / Number(transfer.refTime),
    ratioTypical: perTokenTypical / Number(transfer.refTime),
    normalMax,
    lengthMax,
    byWeight,
    byLength,
    bytesPerToken: full.length / fullTokens,
  };
}
