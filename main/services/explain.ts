// Explanations of surrogate verdicts, as a service: for a case (a catalogue
// key, a case file, or a dataset scenario), a branch and a stored model (the
// newest usable one of the case's grid when none is named), the explanation
// of core/learn/explain-case.ts with the exact engine's physics beside it,
// kept in the store keyed by model, case content and branch so that a second
// request is read back; and the fidelity study of a model's explanations on
// its dataset's held-out test outages, runnable as a background job with
// progress and cancel, kept with its configuration.
//
// What it needs: the store, a source of cases by key (the app's catalogue;
// none for the CLI, which reads its case file itself), and how to load a
// model (loadSurrogate unless told otherwise).
//
// For the Api: explain({case, branch, model?}) answers from the store when
// the explanation was computed before (a cached answer on case_ACTIVSg200
// reads about 450 KB of JSON back); explainFidelity(req, {onProgress,
// signal}) is the background job (one thread, yielding to the event loop
// between measurements).

import type { Case } from '../core/grid/case';
import { ContingencyError } from '../core/grid/contingency';
import { signatureMismatch } from '../core/grid/features';
import { compile } from '../core/grid/network';
import { CaseExplainer, DEFAULT_STEPS, type ExplainOptions } from '../core/learn/explain-case';
import { attributeNetwork } from '../core/learn/explain';
import { integratedGradients } from '../core/learn/explain-grid';
import {
  FIDELITY_KS, RANKINGS, fidelityRows, ratioDifference, hiddenConnections, measureOutageSteps, physicsAgreement,
  type OutageFidelity, type PhysicsCase,
} from '../core/learn/explain-fidelity';
import type { Explanation, FidelityStudy } from '../core/learn/explain-types';
import { L_INSECURE, L_ISLANDED, L_VERDICT, SPLIT_CODES, labelLength, staticLength } from '../core/learn/grid-data';
import { VERDICTS } from '../core/grid/contingency-types';
import { Rng } from '../core/learn/rng';
import { sigmoid } from '../core/learn/loss';
import { StoreError, type Store } from '../store';
import { sha256 } from '../store/cases';
import { explanationKey, fidelityKey } from '../store/results';
import { datasetConfig, loadDataset } from './dataset';
import { rebuildScenario } from './explain-scenario';
import { LruCache } from './lru';
import { loadSurrogate, type LoadedSurrogate } from './predict';
import { readSurrogate } from './surrogate-config';

export type { Explanation, FidelityStudy } from '../core/learn/explain-types';

export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/** Where cases come from by key (the app's CaseCatalogue is one). */
export interface CaseSource {
  get(key: string): Case;
  /** The case file's text, whose hash identifies its content. */
  text(key: string): string;
}

export interface ExplainSettings {
  /** Exact single-connection occlusion as well (slow). */
  exact?: boolean;
  /** Integrated-gradient steps (default 16). */
  steps?: number;
}

export interface ExplainRequest extends ExplainSettings {
  /** A case key of the source (e.g. 'case_ACTIVSg200', 'stored:3'). */
  case: string;
  /** 1-based case branch row. */
  branch: number;
  /** A stored model id; default: the newest usable model of the case's grid. */
  model?: number;
}

export interface ExplainOutcome {
  explanation: Explanation;
  modelId: number;
  /** Read back from the store rather than computed. */
  cached: boolean;
  /** Whether it is in the store now, and why not when it is not. */
  stored: boolean;
  storeNote: string | null;
  milliseconds: number;
}

/** What the store keeps for an explanation: the explanation and what it was computed with. */
interface StoredExplanation {
  format: 'gridrewire-explanation-stored';
  version: 1;
  modelUpdatedAt: string;
  steps: number;
  explanation: Explanation;
}

export interface FidelityRequest {
  model: number;
  /** Default: the dataset the model was trained on. */
  dataset?: number;
  /** Held-out test outages the connection measures run on (drawn at random; default 100). The physics agreement uses every test outage. */
  outages?: number;
  /** Matched random draws per outage and k (default 30; at least 30, as R(k) asks). */
  draws?: number;
  seed?: number;
  steps?: number;
  /** k of precision@k and Jaccard (default 5). */
  physicsK?: number;
}

