// Bench section 'screen' (npm run bench -- screen): the verified screen
// against the full AC N-1 on stressed operating points of case_ACTIVSg200 the
// model never saw (its dataset's held-out test scenarios with at least
// STRESSED_FRACTION of their non-islanded outages insecure): wall time of
// the whole screened run (model, band, surrogate over every outage, exact AC
// of the flagged, banded and islanded ones, stored) beside the full AC run
// (stored too), the share solved exactly, the insecure outages missed, and
// the band these points would have needed for recall 1.
// The model is trained here (40 stressed scenarios, 8 epochs: about 90 s on
// two cores), or read from GRIDREWIRE_SCREEN_DB (model GRIDREWIRE_SCREEN_MODEL,
// default 1; its dataset's test scenarios). Standalone: `node --import tsx bench/screen.ts`.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../main/store';
import { buildDataset } from '../main/services/dataset';
import { trainSurrogate, STRESSED_FRACTION } from '../main/services/train';
import { runStoredN1 } from '../main/services/n1-stored';
import { runScreen, type ScreenTiming } from '../main/services/screen';
import { streamDataset } from '../main/services/training-data';
import { SurrogateSamples } from '../main/core/learn/grid-data';
import { evaluateSurrogate } from '../main/core/learn/surrogate';
import { conformalEdge, recallEdge, scenarioMinima, SCREEN_RECALL } from '../main/core/learn/screen';
import { screenMisses } from '../main/services/screen-check';
import { splitScenarioCases } from '../main/services/screen-scenarios';
import { loadSurrogate } from '../main/services/predict';
import { casesDir } from '../main/paths';
import type { Row } from './run';

export interface ScreenBenchPoint {
  scenario: number;
  insecure: number;
  judged: number;
  fullSeconds: number;
  screenSeconds: number;
  /** CPU seconds of this process for each (both run in this thread on this grid): what a shared machine's wall time hides. */
  fullCpu: number;
  screenCpu: number;
  exact: number;
  total: number;
  missed: number;
  /** The smallest band that would have sent every insecure outage of this point to the exact engine. */
  bandNeeded: number;
  /** Where the screen's time went (seconds). */
  timing: ScreenTiming;
  /** Outages solved exactly below the band because their AC-step estimate did not settle. */
  unsettled: number;
  /** Per non-islanded outage: the surrogate's P(insecure), whether the full AC run finds it insecure, and whether the screen solved it for an unsettled estimate (to try other band rules). */
  scored: { p: number; insecure: boolean; unsettled: boolean }[];
}

