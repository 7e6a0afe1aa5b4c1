// Operating scenarios for the surrogate's dataset: a case's load, moved by a
// change table (hours of a year) or by random levels with correlated regional
// variation, and generation redispatched to follow it. A scenario travels as
// its load and generation columns, so a worker rebuilds it from the base case
// it already has.
//
// Random levels are drawn inside the range of load levels over which the
// case's base case converges (findLoadRange): beyond it there is no operating
// point to label.

import type { Case, ChangeTable } from './case';
import { BUS_AREA, BUS_TYPE, GEN_BUS, GEN_STATUS, NONE, PD, PG, PMAX, PMIN, QD, REF, ZONE } from './idx';
import { applyChanges, changeLabels, swapAreaZone } from './matpower';
import { runPowerFlow } from './powerflow';
import { Rng } from '../learn/rng';

export type ScenarioKind = 'base' | 'hour' | 'random';

/**
 * Who follows a change of load. 'headroom': the units other than the
 * reference bus's share it by their room to PMAX (or, for a decrease, to
 * PMIN); the reference bus covers the losses and what the others cannot.
 * 'proportional': every unit scaled by the load ratio and capped at PMAX
 * (the rule before redispatch; the reference bus covers what capped units
 * cannot give).
 */
export type Dispatch = 'headroom' | 'proportional';
export const DISPATCH: readonly Dispatch[] = ['headroom', 'proportional'];

export interface ScenarioSpec {
  /** 1-based, unique within a dataset. */
  id: number;
  kind: ScenarioKind;
  /** Change-set label (the hour) for 'hour' scenarios. */
  label?: number;
  /** Global load level for 'random' scenarios. */
  level?: number;
  totalLoadMW: number;
  /** PD and QD per case bus row (MW, MVAr), PG per case gen row (MW). */
  pd: number[];
  qd: number[];
  pg: number[];
  /** The branch outages (internal indices k, ascending) a dataset labels in this scenario; every branch when absent. */
  outages?: number[];
}

export const totalLoadMW = (c: Case): number => c.bus.reduce((s, r) => s + r[PD], 0);

/** The case with PD, QD and PG replaced by a scenario's columns. */
export function applyScenario(base: Case, s: Pick<ScenarioSpec, 'pd' | 'qd' | 'pg'>): Case {
  if (s.pd.length !== base.bus.length || s.qd.length !== base.bus.length || s.pg.length !== base.gen.length) {
    throw new RangeError(`scenario has ${s.pd.length} bus and ${s.pg.length} gen values; the case has ${base.bus.length} buses and ${base.gen.length} generators`);
  }
  return {
    ...base,
    bus: base.bus.map((r, i) => { const o = r.slice(); o[PD] = s.pd[i]; o[QD] = s.qd[i]; return o; }),
    gen: base.gen.map((r, i) => { const o = r.slice(); o[PG] = s.pg[i]; return o; }),
  };
}

/**
 * The proportional rule: every in-service unit scaled by the ratio of the new
 * total load to the case's, capped at PMAX (and at 0). The reference bus then
 * covers the losses and whatever the capped units cannot give. Returns new PG
 * per gen row.
 */
export function rescaleGeneration(base: Case, newLoadMW: number): number[] {
  const L0 = totalLoadMW(base);
  const f = L0 > 0 ? newLoadMW / L0 : 1;
  return base.gen.map((r) => {
    if (!(r[GEN_STATUS] > 0)) return r[PG];
    const p = Math.max(0, r[PG] * f);
    return r[PMAX] > 0 ? Math.min(p, r[PMAX]) : p;
  });
}

/**
 * Redispatch by headroom: the change of total load from the case's is shared
 * among the in-service units not at the reference bus in proportion to their
 * room (PMAX - PG for an increase, PG - PMIN for a decrease), so no unit
 * leaves [PMIN, PMAX] by the redispatch; a unit already outside its limits
 * offers no room that way. When the change exceeds the room of them all,
 * each goes to its limit and the reference bus covers the rest (with the
 * losses, as always). Returns new PG per gen row.
 */
export function redispatch(base: Case, newLoadMW: number): number[] {
  const dP = newLoadMW - totalLoadMW(base);
  const busType = new Map(base.bus.map((r) => [r[0], r[BUS_TYPE]]));
  const room = base.gen.map((r) => {
    const t = busType.get(r[GEN_BUS]);
    if (!(r[GEN_STATUS] > 0) || t === REF || t === NONE) return 0;
    return Math.max(0, dP >= 0 ? r[PMAX] - r[PG] : r[PG] - r[PMIN]);
  });
  const total = room.reduce((a, b) => a + b, 0);
  if (dP === 0 || total === 0) return base.gen.map((r) => r[PG]);
  const f = Math.min(1, Math.abs(dP) / total) * Math.sign(dP);
  return base.gen.map((r, g) => r[PG] + f * room[g]);
}

export function generationFor(base: Case, newLoadMW: number, dispatch: Dispatch): number[] {
  return dispatch === 'headroom' ? redispatch(base, newLoadMW) : rescaleGeneration(base, newLoadMW);
}

