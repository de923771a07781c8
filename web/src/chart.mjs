// A hand-rolled SVG line chart of a buyer's block size W (left axis) and trust (right axis,
// 0–1) over its token blocks: one point per token block, after the block settled.
const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * `points`: `[{ label, w, trust }]` (trust a number in [0, 1]), oldest first.
 * Returns an `<svg>`.
 */
export function wTrustChart(points, { width = 640, height = 250 } = {}) {
  const pad = { left: 44, right: 48, top: 34, bottom: 36 };
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'W and trust over token blocks' });
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxW = Math.max(4, ...points.map((p) => p.w));
  const wTop = Math.ceil((maxW * 1.15) / 4) * 4;
  const x = (i) => pad.left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const yW = (w) => pad.top + plotH - (w / wTop) * plotH;
  const yT = (t) => pad.top + plotH - t * plotH;

  for (let k = 0; k <= 4; k += 1) {
    const y = pad.top + (k * plotH) / 4;
    svg.append(el('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y, y2: y }));
    svg.append(el('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end' }, String(Math.round(wTop * (1 - k / 4)))));
    svg.append(el('text', { x: width - pad.right + 6, y: y + 4 }, (1 - k / 4).toFixed(2)));
  }
  svg.append(el('line', { class: 'axis', x1: pad.left, x2: pad.left, y1: pad.top, y2: pad.top + plotH }));
  svg.append(el('line', { class: 'axis', x1: width - pad.right, x2: width - pad.right, y1: pad.top, y2: pad.top + plotH }));
  svg.append(el('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH }));
  svg.append(el('text', { x: pad.left - 6, y: pad.top - 10, 'text-anchor': 'end' }, 'W'));
  svg.append(el('text', { x: width - pad.right + 6, y: pad.top - 10 }, 'trust'));

  const step = Math.max(1, Math.ceil(points.length / 12));
  points.forEach((p, i) => {
    if (i % step === 0 || i === points.length - 1) {
      svg.append(el('text', { x: x(i), y: height - pad.bottom + 16, 'text-anchor': 'middle' }, p.label));
    }
  });
  svg.append(el('text', { x: pad.left + plotW / 2, y: height - 4, 'text-anchor': 'middle' }, 'token block (seq)'));

  if (points.length) {
    svg.append(el('polyline', { class: 'w', points: points.map((p, i) => `${x(i)},${yW(p.w)}`).join(' ') }));
    svg.append(el('polyline', { class: 't', points: points.map((p, i) => `${x(i)},${yT(p.trust)}`).join(' ') }));
    points.forEach((p, i) => {
      const wDot = el('circle', { class: 'wp', cx: x(i), cy: yW(p.w), r: 3.5 });
      wDot.append(el('title', {}, `${p.label}: W = ${p.w}`));
      const tDot = el('circle', { class: 'tp', cx: x(i), cy: yT(p.trust), r: 3.5 });
      tDot.append(el('title', {}, `${p.label}: trust = ${p.trust.toFixed(4)}`));
      svg.append(wDot, tDot);
    });
  }
  const legend = el('g', { transform: `translate(${pad.left + plotW / 2 - 90}, 6)` });
  legend.append(el('line', { class: 'w', x1: 0, x2: 22, y1: 7, y2: 7 }));
  legend.append(el('text', { x: 28, y: 11 }, 'W (tokens)'));
  legend.append(el('line', { class: 't', x1: 100, x2: 122, y1: 7, y2: 7 }));
  legend.append(el('text', { x: 128, y: 11 }, 'trust'));
  svg.append(legend);
  return svg;
}
