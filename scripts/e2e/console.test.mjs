// End-to-end, in a real browser: the web console (web/) against a fresh dev node, in Debian's
// headless Chromium driven by playwright-core (no browser is downloaded).
//
// Charlie pays Eve three times from the checkout view: 5 tokens signed by a browser wallet
// (an injected extension whose signRaw wraps the payload in <Bytes>…</Bytes>, as the
// polkadot.js extension does): delivered with a receipt; 3 tokens from a wallet holding a
// stale key: refused (BadSignature), shown with the reason; 15 tokens signed by the dev key:
// reaches W = 20, so it is held and Alice's worker sends the token block at once. Both
// accepted purchases settle; the page shows what Eve was paid. Dave cheats meanwhile: 5 tokens
// delivered at Alice's desk (his dev key signing the wallet form, the page's checkbox) are
// spent through a second auditor before her token block lands,
// so his block has 5 invalid tokens and his W falls to 15. The auditor view's numbers for
// both buyers are then compared with the runtime API and the desk, and the page must say so
// clearly when the node goes down or the endpoint is wrong. Screenshots go to
// scripts/.e2e-logs/ (and to docs/ with UPDATE_SCREENSHOTS=1).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { buildConsole, serveConsole } from '../lib/console.mjs';
import { deskExposure } from '../lib/desk.mjs';
import { freePort, repoRoot, sendAndWaitInBlock, startDevNode } from '../lib/devnode.mjs';
import { signedPurchase } from '../lib/purchase.mjs';
import { lastTokenBlock } from '../lib/records.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const UNIT = 10n ** 12n;
const VALUE = UNIT / 100n; // what the page's dev bank issues: 0.01 MPY per token
const RHO_PERCENT = 2n; // the dev auditor's withholding
const logDir = path.join(repoRoot, 'scripts', '.e2e-logs');
const temp = [];
let node;
let server;
let browser;
let keyring;