export interface FidelityProgress {
  stage: 'physics' | 'connections';
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
}


export interface ExplanationsOptions {
  /** Solved operating points kept per model (default 4). */
  contexts?: number;
  load?: (store: Store, id: number) => LoadedSurrogate;
}

export class Explanations {
  private readonly contexts: LruCache<string, CaseExplainer>;
  private readonly models = new LruCache<string, LoadedSurrogate>(4);
  private readonly hashes = new Map<string, string>();
  private readonly load: (store: Store, id: number) => LoadedSurrogate;

  /** `cases` resolves the keys of explain(); explainCase, explainScenario and explainFidelity need none. */
  constructor(private readonly store: Store, private readonly cases: CaseSource | null, opts: ExplanationsOptions = {}) {
    this.contexts = new LruCache(opts.contexts ?? 4);
    this.load = opts.load ?? loadSurrogate;
  }

  /** The explanation of one branch outage of a case of the source. */
  explain(req: ExplainRequest): ExplainOutcome {
    const cases = this.cases;
    if (!cases) throw new ExplainError('this explanation service was given no cases to look keys up in');
    const c = cases.get(req.case);
    let hash = this.hashes.get(req.case);
    if (!hash) this.hashes.set(req.case, (hash = sha256(cases.text(req.case))));
    return this.explainCase(c, hash, req.branch, req);
  }

  /** The explanation of one branch outage of a case given as such; `contentHash` identifies its content (sha256 of its text). */
  explainCase(c: Case, contentHash: string, branch: number, s: ExplainSettings & { model?: number }): ExplainOutcome {
    const t0 = performance.now();
    checkBranch(c, branch);
    const steps = s.steps ?? DEFAULT_STEPS;
    if (!(Number.isInteger(steps) && steps >= 1 && steps <= 4096)) throw new ExplainError(`steps must be a whole number from 1 to 4096, got ${steps}`);
    const modelId = s.model ?? this.newestModelFor(c);
    const m = this.store.models.get(modelId);
    const key = explanationKey(contentHash, branch);
    if (m) {
      const hit = this.store.results.get(modelId, 'explanation', key)?.doc as StoredExplanation | undefined;
      if (hit?.format === 'gridrewire-explanation-stored' && hit.version === 1 && hit.modelUpdatedAt === m.updatedAt
        && (s.steps === undefined || hit.steps === steps) && (!s.exact || hit.explanation.exact)) {
        return { explanation: hit.explanation, modelId, cached: true, stored: true, storeNote: null, milliseconds: performance.now() - t0 };
      }
    }
    const loaded = this.model(modelId);
    const ctx = this.contexts.getOrCreate(`${modelId}@${m?.updatedAt}:${contentHash}`, () => new CaseExplainer(loaded.model, loaded.config, c, modelId));
    const explanation = ctx.explain(branch, { steps, exact: s.exact } satisfies ExplainOptions);
    const { stored, storeNote } = this.keep(modelId, key, { format: 'gridrewire-explanation-stored', version: 1, modelUpdatedAt: m!.updatedAt, steps, explanation });
    return { explanation, modelId, cached: false, stored, storeNote, milliseconds: performance.now() - t0 };
  }

  /** The explanation of one branch outage of a dataset scenario (default: the model's own dataset). */
  explainScenario(req: ExplainSettings & { model: number; dataset?: number; scenario: number; branch: number }): ExplainOutcome {
    const loaded = this.model(req.model);
    const datasetId = req.dataset ?? loaded.config.datasetId;
    const { caseId, config } = datasetConfig(this.store, datasetId);
    const why = sameGrid(config.grid, loaded.config.grid);
    if (why) throw new ExplainError(`dataset ${datasetId} is not of the grid model ${req.model} was trained on: ${why}`);
    const info = config.scenarios.find((x) => x.id === req.scenario);
    if (!info) {
      const skipped = config.skipped.find((x) => x.id === req.scenario);
      if (skipped) throw new ExplainError(`scenario ${req.scenario} of dataset ${datasetId} was skipped when the dataset was built: ${skipped.reason ?? 'its base case does not converge'}`);
      const ids = config.scenarios.map((x) => x.id);
      throw new ExplainError(`scenario ${req.scenario} is not in dataset ${datasetId} (its scenarios are ${ids.length ? `${Math.min(...ids)} to ${Math.max(...ids)}` : 'none'})`);
    }
    const stat = this.scenarioStatics(datasetId, req.scenario, staticLength(config.grid.nb, config.grid.nl));
    const base = this.store.cases.getParsed(caseId);
    checkBranch(base, req.branch);
    const { case: c } = rebuildScenario(base, stat, `scenario ${req.scenario} of dataset ${datasetId}`);
    const hash = sha256(`dataset scenario:${Buffer.from(stat.buffer, stat.byteOffset, stat.byteLength).toString('base64')}`);
    return this.explainCase({ ...c, name: `${base.name} (dataset ${datasetId}, scenario ${req.scenario})` }, hash, req.branch, { ...req, model: req.model });
  }