function specOf(base: Case, c: Case, id: number, kind: ScenarioKind, extra: Partial<ScenarioSpec>, dispatch: Dispatch): ScenarioSpec {
  const load = totalLoadMW(c);
  return {
    id, kind, ...extra, totalLoadMW: load,
    pd: c.bus.map((r) => r[PD]), qd: c.bus.map((r) => r[QD]), pg: generationFor(base, load, dispatch),
  };
}

/** The base case itself as a scenario. */
export function baseScenario(base: Case, id: number, dispatch: Dispatch = 'headroom'): ScenarioSpec {
  return specOf(base, base, id, 'base', {}, dispatch);
}

/** Every load times `level` (P and Q together), generation redispatched: the family the load range is searched along. */
export function levelScenario(base: Case, id: number, level: number, dispatch: Dispatch = 'headroom'): ScenarioSpec {
  const c: Case = { ...base, bus: base.bus.map((r) => { const s = r.slice(); s[PD] = r[PD] * level; s[QD] = r[QD] * level; return s; }) };
  return specOf(base, c, id, 'random', { level }, dispatch);
}

// ---- the load range a case's base case converges over --------------------------

export interface LoadProbe {
  level: number;
  converged: boolean;
  iterations: number;
}

export interface LoadRange {
  /** Lowest and highest load level (1 = the case's own load) at which the base case converged, every load scaled alike. */
  min: number;
  max: number;
  /** True when the search stopped at its floor or ceiling rather than at a level that fails. */
  minIsBound: boolean;
  maxIsBound: boolean;
  dispatch: Dispatch;
  /** Every level solved, in the order solved. */
  probes: LoadProbe[];
}

export interface LoadRangeOptions {
  /** The search stops here (levels below or above are not tried). */
  floor: number;
  ceiling: number;
  /** First step away from 1; it doubles while the base case keeps converging. */
  step: number;
  /** Width to which the edge between converging and failing levels is bisected. */
  tolerance: number;
  dispatch: Dispatch;
}

export const defaultLoadRange: LoadRangeOptions = { floor: 0.2, ceiling: 3, step: 0.02, tolerance: 0.005, dispatch: 'headroom' };

export class LoadRangeError extends Error {
  constructor(message: string, readonly probe: LoadProbe) {
    super(message);
    this.name = 'LoadRangeError';
  }
}

/**
 * The load levels over which the base case converges, by continuation from
 * the case's own level: steps away from 1 that double while each level
 * converges, then bisection between the last level that converged and the
 * first that did not. Every level is solved as the dataset solves a scenario
 * (flat start from the case's voltages, the spec's Newton), so a level inside
 * the range is one the labelling can start from. Convergence need not be
 * monotone in the level; the range is the stretch around 1 the search saw
 * converge, and scenarios drawn in it that still fail are re-drawn.
 * Throws LoadRangeError when the case does not converge at its own load.
 */
export function findLoadRange(base: Case, opts: Partial<LoadRangeOptions> = {}): LoadRange {
  const o = { ...defaultLoadRange, ...opts };
  if (!(o.floor > 0 && o.floor <= 1 && o.ceiling >= 1 && o.step > 0 && o.tolerance > 0)) {
    throw new RangeError(`load range search needs 0 < floor <= 1 <= ceiling, step > 0 and tolerance > 0, got ${o.floor}, ${o.ceiling}, ${o.step}, ${o.tolerance}`);
  }
  const probes: LoadProbe[] = [];
  const solve = (level: number): boolean => {
    const pf = runPowerFlow(applyScenario(base, levelScenario(base, 0, level, o.dispatch)));
    probes.push({ level, converged: pf.converged, iterations: pf.iterations });
    return pf.converged;
  };
  if (!solve(1)) {
    const p = probes[0];
    throw new LoadRangeError(`the base case does not converge at its own load (level 1, ${p.iterations} iterations): no load range to sample`, p);
  }
  const edge = (dir: 1 | -1, bound: number): { level: number; isBound: boolean } => {
    let ok = 1, h = o.step;
    for (;;) {
      const next = dir > 0 ? Math.min(ok + h, bound) : Math.max(ok - h, bound);
      if (!solve(next)) {
        let bad = next;
        while (Math.abs(bad - ok) > o.tolerance) {
          const mid = (ok + bad) / 2;
          if (solve(mid)) ok = mid; else bad = mid;
        }
        return { level: ok, isBound: false };
      }
      ok = next;
      if (ok === bound) return { level: ok, isBound: true };
      h *= 2;
    }
  };
  const up = edge(1, o.ceiling), down = edge(-1, o.floor);
  return { min: down.level, max: up.level, minIsBound: down.isBound, maxIsBound: up.isBound, dispatch: o.dispatch, probes };
}

// ---- random scenarios ---------------------------------------------------------

