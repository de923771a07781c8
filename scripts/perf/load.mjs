// The bulk shape: keeps dev-chain blocks full of token blocks and measures validated tokens
// per second.
//
// Setup: Bob (bank) issues one large batch to each load buyer (//Load/0, //Load/1, …). Then
// every token block is built and signed up front (buyers sign their purchases, Alice signs
// the `submit_blocks` extrinsics with consecutive nonces, `blocksPerCall` buyers' token blocks
// in each), so the measurement is the chain's, not the client's. Tokens of a block are
// contiguous in the buyer's batch and purchases hold `MaxTokensPerPurchase` tokens each: the
// shape an auditor produces for busy users. All purchases are held (not prepaid) and go to
// Eve and Ferdie, who are endowed at genesis.
import { u8aToHex } from '@polkadot/util';
import { sendAndWaitInBlock } from '../lib/devnode.mjs';
import { signedPurchase } from '../lib/purchase.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issues each of `buyers` one batch of `tokensPerBuyer` tokens of `value`, expiring
 * `expiresIn` blocks from now (default: the longest lifetime), one extrinsic each (the runtime
 * has no utility pallet), `chunk` in flight at a time; returns the batch id per buyer address.
 */
export async function issueEach(api, bank, buyers, tokensPerBuyer, { value = 1, expiresIn, chunk = 250 } = {}) {
  const now = (await api.rpc.chain.getHeader()).number.toNumber();
  const expiresAt = now + (expiresIn ?? api.consts.micropay.maxTokenLifetime.toNumber());
  const batches = new Map();
  let nonce = (await api.rpc.system.accountNextIndex(bank.address)).toNumber();
  for (let i = 0; i < buyers.length; i += chunk) {
    const pending = buyers.slice(i, i + chunk).map((buyer) =>
      sendAndWaitInBlock(
        api,
        api.tx.micropay.issueTokens(buyer.address, tokensPerBuyer, value, expiresAt),
        bank,
        { nonce: nonce++ },
      ).then(({ events }) => {
        for (const { event } of events) {
          if (event.section === 'micropay' && event.method === 'TokensIssued') {
            batches.set(event.data.owner.toString(), event.data.batch.toNumber());
          }
        }
      }),
    );
    await Promise.all(pending);
  }
  return batches;
}

