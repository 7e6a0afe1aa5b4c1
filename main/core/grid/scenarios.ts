// Operating scenarios for the surrogate's dataset: a case's load, moved by a
// change table (hours of a year) or by random scaling, with generation
// rescaled in proportion so that the reference bus does not pick up the whole
// change (it covers the losses and what units at PMAX cannot give). A scenario travels as its load and generation columns, so a worker
// rebuilds it from the base case it already has.

import type { Case, ChangeTable } from './case';
import { GEN_STATUS, PD, PG, PMAX, QD } from './idx';
import { applyChanges, changeLabels, swapAreaZone } from './matpower';
import { Rng } from '../learn/rng';

export type ScenarioKind = 'base' | 'hour' | 'random';

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
 * Generation follows the load: every in-service unit scaled by the ratio of
 * the new total load to the case's, capped at PMAX (and at 0). The reference
 * bus then covers the losses and whatever the capped units cannot give, as a
 * system without redispatch would (this is what stresses the peak hours: the
 * cheap units are at their limits and the slack area exports). Returns new PG
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

function specOf(base: Case, c: Case, id: number, kind: ScenarioKind, extra: Partial<ScenarioSpec>): ScenarioSpec {
  const load = totalLoadMW(c);
  return {
    id, kind, ...extra, totalLoadMW: load,
    pd: c.bus.map((r) => r[PD]), qd: c.bus.map((r) => r[QD]), pg: rescaleGeneration(base, load),
  };
}

/** The base case itself as a scenario. */
export function baseScenario(base: Case, id: number): ScenarioSpec {
  return specOf(base, base, id, 'base', {});
}

export interface RandomLoadOptions {
  /** Global level drawn uniformly in [levelMin, levelMax] (1 = the case's load). */
  levelMin: number;
  levelMax: number;
  /** Standard deviation of each bus's own factor around the level (relative). */
  noise: number;
}

export const defaultRandomLoad: RandomLoadOptions = { levelMin: 1.0, levelMax: 1.5, noise: 0.1 };

/** Every load scaled by level * max(0, 1 + noise * N(0,1)), P and Q together (power factor kept). */
export function randomScenario(base: Case, id: number, rng: Rng, o: RandomLoadOptions = defaultRandomLoad): ScenarioSpec {
  const level = o.levelMin + (o.levelMax - o.levelMin) * rng.float();
  const c: Case = {
    ...base,
    bus: base.bus.map((r) => {
      const s = r.slice();
      const f = level * Math.max(0, 1 + o.noise * rng.normal());
      s[PD] = r[PD] * f;
      s[QD] = r[QD] * f;
      return s;
    }),
  };
  return specOf(base, c, id, 'random', { level });
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
export function hourScenario(base: Case, table: ChangeTable, label: number, swap: boolean, id: number): ScenarioSpec {
  const c = applyChanges(swap ? swapAreaZone(base) : base, table, label);
  return specOf(base, c, id, 'hour', { label });
}
