// gridrewire n1 <case.m> [--mode ac|dc] [--gens] [--contingencies <contab.m>]
//                        [--workers N] [--json] [--csv <file>]

import { basename } from 'node:path';
import { parseArgs, UsageError, type Parsed } from './args';
import type { Case } from '../core/grid/case';
import { openStore, defaultDbPath } from '../store';
import { runStoredN1, resumeStoredN1 } from '../services/n1-stored';
import { readCaseText, loadChangeTableFile } from '../services/cases';
import { runN1, rankRecords, type N1Outcome, type N1Progress } from '../services/n1';
import { parseMatpower, contingenciesFromTable } from '../core/grid/matpower';
import { ContingencyError } from '../core/grid/contingency';
import { DcScreen } from '../core/grid/lodf';
import { compile } from '../core/grid/network';
import { VERDICTS, type ContingencyRecord } from '../core/grid/contingency-types';
import { progressBar } from './progress';
import { recordsToCsv } from '../core/report/csv';
import { claimOutputFile, type OutputFile } from './output-file';
import { workersFlag } from './workers';
import { randomUUID } from 'node:crypto';
import { clusterFlags, type ClusterFlags } from './cluster-flags';
import { screenCommand } from './n1-screen';
import { resumeScreen } from '../services/screen';

export const N1_USAGE = 'usage: gridrewire n1 <case.m> [--mode ac|dc] [--gens] [--contingencies <contab.m> | --elements 1,5,9-12] [--workers N | --cluster <redis-url> [--chunk N]] [--json] [--csv <file>] [--db <file>]\n       gridrewire n1 <case.m> --mode screen --model <id> [--band X] [--compare] [--workers N] [--json] [--csv <file>] [--db <file>]\n       gridrewire n1 --resume <run-id> [--db <file>] [--workers N | --cluster <redis-url>] [--json] [--csv <file>]';