/** Builds and signs every token block of the run, in submission order. */
async function buildExtrinsics(api, { alice, buyers, batches, merchants, blocksPerBuyer, perPurchase, purchasesPerBlock, aliceNonce, blocksPerCall }) {
  const signed = [];
  let nonce = aliceNonce;
  let call = [];
  const flush = async () => {
    if (call.length === 0) return;
    const tx = api.tx.micropay.submitBlocks(call, 1);
    signed.push({ xt: await tx.signAsync(alice, { nonce: nonce++, era: 0 }), blocks: call.length });
    call = [];
  };
  for (let seq = 0; seq < blocksPerBuyer; seq += 1) {
    for (const buyer of buyers) {
      const batch = batches.get(buyer.address);
      const purchases = Array.from({ length: purchasesPerBlock }, (_, j) => {
        const first = (seq * purchasesPerBlock + j) * perPurchase;
        return signedPurchase(api, buyer, {
          merchant: merchants[j % merchants.length],
          item: u8aToHex(new Uint8Array(32).fill(j % 256)),
          createdAt: seq * purchasesPerBlock + j,
          tokens: Array.from({ length: perPurchase }, (_, i) => ({ batch, index: first + i })),
          prepaid: false,
        }).purchase;
      });
      call.push({ buyer: buyer.address, seq, purchases });
      if (call.length === blocksPerCall) await flush();
      // Signing takes minutes at the bulk ceiling: let the WebSocket answer its pings
      // meanwhile, or the node drops the connection.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // A buyer's next token block goes in a later extrinsic than this one.
    await flush();
  }
  return signed;
}

/**
 * Runs the load: `buyers` buyers, `blocksPerBuyer` token blocks each of
 * `purchasesPerBlock × perPurchase` tokens; returns per-chain-block results.
 */
export async function runLoad(api, keyring, options) {
  const { buyerCount, blocksPerBuyer, perPurchase, purchasesPerBlock, blocksPerCall, log = console.log } = options;
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const merchants = ['//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri).address);
  const buyers = Array.from({ length: buyerCount }, (_, i) => keyring.addFromUri(`//Load/${i}`));
  const tokensPerBuyer = blocksPerBuyer * purchasesPerBlock * perPurchase;

  log(`load: issuing ${buyerCount} batches of ${tokensPerBuyer} tokens`);
  const batches = await issueEach(api, bob, buyers, tokensPerBuyer);
  if (batches.size !== buyerCount) throw new Error(`issued ${batches.size} of ${buyerCount} batches`);

  const started = Date.now();
  const aliceNonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const built = await buildExtrinsics(api, {
    alice, buyers, batches, merchants, blocksPerBuyer, perPurchase, purchasesPerBlock, aliceNonce, blocksPerCall,
  });
  const extrinsics = built.map(({ xt }) => xt);
  const expected = built.reduce((sum, { blocks }) => sum + blocks, 0);
  log(`load: built and signed ${expected} token blocks in ${extrinsics.length} extrinsics in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Record every chain block from now on: its token-block events and its weight.
  const perBlock = [];
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const at = await api.at(header.hash);
    const [events, now, weight] = await Promise.all([at.query.system.events(), at.query.timestamp.now(), at.query.system.blockWeight()]);
    let tokens = 0;
    let blocks = 0;
    let failed = 0;
    for (const { event } of events) {
      if (event.section === 'micropay' && event.method === 'TokenBlockValidated') {
        tokens += event.data.summary.valid.toNumber();
        blocks += 1;
      }
      if (event.section === 'system' && event.method === 'ExtrinsicFailed') failed += 1;
    }
    perBlock.push({
      number: header.number.toNumber(),
      timestamp: now.toNumber(),
      tokens,
      blocks,
      failed,
      normalWeight: weight.normal.refTime.toBigInt(),
    });
  });

  // Feed the pool in chunks so the RPC server is never flooded.
  const submitted = Date.now();
  for (let i = 0; i < extrinsics.length; i += 10) {
    await Promise.all(extrinsics.slice(i, i + 10).map((xt) => api.rpc.author.submitExtrinsic(xt)));
  }
  log(`load: submitted ${extrinsics.length} extrinsics in ${((Date.now() - submitted) / 1000).toFixed(1)} s`);

  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const included = perBlock.reduce((sum, b) => sum + b.blocks, 0);
    if (included >= expected) break;
    if (Date.now() > deadline) throw new Error(`only ${included} of ${expected} token blocks included`);
    await sleep(1_000);
  }
  unsubscribe();
  // The blocks that carried token blocks (reexecute.mjs times their import).
  const loadedNumbers = perBlock.filter((b) => b.blocks > 0).map((b) => b.number);
  return { perBlock, expected, tokensPerBlock: purchasesPerBlock * perPurchase, loadedNumbers };
}

/** Throughput over the chain blocks that carried token blocks while more were waiting. */
export function throughput(perBlock) {
  const loaded = perBlock.filter((b) => b.blocks > 0);
  if (loaded.length < 2) return null;
  // Time runs from the block before the first loaded one; the first loaded block's own
  // tokens count, so use the first loaded block's predecessor timestamp if we saw it.
  const firstIndex = perBlock.indexOf(loaded[0]);
  const start = firstIndex > 0 ? perBlock[firstIndex - 1].timestamp : loaded[0].timestamp - (loaded[1].timestamp - loaded[0].timestamp);
  // The last loaded block is usually partial (the tail of the queue): leave it out.
  const full = loaded.slice(0, -1);
  const end = full[full.length - 1].timestamp;
  const tokens = full.reduce((sum, b) => sum + b.tokens, 0);
  const seconds = (end - start) / 1000;
  return {
    blocks: full.length,
    seconds,
    tokens,
    tokensPerSecond: tokens / seconds,
    tokenBlocksPerChainBlock: full.reduce((sum, b) => sum + b.blocks, 0) / full.length,
    failed: perBlock.reduce((sum, b) => sum + b.failed, 0),
    meanNormalWeight: full.reduce((sum, b) => sum + Number(b.normalWeight), 0) / full.length,
  };
}