export interface RandomLoadOptions {
  /** Global level drawn uniformly in [levelMin, levelMax] (1 = the case's load). */
  levelMin: number;
  levelMax: number;
  /** Standard deviation of each region's factor around the level (relative): load that moves together. */
  regionNoise: number;
  /** Standard deviation of each bus's own factor around its region's (relative). */
  noise: number;
  dispatch: Dispatch;
}

/**
 * The levels sampled when none are given: the case's own load give or take
 * `band`, inside the range found: [max(min, 1 - band), min(max, 1 + band)].
 * The case's load is its nominal operating point; a range that reaches far
 * beyond it (case30 converges at three times its load) is no operating point
 * anyone runs, and one that stops short of 1 + band (case_ACTIVSg2000 stops
 * at about 1.2) is sampled up to its edge, where the insecure outages are.
 */
export const DEFAULT_LEVEL_BAND = 0.2;
export function defaultLevels(range: Pick<LoadRange, 'min' | 'max'>, band = DEFAULT_LEVEL_BAND): { levelMin: number; levelMax: number } {
  return { levelMin: Math.max(range.min, 1 - band), levelMax: Math.min(range.max, 1 + band) };
}

export const defaultVariation = { regionNoise: 0.05, noise: 0.05, dispatch: 'headroom' as Dispatch };

/**
 * Load regions: the buses sharing an (area, zone) pair. A case with one area
 * and one zone is one region (its loads then move together, apart from each
 * bus's own noise).
 */
export function loadRegions(base: Case): { region: Int32Array; count: number } {
  const ids = new Map<string, number>();
  const region = Int32Array.from(base.bus, (r) => {
    const key = `${r[BUS_AREA]}/${r[ZONE]}`;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
  return { region, count: ids.size };
}

/**
 * Every load scaled by level x max(0, 1 + regionNoise x N(0,1)) of its region
 * x max(0, 1 + noise x N(0,1)) of its own, P and Q together (power factor
 * kept); generation follows by `dispatch`. The draws: the level, one normal
 * per region (in region order; none when regionNoise is 0), one per bus (in
 * row order).
 */
export function randomScenario(base: Case, id: number, rng: Rng, o: RandomLoadOptions): ScenarioSpec {
  const level = o.levelMin + (o.levelMax - o.levelMin) * rng.float();
  const { region, count } = loadRegions(base);
  // No regional draws without regional noise: the draws are then those of the rule before regions.
  const rf = o.regionNoise > 0 ? Array.from({ length: count }, () => Math.max(0, 1 + o.regionNoise * rng.normal())) : new Array<number>(count).fill(1);
  const c: Case = {
    ...base,
    bus: base.bus.map((r, i) => {
      const s = r.slice();
      const f = level * rf[region[i]] * Math.max(0, 1 + o.noise * rng.normal());
      s[PD] = r[PD] * f;
      s[QD] = r[QD] * f;
      return s;
    }),
  };
  return specOf(base, c, id, 'random', { level }, o.dispatch);
}

/** Total load of every change set (hour) of a table applied to the case (areas and zones swapped when asked). */
export function hourLoads(base: Case, table: ChangeTable, swap: boolean): { label: number; loadMW: number }[] {
  const c = swap ? swapAreaZone(base) : base;
  return changeLabels(table).map((label) => ({ label, loadMW: totalLoadMW(applyChanges(c, table, label)) }));
}

/**
 * `count` distinct hours: half (rounded up) drawn among the top `peakQuantile`
 * by total load, the rest one per equal slice of the year, at random within
 * the slice. Returned in table order.
 */
export function pickHours(hours: readonly { label: number; loadMW: number }[], count: number, rng: Rng, peakQuantile = 0.1): number[] {
  const n = hours.length;
  if (count >= n) return hours.map((h) => h.label);
  const byLoad = hours.map((_, i) => i).sort((a, b) => hours[b].loadMW - hours[a].loadMW || a - b);
  const nPeak = Math.ceil(count / 2);
  const peakPool = byLoad.slice(0, Math.max(nPeak, Math.ceil(n * peakQuantile)));
  const chosen = new Set<number>();
  for (const i of drawDistinct(peakPool, nPeak, rng)) chosen.add(i);
  const rest = count - chosen.size;
  for (let s = 0; s < rest; s++) {
    const lo = Math.floor((s * n) / rest), hi = Math.floor(((s + 1) * n) / rest);
    const pool: number[] = [];
    for (let i = lo; i < hi; i++) if (!chosen.has(i)) pool.push(i);
    if (pool.length) chosen.add(pool[rng.int(pool.length)]);
  }
  return [...chosen].sort((a, b) => a - b).map((i) => hours[i].label);
}

function drawDistinct(pool: readonly number[], k: number, rng: Rng): number[] {
  const a = pool.slice();
  for (let i = 0; i < Math.min(k, a.length); i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}

/** The scenario of one change-table hour. */
export function hourScenario(base: Case, table: ChangeTable, label: number, swap: boolean, id: number, dispatch: Dispatch = 'headroom'): ScenarioSpec {
  const c = applyChanges(swap ? swapAreaZone(base) : base, table, label);
  return specOf(base, c, id, 'hour', { label }, dispatch);
}