export async function n1Command(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    mode: 'string', gens: 'boolean', contingencies: 'string', workers: 'number', json: 'boolean', csv: 'string', quiet: 'boolean',
    db: 'string', resume: 'number', elements: 'string', cluster: 'string', chunk: 'number', model: 'number', band: 'number', compare: 'boolean',
  });
  const workers = workersFlag(flags, 'n1', err);
  const cluster = clusterFlags(flags, err);
  if (flags.resume !== undefined) return resumeCommand(positional, flags, workers, out, cluster);
  if (positional.length !== 1) throw new UsageError(N1_USAGE);
  const mode = (flags.mode ?? 'ac') as string;
  if (mode !== 'ac' && mode !== 'dc' && mode !== 'screen') throw new UsageError(`--mode must be ac, dc or screen, got '${mode}'`);
  if (mode === 'screen') return screenCommand(positional, flags, workers, out, withInterrupt, cluster);
  for (const f of ['model', 'band', 'compare'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} belongs to --mode screen`);
  const kind = flags.gens ? 'gen' : 'branch';
  const file = positional[0];
  const caseText = readCaseText(file);
  const c = parseMatpower(caseText, basename(file));

  let elements: number[] | undefined;
  let table: { text: string; name: string; file: string } | null = null;
  if (flags.elements !== undefined && flags.contingencies) throw new UsageError('give either --elements or --contingencies, not both');
  if (flags.elements !== undefined) elements = parseElementList(flags.elements as string, kind === 'branch' ? 'branch' : 'generator');
  if (flags.contingencies) {
    const loaded = loadChangeTableFile(flags.contingencies as string);
    const list = contingenciesFromTable(c, loaded.table);
    table = { text: loaded.text, name: loaded.table.name, file: basename(flags.contingencies as string) };
    elements = [];
    for (const k of list) {
      const items = kind === 'branch' ? k.branches : k.gens;
      const otherItems = kind === 'branch' ? k.gens : k.branches;
      if (items.length + otherItems.length !== 1) {
        throw new ContingencyError(`contingency ${k.label} of ${loaded.table.name} takes out ${items.length + otherItems.length} elements; N-1 takes out one at a time`);
      }
      if (items.length === 1) elements.push(items[0]);
    }
    if (elements.length === 0) throw new ContingencyError(`${loaded.table.name} has no ${kind} contingency${kind === 'branch' ? ' (use --gens for generator outages)' : ''}`);
  }

  const db = flags.db as string | undefined;
  // Before any power flow: the CSV must be writable and must not be one of the inputs.
  const csv = flags.csv ? claimOutputFile(flags.csv as string, 'csv', [
    { what: 'case file', path: file }, ...(flags.contingencies ? [{ what: 'contingency table', path: flags.contingencies as string }] : []), ...(db ? [{ what: 'database', path: db }] : []),
  ]) : null;
  try {
    const bar = flags.quiet ? null : progressBar(`N-1 ${c.name} (${mode.toUpperCase()})`);
    const req = { caseText, fileName: basename(file), mode: mode as 'ac' | 'dc', kind: kind as 'branch' | 'gen', elements };
    const opts = { workers, cluster, onProgress: bar ? (p: N1Progress) => bar.update(p) : undefined };
    let res: N1Outcome & { runId?: number };
    if (db) {
      const store = openStore(db, { requireWrite: true });
      try {
        if (table) {
          // Keep the contingency table with the case it was used on.
          const { id: caseId } = store.cases.import({ text: caseText, parsed: c, sourceFile: basename(file) });
          store.changeSets.import({ text: table.text, name: table.name, kind: 'contingencies', caseId, sourceFile: table.file });
        }
        res = await withInterrupt((signal) => runStoredN1(store, req, { ...opts, signal, onRunId: (id) => process.stderr.write(`N-1 run ${id} in ${store.path}\n`) }));
      } finally {
        store.close();
      }
    } else {
      const { cluster: target, ...local } = opts;
      res = await withInterrupt((signal) => runN1({ ...req, ...local, signal, cluster: target && { ...target, runKey: randomUUID() } }));
    }
    bar?.end();
    return report(res, flags, csv, out, res.mode === 'ac' && res.kind === 'branch' ? c : null);
  } finally {
    csv?.discard();
  }
}

async function resumeCommand(positional: string[], flags: Parsed['flags'], workers: number | undefined, out: (s: string) => void, cluster: ClusterFlags | undefined): Promise<number> {
  if (positional.length !== 0) throw new UsageError('--resume takes the case from the database: give no case file');
  for (const f of ['mode', 'gens', 'contingencies', 'chunk', 'model', 'band', 'compare'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} cannot change a stored run; give only --resume and --db`);
  const runId = flags.resume as number;
  if (!Number.isInteger(runId) || runId < 1) throw new UsageError('--resume needs a run id (see gridrewire runs)');
  const db = (flags.db as string | undefined) ?? defaultDbPath();
  const csv = flags.csv ? claimOutputFile(flags.csv as string, 'csv', [{ what: 'database', path: db }]) : null;
  try {
    const store = openStore(db, { requireWrite: true });
    try {
      const bar = flags.quiet ? null : progressBar(`N-1 run ${runId} (resume)`);
      const resume = store.n1.getRun(runId)?.mode === 'screen' ? resumeScreen : resumeStoredN1;
      const res = await withInterrupt((signal) => resume(store, runId, { workers, cluster, signal, onProgress: bar ? (p) => bar.update(p) : undefined }));
      bar?.end();
      process.stderr.write(`N-1 run ${runId}: ${res.computed} contingencies computed now, ${res.records.length - res.computed} were already stored\n`);
      const screen = store.n1.getRun(runId)!.config.screen;
      if (screen) process.stderr.write(`N-1 run ${runId} is a verified screen with model ${screen.modelId}: ${screen.exact} outages solved exactly, ${screen.surrogate} keep the surrogate's verdict${screen.topology ? `, ${screen.topology} islanded decided by topology` : ''}\n`);
      if (screen) return report({ ...res, mode: 'screen' as N1Outcome['mode'] }, flags, csv, out, null);
      const c = res.mode === 'ac' && res.kind === 'branch' ? parseMatpower(store.cases.getText(store.n1.getRun(runId)!.caseId)) : null;
      return report(res, flags, csv, out, c);
    } finally {
      store.close();
    }
  } finally {
    csv?.discard();
  }
}

/** Ctrl+C cancels the run (keeping what finished) instead of killing the process. */
async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onSig = () => { process.stderr.write('\ncancelling: finished contingencies are kept\n'); ctl.abort(); };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    return await fn(ctl.signal);
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

function report(res: N1Outcome & { runId?: number }, flags: Parsed['flags'], csv: OutputFile | null, out: (s: string) => void, c: Case | null): number {
  const kind = res.kind;
  if (flags.json) {
    out(JSON.stringify({ case: res.caseName, mode: res.mode, kind: res.kind, seconds: res.seconds, workers: res.workers, ...(res.runId !== undefined ? { runId: res.runId } : {}), cancelled: res.cancelled, base: res.base, contingencies: rankRecords(res.records).map(cleanRecord) }));
  } else {
    out(summary(res, c ? dcAgreement(c, res.records) : null));
    if (res.runId !== undefined) out(res.cancelled ? `stored as run ${res.runId} (incomplete): gridrewire n1 --resume ${res.runId}${flags.db ? ` --db ${flags.db}` : ''} finishes it` : `stored as run ${res.runId}`);
  }
  // Last, so a disk that fills up now has cost only the CSV: the results are printed (and stored with --db).
  csv?.write(recordsToCsv(rankRecords(res.records), kind));
  return res.cancelled ? 130 : 0;
}

/** "1,5,9-12" -> [1, 5, 9, 10, 11, 12]; the engine checks that each exists. */
export function parseElementList(spec: string, what: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`--elements: '${part}' is not a ${what} row or range (e.g. 1,5,9-12)`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`--elements: range '${part}' runs backwards`);
    if (b - a > 1_000_000) throw new UsageError(`--elements: range '${part}' is too long`);
    for (let k = a; k <= b; k++) out.push(k);
  }
  if (out.length === 0) throw new UsageError('--elements needs at least one row');
  return out;
}

