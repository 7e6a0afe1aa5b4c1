// A case as the map draws it (buses, branches, generators) and where its
// buses go: the case file's own coordinates when it has them, else the layout
// kept in the store, else one computed now in a worker thread (a draft first,
// then the final layout, which is stored: a bundled case is imported into the
// store on its first layout). The user's dragged buses are kept on top.

import type { GridGraph, MapLayoutView } from '../api';
import { ApiError } from '../api';
import {
  BASE_KV, BR_B, BR_R, BR_STATUS, BR_X, BS, BUS_AREA, BUS_I, BUS_TYPE, F_BUS, GEN_BUS, GEN_STATUS, GS, PD, PG, PMAX, QD, QG,
  RATE_A, RATE_B, RATE_C, SHIFT, T_BUS, TAP, VA, VM, VMAX, VMIN, ZONE,
} from '../core/grid/idx';
import type { Case } from '../core/grid/case';
import { caseCoordinates } from '../core/map/coordinates';
import { layoutGraphOf, type LayoutStatus } from '../core/map/layout';
import type { LayoutInit } from '../jobs/layout-job';
import { runLayout as runLayoutInWorker, type LayoutRunOptions } from '../jobs/layout-run';
import { JobCancelled } from '../jobs/pool';
import type { NodePosition } from '../store';
import type { CaseCatalogue } from './case-catalogue';

/** Versions of a layout as mapLayout numbers them: a draft, then the final (stored, case) one. */
const DRAFT = 1, FINAL = 2;

export interface CaseMapsOptions {
  /** Layouts computed at once (one worker thread each); asking for another cancels the one asked for least recently. Default 2. */
  runningLayouts?: number;
  /** Seed of every computed layout (default 1: a case always gets the same layout). */
  seed?: number;
  /** Finished layouts that could not be stored, kept in memory (default 8). */
  keptUnstored?: number;
  /** Runs a layout (default: in a worker thread); tests may count or slow runs. */
  runLayout?: (init: LayoutInit, opts: LayoutRunOptions) => Promise<Float64Array>;
}

interface Run {
  key: string;
  status: 'computing' | 'draft' | 'done' | 'failed';
  progress: number;
  stage: string;
  version: number;
  /** Per bus row x, y. */
  xy: Float64Array | null;
  started: number;
  finished: number | null;
  lastAsked: number;
  abort: AbortController;
  note: string | null;
  error?: string;
}

export class CaseMaps {
  private readonly runs = new Map<string, Run>();
  private readonly opts: Required<Omit<CaseMapsOptions, 'runLayout'>> & Pick<CaseMapsOptions, 'runLayout'>;

  constructor(private readonly catalogue: CaseCatalogue, opts: CaseMapsOptions = {}) {
    this.opts = { runningLayouts: 2, seed: 1, keptUnstored: 8, ...opts };
  }

  graph(key: string): GridGraph {
    const c = this.catalogue.get(key);
    const saved = this.saved(key);
    const coords = caseCoordinates(c).coordinates;
    if (coords) return { ...gridGraph(c), layout: withSaved(positionsOf(c, coords.xy), saved), layoutSource: 'case' };
    const complete = saved.length > 0 && coversEveryBus(c, saved);
    return { ...gridGraph(c), layout: saved.length ? saved.map((p) => ({ bus: p.bus, x: p.x, y: p.y })) : null, layoutSource: complete ? 'stored' : null };
  }

  /** Keeps the positions in the store (importing a bundled case on first use); 0 saved without a store. */
  saveLayout(key: string, positions: NodePosition[]): { saved: number } {
    const c = this.catalogue.get(key);
    const known = new Set(c.bus.map((b) => b[BUS_I]));
    const bad = positions.find((p) => !known.has(p.bus));
    if (bad) throw new ApiError(`bus ${bad.bus} is not in ${c.name}`, 'positions');
    const run = this.runs.get(key);
    if (run?.xy && run.status === 'done') {
      // A layout kept only in memory moves too.
      const row = new Map(c.bus.map((b, i) => [b[BUS_I], i]));
      for (const p of positions) { const i = row.get(p.bus)!; run.xy[2 * i] = p.x; run.xy[2 * i + 1] = p.y; }
    }
    const id = this.catalogue.importToStore(key);
    if (id === null) return { saved: 0 };
    this.catalogue.store!.layouts.upsert(id, positions);
    return { saved: positions.length };
  }