const tempDir = (prefix) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  const dist = tempDir('micropay-console-');
  [node] = await Promise.all([startDevNode({ logName: 'console.log' }), buildConsole({ outdir: dist })]);
  server = await serveConsole({ dir: dist });
  browser = await chromium.launchPersistentContext(tempDir('micropay-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  await node?.stop();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

async function screenshot(page, name) {
  mkdirSync(logDir, { recursive: true });
  const shot = await page.screenshot({ fullPage: true });
  writeFileSync(path.join(logDir, name), shot);
  if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(path.join(repoRoot, 'docs', name), shot);
}

/**
 * Two injected "extensions" as the polkadot.js extension injects itself: `test-wallet` holds
 * Charlie's key, `stale-wallet` claims Charlie's address but signs with another key. Both sign
 * raw bytes as wallets do, wrapped in <Bytes>…</Bytes> (@polkadot/util's u8aWrapBytes, not the
 * project's purchase.mjs, so the two wrappings are checked against each other).
 */
async function injectWallets(page, charlie, stale) {
  await page.exposeFunction('testWalletSign', (wallet, data) =>
    u8aToHex((wallet === 'stale' ? stale : charlie).sign(u8aWrapBytes(hexToU8a(data)))),
  );
  await page.addInitScript((address) => {
    const wallet = (name, key) => ({
      version: '0.0.1',
      enable: async () => ({
        accounts: { get: async () => [{ address, name, type: 'sr25519' }] },
        signer: {
          signRaw: async ({ data, type }) => {
            if (type !== 'bytes') throw new Error('only bytes');
            return { id: 1, signature: await globalThis.testWalletSign(key, data) };
          },
        },
      }),
    });
    globalThis.injectedWeb3 = { 'test-wallet': wallet('Charlie', 'charlie'), 'stale-wallet': wallet('Charlie, old key', 'stale') };
  }, charlie.address);
}

/** Chooses the buyer whose option label starts with `label` and pays `count` tokens. */
async function checkout(page, { label, count, item, wrapped = false }) {
  const before = await page.locator('.purchase').count();
  const value = await page.$eval('#buyer', (select, want) => [...select.options].find((o) => o.text.startsWith(want))?.value, label);
  assert.ok(value !== undefined, `no buyer option "${label}"`);
  await page.selectOption('#buyer', value);
  await page.fill('#item', item);
  await page.fill('#count', String(count));
  await page.setChecked('#wrapped', wrapped); // a dev key signing the wallet form
  await page.click('#pay');
  await page.waitForFunction((n) => document.querySelectorAll('.purchase').length > n, before, { timeout: 30_000 });
  const id = await page.getAttribute('.purchase', 'data-purchase-id'); // the newest card is first
  return page.locator(`.purchase[data-purchase-id="${id}"]`);
}

/**
 * Selects `buyer` in the auditor view and checks every number it shows against the runtime
 * API (trustState, auditorRisk, auditorCover), the desk (micropay_exposure) and the buyer's
 * last token block in storage; resolves with the values shown.
 */
async function auditorView(page, auditor, buyer, { invalid = 'none' } = {}) {
  const { api } = node;
  await page.click(`#buyers tr[data-buyer="${buyer.address}"]`, { timeout: 30_000 });
  await page.waitForFunction(
    (address) => document.querySelector('#buyer-detail')?.dataset.buyer === address
      && document.querySelector('[data-testid=buyer-blocks]')?.dataset.value === '1'
      && document.querySelector('#token-blocks tr[data-seq="0"]'),
    buyer.address,
    { timeout: 30_000 },
  );
  const expected = async () => {
    const trust = await api.call.micropayApi.trustState(auditor.address, buyer.address);
    const cover = (await api.call.micropayApi.auditorCover(auditor.address)).unwrap();
    return {
      'buyer-w': String(trust.state.blockSize.toNumber()),
      'buyer-w0': String(trust.state.initialSize.toNumber()),
      'buyer-gamma': String(trust.state.gamma.toNumber()),
      'buyer-trust': trust.state.trust.toBigInt().toString(),
      'buyer-blocks': String(trust.state.blocks.toNumber()),
      'buyer-risk': trust.risk.toBigInt().toString(),
      'buyer-prepaid-limit': String(trust.prepaidLimit.toNumber()),
      'auditor-bond': cover.bond.toBigInt().toString(),
      'auditor-risk': (await api.call.micropayApi.auditorRisk(auditor.address)).toBigInt().toString(),
      'auditor-outstanding': (await deskExposure(node)).outstanding,
    };
  };
  const shown = async (keys) => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await valueOf(page, k)])));
  // The page refreshes at every block: compare once it shows what the chain says now.
  let want = await expected();
  for (let i = 0; i < 10 && JSON.stringify(await shown(Object.keys(want))) !== JSON.stringify(want); i += 1) {
    await page.waitForTimeout(1_000);
    want = await expected();
  }
  assert.deepEqual(await shown(Object.keys(want)), want);
  // What a person reads: W as is, trust to 4 places; the buyers table agrees.
  assert.equal((await page.textContent('[data-testid=buyer-w]')).trim(), want['buyer-w']);
  assert.equal((await page.textContent('[data-testid=buyer-trust]')).trim(), (Number(BigInt(want['buyer-trust']) / 10n ** 12n) / 1e6).toFixed(4));
  const row = await page.$eval(`#buyers tr[data-buyer="${buyer.address}"]`, (tr) => ({
    w: tr.querySelector('[data-col=w]').textContent,
    gamma: tr.querySelector('[data-col=gamma]').textContent,
    trust: tr.querySelector('[data-col=trust]').dataset.value,
  }));
  assert.deepEqual(row, { w: want['buyer-w'], gamma: want['buyer-gamma'], trust: want['buyer-trust'] });
  // The token block as the chain stored it, its invalid tokens by reason, and the chart's
  // two points (start, after token block 0).
  const last = await lastTokenBlock(api, auditor.address, buyer.address);
  const blockRow = await page.$eval('#token-blocks tr[data-seq="0"]', (tr) => ({
    tokens: tr.querySelector('[data-col=tokens]').textContent,
    valid: tr.querySelector('[data-col=valid]').textContent,
    invalid: tr.querySelector('[data-col=invalid]').textContent,
  }));
  assert.deepEqual(blockRow, { tokens: String(last.tokens.toNumber()), valid: String(last.valid.toNumber()), invalid });
  assert.equal(await page.getAttribute('#chart', 'data-points'), '2');
  return want;
}

const valueOf = (page, testid) => page.getAttribute(`[data-testid=${testid}]`, 'data-value');

