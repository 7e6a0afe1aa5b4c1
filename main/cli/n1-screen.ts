// gridrewire n1 <case.m> --mode screen --model <id> [--band X] [--compare] [--db <file>]
// The verified screen: the surrogate scores every branch outage, the flagged
// ones and those in the safety band are solved exactly, the rest keep the
// surrogate's verdict. Prints the share solved exactly, the wall time beside
// a full AC run's, and every insecure outage it missed against a stored full
// AC run of the same operating point.

import type { StoredN1Options } from '../services/n1-stored';
import { basename } from 'node:path';
import { UsageError, type Parsed } from './args';
import { openStore, defaultDbPath, type Store } from '../store';
import { readCaseText } from '../services/cases';
import { rankRecords, type N1Progress } from '../services/n1';
import { runStoredN1 } from '../services/n1-stored';
import { checkBand, runScreen, type ScreenOutcome } from '../services/screen';
import { fullAcCost, fullAcRunOf, screenMisses, type FullAcCost, type ScreenMiss } from '../services/screen-check';
import { parseMatpower } from '../core/grid/matpower';
import { VERDICTS, type JudgedRecord } from '../core/grid/contingency-types';
import { progressBar } from './progress';
import { recordsToCsv } from '../core/report/csv';
import { claimOutputFile } from './output-file';

interface Check {
  cost: FullAcCost | null;
  /** Null when no full AC run of this operating point is stored. */
  missed: ScreenMiss[] | null;
  against: number | null;
}

/** Checks the flags a screen takes before any work; returns the model id and the band given, if any. */
export function screenFlags(flags: Parsed['flags']): { modelId: number; band: number | undefined } {
  if (flags.model === undefined) throw new UsageError('--mode screen needs --model <id>: a surrogate of this grid (gridrewire train prints its id)');
  const modelId = flags.model as number;
  if (!Number.isInteger(modelId) || modelId < 1) throw new UsageError(`--model needs a model id (a whole number from 1), got ${modelId}`);
  for (const f of ['gens', 'contingencies', 'elements'] as const) {
    if (flags[f] !== undefined) throw new UsageError(`--${f} cannot be screened: --mode screen covers every branch outage of the case`);
  }
  const band = flags.band === undefined ? undefined : checkBand(flags.band as number);
  return { modelId, band };
}

export async function screenCommand(positional: string[], flags: Parsed['flags'], workers: number | undefined, out: (s: string) => void,
  withInterrupt: <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>, cluster?: StoredN1Options['cluster']): Promise<number> {
  const { modelId, band } = screenFlags(flags);
  const file = positional[0];
  const caseText = readCaseText(file);
  const c = parseMatpower(caseText, basename(file));
  const db = (flags.db as string | undefined) ?? defaultDbPath();
  const csv = flags.csv ? claimOutputFile(flags.csv as string, 'csv', [{ what: 'case file', path: file }, { what: 'database', path: db }]) : null;
  try {
    const store = openStore(db, { requireWrite: true });
    try {
      const bar = flags.quiet ? null : progressBar(`N-1 ${c.name} (screen, model ${modelId})`);
      const onProgress = bar ? (p: N1Progress) => bar.update(p) : undefined;
      const res = await withInterrupt((signal) => runScreen(store, {
        caseText, fileName: basename(file), modelId, band, workers, cluster, signal, onProgress,
        onRunId: (id) => process.stderr.write(`N-1 run ${id} in ${store.path}\n`),
      }));
      bar?.end();
      const check = res.cancelled ? { cost: null, missed: null, against: null } : await compare(store, res, caseText, basename(file), flags.compare === true, workers, withInterrupt, flags.quiet === true);
      if (flags.json) out(JSON.stringify(screenJson(res, check)));
      else out(screenSummary(res, check, db, flags.db !== undefined));
      csv?.write(recordsToCsv(rankRecords(res.records), 'branch', { judged: true }));
      return res.cancelled ? 130 : 0;
    } finally {
      store.close();
    }
  } finally {
    csv?.discard();
  }
}

/** The full AC run beside the screen: run now (--compare), or read from the store. */
async function compare(store: Store, res: ScreenOutcome, caseText: string, fileName: string, now: boolean, workers: number | undefined,
  withInterrupt: <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>, quiet: boolean): Promise<Check> {
  const caseId = store.n1.getRun(res.runId)!.caseId;
  const all = res.records.map((r) => r.branch!);
  if (now) {
    const bar = quiet ? null : progressBar('full AC N-1 for comparison');
    const full = await withInterrupt((signal) => runStoredN1(store, { caseText, fileName, mode: 'ac', kind: 'branch' }, { workers, signal, onProgress: bar ? (p) => bar.update(p) : undefined }));
    bar?.end();
    if (full.cancelled) return { cost: null, missed: null, against: null };
    return { cost: { seconds: full.seconds, how: 'measured', runId: full.runId }, missed: screenMisses(res.records, full.records), against: full.runId };
  }
  const ref = fullAcRunOf(store, caseId, all);
  return {
    cost: fullAcCost(store, caseId, res.caseName, all),
    missed: ref ? screenMisses(res.records, store.n1.getRecords(ref.id)) : null,
    against: ref ? ref.id : null,
  };
}

