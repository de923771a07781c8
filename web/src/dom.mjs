// A few DOM and formatting helpers: the page has no framework.

/** `h('div', { class: 'x', onclick }, child, …)`: an element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** `amount` (smallest unit, bigint or string) in whole units with `decimals`, trailing zeros trimmed. */
export function formatUnits(amount, decimals = 12, symbol = 'MPY') {
  const value = BigInt(amount);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toLocaleString('en-US');
  const frac = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '−' : ''}${whole}${frac ? '.' + frac : ''} ${symbol}`;
}

/** A signed change, with its sign always shown. */
export const formatChange = (amount, decimals, symbol) =>
  (BigInt(amount) > 0n ? '+' : '') + formatUnits(amount, decimals, symbol);

/** A Perquintill (parts per 10^18) as a decimal with 4 places. */
export const formatTrust = (parts) => (Number(BigInt(parts) / 10n ** 12n) / 1e6).toFixed(4);

/** `5GrwvaEF…utQY` */
export const short = (address) => (address ? `${address.slice(0, 8)}…${address.slice(-4)}` : '');

/** The message of anything thrown. */
export const errorText = (error) => (error instanceof Error ? error.message : String(error));

/** Rejects with a clear message if `promise` takes longer than `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from the node within ${ms / 1000} s`)), ms);
    }),
  ]);
}
