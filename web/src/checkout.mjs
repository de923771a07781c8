// Checkout, the merchant's view: a buyer signs a purchase of some of its unspent tokens, the
// page hands it to the auditor's front desk and shows the answer (deliver / wait / reject
// with the reason), the signed receipt, then the purchase's status at every new block until
// it is settled or rejected, with what the merchant was paid.
//
// The payload is built by scripts/lib/purchase.mjs and the desk is called through
// scripts/lib/desk.mjs: the same code the scripts and tests use.
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, signatureVerify } from '@polkadot/util-crypto';
import { purchasePayload, receiptPayload } from '../../scripts/lib/purchase.mjs';
import { deskExposure, purchaseStatus, sendToDesk } from '../../scripts/lib/desk.mjs';
import { sendAndWaitInBlock } from '../../scripts/lib/tx.mjs';
import { errorText, fill, formatChange, formatUnits, h, short, withTimeout } from './dom.mjs';
import { extensionSigners } from './signers.mjs';

const RPC_TIMEOUT = 15_000;
const MAX_TOKENS = 64; // MaxTokensPerPurchase
const HORIZON = 30; // the desk refuses tokens expiring within its settle horizon (docs/protocol.md §4)
const ISSUE_COUNT = 40;
const FINAL = new Set(['settled', 'rejected']);

/** What each refusal means to a merchant (docs/protocol.md §4 and §6). */
export const REASONS = {
  Unknown: 'a token was never issued (forged)',
  NotOwned: 'a token belongs to someone else',
  BadSignature: "the buyer's signature does not verify",
  DoubleSpentOnChain: 'a token is already spent on chain',
  DoubleSpentInBlock: 'a token appears twice in the purchase',
  DoubleSold: 'this purchase was already sold (settled or at the desk)',
  DoubleSpent: 'a token already waits at this desk in another purchase',
  Expired: 'a token has expired',
  CollateralMissing: "the issuing bank's collateral is missing",
  ExpiresTooSoon: 'a token expires before a token block could settle',
  BadSize: 'no token, or more than 64 tokens',
  DeskFull: 'the desk is full; retry after the next token block',
  WrongAuditor: 'the purchase names another auditor',
  AuditorInactive: "the desk's auditor is not active: no new promises",
  MerchantCannotReceive: "the merchant's account cannot receive the payout",
};

export class CheckoutView {
  constructor(root, app) {
    this.root = root;
    this.app = app; // { api, provider, chain, signers, history, head, tracked, onTracked }
    this.purchases = app.tracked; // shared with the auditor view (open promises per buyer)
    this.busy = false;
    this.render();
  }

  get api() {
    return this.app.api;
  }

  fmt(amount) {
    return formatUnits(amount, this.app.chain?.decimals, this.app.chain?.symbol);
  }

