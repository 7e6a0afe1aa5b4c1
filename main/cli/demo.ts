// gridrewire demo [--db <file>] [--workers N] [--json]

import { resolve } from 'node:path';
import { parseArgs, UsageError } from './args';
import { runDemo, type DemoOutcome } from '../services/demo';
import { openStore } from '../store';
import { workersFlag } from './workers';
import { progressBar } from './progress';
import { metricsLines, trainProgress } from './train';

export const DEMO_USAGE = 'usage: gridrewire demo [--db <file>] [--workers N] [--json]';

export async function demoCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { db: 'string', workers: 'number', json: 'boolean', quiet: 'boolean' });
  if (positional.length !== 0) throw new UsageError(DEMO_USAGE);
  const db = resolve((flags.db as string | undefined) ?? 'gridrewire-demo.db');
  const quiet = !!flags.quiet || !!flags.json;
  const workers = workersFlag(flags, 'demo', err);
  const store = openStore(db, { requireWrite: true });
  const ac = new AbortController();
  const onSig = () => { err('\ngridrewire demo: stopping (Ctrl-C again to quit now)'); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  const bar = quiet ? null : progressBar('labelling scenarios');
  let r: DemoOutcome;
  try {
    r = await runDemo({
      store, workers, signal: ac.signal,
      onStage: quiet ? undefined : (s) => err(s),
      onDatasetProgress: bar ? (p) => bar.update(p) : undefined,
      ...trainProgress(err, quiet),
    });
  } finally {
    bar?.end();
    process.off('SIGINT', onSig);
    store.close();
  }
  const t = r.training;
  if (flags.json) {
    out(JSON.stringify({ db, datasetId: r.dataset.datasetId, trainingRunId: t?.runId ?? null, modelId: t?.modelId ?? null, seconds: r.seconds, dataset: r.dataset, training: t }));
    return t && !t.cancelled ? 0 : 130;
  }
  const d = r.dataset;
  const L = [
    `dataset ${d.datasetId}: ${d.scenarios} scenarios, ${d.samples} branch outages (${d.seconds.toFixed(0)} s); test: ${d.splits.test.insecure} of ${d.splits.test.judged} non-islanded outages insecure`,
  ];
  if (!t || t.cancelled) {
    L.push(`cancelled${t ? `: training run ${t.runId} keeps its checkpoint (gridrewire train --db ${db} --resume ${t.runId})` : ''}`);
    out(L.join('\n'));
    return 130;
  }
  L.push(
    `model ${t.modelId} (training run ${t.runId}): adaptive + CH3-L3 at 90% sparsity, ${t.epochs} epochs (best ${t.bestEpoch}), parameters kept ${t.params.kept} of ${t.params.dense} (${(100 * t.params.fraction).toFixed(1)}%), threshold ${t.threshold.toFixed(3)}`,
    ...metricsLines(t),
    '',
    `done in ${r.seconds.toFixed(0)} s. Results are in ${db}: dataset ${d.datasetId}, training run ${t.runId}, model ${t.modelId}.`,
    `  predict another operating point: gridrewire predict --db ${db} --model ${t.modelId} <case_ACTIVSg200 variant.m>`,
    `  compare every method:           gridrewire compare --db ${db} --dataset ${d.datasetId}`,
  );
  out(L.join('\n'));
  return 0;
}
