// What the chain's events say, block by block: token blocks (TokenBlockValidated) with the
// trust update that followed each (TrustUpdated), and settled or rejected purchases. The
// chart and the recent-blocks table are drawn from here; nothing is invented.
//
// Events live in state, which a default (non-archive) node keeps for the last 256 blocks, so
// on load the page reads back at most `depth` blocks and then follows the chain's best head.

const INVALID_REASONS = [
  'unknown',
  'notOwned',
  'badSignature',
  'doubleSpentOnChain',
  'doubleSpentInBlock',
  'doubleSold',
  'expired',
  'collateralMissing',
];
export { INVALID_REASONS };

export class ChainHistory {
  constructor(api, { depth = 250 } = {}) {
    this.api = api;
    this.depth = depth;
    this.next = null; // the next block number to read
    this.from = null; // the first block read
    this.tokenBlocks = []; // { number, auditor, buyer, summary, trust? }
    this.settled = new Map(); // purchase id hex → { number, merchant, paid, prepaid }
    this.rejected = new Map(); // purchase id hex → { number, merchant, reason }
    this.invalid = new Map(); // purchase id hex → { number, tokens: [{ batch, index, reason }] }
    this.unreadable = 0; // blocks whose events were pruned
  }

  /** Reads every block up to `head` not read yet (one reader at a time). */
  advance(head) {
    this.target = Math.max(this.target ?? 0, head);
    this.running ??= this.readUpTo().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async readUpTo() {
    const head = this.target;
    if (this.next === null) {
      this.next = Math.max(1, head - this.depth + 1);
      this.from = this.next;
    }
    while (this.next <= head) {
      const upto = Math.min(head, this.next + 15);
      const numbers = [];
      for (let n = this.next; n <= upto; n += 1) numbers.push(n);
      const read = await Promise.all(numbers.map((n) => this.eventsOf(n)));
      read.forEach((events, i) => this.record(numbers[i], events));
      this.next = upto + 1;
    }
    if (this.target > head) await this.readUpTo();
  }

  async eventsOf(number) {
    try {
      const hash = await this.api.rpc.chain.getBlockHash(number);
      return await this.api.query.system.events.at(hash);
    } catch {
      this.unreadable += 1;
      return [];
    }
  }

  record(number, events) {
    const blocks = [];
    const trusts = [];
    for (const { event } of events) {
      if (event.section !== 'micropay') continue;
      const data = event.data;
      switch (event.method) {
        case 'TokenBlockValidated':
          blocks.push({ number, auditor: data.auditor.toString(), buyer: data.buyer.toString(), summary: summaryOf(data.summary) });
          break;
        case 'TrustUpdated':
          trusts.push({
            auditor: data.auditor.toString(),
            buyer: data.buyer.toString(),
            profile: data.profile.toString(),
            trust: data.trust.toBigInt(),
            nextBlockSize: data.nextBlockSize.toNumber(),
            gamma: data.gamma.toNumber(),
            blockRisk: data.blockRisk.toBigInt(),
          });
          break;
        case 'PurchaseSettled':
          this.settled.set(data.purchase.toHex(), {
            number,
            merchant: data.merchant.toString(),
            paid: data.paid.toBigInt(),
            prepaid: data.prepaid.isTrue,
          });
          break;
        case 'PurchaseRejected':
          this.rejected.set(data.purchase.toHex(), { number, merchant: data.merchant.toString(), reason: data.reason.toString() });
          break;
        case 'InvalidTokens':
          this.invalid.set(data.purchase.toHex(), {
            number,
            tokens: data.tokens.map(([token, reason]) => ({ batch: token.batch.toNumber(), index: token.index.toNumber(), reason: reason.toString() })),
          });
          break;
        default:
      }
    }
    // One TrustUpdated follows each token block of the same (auditor, buyer), in order.
    for (const block of blocks) {
      const at = trusts.findIndex((t) => t.auditor === block.auditor && t.buyer === block.buyer);
      if (at >= 0) block.trust = trusts.splice(at, 1)[0];
      this.tokenBlocks.push(block);
    }
  }

  /** Token blocks of `buyer` with `auditor`, oldest first. */
  tokenBlocksOf(auditor, buyer) {
    return this.tokenBlocks.filter((b) => b.auditor === auditor && b.buyer === buyer);
  }

  /** Every buyer seen in a token block of `auditor`. */
  buyersOf(auditor) {
    return [...new Set(this.tokenBlocks.filter((b) => b.auditor === auditor).map((b) => b.buyer))];
  }
}

function summaryOf(summary) {
  const invalid = {};
  for (const reason of INVALID_REASONS) invalid[reason] = summary.invalid[reason].toNumber();
  return {
    seq: summary.seq.toNumber(),
    purchases: summary.purchases.toNumber(),
    tokens: summary.tokens.toNumber(),
    valid: summary.valid.toNumber(),
    invalid,
    beta: Object.values(invalid).reduce((a, b) => a + b, 0),
    rejected: summary.rejected.toNumber(),
    paidOut: summary.paidOut.toBigInt(),
    redeemed: summary.redeemed.toBigInt(),
    risk: summary.risk.toBigInt(),
  };
}
