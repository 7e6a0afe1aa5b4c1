// What the map says about a bus or a branch under the pointer, and finding
// buses by number or name. No DOM: tested in Node.

import type { GridGraph } from '../../main/api';
import { isRated, LIMIT_TOL } from '../spec-limits';

/** The operating point the details read from (a power flow, or the state after an outage). */
export interface DetailState {
  /** Per bus row. */
  vm?: (number | null)[] | null;
  va?: (number | null)[] | null;
  /** Per branch row: MW and MVAr at the from end (a power flow). */
  pf?: number[] | null;
  qf?: number[] | null;
  /** Per branch row, null = unrated. */
  loading?: (number | null)[] | null;
  /** The branch taken out, if any (1-based). */
  outaged?: number | null;
  /** 'after outage of branch 12', 'AC power flow', ... */
  label?: string | null;
}

export type Detail = [label: string, value: string];

const BUS_TYPES: Record<number, string> = { 1: 'PQ (load)', 2: 'PV (generator)', 3: 'reference', 4: 'isolated' };

const num = (x: number | null | undefined, d: number, unit = '') =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(d)}${unit ? ` ${unit}` : ''}`;

/** Generation in service at each bus row (MW, MVAr). */
export function generationByBus(graph: GridGraph): { pg: number[]; qg: number[]; units: number[] } {
  const row = rowOfBus(graph);
  const pg = new Array<number>(graph.buses.length).fill(0), qg = pg.slice(), units = pg.slice();
  for (const g of graph.gens) {
    const i = row.get(g.bus);
    if (i === undefined || !g.inService) continue;
    pg[i] += g.pg; qg[i] += g.qg ?? 0; units[i]++;
  }
  return { pg, qg, units };
}

export function rowOfBus(graph: GridGraph): Map<number, number> {
  return new Map(graph.buses.map((b, i) => [b.id, i]));
}

/** Bus: number, name, kV, type, load, generation, Vm (from the state, else the case file's). */
export function busDetails(graph: GridGraph, row: number, state: DetailState, gen = generationByBus(graph)): { title: string; rows: Detail[] } {
  const b = graph.buses[row];
  const vm = state.vm ? state.vm[row] : undefined;
  const rows: Detail[] = [
    ['name', b.name ?? '—'],
    ['base kV', Number.isFinite(b.baseKV) ? `${Number(b.baseKV.toFixed(3))} kV` : '—'],
    ['type', BUS_TYPES[b.type] ?? String(b.type)],
    ['load', `${num(b.pd, 1, 'MW')}, ${num(b.qd, 1, 'MVAr')}`],
    ['generation', gen.units[row] ? `${num(gen.pg[row], 1, 'MW')}, ${num(gen.qg[row], 1, 'MVAr')} (${gen.units[row]} unit${gen.units[row] > 1 ? 's' : ''})` : 'none'],
  ];
  if (state.vm) rows.push([`Vm ${state.label ?? ''}`.trim(), vm === null || vm === undefined ? 'out of the main island' : `${num(vm, 4, 'p.u.')}${vm > b.vmax + LIMIT_TOL ? ' (above Vmax)' : vm < b.vmin - LIMIT_TOL ? ' (below Vmin)' : ''}`]);
  else rows.push(['Vm (case file)', num(b.vm, 4, 'p.u.')]);
  rows.push(['limits', `${num(b.vmin, 3)} – ${num(b.vmax, 3)} p.u.`]);
  return { title: `Bus ${b.id}`, rows };
}

/** Branch: ends, r/x, rating, flow, loading. */
export function branchDetails(graph: GridGraph, branchRow: number, state: DetailState): { title: string; rows: Detail[] } {
  const br = graph.branches[branchRow - 1];
  const row = rowOfBus(graph);
  const end = (bus: number) => { const b = graph.buses[row.get(bus) ?? -1]; return b?.name ? `${bus} ${b.name}` : String(bus); };
  const transformer = (br.ratio ?? 0) !== 0 || (br.shift ?? 0) !== 0;
  const rows: Detail[] = [
    ['ends', `${end(br.from)} – ${end(br.to)}`],
    ['kind', `${transformer ? `transformer${br.ratio ? `, tap ${num(br.ratio, 4)}` : ''}${br.shift ? `, shift ${num(br.shift, 1)}°` : ''}` : 'line'}${br.inService ? '' : ' (out of service)'}`],
    ['r / x', `${num(br.r, 5)} / ${num(br.x, 5)} p.u.`],
    ['rating', isRated(br.rateA) ? num(br.rateA, 0, 'MVA') : 'unlimited'],
  ];
  if (state.outaged === branchRow) rows.push(['state', `taken out ${state.label ?? ''}`.trim()]);
  else {
    if (state.pf && state.qf && state.pf.length) rows.push(['flow (from end)', `${num(state.pf[branchRow - 1], 1, 'MW')}, ${num(state.qf[branchRow - 1], 1, 'MVAr')}`]);
    else if (state.loading && isRated(br.rateA) && state.loading[branchRow - 1] !== null) rows.push(['flow', `${num(state.loading[branchRow - 1]! * br.rateA, 1, 'MVA')} (larger end)`]);
    if (state.loading) rows.push([`loading ${state.label ?? ''}`.trim(), state.loading[branchRow - 1] === null || state.loading[branchRow - 1] === undefined ? (br.rateA > 0 ? 'out / cut off' : 'unrated') : `${num(state.loading[branchRow - 1]! * 100, 1)}%`]);
  }
  return { title: `Branch ${br.row}`, rows };
}

/** A bus a search found: its row, number and name. */
export interface BusHit {
  row: number;
  id: number;
  name?: string;
}

/**
 * Buses matching a query: the bus of that number first, then names that
 * start with it, then names and numbers that contain it (case and spaces
 * ignored), at most `limit`.
 */
export function findBuses(graph: GridGraph, query: string, limit = 12): BusHit[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!q) return [];
  const exact: BusHit[] = [], prefix: BusHit[] = [], within: BusHit[] = [];
  graph.buses.forEach((b, row) => {
    const id = String(b.id), name = (b.name ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
    const hit = { row, id: b.id, name: b.name?.trim() };
    if (id === q) exact.push(hit);
    else if (name.startsWith(q) || id.startsWith(q)) prefix.push(hit);
    else if (name.includes(q)) within.push(hit);
  });
  return [...exact, ...prefix, ...within].slice(0, limit);
}
