// The grid map with one outage drawn, from the stored (or the case file's)
// bus positions: branches coloured by post-outage loading in the bands the
// app's map uses, counted overloads drawn thicker, the outaged line dashed,
// buses with a counted voltage violation ringed. One geometry, two painters:
// SVG here (embedded in the HTML), pdfkit's vector paths in pdf.ts.

import type { MapPicture } from './types';

/** The app's loading bands (renderer/map/colouring.ts, held equal by test/unit/renderer-constants.test.ts), highest first. */
export const LOADING_BANDS: readonly { above: number; color: string; label: string }[] = [
  { above: 1, color: '#d92d20', label: '>100 %' },
  { above: 0.9, color: '#f79009', label: '90-100 %' },
  { above: 0.6, color: '#eaaa08', label: '60-90 %' },
  { above: -Infinity, color: '#12b76a', label: '<60 %' },
];
export const UNJUDGED_COLOR = '#98a2b3';
export const OUTAGED_COLOR = '#101828';
export const BUS_COLOR = '#475467';
export const VIOLATED_BUS_COLOR = '#7a2e0e';

export function loadingColor(l: number | null): string {
  if (l === null || !Number.isFinite(l)) return UNJUDGED_COLOR;
  return LOADING_BANDS.find((b) => l > b.above)!.color;
}

export interface MapInput {
  /** Per case bus row: x, y (y down), NaN where unknown. */
  xy: Float64Array;
  /** Per case branch row: 0-based bus rows of its ends and whether it is in service. */
  branchFrom: Int32Array;
  branchTo: Int32Array;
  inService: Uint8Array;
  /** Per case branch row: post-outage loading, NaN where not judged. */
  loading: Float64Array;
  /** Per case branch row: a counted overload. */
  overloaded: Uint8Array;
  /** Per case bus row: a counted voltage violation. */
  violatedBus: Uint8Array;
  /** 0-based case branch row of the outage, -1 for a generator outage. */
  outagedRow: number;
  outage: MapPicture['outage'];
  source: string;
}

/** Fits the positions into width x height (aspect kept, a margin around). */
export function mapPicture(m: MapInput, width: number, height: number, margin = 8): MapPicture {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const n = m.xy.length / 2;
  for (let i = 0; i < n; i++) {
    const x = m.xy[2 * i], y = m.xy[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const s = Math.min((width - 2 * margin) / Math.max(x1 - x0, 1e-9), (height - 2 * margin) / Math.max(y1 - y0, 1e-9));
  const ox = margin + (width - 2 * margin - s * (x1 - x0)) / 2, oy = margin + (height - 2 * margin - s * (y1 - y0)) / 2;
  const px = (i: number) => round(ox + (m.xy[2 * i] - x0) * s), py = (i: number) => round(oy + (m.xy[2 * i + 1] - y0) * s);
  const branches: MapPicture['branches'] = [];
  for (let r = 0; r < m.branchFrom.length; r++) {
    if (!m.inService[r] && r !== m.outagedRow) continue;
    const a = m.branchFrom[r], b = m.branchTo[r];
    if (![m.xy[2 * a], m.xy[2 * b]].every(Number.isFinite)) continue;
    const L = m.loading[r];
    branches.push({ x1: px(a), y1: py(a), x2: px(b), y2: py(b), loading: Number.isFinite(L) ? L : null, outaged: r === m.outagedRow, overloaded: m.overloaded[r] === 1 });
  }
  // Drawn in order: plain lines first, then overloads, the outage last (on top).
  branches.sort((p, q) => rank(p) - rank(q));
  const buses: MapPicture['buses'] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(m.xy[2 * i]) && Number.isFinite(m.xy[2 * i + 1])) buses.push({ x: px(i), y: py(i), violated: m.violatedBus[i] === 1 });
  return { width, height, outage: m.outage, branches, buses, source: m.source };
}

const rank = (b: MapPicture['branches'][number]) => (b.outaged ? 2 : b.overloaded ? 1 : 0);
const round = (v: number) => Math.round(v * 10) / 10;

/** Line width, bus radius and the width of marked lines that suit the grid's size. */
export function strokeScale(p: MapPicture): { line: number; bus: number; marked: number } {
  const n = p.buses.length;
  const line = n > 3000 ? 0.35 : n > 500 ? 0.7 : 1.4;
  return { line, bus: n > 3000 ? 0 : n > 500 ? 1 : 2.6, marked: Math.max(3 * line, 2) };
}

/** Where the outaged line is marked: its midpoint and a ring radius that a reader finds on a large grid. */
export function outageMark(p: MapPicture): { x: number; y: number; r: number } | null {
  const b = p.branches.find((x) => x.outaged);
  if (!b) return null;
  return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2, r: Math.max(8, Math.hypot(b.x2 - b.x1, b.y2 - b.y1) / 2 + 4) };
}