test('a browser checkout is delivered and settles, a refusal shows its reason, and the auditor view shows what the runtime API says', { timeout: 240_000 }, async () => {
  const started = Date.now();
  const { api } = node;
  const [alice, bob, charlie, dave, eve, ferdie, auditor2] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie', '//Auditor2']
    .map((uri) => keyring.addFromUri(uri));
  // A second auditor, for Dave to spend his tokens twice (set up while the page loads).
  const secondAuditor = (async () => {
    await sendAndWaitInBlock(api, api.tx.balances.transferKeepAlive(auditor2.address, 2_000n * UNIT), ferdie);
    await sendAndWaitInBlock(api, api.tx.sudo.sudo(api.tx.micropay.registerAuditor(auditor2.address, 20_000_000)), alice);
  })();
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await injectWallets(page, charlie, ferdie);
  await page.goto(`${server.url}?rpc=${encodeURIComponent(node.url)}#checkout`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  // Ready once the first chain head arrived (under load that comes after the page's start).
  await page.waitForSelector('#conn[data-state=ready]', { timeout: 30_000 });

  // The dev bank issues Charlie 40 tokens from the page.
  await page.selectOption('#buyer', { label: 'Charlie (buyer, dev key)' });
  await page.click('#issue');
  await page.waitForFunction(() => /Issued 40 tokens/.test(document.querySelector('#checkout-message')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('#tokens-info')?.dataset.available === '40', null, { timeout: 30_000 });
  const daveIssued = (async () => {
    const expiresAt = (await api.rpc.chain.getHeader()).number.toNumber() + 5_000;
    await sendAndWaitInBlock(api, api.tx.micropay.issueTokens(dave.address, 20, VALUE, expiresAt), bob);
  })();
  await page.click('#wallet');
  await page.waitForFunction(() => [...document.querySelectorAll('#buyer option')].some((o) => o.text.includes('(stale-wallet)')), null, { timeout: 15_000 });
  const eveBefore = (await api.query.system.account(eve.address)).data.free.toBigInt();

  // 1. Signed by the wallet (<Bytes>-wrapped), 5 of W = 20 tokens: delivered with a receipt.
  const first = await checkout(page, { label: 'Charlie (test-wallet)', count: 5, item: 'Espresso' });
  assert.equal(await first.getAttribute('data-decision'), 'deliver');
  assert.match(await first.textContent(), /wallet form/);
  assert.match(await first.textContent(), /✔ verified against the auditor/);
  const firstId = await first.getAttribute('data-purchase-id');
  const receiptAmount = BigInt(await first.locator('[data-field=receipt-amount]').getAttribute('data-value'));
  assert.equal(receiptAmount, (5n * VALUE * (100n - RHO_PERCENT)) / 100n);

  // 2. A wallet with a stale key: the desk refuses it, and the page says why.
  const refused = await checkout(page, { label: 'Charlie, old key (stale-wallet)', count: 3, item: 'Croissant' });
  assert.equal(await refused.getAttribute('data-decision'), 'reject');
  assert.match(await refused.locator('[data-field=reason]').textContent(), /^BadSignature/);
  assert.match(await page.textContent('#checkout-message'), /Refused: BadSignature.*Do not deliver/);

  // 3. Signed by the dev key (plain payload), 15 tokens: reaches W, so it is held.
  const third = await checkout(page, { label: 'Charlie (buyer, dev key)', count: 15, item: 'Sandwich' });
  assert.equal(await third.getAttribute('data-decision'), 'wait');
  assert.match(await third.textContent(), /sr25519 over the payload/);
  const thirdId = await third.getAttribute('data-purchase-id');

  // Dave: 5 tokens delivered at Alice's desk, then spent through Auditor2 before Alice's
  // token block lands; his next 15 reach W and are held, which sends Alice's block.
  await Promise.all([secondAuditor, daveIssued]);
  const cheat = await checkout(page, { label: 'Dave (buyer, dev key)', count: 5, item: 'Cake', wrapped: true });
  assert.equal(await cheat.getAttribute('data-decision'), 'deliver');
  assert.match(await cheat.textContent(), /wallet form/);
  const cheatId = await cheat.getAttribute('data-purchase-id');
  const elsewhere = signedPurchase(api, dave, {
    merchant: ferdie.address, auditor: auditor2.address, item: u8aToHex(new Uint8Array(32).fill(9)), createdAt: 1,
    tokens: JSON.parse(await cheat.getAttribute('data-tokens')), prepaid: false,
  });
  await sendAndWaitInBlock(api, api.tx.micropay.submitBlock(dave.address, 0, [elsewhere.purchase]), auditor2);
  const daveHeld = await checkout(page, { label: 'Dave (buyer, dev key)', count: 15, item: 'Tea' });
  assert.equal(await daveHeld.getAttribute('data-decision'), 'wait');
  const daveHeldId = await daveHeld.getAttribute('data-purchase-id');

  // Both settle (Alice's worker sends the full token block at once); the page shows the payouts.
  await page.waitForFunction(
    (ids) => ids.every((id) => document.querySelector(`.purchase[data-purchase-id="${id}"]`)?.dataset.status === 'settled'
      && document.querySelector(`.purchase[data-purchase-id="${id}"] [data-field=paid]`)),
    [firstId, thirdId, cheatId, daveHeldId],
    { timeout: 120_000, polling: 500 },
  );
  const paidFirst = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${firstId}"] [data-field=paid]`, 'data-value'));
  const paidThird = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${thirdId}"] [data-field=paid]`, 'data-value'));
  assert.equal(paidFirst, receiptAmount);
  assert.equal(paidThird, (15n * VALUE * (100n - RHO_PERCENT)) / 100n);
  const eveChange = (await api.query.system.account(eve.address)).data.free.toBigInt() - eveBefore;
  // Alice's promise to Eve holds for Dave's cheat too: she paid for all 40 tokens.
  const paidDave = (20n * VALUE * (100n - RHO_PERCENT)) / 100n;
  assert.equal(eveChange, paidFirst + paidThird + paidDave);
  // Each card's balance change (Eve's balance from sending to settlement) holds its payout;
  // the payouts shown are Eve's whole gain.
  let shownPaid = 0n;
  for (const id of [firstId, thirdId, cheatId, daveHeldId]) {
    const paid = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${id}"] [data-field=paid]`, 'data-value'));
    const change = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${id}"] [data-field=merchant-change]`, 'data-value'));
    assert.ok(change >= paid, `card ${id}: balance change ${change} < paid ${paid}`);
    shownPaid += paid;
  }
  assert.equal(shownPaid, eveChange);
  assert.match(await page.textContent(`.purchase[data-purchase-id="${cheatId}"] [data-field=invalid]`), /^5 × DoubleSpentOnChain \(prepaid: paid all the same/);
  for (const id of [firstId, thirdId, cheatId, daveHeldId]) assert.ok((await api.query.micropay.settledPurchases(id)).isSome, `${id} settled on chain`);
  await screenshot(page, 'console-checkout.png');

  // The auditor view: each buyer's trust record, chart and token block, and Alice's cover,
  // risk and receipts outstanding, as the runtime API and the desk give them.
  await page.click('nav a[data-view=auditor]');
  const charlieShown = await auditorView(page, alice, charlie);
  assert.deepEqual([charlieShown['buyer-w'], charlieShown['buyer-gamma']], ['20', '0']); // a clean block
  assert.equal(BigInt(charlieShown['buyer-risk']), paidFirst + paidThird - 20n * VALUE); // rho earned
  const daveShown = await auditorView(page, alice, dave, { invalid: 'doubleSpentOnChain 5' });
  assert.deepEqual([daveShown['buyer-w'], daveShown['buyer-gamma']], ['15', '5']); // neutral: 20·16/21
  assert.equal(BigInt(daveShown['buyer-risk']), paidDave - 15n * VALUE); // the cheat cost Alice
  assert.equal(daveShown['auditor-outstanding'], '0');
  await screenshot(page, 'console-auditor.png');
  assert.deepEqual(pageErrors, []);

  // A wrong endpoint and a node that goes down are said plainly; the page stays usable.
  const wrong = await browser.newPage();
  const unused = await freePort();
  await wrong.goto(`${server.url}?rpc=ws://127.0.0.1:${unused}`);
  await wrong.waitForFunction(() => /Cannot reach ws:\/\/127\.0\.0\.1:\d+: is the node running/.test(document.querySelector('#banner').textContent), null, { timeout: 15_000 });
  await wrong.goto(`${server.url}?rpc=http://127.0.0.1:${unused}`);
  await wrong.waitForFunction(() => /is not a WebSocket endpoint/.test(document.querySelector('#banner').textContent), null, { timeout: 15_000 });
  await wrong.close();
  await node.stop();
  await page.waitForSelector('#conn[data-state=down]', { timeout: 15_000 });
  assert.match(await page.textContent('#banner'), /Lost the connection to ws:\/\/127\.0\.0\.1:\d+; retrying/);
  await page.click('nav a[data-view=checkout]');
  await page.click('#pay');
  await page.waitForFunction(() => /Not connected|Not sent/.test(document.querySelector('#checkout-message')?.textContent ?? ''), null, { timeout: 20_000 });
  console.log(`console e2e: ${((Date.now() - started) / 1000).toFixed(1)} s in the browser`);
});