/** JSON shape of a record: the spec's fields, worstBranch only when there is one. */
function cleanRecord(r: ContingencyRecord): Record<string, unknown> {
  const o: Record<string, unknown> = { ...r };
  if (r.worstBranch === null) delete o.worstBranch;
  // Stored records say how they were judged; an AC or DC run's JSON stays the engine's record.
  const by = (o as { judgedBy?: string }).judgedBy;
  if ((by === undefined || by === 'exact') && (o as { probability?: unknown }).probability == null) { delete o.judgedBy; delete o.probability; }
  if (r.branch === undefined) delete o.branch;
  if (r.gen === undefined) delete o.gen;
  return o;
}

export interface Agreement { total: number; agree: number; acInsecure: number; dcCaught: number; dcFalseAlarms: number }

/** How often the DC-LODF screen (overloads, islands) agrees with the AC verdicts. */
export function dcAgreement(c: Case, ac: ContingencyRecord[]): Agreement {
  const screen = new DcScreen(compile(c));
  const fl = new Float64Array(screen.net.nl);
  const a: Agreement = { total: 0, agree: 0, acInsecure: 0, dcCaught: 0, dcFalseAlarms: 0 };
  for (const r of ac) {
    if (r.branch === undefined) continue;
    const d = screen.branchOutage(r.branch, fl);
    const acBad = r.verdict !== 'secure', dcBad = d.verdict !== 'secure';
    a.total++;
    if (acBad === dcBad) a.agree++;
    if (acBad) { a.acInsecure++; if (dcBad) a.dcCaught++; } else if (dcBad) a.dcFalseAlarms++;
  }
  return a;
}

function summary(res: N1Outcome, agree: Agreement | null): string {
  const L: string[] = [];
  const n = res.records.length;
  L.push(`${res.caseName}: ${res.mode.toUpperCase()} N-1, ${n}${res.cancelled ? ` of ${res.total}` : ''} ${res.kind === 'branch' ? 'branch' : 'generator'} outages in ${res.seconds.toFixed(2)} s (${((res.seconds * 1000) / Math.max(1, n)).toFixed(2)} ms each, ${res.workers} thread${res.workers > 1 ? 's' : ''})`);
  L.push(`base case: ${res.mode === 'ac' ? `converged in ${res.base.iterations} iterations, ` : ''}max loading ${(res.base.maxLoading * 100).toFixed(1)}%, ${res.base.nOverloads} overloads, ${res.base.nVoltageViolations} voltage violations`);
  const counts = VERDICTS.map((v) => [v, res.records.filter((r) => r.verdict === v).length] as const).filter(([, k]) => k > 0);
  L.push('verdicts: ' + counts.map(([v, k]) => `${v} ${k}`).join(', '));
  if (agree) {
    L.push(`DC-LODF screen vs AC: agrees on ${agree.agree}/${agree.total} (${((100 * agree.agree) / Math.max(1, agree.total)).toFixed(1)}%); catches ${agree.dcCaught}/${agree.acInsecure} AC-insecure outages, ${agree.dcFalseAlarms} false alarms`);
  }
  const ranked = rankRecords(res.records).filter((r) => r.verdict !== 'secure');
  const top = ranked.slice(0, 20);
  if (top.length) {
    L.push('');
    L.push('worst first:');
    const W = [5, 8, 12, 18, 9, 9, 10, 7, 8, 8, 6, 5, 9];
    const row = (cells: string[]) => cells.map((s, i) => (i === 3 ? '  ' + s.padEnd(W[i] - 2) : s.padStart(W[i]))).join('');
    L.push(row(['rank', res.kind === 'branch' ? 'branch' : 'gen', 'from-to', 'verdict', 'severity', 'maxLoad%', 'overloads', 'worst', 'minVm', 'maxVm', 'Vviol', 'cut', 'lostMW']));
    top.forEach((r, i) => {
      L.push(row([
        String(i + 1), String(r.branch ?? r.gen), `${r.from}-${r.to}`, r.verdict, r.severity.toFixed(2), (r.maxLoading * 100).toFixed(1), String(r.nOverloads),
        // An unsolved outage's record keeps the spec's zeros; they are no voltages.
        r.worstBranch === null ? '-' : String(r.worstBranch), r.converged ? r.minVm.toFixed(4) : '-', r.converged ? r.maxVm.toFixed(4) : '-', String(r.nVoltageViolations), String(r.cutBuses), (r.lostLoadMW + r.lostGenMW).toFixed(1),
      ]));
    });
    if (ranked.length > top.length) L.push(`... and ${ranked.length - top.length} more insecure outages (--json or --csv for all)`);
  } else L.push('every outage is secure');
  if (res.cancelled) L.push('cancelled: the records above are the ones that finished');
  return L.join('\n');
}