async function modelStore(): Promise<{ store: Store; modelId: number; cleanup: () => void }> {
  const reuse = process.env.GRIDREWIRE_SCREEN_DB;
  if (reuse) return { store: openStore(reuse), modelId: Number(process.env.GRIDREWIRE_SCREEN_MODEL ?? 1), cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-screen-'));
  const store = openStore(join(dir, 'screen.db'));
  const text = readFileSync(join(casesDir(), 'case_ACTIVSg200.m'), 'utf8');
  const ds = await buildDataset({
    store, caseText: text, fileName: 'case_ACTIVSg200.m', random: 40, seed: 1, dispatch: 'proportional', randomLoad: { levelMin: 1.1, levelMax: 1.55 },
  });
  const modelId = (await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 8, seed: 1 })).modelId!;
  return { store, modelId, cleanup: () => { store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** Every test scenario of the model's dataset: full AC and screen, timed in one warm process. */
export async function screenPoints(store: Store, modelId: number): Promise<{ points: ScreenBenchPoint[]; band: number; threshold: number; grid: string }> {
  const s = loadSurrogate(store, modelId);
  const cases = splitScenarioCases(store, s.config.datasetId, 'test');
  // The model's grid, as `gridrewire n1` would be given it (GRIDREWIRE_SCREEN_DB may hold another grid's model).
  const fileName = `${cases[0].case.name}.m`;
  // Warm both paths once (JIT, WebAssembly kernels), as a long-running app would be.
  await runScreen(store, { caseText: cases[0].text, fileName, modelId });
  await runStoredN1(store, { caseText: cases[0].text, fileName, mode: 'ac', kind: 'branch' });
  const points: ScreenBenchPoint[] = [];
  let band = NaN;
  for (const sc of cases) {
    const c0 = cpuSeconds(), t0 = performance.now();
    const full = await runStoredN1(store, { caseText: sc.text, fileName, mode: 'ac', kind: 'branch' });
    const fullSeconds = (performance.now() - t0) / 1000, fullCpu = cpuSeconds() - c0;
    const c1 = cpuSeconds(), t1 = performance.now();
    const scr = await runScreen(store, { caseText: sc.text, fileName, modelId });
    const screenSeconds = (performance.now() - t1) / 1000, screenCpu = cpuSeconds() - c1;
    band = scr.screen.band;
    const prob = new Map(scr.records.map((r) => [r.branch!, r.probability ?? 1]));
    // Solved exactly below threshold - band: only an unsettled estimate sends an outage there.
    const edge = scr.screen.threshold - scr.screen.band;
    const forced = new Set(scr.records.filter((r) => r.judgedBy === 'exact' && r.verdict !== 'islanded' && (r.probability ?? 1) < edge).map((r) => r.branch!));
    let insecure = 0, judged = 0, lowest = Infinity;
    const scored: ScreenBenchPoint['scored'] = [];
    for (const r of full.records) {
      if (r.verdict === 'islanded') continue;
      judged++;
      scored.push({ p: prob.get(r.branch!)!, insecure: r.verdict !== 'secure', unsettled: forced.has(r.branch!) });
      if (r.verdict === 'secure') continue;
      insecure++;
      lowest = Math.min(lowest, prob.get(r.branch!)!);
    }
    points.push({
      scenario: sc.scenario, insecure, judged, fullSeconds, screenSeconds, fullCpu, screenCpu, exact: scr.screen.exact, total: scr.total,
      missed: screenMisses(scr.records, full.records).length, bandNeeded: Number.isFinite(lowest) ? Math.max(0, scr.screen.threshold - lowest) : 0,
      timing: scr.timing, scored, unsettled: scr.screen.why.unsettled,
    });
  }
  return { points, band, threshold: s.config.threshold, grid: cases[0].case.name };
}

/** The band rules compared on the same points: the stored one, and split-conformal ones on the model's validation data. */
function bandRules(store: Store, modelId: number): { name: string; edge: number; promise: string }[] {
  const s = loadSurrogate(store, modelId);
  const ds = streamDataset(store, s.config.datasetId, 128 * 2 ** 20);
  const data = new SurrogateSamples(ds.packed, s.config.normaliser, (i) => ds.labels.read(i));
  const val = data.indices('val');
  const ev = evaluateSurrogate(s.model, data, val);
  const pos: number[] = [];
  for (let i = 0; i < val.length; i++) if (ev.label[i] === 1) pos.push(ev.prob[i]);
  const scen = Int32Array.from(val, (i) => data.scenario(i));
  const minima = scenarioMinima(ev.prob, ev.label, scen);
  const best = (n: number) => 1 - 1 / (n + 1);
  const perSample = conformalEdge(pos, SCREEN_RECALL), loosest = conformalEdge(pos, best(pos.length));
  const perScenario = conformalEdge(minima, best(minima.length));
  return [
    { name: 'stored (lower of empirical edge and logit-normal 0.999 tail)', edge: recallEdge(pos), promise: `${pos.length} insecure validation samples; no finite-sample guarantee` },
    { name: 'conformal per sample, recall 0.999', edge: perSample.edge, promise: perSample.k === 0 ? `${pos.length} samples cannot promise 0.999 (999 needed): solve all` : `promises ${perSample.guarantee.toFixed(4)}` },
    { name: 'conformal per sample, the most it can promise', edge: loosest.edge, promise: `the lowest of ${pos.length}: promises recall ${loosest.guarantee.toFixed(4)} per outage (if outages were exchangeable)` },
    { name: 'conformal per scenario', edge: perScenario.edge, promise: `the lowest of ${minima.length} scenario minima: no miss on an unseen scenario with probability ${perScenario.guarantee.toFixed(3)}` },
  ];
}

export async function runScreenBench(record: (r: Row) => void): Promise<void> {
  const { store, modelId, cleanup } = await modelStore();
  try {
    const { points, band, threshold, grid } = await screenPoints(store, modelId);
    const stressed = points.filter((p) => p.judged > 0 && p.insecure / p.judged >= STRESSED_FRACTION);
    const sum = (f: (p: ScreenBenchPoint) => number) => stressed.reduce((a, p) => a + f(p), 0);
    const full = sum((p) => p.fullSeconds), screen = sum((p) => p.screenSeconds);
    const needed = Math.max(0, ...stressed.map((p) => p.bandNeeded));
    const mild = points.filter((p) => !stressed.includes(p));
    const mildNote = mild.length
      ? `; the ${mild.length} other test scenarios: ${(mild.reduce((a, p) => a + p.screenSeconds, 0) / Math.max(1e-9, mild.reduce((a, p) => a + p.fullSeconds, 0))).toFixed(2)}x, ${mild.reduce((a, p) => a + p.exact, 0)} of ${mild.reduce((a, p) => a + p.total, 0)} exact, ${mild.reduce((a, p) => a + p.missed, 0)} missed`
      : '';
    record({
      section: 'screen', what: `verified screen / full AC N-1, ${grid}, ${stressed.length} stressed unseen scenarios (wall time, summed)`, value: screen / full, unit: 'x',
      target: '<= 0.33', note: `${(screen * 1000).toFixed(0)} ms against ${(full * 1000).toFixed(0)} ms (CPU time ${(sum((p) => p.screenCpu) / Math.max(1e-9, sum((p) => p.fullCpu))).toFixed(2)}x: ${(sum((p) => p.screenCpu) * 1000).toFixed(0)} against ${(sum((p) => p.fullCpu) * 1000).toFixed(0)} ms); `
        + `${sum((p) => p.exact)} of ${sum((p) => p.total)} outages solved exactly (${sum((p) => p.unsettled)} of them below the band for an unsettled AC-step estimate), ${sum((p) => p.total - p.judged)} islanded decided by topology${mildNote}`,
    });
    const t = (k: keyof ScreenTiming) => stressed.reduce((a, p) => a + p.timing[k], 0) * 1000;
    record({
      section: 'screen', what: 'where the stressed screens\' time went (summed)', value: t('total'), unit: 'ms', target: '-',
      note: `model ${t('model').toFixed(0)}, predictor set-up ${t('predictorSetUp').toFixed(0)}, features ${t('features').toFixed(0)}, network ${t('network').toFixed(0)}, `
        + `exact set-up ${t('exactSetUp').toFixed(0)}, exact solves ${t('exactSolves').toFixed(0)}, store ${t('store').toFixed(0)} ms; islanded outages decided by topology, not solved`,
    });
    for (const rule of bandRules(store, modelId)) {
      let exact = 0, missed = 0, scored = 0;
      // The settle rule applies under every band rule.
      for (const p of stressed) for (const o of p.scored) { scored++; if (o.p >= rule.edge || o.unsettled) exact++; else if (o.insecure) missed++; }
      record({
        section: 'screen', what: `band rule: ${rule.name}`, value: missed, unit: 'missed', target: '0',
        note: `exact from P >= ${rule.edge.toPrecision(3)}: ${exact} of ${scored} non-islanded stressed outages solved (${((100 * exact) / Math.max(1, scored)).toFixed(0)}%); ${rule.promise}`,
      });
    }
    record({
      section: 'screen', what: 'insecure outages the screen missed (same scenarios)', value: sum((p) => p.missed), unit: 'outages', target: '0',
      note: `of ${sum((p) => p.insecure)} insecure; threshold ${threshold.toFixed(3)}, stored band ${band.toFixed(3)}, band these points needed for recall 1: ${needed.toFixed(3)}`,
    });
  } finally {
    cleanup();
  }
}