/** The picture as an SVG element (no external reference), with its legend. */
export function mapSvg(p: MapPicture): string {
  const { line, bus, marked } = strokeScale(p);
  const out: string[] = [`<svg viewBox="0 0 ${p.width} ${p.height + 22}" width="100%" role="img" aria-label="grid map after the outage of ${esc(p.outage.label)}">`];
  out.push(`<rect x="0" y="0" width="${p.width}" height="${p.height}" fill="#fcfcfd" stroke="#eaecf0"/>`);
  for (const b of p.branches) {
    const color = b.outaged ? OUTAGED_COLOR : loadingColor(b.loading);
    const w = b.outaged || b.overloaded ? marked : line;
    out.push(`<line x1="${b.x1}" y1="${b.y1}" x2="${b.x2}" y2="${b.y2}" stroke="${color}" stroke-width="${w}"${b.outaged ? ` stroke-dasharray="${line * 4} ${line * 3}"` : ''}/>`);
  }
  if (bus > 0) for (const b of p.buses) if (!b.violated) out.push(`<circle cx="${b.x}" cy="${b.y}" r="${bus}" fill="${BUS_COLOR}"/>`);
  for (const b of p.buses) if (b.violated) out.push(`<circle cx="${b.x}" cy="${b.y}" r="${Math.max(bus, 1.5) * 1.8}" fill="none" stroke="${VIOLATED_BUS_COLOR}" stroke-width="${Math.max(line, 0.8)}"/>`);
  const mark = outageMark(p);
  if (mark) out.push(`<circle cx="${mark.x}" cy="${mark.y}" r="${mark.r}" fill="none" stroke="${OUTAGED_COLOR}" stroke-width="1.2" stroke-dasharray="3 2"/>`);
  // Legend under the map.
  let x = 4;
  const y = p.height + 14;
  const item = (swatch: string, label: string) => { out.push(swatch.replace(/X/g, String(x)), `<text x="${x + 16}" y="${y + 3}" font-size="9" fill="#344054">${esc(label)}</text>`); x += 22 + label.length * 5; };
  for (const band of [...LOADING_BANDS].reverse()) item(`<line x1="X" y1="${y}" x2="${x + 12}" y2="${y}" stroke="${band.color}" stroke-width="3"/>`, `loading ${band.label}`);
  item(`<line x1="X" y1="${y}" x2="${x + 12}" y2="${y}" stroke="${UNJUDGED_COLOR}" stroke-width="3"/>`, 'unrated / cut off');
  item(`<line x1="X" y1="${y}" x2="${x + 12}" y2="${y}" stroke="${OUTAGED_COLOR}" stroke-width="3" stroke-dasharray="4 3"/>`, 'outaged (ringed)');
  item(`<circle cx="${x + 6}" cy="${y}" r="4" fill="none" stroke="${VIOLATED_BUS_COLOR}"/>`, 'voltage violation');
  out.push('</svg>');
  return out.join('\n');
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
