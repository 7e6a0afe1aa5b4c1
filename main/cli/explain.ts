// gridrewire explain --db <file> --model <id> (--case <file.m> | --scenario <id> [--dataset <id>]) --branch <row>
//   [--top K] [--exact] [--steps N] [--json]
// gridrewire explain --fidelity --db <file> --model <id> [--dataset <id>] [--outages N] [--draws N] [--seed S] [--json]

import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs, UsageError } from './args';
import { parseMatpower } from '../core/grid/matpower';
import type { ExplainedConnection } from '../core/learn/explain-types';
import type { FidelityRow } from '../core/learn/explain-fidelity';
import { NODE_FEATURE_NAMES } from '../core/learn/explain-case';
import { readCaseText } from '../services/cases';
import { Explanations, type ExplainOutcome, type FidelityStudy } from '../services/explain';
import { sha256 } from '../store/cases';
import { openStore } from '../store';
import { intFlag } from './learn-flags';
import { progressBar } from './progress';

export const EXPLAIN_USAGE =
  'usage: gridrewire explain --db <file> --model <id> (--case <file.m> | --scenario <id> [--dataset <id>]) --branch <row> [--top K] [--exact] [--steps N] [--json]\n' +
  '       gridrewire explain --fidelity --db <file> --model <id> [--dataset <id>] [--outages N] [--draws N] [--seed S] [--json]';

/** No store to read a model from: refused before anything is created. */
class MissingDatabase extends Error {
  constructor(path: string) {
    super(`${path} does not exist: give the database that holds the model (--db)`);
    this.name = 'MissingDatabase';
  }
}

export async function explainCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    db: 'string', model: 'number', case: 'string', scenario: 'number', dataset: 'number', branch: 'number', top: 'number', exact: 'boolean',
    steps: 'number', json: 'boolean', fidelity: 'boolean', outages: 'number', draws: 'number', seed: 'number', quiet: 'boolean',
  });
  if (positional.length !== 0 || !flags.db || flags.model === undefined) throw new UsageError(EXPLAIN_USAGE);
  const model = intFlag(flags, 'model', 1)!;
  if (flags.fidelity) {
    for (const f of ['case', 'scenario', 'branch', 'top', 'exact'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} does not go with --fidelity\n${EXPLAIN_USAGE}`);
    return fidelityCommand(flags, model, out, err);
  }
  for (const f of ['outages', 'draws', 'seed'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} goes with --fidelity only\n${EXPLAIN_USAGE}`);
  if ((flags.case === undefined) === (flags.scenario === undefined) || flags.branch === undefined) throw new UsageError(EXPLAIN_USAGE);
  if (flags.dataset !== undefined && flags.scenario === undefined) throw new UsageError(`--dataset goes with --scenario (or --fidelity)\n${EXPLAIN_USAGE}`);
  const branch = intFlag(flags, 'branch', 1)!;
  const top = intFlag(flags, 'top', 1) ?? 10;
  const steps = intFlag(flags, 'steps', 1);
  // Read the case before opening the store: a bad file is refused with nothing opened.
  const file = flags.case as string | undefined;
  const text = file !== undefined ? readCaseText(file) : null;
  const c = file !== undefined ? parseMatpower(text!, basename(file)) : null;
  const store = openExisting(flags.db as string);
  let r: ExplainOutcome;
  try {
    const ex = new Explanations(store, null);
    const settings = { model, exact: !!flags.exact, steps };
    r = c
      ? ex.explainCase(c, sha256(text!), branch, settings)
      : ex.explainScenario({ ...settings, scenario: intFlag(flags, 'scenario', 1)!, dataset: intFlag(flags, 'dataset', 1), branch });
  } finally {
    store.close();
  }
  const e = r.explanation;
  if (flags.json) {
    out(JSON.stringify(jsonOf(r, top)));
    return 0;
  }
  out(textOf(r, top).join('\n'));
  if (r.storeNote && e.verdict !== 'islanded') err(`gridrewire explain: ${r.storeNote}`);
  return 0;
}

function openExisting(path: string) {
  if (path !== ':memory:' && !existsSync(resolve(path))) throw new MissingDatabase(resolve(path));
  return openStore(path);
}

