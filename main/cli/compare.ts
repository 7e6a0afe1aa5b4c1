// gridrewire compare --db <file> --dataset <id> [--epochs N] [--sparsity 0.9] [--seed S] [--workers N] [--only a,b] [--json]

import { parseArgs, UsageError } from './args';
import { COMPARED, compareMethods, type CompareOutcome } from '../services/compare';
import { STRESSED_FRACTION, type MetricsBlock } from '../services/train';
import type { VerdictMetrics } from '../core/learn/surrogate';
import { openStore } from '../store';
import { intFlag, numFlag } from './learn-flags';
import { workersFlag } from './workers';
import { trainProgress } from './train';

export const COMPARE_USAGE = 'usage: gridrewire compare --db <file> --dataset <id> [--epochs N] [--sparsity 0.9] [--seed S] [--workers N] [--only dense,adaptive+ch3l3,...] [--json]';

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');

export function compareTable(r: CompareOutcome, view: 'stressed' | 'all'): string[] {
  const W = [18, 10, 9, 10, 9, 10, 16, 8, 9];
  const line = (c: string[]) => c.map((s, i) => (i === 0 ? s.padEnd(W[i]) : s.padStart(W[i]))).join('');
  const L = [line(['method', 'bal.acc', 'recall', 'precision', 'accuracy', 'load.MAE', 'params kept', 'epochs', 'seconds'])];
  for (const { label, outcome: o } of r.rows) {
    const m: MetricsBlock | null = view === 'stressed' ? o.testStressed : o.test;
    if (!m) { L.push(line([label, o.cancelled ? 'cancelled' : '-', '', '', '', '', '', String(o.epochs), o.seconds.toFixed(0)])); continue; }
    L.push(line([label, f4(m.balancedAccuracy), f4(m.recall), f4(m.precision), f4(m.accuracy), f4(m.loadingMae), `${o.params.kept} (${(100 * o.params.fraction).toFixed(1)}%)`, `${o.epochs}`, o.seconds.toFixed(0)]));
  }
  const d: VerdictMetrics | null | undefined = view === 'stressed' ? r.dc?.testStressed : r.dc?.test;
  if (d) L.push(line(['DC-LODF screen', f4(d.balancedAccuracy), f4(d.recall), f4(d.precision), f4(d.accuracy), '-', '-', '-', '-']));
  return L;
}

export async function compareCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    db: 'string', dataset: 'number', epochs: 'number', sparsity: 'number', seed: 'number', workers: 'number', json: 'boolean', quiet: 'boolean', only: 'string',
    hidden: 'number', patience: 'number',
  });
  if (positional.length !== 0 || !flags.db || flags.dataset === undefined) throw new UsageError(COMPARE_USAGE);
  const only = flags.only ? String(flags.only).split(',').map((s) => s.trim()) : undefined;
  for (const o of only ?? []) if (!COMPARED.some((c) => c.label === o)) throw new UsageError(`--only: unknown method '${o}' (have ${COMPARED.map((c) => c.label).join(', ')})`);
  const workers = workersFlag(flags, 'compare', err);
  const store = openStore(flags.db as string, { requireWrite: true });
  const ac = new AbortController();
  const onSig = () => { err('\ngridrewire compare: stopping (Ctrl-C again to quit now)'); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  const quiet = !!flags.quiet || !!flags.json;
  let r: CompareOutcome;
  try {
    r = await compareMethods({
      store, datasetId: intFlag(flags, 'dataset', 1)!, epochs: intFlag(flags, 'epochs', 1), seed: intFlag(flags, 'seed', 0),
      sparsity: flags.sparsity !== undefined ? numFlag(flags, 'sparsity', 0, 0.999) : undefined, workers,
      hidden: intFlag(flags, 'hidden', 1), patience: intFlag(flags, 'patience', 0), only, signal: ac.signal,
      onStart: quiet ? undefined : (label, i, n) => err(`--- ${label} (${i + 1}/${n})`),
      onDone: quiet ? undefined : (label, o) => err(`--- ${label}: model ${o.modelId ?? '-'}, ${o.seconds.toFixed(0)} s`),
      ...trainProgress(err, quiet),
    });
  } finally {
    process.off('SIGINT', onSig);
    store.close();
  }
  if (flags.json) {
    out(JSON.stringify(r));
    return r.cancelled ? 130 : 0;
  }
  const stressed = r.rows.some((x) => x.outcome.testStressed);
  const L: string[] = [];
  if (stressed) {
    const n = r.rows.find((x) => x.outcome.testStressed)!.outcome.testStressed!;
    L.push(`Held-out test scenarios in which at least ${Math.round(STRESSED_FRACTION * 100)}% of the non-islanded outages are insecure (${n.scenarios} scenarios, ${n.samples} outages, ${n.insecure} insecure):`);
    L.push(...compareTable(r, 'stressed'), '');
  }
  L.push('All held-out test scenarios:', ...compareTable(r, 'all'));
  if (r.target.length) {
    L.push('', `Target (adaptive+ch3l3 on the ${stressed ? 'stressed' : 'all'} test scenarios):`);
    for (const t of r.target) L.push(`  ${t.what.padEnd(28)} ${f4(t.value).padStart(8)}  ${t.target.padEnd(8)} ${t.met ? 'met' : 'NOT met'}`);
  }
  if (r.cancelled) L.push('', 'cancelled: the rows above are the methods that finished');
  out(L.join('\n'));
  return r.cancelled ? 130 : 0;
}