  render() {
    const app = this.app;
    // Buyers are keyed by their place in app.signers (one address may sign through the dev
    // keyring and through a wallet); merchants by address.
    const buyerKey = this.buyer?.value ?? String(app.signers.findIndex((s) => s.name === 'Charlie'));
    this.buyer = h('select', { id: 'buyer', onchange: () => this.refreshTokens() },
      app.signers.map((s, i) => h('option', { value: String(i), selected: String(i) === buyerKey }, s.label)));
    const merchant = this.merchant?.value ?? app.signers.find((s) => s.name === 'Eve')?.address;
    this.merchant = h('select', { id: 'merchant' }, app.signers.filter((s) => s.kind === 'dev')
      .map((s) => h('option', { value: s.address, selected: s.address === merchant }, s.label)));
    this.item = h('input', { id: 'item', type: 'text', value: this.item?.value ?? 'Coffee, large' });
    this.count = h('input', { id: 'count', type: 'number', min: 1, max: MAX_TOKENS, value: this.count?.value ?? 5 });
    this.wrapped = h('input', { id: 'wrapped', type: 'checkbox', checked: this.wrapped?.checked });
    this.tokensInfo = h('p', { class: 'hint', id: 'tokens-info' }, 'Unspent tokens: …');
    this.payButton = h('button', { id: 'pay', class: 'primary', type: 'button', onclick: () => this.pay() }, 'Sign and send to the desk');
    this.issueButton = h('button', { id: 'issue', type: 'button', onclick: () => this.issue() }, `Issue ${ISSUE_COUNT} tokens (dev bank Bob)`);
    this.walletButton = h('button', { id: 'wallet', type: 'button', onclick: () => this.loadWallets() }, 'Use a browser wallet');
    this.message = h('div', { id: 'checkout-message' });
    this.auditorInfo = h('p', { class: 'hint', id: 'desk-auditor' }, 'Desk auditor: …');
    this.list = h('div', { id: 'purchases' });
    fill(
      this.root,
      h('div', { class: 'grid' },
        h('div', {},
          h('div', { class: 'card' },
            h('h2', {}, 'New purchase'),
            h('label', { for: 'buyer' }, 'Buyer (signs the purchase)'), this.buyer, this.tokensInfo,
            h('label', { class: 'check' }, this.wrapped, 'Sign as a browser wallet does (<Bytes>…</Bytes>)'),
            h('label', { for: 'merchant' }, 'Merchant (is paid)'), this.merchant,
            h('label', { for: 'item' }, 'Item (its BLAKE2-256 hash is signed)'), this.item,
            h('label', { for: 'count' }, `Tokens to pay with (1–${MAX_TOKENS})`), this.count,
            this.auditorInfo,
            h('div', { class: 'actions' }, this.payButton),
            this.message,
          ),
          h('div', { class: 'card' },
            h('h2', {}, 'Dev chain helpers'),
            h('div', { class: 'actions' }, this.issueButton, this.walletButton),
            h('p', { class: 'hint' }, 'Dev keys are public: use them on dev chains only. A wallet (polkadot.js extension or any injected signer) signs with signRaw, which wraps the payload in <Bytes>…</Bytes>; the chain and the desk accept both forms.'),
            (this.walletNotes = h('p', { class: 'hint', id: 'wallet-notes' })),
          ),
        ),
        h('div', {},
          h('div', { class: 'card' }, h('h2', {}, 'Purchases'), this.list),
        ),
      ),
    );
    this.renderList();
    this.refreshTokens();
    this.refreshDesk();
  }

  say(kind, text) {
    fill(this.message, text ? h('div', { class: `msg msg-${kind}` }, text) : null);
  }

  signer() {
    return this.app.signers[Number(this.buyer.value)];
  }

  async loadWallets() {
    this.walletButton.disabled = true;
    try {
      const { signers, notes } = await extensionSigners('Micropay console', this.app.chain.ss58);
      const key = (s) => [s.kind, s.role, s.address, s.name].join('/');
      const known = new Set(this.app.signers.map(key));
      for (const s of signers) if (!known.has(key(s))) this.app.signers.push(s);
      fill(this.walletNotes, signers.length ? `${signers.length} wallet account(s) added to the buyers. ` : '', notes.join('; '));
      const first = this.app.signers.findIndex((s) => s.kind === 'extension');
      this.render();
      if (first >= 0) {
        this.buyer.value = String(first);
        this.refreshTokens();
      }
    } finally {
      this.walletButton.disabled = false;
    }
  }

  /** Pending purchases of `buyer` sent from this page, by id (their tokens are taken). */
  pendingKey(buyer) {
    return `micropay-console/pending/${this.app.chain.genesis}/${buyer}`;
  }

  loadPending(buyer) {
    try {
      return JSON.parse(localStorage.getItem(this.pendingKey(buyer)) ?? '{}');
    } catch {
      return {};
    }
  }

  savePending(buyer, pending) {
    localStorage.setItem(this.pendingKey(buyer), JSON.stringify(pending));
  }

  /** Tokens of `buyer` this page sent to the desk and that are still waiting there. */
  async takenTokens(buyer) {
    const pending = this.loadPending(buyer);
    for (const id of Object.keys(pending)) {
      const status = await purchaseStatus(this.app, id).catch(() => undefined);
      if (status === null || (status && FINAL.has(status.status))) delete pending[id];
    }
    this.savePending(buyer, pending);
    return new Set(Object.values(pending).flat().map(({ batch, index }) => `${batch}/${index}`));
  }