/** The issue's JSON shape, and the rest of the explanation beside it. */
function jsonOf(r: ExplainOutcome, top: number): Record<string, unknown> {
  const e = r.explanation;
  const conns = e.network?.connections ?? [];
  return {
    case: e.caseName, model: e.modelId, branch: e.branch, from: e.from, to: e.to,
    verdict: e.verdict, pInsecure: e.pInsecure, threshold: e.threshold, logit: e.logit, maxLoading: e.maxLoading, note: e.note,
    connections: conns.slice(0, top).map((x) => ({ layer: x.layer, from: x.from, to: x.to, weight: x.weight, attribution: x.attribution, attributionLoading: x.attributionLoading, ...(x.occlusion !== undefined ? { occlusion: x.occlusion, occlusionLoading: x.occlusionLoading } : {}) })),
    connectionsTotal: conns.length,
    buses: (e.grid?.buses ?? []).slice(0, top).map((b) => ({ bus: b.bus, attribution: b.attribution })),
    branches: (e.grid?.branches ?? []).slice(0, top).map((b) => ({ branch: b.branch, from: b.from, to: b.to, attribution: b.attribution })),
    physics: {
      verdict: e.physics.verdict, maxLoading: e.physics.maxLoading, worstBranch: e.physics.worstBranch, nOverloads: e.physics.nOverloads, nVoltageViolations: e.physics.nVoltageViolations,
      flowChange: e.physics.flowChange.slice(0, top).map((f) => ({ branch: f.branch, from: f.from, to: f.to, deltaMW: f.deltaMW, lodf: f.lodf, dcDeltaMW: f.dcDeltaMW })),
      overloaded: e.physics.overloaded.map((o) => o.branch),
      voltage: e.physics.voltage,
    },
    neurons: (e.network?.layers ?? []).filter((l) => !l.readout).map((l) => ({
      layer: l.name, units: [...l.units].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution)).slice(0, top).map((u) => ({ unit: u.unit, attribution: u.attribution })),
    })),
    paths: (e.network?.paths ?? []).map((p) => ({ target: p.target, score: p.score, units: p.steps.map((s) => ({ layer: s.layer, from: s.from, to: s.to, attribution: p.target === 'verdict' ? s.attribution : s.attributionLoading })) })),
    grid: e.grid ? { baseline: e.grid.baseline, steps: e.grid.steps, evaluations: e.grid.evaluations, fx: e.grid.fx, fBaseline: e.grid.fBaseline, sum: e.grid.sum, gap: e.grid.gap } : null,
    exact: e.exact, method: e.network?.method ?? null,
    cached: r.cached, stored: r.stored, storeNote: r.storeNote, milliseconds: r.milliseconds,
  };
}

