// The auditor's console: what backs its promises (bond, free balance, receipts outstanding
// at its desk, cumulative risk), and per buyer the trust record the chain keeps (profile, W,
// gamma, trust, risk), the promises still open for it, a chart of W and trust over its token
// blocks and its recent token blocks with their invalid tokens by reason. Redrawn at every
// new block.
import { buyerExposure, deskExposure } from '../../scripts/lib/desk.mjs';
import { wTrustChart } from './chart.mjs';
import { INVALID_REASONS } from './history.mjs';
import { errorText, fill, formatTrust, formatUnits, h, short, withTimeout } from './dom.mjs';

const RPC_TIMEOUT = 15_000;
const MAX_BUYERS = 50;
const RECENT_BLOCKS = 12;
const PERQUINTILL = 10n ** 18n;
const OPEN = new Set(['delivered', 'waiting', 'submitted']);

export class AuditorView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.auditor = null;
    this.buyer = null;
    this.data = null;
    this.error = null;
    fill(this.root, h('p', { class: 'empty' }, 'Waiting for the node…'));
  }

  get api() {
    return this.app.api;
  }

  fmt(amount) {
    return formatUnits(amount, this.app.chain?.decimals, this.app.chain?.symbol);
  }

  nameOf(address) {
    return this.app.signers.find((s) => s.address === address)?.name ?? short(address);
  }

  /** Reads everything the view shows from the chain and the desk; then draws it. */
  async refresh() {
    const api = this.api;
    if (!api?.isConnected || !this.app.chain) return;
    try {
      const data = await withTimeout(this.read(), RPC_TIMEOUT, 'reading the auditor console');
      this.data = data;
      this.error = null;
    } catch (error) {
      this.error = errorText(error);
    }
    this.draw();
  }

  async read() {
    const api = this.api;
    const auditors = (await api.query.micropay.auditors.entries()).map(([key, info]) => ({
      address: key.args[0].toString(),
      info: info.unwrap(),
    }));
    let exposure = null;
    let exposureError = null;
    if (this.app.chain.desk) {
      exposure = await deskExposure(this.app).catch((error) => {
        exposureError = errorText(error);
        return null;
      });
    } else exposureError = 'this node has no desk';
    if (!this.auditor || !auditors.some((a) => a.address === this.auditor)) {
      this.auditor = exposure?.auditor ?? auditors[0]?.address ?? null;
    }
    const auditor = this.auditor;
    if (!auditor) return { auditors, exposure, exposureError, auditor: null };
    const [cover, risk, recordKeys] = await Promise.all([
      api.call.micropayApi.auditorCover(auditor),
      api.call.micropayApi.auditorRisk(auditor),
      api.query.micropay.buyerRecords.keys(auditor),
    ]);
    const buyers = new Set(this.app.signers.filter((s) => s.role === 'buyer' || s.kind === 'extension').map((s) => s.address));
    for (const key of recordKeys) buyers.add(key.args[1].toString());
    for (const b of this.app.history?.buyersOf(auditor) ?? []) buyers.add(b);
    const list = [...buyers].slice(0, MAX_BUYERS);
    const trusts = await Promise.all(list.map((b) => api.call.micropayApi.trustState(auditor, b)));
    // The desk's own view of each buyer's receipts outstanding, when this node's desk serves
    // this auditor; otherwise the receipts this page was given.
    const atDesk = exposure?.auditor === auditor
      ? await Promise.all(list.map((b) => buyerExposure(this.app, b).catch(() => null)))
      : list.map(() => null);
    const rows = list.map((address, i) => ({ address, trust: trustOf(trusts[i]), desk: atDesk[i] }));
    if (!this.buyer || !list.includes(this.buyer)) {
      this.buyer = rows.find((r) => r.trust.blocks > 0)?.address ?? list[0] ?? null;
    }
    return {
      auditors,
      exposure: exposure?.auditor === auditor ? exposure : null,
      exposureError: exposure && exposure.auditor !== auditor ? `the desk of this node serves ${short(exposure.auditor)}` : exposureError,
      auditor,
      info: auditors.find((a) => a.address === auditor)?.info,
      cover: cover.isSome ? cover.unwrap() : null,
      risk: risk.toBigInt(),
      rows,
    };
  }

  /** `row`'s receipts outstanding: the desk's figure (amounts plus penalties) when it has one. */
  outstandingOf(row) {
    return row.desk ? BigInt(row.desk.outstanding) : this.openPromises(row.address);
  }

  /** Receipts this console was given for `buyer` whose purchases are not settled yet. */
  openPromises(buyer) {
    return this.app.tracked
      .filter((p) => p.buyer === buyer && p.auditor === this.auditor && p.answer.receipt && OPEN.has(p.status?.status))
      .reduce((sum, p) => sum + BigInt(p.answer.receipt.amount), 0n);
  }

  draw() {
    const d = this.data;
    const parts = [];
    if (this.error) parts.push(h('div', { class: 'msg msg-bad', id: 'auditor-error' }, `Could not refresh: ${this.error} (showing the last values read)`));
    if (!d) {
      fill(this.root, parts, h('p', { class: 'empty' }, 'Reading the chain…'));
      return;
    }
    if (!d.auditor) {
      fill(this.root, parts, h('p', { class: 'empty' }, 'No auditor is registered on this chain.'));
      return;
    }
    const stat = (key, label, value, raw) => h('div', { class: 'stat' },
      h('div', { class: 'k' }, label),
      h('div', { class: 'v', 'data-testid': key, 'data-value': raw === undefined ? undefined : String(raw) }, value));
    const status = d.info?.status.isActive ? 'active' : d.info ? `retiring since #${d.info.status.asRetiring.since}` : 'not registered';
    const auditorSelect = h('select', { id: 'auditor-select', onchange: (e) => { this.auditor = e.target.value; this.buyer = null; this.refresh(); } },
      d.auditors.map((a) => h('option', { value: a.address, selected: a.address === d.auditor }, `${this.nameOf(a.address)} · ${a.address}`)));
    parts.push(h('div', { class: 'card' },
      h('div', { class: 'row' }, h('h2', {}, 'Auditor'), auditorSelect),
      h('div', { class: 'stats', style: 'margin-top:10px' },
        stat('auditor-status', 'status', status),
        stat('auditor-rho', 'withholding rho', d.info ? `${(d.info.rho.toNumber() / 1e7).toFixed(2)} %` : '—', d.info?.rho.toNumber()),
        stat('auditor-bond', 'bond (backs receipts)', d.cover ? this.fmt(d.cover.bond.toBigInt()) : '—', d.cover?.bond.toBigInt()),
        stat('auditor-outstanding', 'receipts outstanding (desk)', d.exposure ? this.fmt(d.exposure.outstanding) : `— (${d.exposureError ?? 'no desk'})`, d.exposure?.outstanding),
        stat('auditor-risk', 'cumulative risk (paid out − redeemed)', this.fmt(d.risk), d.risk),
        stat('auditor-free', 'free balance', d.cover ? this.fmt(d.cover.free.toBigInt()) : '—', d.cover?.free.toBigInt()),
      ),
      d.cover && d.cover.creditsOwed.toBigInt() > 0n ? h('p', { class: 'hint' }, `Credits owed to merchants: ${this.fmt(d.cover.creditsOwed.toBigInt())}`) : null,
    ));

    parts.push(h('div', { class: 'card' },
      h('h2', {}, 'Buyers'),
      h('table', { id: 'buyers' },
        h('thead', {}, h('tr', {}, ['buyer', 'profile', 'W', 'W₀', 'gamma', 'trust', 'token blocks', 'risk', 'receipts outstanding'].map((t) => h('th', {}, t)))),
        h('tbody', {}, d.rows.map((r) => h('tr', {
          class: r.address === this.buyer ? 'selected' : undefined,
          'data-buyer': r.address,
          onclick: () => { this.buyer = r.address; this.draw(); },
          style: 'cursor:pointer',
        },
        h('td', {}, `${this.nameOf(r.address)} `, h('span', { class: 'mono' }, short(r.address))),
        h('td', {}, r.trust.profile),
        h('td', { 'data-col': 'w' }, r.trust.blockSize),
        h('td', {}, r.trust.initialSize),
        h('td', { 'data-col': 'gamma' }, r.trust.gamma),
        h('td', { 'data-col': 'trust', 'data-value': String(r.trust.trust) }, formatTrust(r.trust.trust)),
        h('td', {}, r.trust.blocks),
        h('td', { 'data-col': 'risk', 'data-value': String(r.trust.risk) }, this.fmt(r.trust.risk)),
        h('td', { 'data-col': 'exposure' }, this.fmt(this.outstandingOf(r))),
        ))),
      ),
      h('p', { class: 'hint' }, "Click a buyer for its chart and token blocks. Receipts outstanding: what the buyer's receipts not yet resolved would cost the auditor if claimed (amounts plus penalties), from the desk (micropay_buyerExposure); on a node whose desk serves another auditor, the receipts this page was given."),
    ));

    const row = d.rows.find((r) => r.address === this.buyer);
    if (row) parts.push(this.buyerDetail(row, stat));
    fill(this.root, parts);
  }

  buyerDetail(row, stat) {
    const t = row.trust;
    const blocks = this.app.history?.tokenBlocksOf(this.auditor, row.address) ?? [];
    const points = [];
    const first = blocks[0];
    if (first && first.summary.seq === 0 && t.blocks > 0) {
      // Before its first token block a buyer has W₀ and trust (W₀+1)/(W₀+2) in every profile.
      points.push({ label: 'start', w: t.initialSize, trust: (t.initialSize + 1) / (t.initialSize + 2) });
    }
    for (const b of blocks) {
      if (b.trust) points.push({ label: `#${b.summary.seq}`, w: b.trust.nextBlockSize, trust: Number((b.trust.trust * 1_000_000n) / PERQUINTILL) / 1e6 });
    }
    if (!blocks.length) points.push({ label: 'now', w: t.blockSize, trust: Number((t.trust * 1_000_000n) / PERQUINTILL) / 1e6 });
    const history = this.app.history;
    const scanned = history?.from ? `events read from block #${history.from}` : '';
    const recent = blocks.slice(-RECENT_BLOCKS).reverse();
    return [
      h('div', { class: 'card', id: 'buyer-detail', 'data-buyer': row.address },
        h('h2', {}, `Buyer ${this.nameOf(row.address)} `, h('span', { class: 'hint mono' }, row.address)),
        h('div', { class: 'grid' },
        h('div', { class: 'stats' },
          stat('buyer-profile', 'profile', t.profile),
          stat('buyer-w', 'W (next token block)', t.blockSize, t.blockSize),
          stat('buyer-w0', 'W₀', t.initialSize, t.initialSize),
          stat('buyer-gamma', 'gamma', t.gamma, t.gamma),
          stat('buyer-trust', 'trust', formatTrust(t.trust), t.trust),
          stat('buyer-blocks', 'token blocks', t.blocks, t.blocks),
          stat('buyer-prepaid-limit', 'prepaid limit', t.prepaidLimit, t.prepaidLimit),
          stat('buyer-risk', 'risk (auditor’s, on this buyer)', this.fmt(t.risk), t.risk),
          stat('buyer-exposure', row.desk ? 'receipts outstanding (desk)' : 'open promises (this console)', this.fmt(this.outstandingOf(row)), this.outstandingOf(row)),
        ),
        h('div', {},
          h('h3', { style: 'margin-top:0' }, 'W and trust over token blocks'),
          h('div', { class: 'chart', id: 'chart', 'data-points': String(points.length) }, wTrustChart(points)),
          h('p', { class: 'hint' }, `From TokenBlockValidated and TrustUpdated events; ${scanned}.`),
        ),
        ),
      ),
      h('div', { class: 'card' },
        h('h2', {}, `Recent token blocks of ${this.nameOf(row.address)}`),
        recent.length
          ? h('table', { id: 'token-blocks' },
            h('thead', {}, h('tr', {}, ['seq', 'chain block', 'purchases', 'tokens', 'valid', 'invalid by reason', 'rejected', 'paid out', 'risk', 'next W'].map((x) => h('th', {}, x)))),
            h('tbody', {}, recent.map((b) => h('tr', { 'data-seq': b.summary.seq },
              h('td', {}, b.summary.seq),
              h('td', {}, `#${b.number}`),
              h('td', {}, b.summary.purchases),
              h('td', { 'data-col': 'tokens' }, b.summary.tokens),
              h('td', { 'data-col': 'valid' }, b.summary.valid),
              h('td', { 'data-col': 'invalid', class: b.summary.beta ? 'bad-count' : undefined }, invalidText(b.summary.invalid)),
              h('td', {}, b.summary.rejected),
              h('td', {}, this.fmt(b.summary.paidOut)),
              h('td', {}, this.fmt(b.summary.risk)),
              h('td', {}, b.trust?.nextBlockSize ?? '—'),
            ))))
          : h('p', { class: 'empty', id: 'token-blocks' }, `No token block of this buyer since block #${history?.from ?? '?'}.`),
      ),
    ];
  }
}

function invalidText(invalid) {
  const parts = INVALID_REASONS.filter((r) => invalid[r] > 0).map((r) => `${r} ${invalid[r]}`);
  return parts.length ? parts.join(', ') : 'none';
}

function trustOf(userTrust) {
  const s = userTrust.state;
  return {
    profile: s.profile.toString(),
    initialSize: s.initialSize.toNumber(),
    blockSize: s.blockSize.toNumber(),
    gamma: s.gamma.toNumber(),
    trust: s.trust.toBigInt(),
    blocks: s.blocks.toNumber(),
    risk: userTrust.risk.toBigInt(),
    prepaidLimit: userTrust.prepaidLimit.toNumber(),
  };
}