  /** Up to `count` spendable tokens of `buyer`, oldest batch first, with their value. */
  async unspentTokens(buyer, count = Infinity) {
    const api = this.api;
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    const taken = await this.takenTokens(buyer);
    const batches = (await api.query.micropay.batches.entries())
      .map(([key, value]) => ({ id: key.args[0].toNumber(), batch: value.unwrap() }))
      .filter(({ batch }) => batch.owner.toString() === buyer && !batch.reclaimed.isTrue && batch.expiresAt.toNumber() > head + HORIZON)
      .sort((a, b) => a.id - b.id);
    const tokens = [];
    let available = 0;
    for (const { id, batch } of batches) {
      const size = batch.count.toNumber();
      const words = await api.query.micropay.spentWords.multi(Array.from({ length: Math.ceil(size / 128) }, (_, w) => [id, w]));
      for (let index = 0; index < size; index += 1) {
        const spent = (words[Math.floor(index / 128)].toBigInt() >> BigInt(index % 128)) & 1n;
        if (spent || taken.has(`${id}/${index}`)) continue;
        available += 1;
        if (tokens.length < count) tokens.push({ batch: id, index, value: batch.value.toBigInt() });
      }
    }
    return { tokens, available };
  }

  /** Who the desk promises for, and whether it may (micropay_exposure). */
  async refreshDesk() {
    if (!this.api?.isConnected || !this.app.chain) return;
    if (!this.app.chain.desk) {
      fill(this.auditorInfo, 'Desk: none on this node (checkout is off).');
      return;
    }
    try {
      const { auditor, outstanding, bond, active } = await withTimeout(deskExposure(this.app), RPC_TIMEOUT, 'micropay_exposure');
      const name = this.app.signers.find((s) => s.address === auditor)?.name;
      fill(this.auditorInfo, `Desk auditor: ${name ? `${name} ` : ''}${short(auditor)}, ${active ? 'active' : 'NOT active (it refuses purchases)'}; receipts outstanding ${this.fmt(outstanding)} of a ${this.fmt(bond)} bond.`);
    } catch (error) {
      fill(this.auditorInfo, `Desk: cannot read (${errorText(error)})`);
    }
  }

  async refreshTokens() {
    if (!this.api?.isConnected || !this.app.chain) return;
    const buyer = this.signer().address;
    try {
      const { tokens, available } = await withTimeout(this.unspentTokens(buyer, 1), RPC_TIMEOUT, 'reading tokens');
      if (buyer !== this.signer().address) return;
      this.tokensInfo.dataset.available = String(available);
      fill(this.tokensInfo, available
        ? `Unspent tokens: ${available} (${this.fmt(tokens[0].value)} each)`
        : 'Unspent tokens: none. Issue some with the dev bank below.');
    } catch (error) {
      fill(this.tokensInfo, `Unspent tokens: cannot read (${errorText(error)})`);
    }
  }

  /** The dev bank (Bob) issues tokens to the selected buyer. */
  async issue() {
    const api = this.api;
    const bob = this.app.signers.find((s) => s.kind === 'dev' && s.name === 'Bob');
    if (!api?.isConnected) return this.say('bad', 'Not connected to a node.');
    this.issueButton.disabled = true;
    try {
      if ((await api.query.micropay.banks(bob.address)).isNone) throw new Error('Bob is not a registered bank on this chain');
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      const value = 10n ** BigInt(this.app.chain.decimals) / 100n; // 0.01 MPY
      const owner = this.signer().address;
      const tx = api.tx.micropay.issueTokens(owner, ISSUE_COUNT, value, head + 5_000);
      this.say('wait', `Bob issues ${ISSUE_COUNT} tokens… (waiting for a block)`);
      await withTimeout(sendAndWaitInBlock(api, tx, bob.pair), 60_000, 'issuing tokens');
      this.say('ok', `Issued ${ISSUE_COUNT} tokens of ${this.fmt(value)} to ${this.signer().name} (${short(owner)}).`);
      await this.refreshTokens();
    } catch (error) {
      this.say('bad', `Could not issue tokens: ${errorText(error)}`);
    } finally {
      this.issueButton.disabled = false;
    }
  }

