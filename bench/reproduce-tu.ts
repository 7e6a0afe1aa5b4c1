// The graph half of `gridrewire reproduce` until the CLI wires it in (the
// bench section 'reproduce-tu' is in reproduce-tu-section.ts).
//   node --import tsx bench/reproduce-tu.ts mutag|proteins [--epochs N] [--folds N] [--seeds N]
//        [--methods dense,fixed,adaptive] [--sparsities 0.3,0.9] [--store runs.json] [--json]
// --store keeps finished folds in a JSON file, so a stopped run resumes.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ReproduceDataset, ReproduceRow, RunOutcome, RunStore } from '../main/core/learn/reproduce/types';
import { type TuRow, runTuStudy } from '../main/services/reproduce/tu-study';

/**
 * Finished folds in a JSON file. Read again on every get and merged on every
 * put (written to a temporary file, then renamed), so two processes running
 * different methods of one study can share the file.
 */
export function jsonRunStore(path: string): RunStore {
  const read = (): Record<string, RunOutcome> => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {});
  return {
    get: (k) => read()[k],
    put(k, o) {
      const runs = { ...read(), [k]: o };
      writeFileSync(`${path}.${process.pid}.tmp`, JSON.stringify(runs));
      renameSync(`${path}.${process.pid}.tmp`, path);
    },
  };
}

export function formatRow(r: ReproduceRow & Partial<TuRow>): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const gin = r.bestMeanEpochAccuracy === undefined ? '' : `${pct(r.bestMeanEpochAccuracy)} @${r.bestMeanEpoch}`;
  return `${r.method.padEnd(9)} ${r.sparsity.toFixed(2).padStart(8)} ${`${pct(r.accuracy)} ± ${pct(r.std)}`.padStart(12)} ${String(r.params).padStart(7)} ${r.epochs.toFixed(1).padStart(6)} ${r.seconds.toFixed(1).padStart(8)} ${String(r.runs).padStart(4)}  ${gin}`;
}
export const TABLE_HEAD = `${'method'.padEnd(9)} ${'sparsity'.padStart(8)} ${'accuracy %'.padStart(12)} ${'params'.padStart(7)} ${'epochs'.padStart(6)} ${'s/fold'.padStart(8)} runs  best-mean-epoch % (GIN's reporting)`;

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
    onProgress: (p) => { if (!json && p.epoch === 1) process.stderr.write(`  ${p.method} ${p.sparsity} run ${p.run}/${p.runs} started at ${((performance.now() - t0) / 1000).toFixed(0)} s\n`); },
    onRow: (r) => { if (!json) process.stdout.write(`${formatRow(r)}\n`); },
  });
  if (json) process.stdout.write(`${JSON.stringify(res)}\n`);
  else process.stdout.write(`${res.split}; ${res.seconds.toFixed(0)} s\n`);
}

if (require.main === module) {
  main().catch((e) => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exit(2); });
}