const num = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function textOf(r: ExplainOutcome, top: number): string[] {
  const e = r.explanation, p = e.physics;
  const L = [
    `${e.caseName}: outage of branch ${e.branch} (bus ${e.from} - bus ${e.to}), model ${e.modelId} (threshold ${e.threshold.toFixed(3)})${r.cached ? ', read back from the store' : ''}`,
    `  surrogate  ${e.verdict.padEnd(17)}${e.verdict === 'islanded' ? 'decided by topology' : `pInsecure ${e.pInsecure.toFixed(3)}  predicted max loading ${e.maxLoading ? `${pct(e.maxLoading.value)} (branch ${e.maxLoading.branch})` : '-'}`}`,
    `  physics    ${p.verdict.padEnd(17)}exact AC: max loading ${pct(p.maxLoading)}${p.worstBranch !== null ? ` (worst overload branch ${p.worstBranch})` : ''}, ${p.nOverloads} overload${p.nOverloads === 1 ? '' : 's'}, ${p.nVoltageViolations} voltage violation${p.nVoltageViolations === 1 ? '' : 's'}${p.islanded ? `, ${p.cutBuses} buses cut off (${p.lostLoadMW.toFixed(1)} MW load, ${p.lostGenMW.toFixed(1)} MW generation lost)` : ''}`,
  ];
  if (e.note) {
    L.push('', e.note);
    return L;
  }
  const conns = e.network!.connections;
  L.push('', `top ${Math.min(top, conns.length)} of ${conns.length} connections (gradient x weight: the attribution to the verdict logit, and to the predicted max loading)${top > conns.length ? `; --top ${top} is more than the model has: all shown` : ''}:`);
  const exact = e.exact !== null;
  L.push(`  ${'rank'.padStart(4)}  ${'layer'.padEnd(18)}${'from'.padStart(5)}${'to'.padStart(5)}${'weight'.padStart(10)}${'attribution'.padStart(13)}  sign${'loading'.padStart(11)}${exact ? 'occlusion'.padStart(12) : ''}`);
  conns.slice(0, top).forEach((c: ExplainedConnection, i) => {
    L.push(`  ${String(i + 1).padStart(4)}  ${c.layer.padEnd(18)}${String(c.from).padStart(5)}${String(c.to).padStart(5)}${num(c.weight).padStart(10)}${num(c.attribution).padStart(13)}  ${c.attribution > 0 ? '  + ' : c.attribution < 0 ? '  - ' : '  0 '}${(c.attributionLoading === null ? '-' : num(c.attributionLoading)).padStart(11)}${exact ? num(c.occlusion ?? NaN).padStart(12) : ''}`);
  });
  if (e.exact) L.push(`  exact occlusion of every connection: ${e.exact.seconds.toFixed(1)} s; Spearman rank correlation with gradient x weight on the top 50 by occlusion: ${num(e.exact.spearmanTop50, 3)} (verdict), ${e.exact.spearmanTop50Loading === null ? '-' : num(e.exact.spearmanTop50Loading, 3)} (loading)`);
  const g = e.grid!;
  L.push('', `grid: integrated gradients of the verdict logit, ${g.steps} steps (${g.evaluations} gradient evaluations), from ${g.baseline}`,
    `  logit ${num(g.fx)} against ${num(g.fBaseline)} at the baseline; attributions sum to ${num(g.sum)} (gap ${num(g.gap)})`);
  const side = (left: string[], right: string[], lw: number) => {
    for (let i = 0; i < Math.max(left.length, right.length); i++) L.push(`  ${(left[i] ?? '').padEnd(lw)}  ${right[i] ?? ''}`);
  };
  side(
    [`${'bus'.padStart(7)}${'attribution'.padStart(13)}`, ...g.buses.slice(0, top).map((b) => `${String(b.bus).padStart(7)}${num(b.attribution).padStart(13)}`), ...(g.buses.length ? [] : ['  (none)'])],
    [`physics: voltage violations`, ...p.voltage.slice(0, top).map((v) => `bus ${v.bus} Vm ${v.vm.toFixed(4)} ${v.kind === 'high' ? '>' : '<'} ${v.limit.toFixed(3)}`), ...(p.voltage.length ? [] : ['(none)'])],
    22,
  );
  L.push('');
  side(
    [`${'branch'.padStart(7)}  ${'from-to'.padEnd(11)}${'attribution'.padStart(12)}`, ...g.branches.slice(0, top).map((b) => `${String(b.branch).padStart(7)}  ${`${b.from}-${b.to}`.padEnd(11)}${num(b.attribution).padStart(12)}`), ...(g.branches.length ? [] : ['  (none)'])],
    [`physics: largest |flow change|${' '.repeat(4)}${'dMW'.padStart(9)}${'LODF'.padStart(8)}  overloaded`, ...p.flowChange.slice(0, top).map((f) => {
      const o = p.overloaded.find((x) => x.branch === f.branch);
      return `branch ${String(f.branch).padStart(5)} ${`${f.from}-${f.to}`.padEnd(11)}${f.deltaMW.toFixed(1).padStart(10)}${(f.lodf === null ? '-' : f.lodf.toFixed(3)).padStart(8)}  ${o ? pct(o.loading) : ''}`;
    })],
    32,
  );
  if (!g.branches.length) L.push('  no branch input the outage changes moves the verdict (its DC-LODF estimates reach the logit only through the largest predicted margin)');
  if (p.overloaded.length) L.push('', `  overloaded (counted by the spec's rule): ${p.overloaded.map((o) => `branch ${o.branch} ${pct(o.loading)}`).join(', ')}`);
  const paths = e.network!.paths.filter((x) => x.target === 'verdict').slice(0, 3);
  if (paths.length) {
    L.push('', 'strongest paths to the verdict (input feature -> units -> logit, by summed log |attribution|):');
    for (const x of paths) L.push(`  ${x.score.toFixed(2).padStart(8)}  ${x.steps.map((s, i) => (i === 0 ? `${NODE_FEATURE_NAMES[s.from] ?? `input ${s.from}`} -> ${s.layer} ${s.to}` : `${s.layer} ${s.to}`)).join(' -> ')}`);
  }
  L.push('', `  ${e.network!.method}`, `  ${r.cached ? 'read back' : 'computed'} in ${r.milliseconds.toFixed(0)} ms${r.stored ? ', kept in the store' : ''}`);
  return L;
}

