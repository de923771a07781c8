// End-to-end, in a real browser: the web console (web/) against a fresh dev node, in Debian's
// headless Chromium driven by playwright-core (no browser is downloaded).
//
// Charlie pays Eve three times from the checkout view: 5 tokens signed by a browser wallet
// (an injected extension whose signRaw wraps the payload in <Bytes>…</Bytes>, as the
// polkadot.js extension does): delivered with a receipt; 3 tokens from a wallet holding a
// stale key: refused (BadSignature), shown with the reason; 15 tokens signed by the dev key:
// reaches W = 20, so it is held and Alice's worker sends the token block at once. Both
// accepted purchases settle; the page shows what Eve was paid. The auditor view's numbers
// are then compared with the runtime API and the desk, and the page must say so clearly when
// the node goes down or the endpoint is wrong. Screenshots go to scripts/.e2e-logs/ (and to
// docs/ with UPDATE_SCREENSHOTS=1).
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
import { freePort, repoRoot, startDevNode } from '../lib/devnode.mjs';

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
async function checkout(page, { label, count, item }) {
  const before = await page.locator('.purchase').count();
  const value = await page.$eval('#buyer', (select, want) => [...select.options].find((o) => o.text.startsWith(want))?.value, label);
  assert.ok(value !== undefined, `no buyer option "${label}"`);
  await page.selectOption('#buyer', value);
  await page.fill('#item', item);
  await page.fill('#count', String(count));
  await page.click('#pay');
  await page.waitForFunction((n) => document.querySelectorAll('.purchase').length > n, before, { timeout: 30_000 });
  return page.locator('.purchase').first();
}

const valueOf = (page, testid) => page.getAttribute(`[data-testid=${testid}]`, 'data-value');