function screenJson(res: ScreenOutcome, check: Check): Record<string, unknown> {
  const { why, ...config } = res.screen;
  return {
    case: res.caseName, mode: 'screen', kind: 'branch', seconds: res.timing.total, workers: res.workers, runId: res.runId, cancelled: res.cancelled, base: res.base,
    screen: {
      ...config, bandSource: res.bandSource, ...why, islanded: config.topology, timing: res.timing,
      fullAc: check.cost, missed: check.missed, missedAgainstRun: check.against,
    },
    contingencies: rankRecords(res.records).map(jsonRecord),
  };
}

function jsonRecord(r: JudgedRecord): Record<string, unknown> {
  const o: Record<string, unknown> = { ...r };
  if (r.worstBranch === null) delete o.worstBranch;
  delete o.gen;
  return o;
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;

function screenSummary(res: ScreenOutcome, check: Check, db: string, dbGiven: boolean): string {
  const L: string[] = [];
  const n = res.records.length, s = res.screen, t = res.timing;
  L.push(`${res.caseName}: verified screen with model ${s.modelId}, ${n}${res.cancelled ? ` of ${res.total}` : ''} branch outages in ${t.total.toFixed(2)} s`);
  L.push(`threshold ${s.threshold.toPrecision(3)}, band ${s.band.toPrecision(3)} (${res.bandSource === 'given' ? 'given by --band' : 'stored with the model: insecure recall >= 0.999 on its validation data'}): exact AC from P(insecure) >= ${Math.max(0, s.threshold - s.band).toPrecision(3)}`);
  L.push(`solved exactly: ${s.exact} of ${res.total} (${pct(s.exact, res.total)}): ${s.why.flagged} flagged, ${s.why.inBand} in the band${s.why.unsettled ? `, ${s.why.unsettled} below it whose AC-step estimate did not settle` : ''}; ${s.topology} islanded, decided by topology (not solved); the surrogate's verdict (secure) kept for ${s.surrogate}`);
  const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`;
  L.push(`time: model and band ${ms(t.model)}; surrogate ${ms(t.predict)} (set-up ${ms(t.predictorSetUp)}, features ${ms(t.features)}, network ${ms(t.network)}); `
    + `exact AC ${ms(t.exact)} (set-up ${ms(t.exactSetUp)}, solves ${ms(t.exactSolves)} on ${res.workers} thread${res.workers > 1 ? 's' : ''}, store ${ms(t.store)})`);
  if (check.cost) {
    const c = check.cost;
    L.push(`full AC run: ${c.seconds.toFixed(2)} s (${c.how === 'measured' ? `run ${c.runId} of this operating point` : `estimated per outage from run ${c.runId} of another operating point of ${res.caseName}`}); the screen took ${(t.total / Math.max(1e-9, c.seconds)).toFixed(2)}x its time`);
  } else L.push(`full AC run: none stored for ${res.caseName}; --compare runs one to measure it`);
  if (check.missed === null) L.push('missed insecure outages: unknown (no full AC run of this operating point is stored; --compare runs one)');
  else if (check.missed.length === 0) L.push(`missed insecure outages: none (against full AC run ${check.against})`);
  else {
    L.push(`missed insecure outages: ${check.missed.length} (against full AC run ${check.against}; a wider --band would have sent them to the exact engine):`);
    for (const m of check.missed.slice(0, 20)) L.push(`  branch ${m.branch}: ${m.verdict}, P(insecure) ${m.probability === null ? '-' : m.probability.toPrecision(3)}`);
    if (check.missed.length > 20) L.push(`  ... and ${check.missed.length - 20} more (--json for all)`);
  }
  const counts = VERDICTS.map((v) => [v, res.records.filter((r) => r.verdict === v).length] as const).filter(([, k]) => k > 0);
  L.push('verdicts: ' + counts.map(([v, k]) => `${v} ${k}`).join(', '));
  const worst = rankRecords(res.records).filter((r) => r.verdict !== 'secure').slice(0, 10);
  if (worst.length) {
    L.push('worst first:');
    for (const r of worst) L.push(`  branch ${String(r.branch).padStart(5)} ${`${r.from}-${r.to}`.padEnd(12)} ${r.verdict.padEnd(17)} severity ${r.severity.toFixed(2).padStart(6)}  max load ${(r.maxLoading * 100).toFixed(1)}%`);
  }
  L.push(`stored as run ${res.runId}${dbGiven ? '' : ` in ${db}`}${res.cancelled ? ` (incomplete): gridrewire n1 --resume ${res.runId}${dbGiven ? ` --db ${db}` : ''} finishes it` : ''}`);
  return L.join('\n');
}
