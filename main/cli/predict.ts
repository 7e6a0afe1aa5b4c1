// gridrewire predict --db <file> --model <id> <case.m> [--workers N] [--json] [--top N]

import { basename } from 'node:path';
import { parseArgs, UsageError } from './args';
import { parseMatpower } from '../core/grid/matpower';
import { acStepRecords } from '../core/grid/features';
import { readCaseText } from '../services/cases';
import { loadSurrogate, predictCase, predictCaseInWorkers, predictWorkers } from '../services/predict';
import { defaultWorkers } from '../jobs/pool';
import { openStore } from '../store';
import { intFlag } from './learn-flags';
import { workersFlag } from './workers';

export const PREDICT_USAGE = 'usage: gridrewire predict --db <file> --model <id> <case.m> [--workers N] [--json] [--top N]';


export async function predictCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { db: 'string', model: 'number', json: 'boolean', top: 'number', workers: 'number' });
  if (positional.length !== 1 || !flags.db || flags.model === undefined) throw new UsageError(PREDICT_USAGE);
  const requested = workersFlag(flags, 'predict', err);
  const file = positional[0];
  const c = parseMatpower(readCaseText(file), basename(file));
  const store = openStore(flags.db as string, { readonly: true });
  let s;
  try {
    s = loadSurrogate(store, intFlag(flags, 'model', 1)!);
  } finally {
    store.close();
  }
  // Every core for AC-step records, this thread for DC-LODF ones unless asked (predictWorkers).
  const workers = predictWorkers(s, requested, defaultWorkers());
  const r = workers > 1 ? await predictCaseInWorkers(s, c, workers) : predictCase(s, c);
  const records = acStepRecords(s.config.features) ? 'AC-step records' : 'DC-LODF features';
  if (flags.json) {
    out(JSON.stringify({ case: r.caseName, model: r.modelId, threshold: r.threshold, workers: r.workers, seconds: r.seconds, contingencies: r.contingencies }));
    return 0;
  }
  const counts = new Map<string, number>();
  for (const x of r.contingencies) counts.set(x.verdict, (counts.get(x.verdict) ?? 0) + 1);
  const L = [
    r.workers > 1
      ? `${r.caseName}: ${r.contingencies.length} branch outages predicted by model ${r.modelId} in ${(r.seconds.total * 1000).toFixed(0)} ms on ${r.workers} worker threads (the slowest: base case ${(r.seconds.base * 1000).toFixed(0)} ms, ${records} ${(r.seconds.features * 1000).toFixed(0)} ms)`
      : `${r.caseName}: ${r.contingencies.length} branch outages predicted by model ${r.modelId} in ${(r.seconds.total * 1000).toFixed(0)} ms (base case ${(r.seconds.base * 1000).toFixed(0)} ms, ${records} ${(r.seconds.features * 1000).toFixed(0)} ms, network ${(r.seconds.inference * 1000).toFixed(0)} ms)`,
    `verdicts: ${[...counts].map(([v, n]) => `${v} ${n}`).join(', ')} (islanded decided by topology; threshold ${r.threshold.toFixed(3)})`,
    '',
    `${'rank'.padStart(5)}${'branch'.padStart(8)}  ${'from-to'.padEnd(13)}${'verdict'.padEnd(18)}${'pInsecure'.padStart(10)}${'maxLoad%'.padStart(10)}`,
  ];
  const top = intFlag(flags, 'top', 1) ?? 25;
  r.contingencies.slice(0, top).forEach((x, i) => {
    L.push(`${String(i + 1).padStart(5)}${String(x.branch).padStart(8)}  ${`${x.from}-${x.to}`.padEnd(13)}${x.verdict.padEnd(18)}${x.pInsecure.toFixed(3).padStart(10)}${(x.maxLoading === null ? '-' : (100 * x.maxLoading).toFixed(1)).padStart(10)}`);
  });
  if (r.contingencies.length > top) L.push(`... ${r.contingencies.length - top} more (--top N or --json for all)`);
  out(L.join('\n'));
  return 0;
}
