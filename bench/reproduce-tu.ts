// The graph half of `gridrewire reproduce` until the CLI wires it in, and the
// bench section 'reproduce-tu' (training graphs per second on MUTAG, the GIN
// dense vs 90% sparse).
//   node --import tsx bench/reproduce-tu.ts mutag|proteins [--epochs N] [--folds N] [--seeds N]
//        [--methods dense,fixed,adaptive] [--sparsities 0.3,0.9] [--store runs.json] [--json]
// --store keeps finished folds in a JSON file, so a stopped run resumes.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReproduceDataset, ReproduceRow, RunOutcome, RunStore } from '../main/core/learn/reproduce/types';
import { foldSplit, stratifiedFolds } from '../main/core/learn/tu/folds';
import { defaultTuTrain, trainTuRun } from '../main/core/learn/tu/train';
import { appRoot } from '../main/paths';
import { loadTu } from '../main/services/reproduce/tu-data';
import { runTuStudy } from '../main/services/reproduce/tu-study';
import type { Row } from './run';

/** Finished folds in a JSON file (written whole after each fold, via a rename). */
export function jsonRunStore(path: string): RunStore {
  const runs: Record<string, RunOutcome> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  return {
    get: (k) => runs[k],
    put(k, o) {
      runs[k] = o;
      writeFileSync(`${path}.tmp`, JSON.stringify(runs));
      renameSync(`${path}.tmp`, path);
    },
  };
}

export function formatRow(r: ReproduceRow): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  return `${r.method.padEnd(9)} ${r.sparsity.toFixed(2).padStart(8)} ${`${pct(r.accuracy)} ± ${pct(r.std)}`.padStart(12)} ${String(r.params).padStart(7)} ${r.epochs.toFixed(1).padStart(6)} ${r.seconds.toFixed(1).padStart(8)} ${String(r.runs).padStart(4)}`;
}
export const TABLE_HEAD = `${'method'.padEnd(9)} ${'sparsity'.padStart(8)} ${'accuracy %'.padStart(12)} ${'params'.padStart(7)} ${'epochs'.padStart(6)} ${'s/fold'.padStart(8)} runs`;

/** Training graphs per second on MUTAG (fold 1's training part, 3 epochs after one warm-up epoch), dense vs 90% sparse. */
export async function runReproduceTuBench(record: (r: Row) => void): Promise<void> {
  const data = loadTu('MUTAG', join(appRoot(), 'test', 'fixtures', 'tu'));
  const split = foldSplit(data.labels, stratifiedFolds(data.labels, 10, 1), 0, 0.1, 1);
  const rate: Record<string, number> = {};
  for (const [method, sparsity] of [['dense', 0], ['fixed', 0.9]] as const) {
    const epochs = 4;
    const times: number[] = [];
    let last = performance.now();
    await trainTuRun({ data, split, method, sparsity, cfg: { ...defaultTuTrain, epochs }, seed: 1, onEpoch: () => { const t = performance.now(); times.push(t - last); last = t; } });
    // Each epoch also evaluates validation and test: counted as graphs seen, forward only.
    const ms = times.slice(1).reduce((a, b) => a + b, 0) / (epochs - 1);
    rate[method] = (split.train.length * 1000) / ms;
    record({ section: 'reproduce-tu', what: `GIN ${defaultTuTrain.layers}x${defaultTuTrain.hidden} on MUTAG, ${method === 'dense' ? 'dense' : '90% sparse, SET rewiring'}: training graphs/s (epoch incl. val+test eval)`, value: rate[method], unit: 'graphs/s', note: 'mean of 3 epochs after 1 warm-up' });
  }
  record({ section: 'reproduce-tu', what: 'speed-up of the 90% sparse GIN over the dense one', value: rate.fixed / rate.dense, unit: 'x' });
}

async function main() {
  const args = process.argv.slice(2);
  const dataset = args[0] as ReproduceDataset;
  const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
  const num = (name: string) => (opt(name) === undefined ? undefined : Number(opt(name)));
  const json = args.includes('--json');
  const storePath = opt('store');
  const t0 = performance.now();
  if (!json) process.stdout.write(`${TABLE_HEAD}\n`);
  const res = await runTuStudy(dataset, {
    methods: opt('methods')?.split(','), sparsities: opt('sparsities')?.split(',').map(Number),
    epochs: num('epochs'), folds: num('folds'), seeds: num('seeds'), seed: num('seed'), limit: num('limit'),
  }, {
    runStore: storePath ? jsonRunStore(storePath) : undefined,
    onProgress: (p) => { if (!json && p.epoch === p.epochs) process.stderr.write(`  ${p.method} ${p.sparsity} run ${p.run}/${p.runs} done at ${((performance.now() - t0) / 1000).toFixed(0)} s\n`); },
    onRow: (r) => { if (!json) process.stdout.write(`${formatRow(r)}\n`); },
  });
  if (json) process.stdout.write(`${JSON.stringify(res)}\n`);
  else process.stdout.write(`${res.split}; ${res.seconds.toFixed(0)} s\n`);
}

if (require.main === module) {
  main().catch((e) => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exit(2); });
}
