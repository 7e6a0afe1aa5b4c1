// The map coloured by an explanation: where in the grid the surrogate's
// verdict comes from (integrated-gradient attribution per bus and branch),
// or what the exact physics did (the change of each branch's flow). Both on
// a diverging scale symmetric about zero, so that grey means "no part in it"
// and the two sides read the same way in both views: red pushes towards
// insecure / carries more flow, blue towards secure / carries less. Widths
// grow with the magnitude so the few branches that matter stand out at any
// zoom. No DOM here: tested in Node.

import type { GridExplanation, GridGraph, PhysicsExplanation } from '../../main/api';
import { scaleColor, type MapColouring, type MapLegend } from './colouring';

/** Blue (towards secure / less flow) through grey to red (towards insecure / more flow). */
const DIVERGING = ['#1d4ed8', '#93c5fd', '#e4e7ec', '#fca5a5', '#b91c1c'];
const NEUTRAL_BRANCH = '#d0d5dd';
/** Buses without attribution: lighter than the map's default, so those with one stand out. */
const NEUTRAL_BUS = '#98a2b3';
const THIN = 1.5, THICK = 7;

/** The colour stops of the diverging scale, on the square-root axis [-1, 1]. */
export const DIVERGING_STOPS = [-1, -0.5, 0, 0.5, 1].map((at, i) => ({ at, color: DIVERGING[i] }));

/**
 * A value's place on the square-root axis of a scale reaching ±m: a few
 * large values (an outage's neighbours carry most of its flow) get full
 * colour while values a hundredth of theirs still show.
 */
export function signedRoot(v: number, m: number): number {
  if (!(m > 0) || !Number.isFinite(v)) return 0;
  return Math.sign(v) * Math.sqrt(Math.min(1, Math.abs(v) / m));
}

export function divergingColor(v: number, m: number): string {
  return scaleColor(DIVERGING_STOPS, signedRoot(v, m));
}

/** The scale's reach: the largest magnitude (0 when there is none). */
export function scaleReach(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function widthOf(v: number, m: number): number {
  return THIN + (THICK - THIN) * Math.abs(signedRoot(v, m));
}

/** Ticks at the ends, the middle and the quarter values (half way along the root axis). */
function ticks(m: number): { at: number; label: string }[] {
  const digits = m >= 10 ? 0 : Math.min(4, Math.max(1, 1 - Math.floor(Math.log10(m > 0 ? m / 4 : 1))));
  const f = (x: number) => (x === 0 ? '0' : `${x > 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`);
  return [[-1, -m], [-0.5, -m / 4], [0, 0], [0.5, m / 4], [1, m]].map(([at, v]) => ({ at, label: f(v) }));
}

function legend(title: string, m: number, note: string): MapLegend {
  return { title, kind: 'scale', stops: DIVERGING_STOPS, ticks: ticks(m), note: `${note} · square-root scale` };
}

/**
 * Branches and buses by their attribution to the insecure logit; those the
 * explanation does not list had none (grey, thin).
 */
export function attributionColouring(graph: GridGraph, grid: GridExplanation): { colouring: MapColouring; legends: MapLegend[] } {
  const branchA = new Map(grid.branches.map((b) => [b.branch, b.attribution]));
  const busA = new Map(grid.buses.map((b) => [b.row, b.attribution]));
  const m = scaleReach([...branchA.values(), ...busA.values()]);
  const colouring: MapColouring = {
    branchColor: graph.branches.map((b) => { const a = branchA.get(b.row); return a === undefined || a === 0 ? NEUTRAL_BRANCH : divergingColor(a, m); }),
    branchWidth: graph.branches.map((b) => widthOf(branchA.get(b.row) ?? 0, m)),
    busColor: graph.buses.map((_, i) => { const a = busA.get(i + 1); return a === undefined || a === 0 ? NEUTRAL_BUS : divergingColor(a, m); }),
  };
  return { colouring, legends: [legend('attribution to the insecure logit (integrated gradients)', m, 'red: towards insecure · blue: towards secure · grey: none')] };
}

/**
 * Branches by the change of the magnitude of their flow after the outage
 * (|post| − |pre|, MW, exact AC); those not listed (the window receives the
 * largest changes) grey and thin. Counted overloads are drawn at full width.
 */
export function physicsColouring(graph: GridGraph, physics: PhysicsExplanation): { colouring: MapColouring; legends: MapLegend[] } {
  const change = new Map(physics.flowChange.map((f) => [f.branch, Math.abs(f.postMW) - Math.abs(f.preMW)]));
  const over = new Set(physics.overloaded.map((o) => o.branch));
  const m = scaleReach([...change.values()]);
  const colouring: MapColouring = {
    branchColor: graph.branches.map((b) => { const d = change.get(b.row); return d === undefined ? NEUTRAL_BRANCH : divergingColor(d, m); }),
    branchWidth: graph.branches.map((b) => (over.has(b.row) ? THICK : widthOf(change.get(b.row) ?? 0, m))),
  };
  const listed = physics.flowChange.length;
  const note = `red: more flow · blue: less · the ${listed} largest changes shown${over.size ? ` · thickest: ${over.size} counted overload${over.size > 1 ? 's' : ''}` : ''}`;
  return { colouring, legends: [legend('change of |flow| after the outage (MW, AC)', m, note)] };
}
