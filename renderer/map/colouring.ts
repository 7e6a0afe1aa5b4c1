// What the map colours and sizes, as plain per-element arrays, and the
// legends that explain them. The map draws whatever MapColouring it is
// given: the map panel builds one from a power flow or an outage (branches
// by loading, buses by voltage, sizes by load or generation), and any other
// view (an explanation's attribution, say) can hand it its own with its own
// legend. No DOM here: the scales are tested in Node.

import type { GridGraph } from '../../main/api';
import { LIMIT_TOL } from '../spec-limits';

export interface MapColouring {
  /** Per case bus row: a CSS colour, or null for the default. */
  busColor?: (string | null)[];
  /** Per case bus row: the node's diameter at zoom 1, or null for the default. */
  busSize?: (number | null)[];
  /** Per case bus row: a ring around the bus (e.g. a voltage outside its limits), or null for none. */
  busRing?: (string | null)[];
  /** Per case branch row (index row - 1): a CSS colour, or null for the default. */
  branchColor?: (string | null)[];
  /** Per case branch row: line width at zoom 1, or null for the default. */
  branchWidth?: (number | null)[];
}

/** A legend: colour swatches with labels, or a continuous scale (diverging ones included) with ticks. */
export type MapLegend =
  | { title: string; kind: 'swatches'; items: { color: string; label: string; ring?: boolean }[] }
  | { title: string; kind: 'scale'; stops: { at: number; color: string }[]; ticks: { at: number; label: string }[]; note?: string }
  | { title: string; kind: 'sizes'; items: { size: number; label: string }[] };

export const DEFAULT_BUS = '#475467';
export const DEFAULT_BRANCH = '#98a2b3';
export const DEFAULT_BUS_SIZE = 10;

// ---- branches by loading ----------------------------------------------------

export const LOADING_BANDS: { above: number; color: string; label: string }[] = [
  { above: 1, color: '#d92d20', label: '>100%' },
  { above: 0.9, color: '#f79009', label: '90–100%' },
  { above: 0.6, color: '#eaaa08', label: '60–90%' },
  { above: -Infinity, color: '#12b76a', label: '<60%' },
];

export function loadingColor(l: number | null | undefined): string {
  if (l === null || l === undefined || !Number.isFinite(l)) return DEFAULT_BRANCH;
  return LOADING_BANDS.find((b) => l > b.above)!.color;
}

export function loadingLegend(title = 'branch loading'): MapLegend {
  return { title, kind: 'swatches', items: [...LOADING_BANDS].reverse().map((b) => ({ color: b.color, label: b.label })).concat([{ color: DEFAULT_BRANCH, label: 'unrated / out' }]) };
}

// ---- buses by voltage -------------------------------------------------------

/** A continuous scale through colour stops (at ascending), clipped at both ends. */
export function scaleColor(stops: { at: number; color: string }[], v: number): string {
  if (!Number.isFinite(v)) return DEFAULT_BUS;
  if (v <= stops[0].at) return stops[0].color;
  for (let i = 1; i < stops.length; i++) {
    if (v <= stops[i].at) {
      const t = (v - stops[i - 1].at) / (stops[i].at - stops[i - 1].at);
      return mix(stops[i - 1].color, stops[i].color, t);
    }
  }
  return stops[stops.length - 1].color;
}