  /**
   * The fidelity study of a model's explanations on the held-out test
   * outages of a dataset; kept in the store with its configuration.
   * Cooperative: it yields between outages, reports progress and stops when
   * the signal aborts (the study so far is returned, marked cancelled, and
   * not stored).
   */
  async explainFidelity(req: FidelityRequest, ctl: { onProgress?: (p: FidelityProgress) => void; signal?: AbortSignal } = {}): Promise<FidelityStudy> {
    const t0 = performance.now();
    const nOut = req.outages ?? 100, draws = req.draws ?? 30, seed = req.seed ?? 1, steps = req.steps ?? DEFAULT_STEPS, physicsK = req.physicsK ?? 5;
    for (const [name, v, min] of [['outages', nOut, 1], ['draws', draws, 30], ['seed', seed, 0], ['steps', steps, 1], ['physics k', physicsK, 1]] as const) {
      if (!(Number.isInteger(v) && v >= min)) throw new ExplainError(`${name} must be a whole number of at least ${min}, got ${v}`);
    }
    const loaded = this.model(req.model);
    const datasetId = req.dataset ?? loaded.config.datasetId;
    const d = loadDataset(this.store, datasetId);
    const why = sameGrid(d.config.grid, loaded.config.grid);
    if (why) throw new ExplainError(`dataset ${datasetId} is not of the grid model ${req.model} was trained on: ${why}`);
    const p = d.packed, LL = labelLength(p.nb, p.nl), SL = staticLength(p.nb, p.nl);
    const testCode = SPLIT_CODES.indexOf('test');
    const test: number[] = [];
    for (let i = 0; i < p.sampleSplit.length; i++) if (p.sampleSplit[i] === testCode && !p.labels[i * LL + L_ISLANDED]) test.push(i);
    if (test.length === 0) throw new ExplainError(`dataset ${datasetId} has no held-out test outage to measure on`);
    const rng = new Rng(seed);
    const pick = new Set(Array.from(rng.fork().shuffle(Int32Array.from(test)).subarray(0, Math.min(nOut, test.length))));
    const base = this.store.cases.getParsed(d.caseId);
    const th = loaded.config.threshold;
    const physics: PhysicsCase[] = [], measured: OutageFidelity[] = [];
    let insecure = 0, correct = 0, labelMismatches = 0, worstRebuild = 0, connections = 0, done = 0, cancelled = false;
    const total = test.length;
    const measureRng = rng.fork();
    // Outages grouped by scenario: one rebuilt, solved operating point each.
    const byScenario = new Map<number, number[]>();
    for (const i of test) { const s = p.sampleScenario[i]; const l = byScenario.get(s); if (l) l.push(i); else byScenario.set(s, [i]); }
    outer: for (const [s, samples] of byScenario) {
      const sid = p.scenarioIds[s];
      const rebuilt = rebuildScenario(base, p.statics.subarray(s * SL, (s + 1) * SL), `scenario ${sid} of dataset ${datasetId}`);
      worstRebuild = Math.max(worstRebuild, rebuilt.mismatch);
      const ex = new CaseExplainer(loaded.model, loaded.config, rebuilt.case, req.model);
      for (const i of samples) {
        if (ctl.signal?.aborted) { cancelled = true; break outer; }
        const k = p.sampleBranch[i], lab = p.labels.subarray(i * LL, (i + 1) * LL);
        const ph = ex.physics.outage(k);
        if (VERDICTS.indexOf(ph.record.verdict) !== lab[L_VERDICT]) labelMismatches++;
        const { x, baseline } = ex.samples(k);
        const batch = loaded.model.batch({ numNodes: p.nb, src: p.src, dst: p.dst }, [x]);
        const full = loaded.model.forward(batch);
        const prob = sigmoid(full.out.graph![0]);
        const isInsecure = lab[L_INSECURE] === 1;
        if (isInsecure) insecure++;
        if (isInsecure && prob >= th) correct++;
        const grid = integratedGradients(loaded.model, { numNodes: p.nb, src: p.src, dst: p.dst }, x, baseline, steps, full, Math.ceil(steps / 2));
        const explained = Array.from(grid.edge.keys()).filter((e) => grid.edge[e] !== 0).sort((a, b) => Math.abs(grid.edge[b]) - Math.abs(grid.edge[a]) || a - b);
        const exact = ph.flowChange.map((f) => f.k);
        const dc = ph.flowChange.filter((f) => f.dcDeltaMW !== null).sort((a, b) => Math.abs(b.dcDeltaMW!) - Math.abs(a.dcDeltaMW!) || a.k - b.k).map((f) => f.k);
        physics.push({ explained, exact, dc, worstOverload: isInsecure && prob >= th && ph.overloaded.length > 0 ? ph.overloaded[0].k : -1 });
        if (pick.has(i)) {
          const attr = attributeNetwork(loaded.model, batch, full);
          connections = hiddenConnections(attr, loaded.model).layer.length;
          // One (ranking, k) at a time, yielding between: the event loop (a server, the app) stays responsive.
          const unit = measureOutageSteps(loaded.model, batch, attr, th, FIDELITY_KS, draws, measureRng);
          for (let r = unit.next(); ; r = unit.next()) {
            if (r.done) { measured.push(r.value); break; }
            await new Promise<void>((res) => setImmediate(res));
            if (ctl.signal?.aborted) { cancelled = true; break outer; } // this outage's measurements are left out
          }
        }
        done++;
        if (ctl.onProgress) {
          const sec = (performance.now() - t0) / 1000, rate = done / Math.max(sec, 1e-9);
          ctl.onProgress({ stage: 'connections', done, total, rate, etaSeconds: (total - done) / rate });
        }
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    const rowsRng = rng.fork();
    const rows = (r: (typeof RANKINGS)[number]) => fidelityRows(measured, r, FIDELITY_KS, connections, rowsRng);
    const fidelity = rows('attribution');
    const controls = { random: rows('random'), inverse: rows('inverse'), weight: rows('weight'), magnitude: rows('magnitude') };
    const phys = physicsAgreement(physics, physicsK);
    const r10 = fidelity.find((f) => f.k === 10)?.ratio ?? null, w10 = controls.weight.find((f) => f.k === 10)?.ratio ?? null;
    const study: FidelityStudy = {
      format: 'gridrewire-fidelity', version: 1,
      config: { modelId: req.model, datasetId, split: 'test', outages: nOut, draws, seed, steps, physicsK, ks: [...FIDELITY_KS], bootstrap: 1000, score: 'verdict logit' },
      counts: { testOutages: done, connectionOutages: measured.length, insecure, correctlyPredictedInsecure: correct, scenarios: byScenario.size, labelMismatches, worstRebuildMismatch: worstRebuild },
      connections, fidelity, controls, physics: phys,
      goals: {
        ratio10AtLeast3: r10 === null ? null : r10 >= 3,
        ratio10AboveWeight: r10 === null || w10 === null ? null : r10 > w10,
        overloadedInTop5AtLeast90: phys.overloadedInTop5 === null ? null : phys.overloadedInTop5 >= 0.9,
      },
      ratio10OverWeight: FIDELITY_KS.includes(10) ? ratioDifference(measured, 'attribution', 'weight', FIDELITY_KS.indexOf(10), rowsRng) : null,
      seconds: (performance.now() - t0) / 1000, cancelled,
    };
    if (!cancelled) this.keep(req.model, fidelityKey({ datasetId, outages: nOut, draws, seed, steps, physicsK }), study);
    return study;
  }

  /** A stored fidelity study of this configuration, if one was run. */
  storedFidelity(req: FidelityRequest): FidelityStudy | null {
    const loaded = this.model(req.model);
    const key = fidelityKey({ datasetId: req.dataset ?? loaded.config.datasetId, outages: req.outages ?? 100, draws: req.draws ?? 30, seed: req.seed ?? 1, steps: req.steps ?? DEFAULT_STEPS, physicsK: req.physicsK ?? 5 });
    return (this.store.results.get(req.model, 'fidelity', key)?.doc as FidelityStudy | undefined) ?? null;
  }

  /** The newest usable model of a case's grid. */
  private newestModelFor(c: Case): number {
    const net = compile(c);
    const models = this.store.models.list();
    // A compressed model (gridrewire compress) is explained when asked by id; by default the newest trained one is.
    for (const compressed of [false, true]) {
      for (let i = models.length - 1; i >= 0; i--) {
        const r = readSurrogate(models[i]);
        if (r.status === 'usable' && !signatureMismatch(r.config.grid, net) && !!r.config.compression === compressed) return models[i].id;
      }
    }
    throw new ExplainError(`no stored model of ${c.name}'s grid in ${this.store.path}: train one first (gridrewire train)`);
  }

  private model(id: number): LoadedSurrogate {
    const m = this.store.models.get(id);
    const key = `${id}@${m?.updatedAt ?? ''}`;
    return this.models.getOrCreate(key, () => this.load(this.store, id));
  }

  /** The static features of one scenario of a dataset (its branch-0 row). */
  private scenarioStatics(datasetId: number, scenario: number, length: number): Float32Array {
    let after = 0;
    for (;;) {
      const page = this.store.datasets.getSamples(datasetId, { afterId: after, limit: 512 });
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const row = page.find((s) => s.scenario === scenario && s.branch === 0);
      if (row) {
        if (row.features.length !== length) throw new ExplainError(`scenario ${scenario} of dataset ${datasetId} has ${row.features.length} static features, expected ${length}`);
        return row.features;
      }
    }
    throw new ExplainError(`scenario ${scenario} of dataset ${datasetId} has no stored operating point`);
  }

  /** Stores a result unless the store cannot be written (then says why). */
  private keep(modelId: number, key: string, doc: StoredExplanation | FidelityStudy): { stored: boolean; storeNote: string | null } {
    if (doc.format === 'gridrewire-explanation-stored' && doc.explanation.verdict === 'islanded') return { stored: false, storeNote: 'an islanded outage is decided by topology: nothing to keep' };
    if (this.store.readonly) return { stored: false, storeNote: `not stored: ${this.store.readonlyReason ?? `${this.store.path} is open read-only`}` };
    try {
      this.store.results.put(modelId, doc.format === 'gridrewire-fidelity' ? 'fidelity' : 'explanation', key, doc);
      return { stored: true, storeNote: null };
    } catch (e) {
      if (e instanceof StoreError && (e.code === 'READ_ONLY' || e.code === 'DISK_FULL' || e.code === 'BUSY')) return { stored: false, storeNote: `not stored: ${e.message}` };
      throw e;
    }
  }
}

/** A branch row the case has and keeps in service, or one sentence why not. */
function checkBranch(c: Case, row: number): void {
  if (!(Number.isInteger(row) && row >= 1 && row <= c.branch.length)) {
    throw new ContingencyError(`branch ${row} does not exist: ${c.name} has ${c.branch.length} branches`);
  }
}

/** Why two grid signatures differ, or null. */
function sameGrid(a: { caseName: string; nb: number; nl: number; bus: number[]; branchRow: number[]; from: number[]; to: number[] }, b: typeof a): string | null {
  if (a.nb !== b.nb || a.nl !== b.nl) return `${a.nb} buses and ${a.nl} branches against ${b.nb} and ${b.nl}`;
  for (const k of ['bus', 'branchRow', 'from', 'to'] as const) {
    for (let i = 0; i < a[k].length; i++) if (a[k][i] !== b[k][i]) return `${k} ${i + 1} differs (${a[k][i]} against ${b[k][i]})`;
  }
  return null;
}
