// What a payment costs on chain, read from the live runtime (its weights are the generated
// ones): `transactionPaymentApi.queryInfo` prices a call from its arguments alone, so dummy
// signatures do not matter here. Weights include the base extrinsic weight.
import { u8aToHex } from '@polkadot/util';
import { DEV_AUDITOR, tokenRuns } from '../lib/purchase.mjs';

/** The issue-13 figure for the default shape before token blocks in bulk: `submit_block`
 * (p = 2, t = 20, w = 1) with the weights of 721c32d: 1,217.5 µs + 2 × 273.3 µs + 309.9 µs. */
export const BEFORE_DEFAULT_BLOCK_US = 2_074;

/** A distinct dummy account for index `i`. */
const dummy = (tag, i) => {
  const bytes = new Uint8Array(32).fill(tag);
  new DataView(bytes.buffer).setUint32(0, i);
  return u8aToHex(bytes);
};

/**
 * A `submit_blocks` of `blocks` token blocks, each of another buyer with its own batch, each
 * of `purchasesPerBlock` purchases of `perPurchase` tokens, merchants taken in turn from
 * `merchantCount`; all tokens of one bank.
 */
export function submitBlocksCall(api, { blocks, purchasesPerBlock, perPurchase, merchantCount = 100, banks = 1 }) {
  let turn = 0;
  const tokenBlocks = Array.from({ length: blocks }, (_, b) => ({
    buyer: dummy(1, b),
    seq: 0,
    purchases: Array.from({ length: purchasesPerBlock }, (_, j) => ({
      purchase: {
        merchant: dummy(2, turn++ % merchantCount),
        auditor: DEV_AUDITOR,
        item: u8aToHex(new Uint8Array(32).fill(j % 256)),
        createdAt: j,
        tokens: tokenRuns(Array.from({ length: perPurchase }, (_, i) => ({ batch: b, index: j * perPurchase + i }))),
        signature: { Sr25519: u8aToHex(new Uint8Array(64)) },
      },
      prepaid: false,
    })),
  }));
  return api.tx.micropay.submitBlocks(tokenBlocks, banks);
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
 * One shape's costs: per token block, per purchase and per token, next to a transfer, and
 * the tokens/s one chain block every `slotSeconds` carries by weight and by length.
 */
async function shapeCost(api, signer, shape, { transfer, normalMax, lengthMax, slotSeconds }) {
  const cost = await extrinsicCost(api, submitBlocksCall(api, shape), signer);
  const purchases = shape.blocks * shape.purchasesPerBlock;
  const tokens = purchases * shape.perPurchase;
  const weightPerPurchase = Number(cost.refTime) / purchases;
  return {
    ...shape,
    cost,
    purchases,
    tokens,
    weightPerBlock: Number(cost.refTime) / shape.blocks,
    weightPerPurchase,
    weightPerToken: Number(cost.refTime) / tokens,
    vsTransfer: weightPerPurchase / Number(transfer.refTime),
    byWeight: (Number(normalMax) / Number(cost.refTime)) * tokens / slotSeconds,
    byLength: (lengthMax / cost.length) * tokens / slotSeconds,
    bytesPerToken: cost.length / tokens,
  };
}

/**
 * The weight section of the report: the default shape (W₀ = 20, 10-token purchases: two
 * purchases per token block, as many token blocks per extrinsic as it takes) and the bulk
 * shape (token blocks of `MaxBlockTokens` in purchases of `MaxTokensPerPurchase`), each next
 * to one `transfer_keep_alive`, with its ceilings by weight and by length.
 */
export async function weightReport(api, { alice, eve }) {
  const c = api.consts.micropay;
  const maxPurchases = c.maxPurchasesPerCall.toNumber();
  const maxBlocks = c.maxBlocksPerCall.toNumber();
  const perPurchaseMax = c.maxTokensPerPurchase.toNumber();
  const bulkPurchasesPerBlock = Math.ceil(c.maxBlockTokens.toNumber() / perPurchaseMax);
  const transfer = await extrinsicCost(api, api.tx.balances.transferKeepAlive(eve.address, 1n), alice);
  const weights = api.consts.system.blockWeights;
  const normalMax = weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const lengthMax = api.consts.system.blockLength.max.normal.toNumber();
  const slotSeconds = api.consts.aura.slotDuration.toNumber() / 1000;
  const context = { transfer, normalMax, lengthMax, slotSeconds };
  const defaultShape = await shapeCost(
    api,
    alice,
    { blocks: Math.min(maxBlocks, Math.floor(maxPurchases / 2)), purchasesPerBlock: 2, perPurchase: 10 },
    context,
  );
  const single = await shapeCost(api, alice, { blocks: 1, purchasesPerBlock: 2, perPurchase: 10 }, context);
  const bulk = await shapeCost(
    api,
    alice,
    {
      blocks: Math.max(1, Math.floor(maxPurchases / bulkPurchasesPerBlock)),
      purchasesPerBlock: bulkPurchasesPerBlock,
      perPurchase: perPurchaseMax,
    },
    context,
  );
  return { transfer, normalMax, lengthMax, slotSeconds, defaultShape, single, bulk };
}