  /** Builds, signs and sends the purchase; tracks it until it is final. */
  async pay() {
    if (this.busy) return;
    const api = this.api;
    if (!api?.isConnected || !this.app.chain) return this.say('bad', 'Not connected to a node: nothing was sent.');
    if (!this.app.chain.desk) return this.say('bad', 'This node has no auditor desk (micropay_submitPurchase): connect to an auditor node.');
    const count = Number(this.count.value);
    if (!Number.isInteger(count) || count < 1 || count > MAX_TOKENS) return this.say('bad', `Token count must be 1 to ${MAX_TOKENS}.`);
    const signer = this.signer();
    const buyer = signer.address;
    const merchant = this.merchant.value;
    if (merchant === buyer) return this.say('bad', 'Buyer and merchant are the same account.');
    this.busy = true;
    this.payButton.disabled = true;
    try {
      this.say('wait', 'Asking the desk for its auditor…');
      const exposure = await withTimeout(deskExposure(this.app), RPC_TIMEOUT, 'micropay_exposure');
      const auditor = exposure.auditor;
      if (!auditor) throw new Error('the desk serves no auditor (no registered auditor key on this node)');
      this.say('wait', 'Picking unspent tokens…');
      const { tokens, available } = await withTimeout(this.unspentTokens(buyer, count), RPC_TIMEOUT, 'reading tokens');
      if (tokens.length < count) throw new Error(`${signer.name} has ${available} spendable token(s), not ${count}: issue more with the dev bank`);
      // Read back each token as the runtime sees it (runtime API tokenStatus).
      const statuses = await withTimeout(Promise.all(tokens.map((t) => api.call.micropayApi.tokenStatus({ batch: t.batch, index: t.index }))), RPC_TIMEOUT, 'tokenStatus');
      const notUnspent = statuses.findIndex((s) => !s.isUnspent);
      if (notUnspent >= 0) throw new Error(`token ${tokens[notUnspent].batch}/${tokens[notUnspent].index} is ${statuses[notUnspent].type}, not unspent`);
      const ids = tokens.map(({ batch, index }) => ({ batch, index }));
      const item = blake2AsHex(this.item.value, 256);
      const createdAt = Date.now();
      const { payload, id } = purchasePayload(api, { buyer, merchant, auditor, item, createdAt, tokens: ids });
      this.say('wait', signer.kind === 'dev' ? 'Signing…' : `Waiting for ${signer.role} to sign…`);
      const { signature, form } = await signer.sign(payload, { wrapped: this.wrapped.checked });
      const request = { buyer, merchant, auditor, item, createdAt, tokens: ids, signature: u8aToHex(signature) };
      const merchantBefore = await this.freeBalance(merchant);
      this.say('wait', 'Sending to the desk…');
      const answer = await withTimeout(sendToDesk(this.app, request), RPC_TIMEOUT, 'micropay_submitPurchase');
      const purchase = {
        id: u8aToHex(id),
        buyer,
        buyerName: signer.name,
        merchant,
        merchantName: this.app.signers.find((s) => s.address === merchant)?.name ?? short(merchant),
        auditor,
        item: this.item.value,
        tokens: ids,
        value: tokens.reduce((sum, t) => sum + t.value, 0n),
        form,
        answer,
        sentAt: new Date(),
        sentBlock: this.app.head,
        status: answer.decision === 'reject' ? null : { status: answer.decision === 'deliver' ? 'delivered' : 'waiting' },
        receiptValid: answer.receipt ? this.receiptValid(answer.receipt, { id: u8aToHex(id), merchant, auditor }) : null,
        merchantBefore,
        merchantNow: merchantBefore,
      };
      if (answer.purchaseId && answer.purchaseId !== purchase.id) {
        purchase.mismatch = `the desk's id ${answer.purchaseId} differs from the page's ${purchase.id}`;
      }
      if (answer.decision !== 'reject') {
        const pending = this.loadPending(buyer);
        pending[purchase.id] = ids;
        this.savePending(buyer, pending);
      }
      this.purchases.unshift(purchase);
      this.app.onTracked?.();
      this.say({ reject: 'bad', deliver: 'ok', wait: 'wait' }[answer.decision] ?? 'bad', answer.decision === 'reject'
        ? `Refused: ${answer.reason}${answer.token ? ` (token ${answer.token.batch}/${answer.token.index})` : ''}: ${REASONS[answer.reason] ?? 'see docs/protocol.md §4'}. Do not deliver.`
        : answer.decision === 'deliver'
          ? 'Deliver now: the auditor signed a receipt.'
          : 'Wait: the purchase is held until its token block settles on chain.');
      this.renderList();
      this.refreshTokens();
    } catch (error) {
      const text = errorText(error);
      this.say('bad', /Method not found|-32601/.test(text)
        ? 'This node has no auditor desk (micropay_submitPurchase): connect to an auditor node.'
        : `Not sent: ${text}`);
    } finally {
      this.busy = false;
      this.payButton.disabled = false;
    }
  }