/** Linear mix of two #rrggbb colours. */
export function mix(a: string, b: string, t: number): string {
  const pa = hex(a), pb = hex(b);
  const c = pa.map((x, i) => Math.round(x + (pb[i] - x) * t));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

function hex(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (!m) throw new Error(`not a #rrggbb colour: ${c}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Diverging about 1 p.u.: blue below, orange-red above, grey at nominal. */
export const VOLTAGE_STOPS = [
  { at: 0.9, color: '#1d4ed8' }, { at: 0.95, color: '#60a5fa' }, { at: 1.0, color: '#98a2b3' },
  { at: 1.05, color: '#f59e0b' }, { at: 1.1, color: '#dc2626' },
];
export const VIOLATION_RING = '#101828';

export function voltageLegend(title = 'bus voltage (p.u.)'): MapLegend {
  return {
    title, kind: 'scale', stops: VOLTAGE_STOPS,
    ticks: [0.9, 0.95, 1.0, 1.05, 1.1].map((at) => ({ at, label: at.toFixed(2) })),
    note: 'ringed: outside its limits',
  };
}

// ---- sizes ------------------------------------------------------------------

export type SizeBy = 'none' | 'load' | 'generation';

/** MW per bus row: its load, or the in-service generation at it. */
export function busMW(graph: GridGraph, by: Exclude<SizeBy, 'none'>): number[] {
  if (by === 'load') return graph.buses.map((b) => b.pd);
  const row = new Map(graph.buses.map((b, i) => [b.id, i]));
  const mw = new Array<number>(graph.buses.length).fill(0);
  for (const g of graph.gens) if (g.inService) { const i = row.get(g.bus); if (i !== undefined) mw[i] += g.pg; }
  return mw;
}

const MIN_SIZE = 5, MAX_SIZE = 34;

/** Area proportional to MW (diameter by square root), the largest MAX_SIZE; buses with none at MIN_SIZE. */
export function sizesFor(mw: number[]): { sizes: number[]; largest: number } {
  const largest = mw.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const sizes = mw.map((x) => (largest > 0 && x > 0 ? MIN_SIZE + (MAX_SIZE - MIN_SIZE) * Math.sqrt(x / largest) : MIN_SIZE));
  return { sizes, largest };
}

export function sizeLegend(by: Exclude<SizeBy, 'none'>, largest: number): MapLegend {
  const at = (f: number) => MIN_SIZE + (MAX_SIZE - MIN_SIZE) * Math.sqrt(f);
  const mw = (f: number) => `${(largest * f).toFixed(largest * f >= 10 ? 0 : 1)} MW`;
  return { title: `bus size: ${by}`, kind: 'sizes', items: [{ size: at(0.1), label: mw(0.1) }, { size: at(0.5), label: mw(0.5) }, { size: at(1), label: mw(1) }] };
}

// ---- the panel's own colouring ------------------------------------------------

export interface OperatingState {
  /** Per branch row; null = unrated. */
  loading: (number | null)[] | null;
  /** Per bus row; null = outside the main island. */
  vm: (number | null)[] | null;
  /** What the state is, for the legend's title ('after outage of branch 12'). */
  label: string | null;
}

export interface PanelColouringOptions {
  colourBuses: 'voltage' | 'none';
  sizeBy: SizeBy;
}

/** Branches by loading and buses by voltage where the state has them; sizes by load or generation. */
export function panelColouring(graph: GridGraph, state: OperatingState, opts: PanelColouringOptions): { colouring: MapColouring; legends: MapLegend[] } {
  const colouring: MapColouring = {};
  const legends: MapLegend[] = [];
  const when = state.label ? ` ${state.label}` : '';
  if (state.loading) {
    colouring.branchColor = graph.branches.map((_, i) => loadingColor(state.loading![i]));
    legends.push(loadingLegend(`branch loading${when}`));
  }
  if (state.vm && opts.colourBuses === 'voltage') {
    colouring.busColor = graph.buses.map((_, i) => (state.vm![i] === null || state.vm![i] === undefined ? null : scaleColor(VOLTAGE_STOPS, state.vm![i]!)));
    colouring.busRing = graph.buses.map((b, i) => {
      const v = state.vm![i];
      return v !== null && v !== undefined && (v > b.vmax + LIMIT_TOL || v < b.vmin - LIMIT_TOL) ? VIOLATION_RING : null;
    });
    legends.push(voltageLegend(`bus voltage (p.u.)${when}`));
  }
  if (opts.sizeBy !== 'none') {
    const { sizes, largest } = sizesFor(busMW(graph, opts.sizeBy));
    colouring.busSize = sizes;
    legends.push(sizeLegend(opts.sizeBy, largest));
  }
  return { colouring, legends };
}