test('a browser checkout is delivered and settles, a refusal shows its reason, and the auditor view matches the runtime API', { timeout: 240_000 }, async () => {
  const started = Date.now();
  const { api } = node;
  const [alice, charlie, eve, ferdie] = ['//Alice', '//Charlie', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await injectWallets(page, charlie, ferdie);
  await page.goto(`${server.url}?rpc=${encodeURIComponent(node.url)}#checkout`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'ready');

  // The dev bank issues Charlie 40 tokens from the page.
  await page.selectOption('#buyer', { label: 'Charlie (buyer, dev key)' });
  await page.click('#issue');
  await page.waitForFunction(() => /Issued 40 tokens/.test(document.querySelector('#checkout-message')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('#tokens-info')?.dataset.available === '40', null, { timeout: 30_000 });
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

  // Both settle (Alice's worker sends the full token block at once); the page shows the payouts.
  await page.waitForFunction(
    (ids) => ids.every((id) => document.querySelector(`.purchase[data-purchase-id="${id}"]`)?.dataset.status === 'settled'
      && document.querySelector(`.purchase[data-purchase-id="${id}"] [data-field=paid]`)),
    [firstId, thirdId],
    { timeout: 120_000, polling: 500 },
  );
  const paidFirst = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${firstId}"] [data-field=paid]`, 'data-value'));
  const paidThird = BigInt(await page.getAttribute(`.purchase[data-purchase-id="${thirdId}"] [data-field=paid]`, 'data-value'));
  assert.equal(paidFirst, receiptAmount);
  assert.equal(paidThird, (15n * VALUE * (100n - RHO_PERCENT)) / 100n);
  const eveChange = (await api.query.system.account(eve.address)).data.free.toBigInt() - eveBefore;
  assert.equal(eveChange, paidFirst + paidThird);
  // The card's balance change is read at each block: it catches up with the chain.
  await page.waitForFunction(
    ({ id, want }) => document.querySelector(`.purchase[data-purchase-id="${id}"] [data-field=merchant-change]`)?.dataset.value === want,
    { id: thirdId, want: String(eveChange) },
    { timeout: 20_000 },
  );
  assert.equal(await page.getAttribute(`.purchase[data-purchase-id="${thirdId}"] [data-field=merchant-change]`, 'data-value'), String(eveChange));
  for (const id of [firstId, thirdId]) assert.ok((await api.query.micropay.settledPurchases(id)).isSome, `${id} settled on chain`);
  await screenshot(page, 'console-checkout.png');

  // The auditor view: Charlie's trust record, Alice's cover, risk and receipts outstanding.
  await page.click('nav a[data-view=auditor]');
  await page.waitForFunction(
    (buyer) => document.querySelector('#buyer-detail')?.dataset.buyer === buyer
      && document.querySelector('[data-testid=buyer-blocks]')?.dataset.value === '1'
      && document.querySelector('#token-blocks tr[data-seq="0"]'),
    charlie.address,
    { timeout: 30_000 },
  );
  // The page refreshes at every block; compare once it shows what the chain says now (nothing
  // moves after the settlement, but a refresh may be under way).
  const expected = async () => {
    const trust = await api.call.micropayApi.trustState(alice.address, charlie.address);
    const cover = (await api.call.micropayApi.auditorCover(alice.address)).unwrap();
    return {
      'buyer-w': String(trust.state.blockSize.toNumber()),
      'buyer-w0': String(trust.state.initialSize.toNumber()),
      'buyer-gamma': String(trust.state.gamma.toNumber()),
      'buyer-trust': trust.state.trust.toBigInt().toString(),
      'buyer-blocks': String(trust.state.blocks.toNumber()),
      'buyer-risk': trust.risk.toBigInt().toString(),
      'buyer-prepaid-limit': String(trust.prepaidLimit.toNumber()),
      'auditor-bond': cover.bond.toBigInt().toString(),
      'auditor-risk': (await api.call.micropayApi.auditorRisk(alice.address)).toBigInt().toString(),
      'auditor-outstanding': (await deskExposure(node)).outstanding,
    };
  };
  const shown = async (want) => Object.fromEntries(await Promise.all(Object.keys(want).map(async (k) => [k, await valueOf(page, k)])));
  let want = await expected();
  for (let i = 0; i < 10 && JSON.stringify(await shown(want)) !== JSON.stringify(want); i += 1) {
    await page.waitForTimeout(1_000);
    want = await expected();
  }
  assert.deepEqual(await shown(want), want);
  // Sanity of the values themselves: a clean 20-token block, W stays 20, the auditor gained rho.
  assert.equal(want['buyer-w'], '20');
  assert.equal(want['buyer-gamma'], '0');
  assert.equal(BigInt(want['buyer-risk']), paidFirst + paidThird - 20n * VALUE);
  assert.equal(want['auditor-outstanding'], '0');
  const visible = await page.textContent('[data-testid=buyer-w]');
  assert.equal(visible.trim(), want['buyer-w']);
  assert.equal((await page.textContent('[data-testid=buyer-trust]')).trim(), (Number(BigInt(want['buyer-trust']) / 10n ** 12n) / 1e6).toFixed(4));
  const row = await page.$eval(`#buyers tr[data-buyer="${charlie.address}"]`, (tr) => ({
    w: tr.querySelector('[data-col=w]').textContent,
    gamma: tr.querySelector('[data-col=gamma]').textContent,
    trust: tr.querySelector('[data-col=trust]').dataset.value,
  }));
  assert.deepEqual(row, { w: want['buyer-w'], gamma: want['buyer-gamma'], trust: want['buyer-trust'] });
  // The recent token block as the chain stored it, and the chart's points (start, seq 0).
  const last = (await api.query.micropay.lastTokenBlock(alice.address, charlie.address)).unwrap();
  const blockRow = await page.$eval('#token-blocks tr[data-seq="0"]', (tr) => ({
    tokens: tr.querySelector('[data-col=tokens]').textContent,
    valid: tr.querySelector('[data-col=valid]').textContent,
    invalid: tr.querySelector('[data-col=invalid]').textContent,
  }));
  assert.deepEqual(blockRow, { tokens: String(last.tokens.toNumber()), valid: String(last.valid.toNumber()), invalid: 'none' });
  assert.equal(await page.getAttribute('#chart', 'data-points'), '2');
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