  /**
   * Where the case's buses go. The case's coordinates or a complete stored
   * layout answer at once; else the layout is computed (the first call starts
   * it) and each call says how far it got, with positions newer than `since`.
   */
  layout(key: string, since?: number): MapLayoutView {
    const c = this.catalogue.get(key);
    const { coordinates, problem } = caseCoordinates(c);
    const saved = this.saved(key);
    const ready = (source: 'case' | 'stored', positions: MapLayoutView['positions'], note: string | null = null): MapLayoutView =>
      ({ source, status: 'done', progress: 1, stage: 'done', version: FINAL, positions: since !== undefined && since >= FINAL ? null : positions, seconds: 0, note });
    if (coordinates) {
      const note = coordinates.filled ? `${coordinates.filled} buses without coordinates in mpc.${coordinates.field} are placed among their neighbours` : null;
      return ready('case', withSaved(positionsOf(c, coordinates.xy), saved), note);
    }
    if (saved.length && coversEveryBus(c, saved)) return ready('stored', saved.map((p) => ({ bus: p.bus, x: p.x, y: p.y })));
    let run = this.runs.get(key);
    // A failed run is retried when the map asks afresh (no `since`).
    if (!run || (run.status === 'failed' && since === undefined)) run = this.start(key, c, problem);
    run.lastAsked = performance.now();
    const newer = run.xy && (since === undefined || run.version > since);
    return {
      source: 'computed', status: run.status, progress: run.progress, stage: run.stage, version: run.version,
      positions: newer ? positionsOf(c, run.xy!) : null,
      seconds: ((run.finished ?? performance.now()) - run.started) / 1000,
      note: run.note, ...(run.error ? { error: run.error } : {}),
    };
  }

  /** Keys of the cases whose layout is being computed now. */
  computing(): string[] {
    return [...this.runs.values()].filter((r) => r.status === 'computing' || r.status === 'draft').map((r) => r.key);
  }

  private saved(key: string): NodePosition[] {
    const id = this.catalogue.storedId(key);
    return id !== null ? this.catalogue.store!.layouts.get(id) : [];
  }

  private start(key: string, c: Case, problem: string | null): Run {
    this.makeRoom(key);
    const now = performance.now();
    const run: Run = {
      key, status: 'computing', progress: 0, stage: 'starting', version: 0, xy: null,
      started: now, finished: null, lastAsked: now, abort: new AbortController(), note: problem,
    };
    this.runs.set(key, run);
    const init: LayoutInit = { ...layoutGraphOf(c), seed: this.opts.seed };
    const pending = (this.opts.runLayout ?? runLayoutInWorker)(init, {
      signal: run.abort.signal,
      onStatus: (s) => { run.progress = s.progress; run.stage = stageOf(s); },
      onDraft: (xy) => { run.xy = xy; run.version = DRAFT; run.status = 'draft'; },
    });
    pending.then((xy) => this.finish(run, c, xy), (e: unknown) => {
      if (e instanceof JobCancelled) { if (this.runs.get(key) === run) this.runs.delete(key); return; }
      Object.assign(run, { status: 'failed', error: e instanceof Error ? e.message : String(e), finished: performance.now() });
    });
    return run;
  }