  /** Whether `receipt` is for this purchase, its merchant and its auditor, signed by that auditor. */
  receiptValid(receipt, { id, merchant, auditor }) {
    if (receipt.purchaseId !== id || receipt.merchant !== merchant || receipt.auditor !== auditor) return false;
    try {
      const payload = receiptPayload(this.api, receipt);
      return signatureVerify(payload, receipt.signature, receipt.auditor).isValid;
    } catch {
      return false;
    }
  }

  async freeBalance(address) {
    return (await this.api.query.system.account(address)).data.free.toBigInt();
  }

  /** On every new block: the status of each purchase not final yet, and the merchants' balances. */
  async onHead() {
    const open = this.purchases.filter((p) => p.status && !FINAL.has(p.status.status));
    for (const purchase of open) {
      try {
        const status = await withTimeout(purchaseStatus(this.app, purchase.id), RPC_TIMEOUT, 'micropay_purchaseStatus');
        if (status) purchase.status = status;
        purchase.statusBlock = this.app.head;
        purchase.merchantNow = await this.freeBalance(purchase.merchant);
        purchase.error = null;
      } catch (error) {
        purchase.error = errorText(error);
      }
      const settled = this.app.history?.settled.get(purchase.id);
      if (settled) purchase.settledEvent = settled;
      const rejected = this.app.history?.rejected.get(purchase.id);
      if (rejected) purchase.rejectedEvent = rejected;
      const invalid = this.app.history?.invalid.get(purchase.id);
      if (invalid) purchase.invalidEvent = invalid;
    }
    if (open.length) {
      this.renderList();
      this.app.onTracked?.();
      if (open.some((p) => FINAL.has(p.status.status))) this.refreshTokens();
    } else {
      this.refreshTokens();
    }
    this.refreshDesk();
  }

  renderList() {
    if (!this.purchases.length) {
      fill(this.list, h('p', { class: 'empty' }, 'No purchase yet. Pick a buyer with tokens and send one.'));
      return;
    }
    fill(this.list, this.purchases.map((p) => this.card(p)));
  }