async function fidelityCommand(flags: Record<string, string | number | boolean | undefined>, model: number, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const req = {
    model, dataset: intFlag(flags, 'dataset', 1), outages: intFlag(flags, 'outages', 1), draws: intFlag(flags, 'draws', 30), seed: intFlag(flags, 'seed', 0), steps: intFlag(flags, 'steps', 1),
  };
  const store = openExisting(flags.db as string);
  const quiet = !!flags.quiet || !!flags.json;
  const bar = quiet ? null : progressBar('explaining held-out outages');
  const ac = new AbortController();
  const onSig = () => { err('\ngridrewire explain: stopping (Ctrl-C again to quit now)'); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  let s: FidelityStudy;
  try {
    s = await new Explanations(store, null).explainFidelity(req, { signal: ac.signal, onProgress: bar ? (p) => bar.update(p) : undefined });
  } finally {
    bar?.end();
    process.off('SIGINT', onSig);
    store.close();
  }
  if (flags.json) {
    out(JSON.stringify(s));
    return s.cancelled ? 130 : 0;
  }
  out(fidelityText(s).join('\n'));
  return s.cancelled ? 130 : 0;
}

function fidelityText(s: FidelityStudy): string[] {
  const c = s.config, n = s.counts, ph = s.physics;
  const f3 = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(3));
  const rowText = (name: string, r: FidelityRow) => r.ratio === null
    ? `  ${name.padEnd(14)}${String(r.k).padStart(4)}  ${r.note ?? '-'}`
    : `  ${name.padEnd(14)}${String(r.k).padStart(4)}${f3(r.ratio).padStart(9)}  [${f3(r.ratioLow)}, ${f3(r.ratioHigh)}]${f3(r.flipRate).padStart(9)}${f3(r.keptScore).padStart(10)}${f3(r.meanChange).padStart(11)}${f3(r.meanRandomChange).padStart(11)}`;
  const L = [
    `fidelity of model ${c.modelId}'s explanations on the held-out test outages of dataset ${c.datasetId}${s.cancelled ? ' (CANCELLED: partial, not stored)' : ''}`,
    `  ${n.testOutages} test outages (${n.scenarios} scenarios; ${n.insecure} insecure, ${n.correctlyPredictedInsecure} of them predicted insecure), connections measured on ${n.connectionOutages} drawn at random (seed ${c.seed}), ${c.draws} matched random draws per outage and k`,
    `  ${s.connections} connections in the hidden layers; score: the ${c.score}; rebuilt operating points reproduce the dataset to ${n.worstRebuildMismatch.toExponential(1)} (verdicts differing from the labels: ${n.labelMismatches})`,
    '',
    `  ${'ranking'.padEnd(14)}${'k'.padStart(4)}${'R(k)'.padStart(9)}  ${'95% interval'.padEnd(16)}${'flips'.padStart(7)}${'kept'.padStart(10)}${'|change|'.padStart(11)}${'random'.padStart(11)}`,
    ...s.fidelity.map((r) => rowText('explanation', r)),
    ...s.controls.random.map((r) => rowText('random', r)),
    ...s.controls.inverse.map((r) => rowText('inverse', r)),
    ...s.controls.weight.map((r) => rowText('|weight|', r)),
    ...(s.controls.magnitude ?? []).map((r) => rowText('|attribution|', r)),
    '',
    `  physics agreement over ${ph.outages} outages: top-${ph.k} branches by |attribution| against top-${ph.k} by exact |flow change|: precision@${ph.k} ${f3(ph.precisionAtK)}, Jaccard ${f3(ph.jaccardAtK)} (DC-LODF ranking: ${f3(ph.dcLodf.precisionAtK)}, ${f3(ph.dcLodf.jaccardAtK)})`,
    `  worst overloaded branch in the explanation's top 5: ${f3(ph.overloadedInTop5)} of ${ph.outagesWithOverload} correctly predicted insecure outages with an overload (random 5 branches: ${f3(ph.baselineRandom)}, DC-LODF top 5: ${f3(ph.baselineDcLodf)})`,
    '',
    `  goals: R(10) >= 3 ${goal(s.goals.ratio10AtLeast3)}, R(10) above the |weight| control ${goal(s.goals.ratio10AboveWeight)}${s.ratio10OverWeight ? ` (by ${f3(s.ratio10OverWeight.difference)}, paired 95% interval [${f3(s.ratio10OverWeight.low)}, ${f3(s.ratio10OverWeight.high)}])` : ''}, overloaded branch in the top 5 for >= 90% ${goal(s.goals.overloadedInTop5AtLeast90)}`,
    `  ${s.seconds.toFixed(0)} s${s.cancelled ? '' : '; kept in the store'}`,
  ];
  return L;
}

const goal = (g: boolean | null) => (g === null ? 'not measured' : g ? 'met' : 'NOT met');
