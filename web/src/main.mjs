// The web console: one page, two views (#checkout, #auditor), one connection to a node
// (ws://127.0.0.1:9944, or `?rpc=ws://…` in the URL). Every new best block updates both
// views; a slow node never blocks the page (each read has a timeout and new heads that
// arrive during a refresh are folded into the next one).
import { AuditorView } from './auditor.mjs';
import { CheckoutView } from './checkout.mjs';
import { connect, describeChain, endpointFrom } from './chain.mjs';
import { errorText, fill, h, withTimeout } from './dom.mjs';
import { ChainHistory } from './history.mjs';
import { devSigners } from './signers.mjs';

const $ = (id) => document.getElementById(id);
const app = {
  url: endpointFrom(location),
  api: null,
  provider: null,
  chain: null,
  signers: [],
  history: null,
  head: null,
  tracked: [], // purchases sent from this page, newest first
  views: {},
};
globalThis.micropayConsole = app; // for debugging from the browser's console

function setConnection(state, text) {
  const pill = $('conn');
  pill.dataset.state = state;
  pill.className = `pill ${state === 'ready' ? 'pill-ok' : state === 'connecting' ? 'pill-wait' : 'pill-bad'}`;
  pill.textContent = text;
}

/** Shows `text` above the page (null hides it); a `transient` one goes at the next good refresh. */
function banner(text, { transient = false } = {}) {
  $('banner').hidden = !text;
  $('banner').dataset.transient = String(transient);
  fill($('banner'), text ?? '');
}

function showView() {
  const name = location.hash === '#auditor' ? 'auditor' : 'checkout';
  for (const view of ['checkout', 'auditor']) {
    $(`view-${view}`).hidden = view !== name;
    document.querySelector(`nav a[data-view=${view}]`).classList.toggle('active', view === name);
  }
  document.body.dataset.view = name;
  if (name === 'auditor') app.views.auditor?.refresh();
}

// New heads are folded: while one refresh runs, only the latest head waits for the next.
let refreshing = false;
let waitingHead = null;
async function onHead(number) {
  if (refreshing) {
    waitingHead = number;
    return;
  }
  refreshing = true;
  try {
    if (app.head !== null && number + 5 < app.head) {
      // The node was restarted on a fresh chain (a --dev --tmp node keeps its genesis hash):
      // forget the old chain's events.
      app.history = new ChainHistory(app.api);
      banner(`The chain at ${app.url} went back from block #${app.head} to #${number}: it was restarted; events are read again.`);
    }
    app.head = number;
    setConnection('ready', `${app.chain.name} · #${number}`);
    document.body.dataset.head = String(number);
    let problem = null;
    try {
      await withTimeout(app.history.advance(number), 30_000, 'reading events');
    } catch (error) {
      problem = `Could not read the chain's events: ${errorText(error)}`;
    }
    await app.views.checkout.onHead();
    if (document.body.dataset.view === 'auditor') await app.views.auditor.refresh();
    document.body.dataset.refreshed = String(number);
    if (problem) banner(problem, { transient: true });
    else if ($('banner').dataset.transient === 'true') banner(null);
  } catch (error) {
    banner(`Could not refresh at block #${number}: ${errorText(error)}`, { transient: true });
  } finally {
    refreshing = false;
    if (waitingHead !== null) {
      const next = waitingHead;
      waitingHead = null;
      onHead(next);
    }
  }
}

async function whenReady() {
  const { api, provider } = app;
  try {
    app.chain = await withTimeout(describeChain(api, provider), 15_000, 'reading the chain');
  } catch (error) {
    banner(`Connected to ${app.url} but could not read the chain: ${errorText(error)}`);
    return;
  }
  if (app.chain.problem) {
    banner(app.chain.problem);
    setConnection('error', 'not a Micropay node');
    return;
  }
  if (!app.chain.desk) banner(`${app.url} has no auditor desk (micropay_* RPC): checkout is off; the auditor view reads the chain only.`);
  else banner(null);
  app.signers = await devSigners(app.chain.ss58);
  app.history = new ChainHistory(api);
  app.views.checkout = new CheckoutView($('view-checkout'), app);
  app.views.auditor = new AuditorView($('view-auditor'), app);
  app.onTracked = () => {
    if (document.body.dataset.view === 'auditor') app.views.auditor.draw();
  };
  $('footer').textContent = `${app.chain.name} · genesis ${app.chain.genesis.slice(0, 10)}… · ${app.url}`;
  document.body.dataset.ready = 'true';
  showView();
  await api.rpc.chain.subscribeNewHeads((header) => onHead(header.number.toNumber()));
}

function start() {
  $('endpoint').value = app.url;
  $('endpoint-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('rpc', $('endpoint').value.trim());
    location.href = url.toString(); // a new endpoint is a fresh page: no state mixes two chains
  });
  window.addEventListener('hashchange', showView);
  fill($('view-checkout'), h('p', { class: 'empty' }, `Connecting to ${app.url}…`));
  fill($('view-auditor'), h('p', { class: 'empty' }, `Connecting to ${app.url}…`));
  showView();
  let started = false;
  const connection = connect(app.url, ({ state, message }) => {
    if (state === 'ready') {
      banner(app.chain?.desk === false ? $('banner').textContent : null);
      if (!started) {
        started = true;
        setConnection('connecting', 'loading…');
        whenReady().catch((error) => banner(`The console failed to start: ${errorText(error)}`));
      } else if (app.chain) setConnection('ready', `${app.chain.name} · #${app.head ?? '?'}`);
    } else {
      setConnection(state, state === 'connecting' ? message : state === 'down' ? 'disconnected' : 'error');
      if (state !== 'connecting') banner(message);
    }
  });
  if (!connection) return;
  app.api = connection.api;
  app.provider = connection.provider;
  document.body.dataset.endpoint = app.url;
}

start();