  card(p) {
    const { answer } = p;
    const status = p.status?.status ?? null;
    const step = (label, state) => h('span', { class: state }, label);
    const deskState = answer.decision === 'reject' ? 'fail' : 'done';
    const blockState = !status || status === 'delivered' || status === 'waiting'
      ? (answer.decision === 'reject' ? '' : 'now')
      : status === 'submitted' ? 'now' : 'done';
    const endState = status === 'settled' ? 'done' : status === 'rejected' ? 'fail' : '';
    const receipt = answer.receipt;
    const change = p.merchantNow - p.merchantBefore;
    const rows = [
      ['purchase id', h('span', { class: 'mono', 'data-field': 'id' }, p.id)],
      ['tokens', h('span', { class: 'mono' }, p.tokens.map((t) => `${t.batch}/${t.index}`).join(' '))],
      ['value', this.fmt(p.value)],
      ['signature', p.form === 'wrapped' ? 'sr25519 over <Bytes>payload</Bytes> (wallet form)' : 'sr25519 over the payload'],
      ['desk time', answer.deskMicros != null ? `${answer.deskMicros} µs` : '—'],
    ];
    if (answer.decision === 'reject') {
      rows.push(['reason', h('span', { 'data-field': 'reason' }, `${answer.reason}${answer.token ? ` (token ${answer.token.batch}/${answer.token.index})` : ''}: ${REASONS[answer.reason] ?? ''}`)]);
    }
    if (receipt) {
      rows.push(
        ['receipt amount', h('span', { 'data-field': 'receipt-amount', 'data-value': receipt.amount }, this.fmt(receipt.amount))],
        ['receipt deadline', `block #${receipt.deadline} (claim it after that if unpaid)`],
        ['receipt signature', h('span', {}, h('span', { class: 'mono' }, short(receipt.signature)), p.receiptValid ? ' ✔ verified against the auditor ' : ' ✘ does not verify ', short(receipt.auditor))],
      );
    }
    if (status) {
      const statusText = `${status}${p.status.seq != null ? ` (token block seq ${p.status.seq})` : ''}${p.status.reason ? `: ${p.status.reason}` : ''}`;
      rows.push(['status', h('span', {}, h('span', { class: `status status-${status}`, 'data-field': 'status' }, statusText), p.statusBlock ? ` at block #${p.statusBlock}` : '')]);
      rows.push(['merchant balance', h('span', { 'data-field': 'merchant-change', 'data-value': String(change) },
        `${this.fmt(p.merchantBefore)} → ${this.fmt(p.merchantNow)} (${formatChange(change, this.app.chain.decimals, this.app.chain.symbol)})`)]);
    }
    if (p.settledEvent) {
      rows.push(['paid on chain', h('span', { 'data-field': 'paid', 'data-value': String(p.settledEvent.paid) },
        `${this.fmt(p.settledEvent.paid)} to ${p.merchantName} in block #${p.settledEvent.number} (${p.settledEvent.prepaid ? 'prepaid' : 'held'})`)]);
    }
    if (p.rejectedEvent) rows.push(['rejected on chain', `${p.rejectedEvent.reason} in block #${p.rejectedEvent.number}`]);
    if (p.invalidEvent) {
      const counts = {};
      for (const { reason } of p.invalidEvent.tokens) counts[reason] = (counts[reason] ?? 0) + 1;
      const text = Object.entries(counts).map(([reason, n]) => `${n} × ${reason}`).join(', ');
      rows.push(['invalid tokens', h('span', { class: 'bad-count', 'data-field': 'invalid' },
        `${text}${p.settledEvent?.prepaid ? ' (prepaid: paid all the same, at the auditor’s risk)' : ''}`)]);
    }
    if (p.mismatch) rows.push(['error', h('span', { class: 'bad-count' }, p.mismatch)]);
    if (p.error) rows.push(['last error', h('span', { class: 'bad-count' }, p.error)]);
    return h('div', { class: 'card purchase', 'data-purchase-id': p.id, 'data-decision': answer.decision, 'data-status': status ?? 'refused', 'data-tokens': JSON.stringify(p.tokens) },
      h('div', { class: 'head' },
        h('span', { class: `decision decision-${answer.decision}`, 'data-field': 'decision' }, answer.decision),
        h('strong', {}, `${p.tokens.length} token(s) · ${p.buyerName} → ${p.merchantName}`),
        h('span', {}, `“${p.item}”`),
        h('span', { class: 'when' }, `${p.sentAt.toLocaleTimeString()} · block #${p.sentBlock ?? '?'}`),
      ),
      h('div', { class: 'steps' },
        step('signed', 'done'),
        step(`desk: ${answer.decision}`, deskState),
        step(status === 'submitted' ? `token block #${p.status.seq} sent` : 'token block', blockState),
        step(status === 'rejected' ? 'rejected' : 'settled', endState),
      ),
      h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    );
  }
}