  /** Stores the final layout; a run whose layout is stored is forgotten (the store answers from now on). */
  private finish(run: Run, c: Case, xy: Float64Array): void {
    Object.assign(run, { xy, version: FINAL, status: 'done', progress: 1, stage: 'done', finished: performance.now() });
    try {
      const id = this.catalogue.importToStore(run.key);
      if (id === null) {
        run.note = joinNotes(run.note, 'the layout is kept in memory only (no database)');
      } else {
        // Buses the user dragged meanwhile keep their place.
        const dragged = this.catalogue.store!.layouts.get(id);
        this.catalogue.store!.layouts.replace(id, withSaved(positionsOf(c, xy), dragged));
        if (this.runs.get(run.key) === run) this.runs.delete(run.key);
        return;
      }
    } catch (e) {
      run.note = joinNotes(run.note, `the layout could not be stored: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.forgetOldUnstored();
  }

  /** At most `runningLayouts` at once: the one asked for least recently gives way. */
  private makeRoom(key: string): void {
    const running = [...this.runs.values()].filter((r) => r.key !== key && (r.status === 'computing' || r.status === 'draft'));
    running.sort((a, b) => a.lastAsked - b.lastAsked);
    while (running.length >= this.opts.runningLayouts) {
      const r = running.shift()!;
      r.abort.abort();
      this.runs.delete(r.key);
    }
  }

  private forgetOldUnstored(): void {
    const done = [...this.runs.values()].filter((r) => r.status === 'done').sort((a, b) => a.lastAsked - b.lastAsked);
    while (done.length > this.opts.keptUnstored) this.runs.delete(done.shift()!.key);
  }
}

function joinNotes(a: string | null, b: string): string {
  return a ? `${a}; ${b}` : b;
}

function stageOf(s: LayoutStatus): string {
  if (s.done) return 'done';
  if (s.stage === 'fine') return s.draftReady ? 'refining' : 'finest level';
  return `coarse level ${s.levels - s.level} of ${s.levels} (${s.levelSize} groups)`;
}

/** Per bus row x, y as {bus, x, y}, to two decimals (a hundredth of a pixel is plenty). */
function positionsOf(c: Case, xy: Float64Array): NodePosition[] {
  return c.bus.map((b, i) => ({ bus: b[BUS_I], x: Math.round(xy[2 * i] * 100) / 100, y: Math.round(xy[2 * i + 1] * 100) / 100 }));
}

/** `base` with the saved positions on top (buses the user moved). */
function withSaved(base: NodePosition[], saved: NodePosition[]): NodePosition[] {
  if (saved.length === 0) return base;
  const moved = new Map(saved.map((p) => [p.bus, p]));
  return base.map((p) => { const m = moved.get(p.bus); return m ? { bus: p.bus, x: m.x, y: m.y } : p; });
}

function coversEveryBus(c: Case, saved: NodePosition[]): boolean {
  if (saved.length < c.bus.length) return false;
  const have = new Set(saved.map((p) => p.bus));
  return c.bus.every((b) => have.has(b[BUS_I]));
}

function gridGraph(c: Case): Omit<GridGraph, 'layout'> {
  return {
    name: c.name, baseMVA: c.baseMVA,
    buses: c.bus.map((b, i) => ({
      id: b[BUS_I], type: b[BUS_TYPE], pd: b[PD], qd: b[QD], vmax: b[VMAX], vmin: b[VMIN], baseKV: b[BASE_KV], name: c.bus_name?.[i],
      vm: b[VM], va: b[VA], area: b[BUS_AREA], zone: b[ZONE], gs: b[GS], bs: b[BS],
    })),
    branches: c.branch.map((r, i) => ({
      row: i + 1, from: r[F_BUS], to: r[T_BUS], rateA: r[RATE_A], inService: r[BR_STATUS] !== 0,
      r: r[BR_R], x: r[BR_X], b: r[BR_B], rateB: r[RATE_B], rateC: r[RATE_C], ratio: r[TAP], shift: r[SHIFT],
    })),
    gens: c.gen.map((g, i) => ({ row: i + 1, bus: g[GEN_BUS], pg: g[PG], inService: g[GEN_STATUS] > 0, qg: g[QG], pmax: g[PMAX] })),
  };
}
