// gridrewire dataset <case.m> [--scenarios <chgtab.m>] [--hours N] [--random N]
//   [--level-min X] [--level-max X] [--region-noise X] [--noise X] [--dispatch headroom|proportional] [--outages N]
//   [--estimate ac-step|dc] [--seed S] [--workers N] [--name S] --db <file> [--json]

import { basename } from 'node:path';
import { parseArgs, UsageError } from './args';
import { readCaseText } from '../services/cases';
import { buildDataset, DEFAULT_RANDOM_SCENARIOS, type DatasetOutcome, type ScenarioInfo } from '../services/dataset';
import { DEFAULT_LEVEL_BAND, DISPATCH } from '../core/grid/scenarios';
import { openStore } from '../store';
import { progressBar } from './progress';
import { choiceFlag, intFlag, numFlag } from './learn-flags';
import { workersFlag } from './workers';
import type { FeatureOptions } from '../core/grid/features';

/** Post-outage loading estimates a dataset's records can carry (FeatureOptions.estimate); by default the grid's size decides (featureOptionsFor). */
const ESTIMATES = ['ac-step', 'dc'] as const;
import { clusterFlags } from './cluster-flags';

export const DATASET_USAGE = `usage: gridrewire dataset <case.m> [--scenarios <chgtab.m>] [--hours N] [--random N (default ${DEFAULT_RANDOM_SCENARIOS} without --scenarios)] [--level-min X] [--level-max X] [--region-noise X] [--noise X] [--dispatch ${DISPATCH.join('|')}] [--outages N (per scenario, random; default all)] [--estimate ${ESTIMATES.join('|')}] [--seed S] [--workers N | --cluster <redis-url>] [--name NAME] --db <file> [--json]`;

export async function datasetCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    scenarios: 'string', hours: 'number', random: 'number', 'level-min': 'number', 'level-max': 'number', 'region-noise': 'number', noise: 'number', dispatch: 'string',
    outages: 'number', estimate: 'string', seed: 'number', workers: 'number', name: 'string', db: 'string', json: 'boolean', quiet: 'boolean', cluster: 'string',
  });
  if (positional.length !== 1 || !flags.db) throw new UsageError(DATASET_USAGE);
  const workers = workersFlag(flags, 'dataset', err, 0);
  const cluster = clusterFlags(flags, err);
  const file = positional[0];
  const caseText = readCaseText(file);
  const scenariosText = flags.scenarios ? readCaseText(flags.scenarios as string) : undefined;
  const randomLoad: Record<string, number> = {};
  if (flags['level-min'] !== undefined) randomLoad.levelMin = numFlag(flags, 'level-min', 0);
  if (flags['level-max'] !== undefined) randomLoad.levelMax = numFlag(flags, 'level-max', 0);
  if (flags['region-noise'] !== undefined) randomLoad.regionNoise = numFlag(flags, 'region-noise', 0);
  if (flags.noise !== undefined) randomLoad.noise = numFlag(flags, 'noise', 0);
  const dispatch = choiceFlag(flags, 'dispatch', DISPATCH);
  // Unsaid: the AC first step above AC_STEP_BRANCHES branches, the DC estimate below.
  const estimate = choiceFlag(flags, 'estimate', ESTIMATES);
  const features: Partial<FeatureOptions> | undefined = estimate ? { estimate } : undefined;
  const store = openStore(flags.db as string, { requireWrite: true });
  const ac = new AbortController();
  const onSig = () => { err('gridrewire dataset: stopping after the scenarios in progress (Ctrl-C again to quit now)'); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  const bar = flags.quiet || flags.json ? null : progressBar('labelling scenarios');
  let r: DatasetOutcome;
  try {
    r = await buildDataset({
      store, caseText, fileName: basename(file), scenariosText, scenariosFile: flags.scenarios as string | undefined,
      hours: intFlag(flags, 'hours', 1), random: intFlag(flags, 'random', 0), randomLoad, dispatch, seed: intFlag(flags, 'seed', 0),
      ...(flags.outages !== undefined ? { outagesPerScenario: intFlag(flags, 'outages', 1) } : {}),
      ...(features ? { features } : {}), workers, cluster, name: flags.name as string | undefined, signal: ac.signal,
      onProgress: bar ? (p) => bar.update(p) : undefined,
    });
  } finally {
    bar?.end();
    process.off('SIGINT', onSig);
    store.close();
  }
  if (flags.json) {
    out(JSON.stringify(r));
    return r.cancelled ? 130 : 0;
  }
  if (r.cancelled) {
    err(`cancelled: dataset ${r.datasetId} is incomplete (${r.samples} samples stored) and cannot be trained on; build it again`);
    return 130;
  }
  const lines: string[] = [];
  if (r.loadRange) {
    const g = r.loadRange, lv = (x: number, bound: boolean) => `${x.toFixed(3)}${bound ? ' (the search bound)' : ''}`;
    lines.push(`load range: the base case converges from level ${lv(g.min, g.minIsBound)} to ${lv(g.max, g.maxIsBound)} of the case's load (${g.probes} power flows, ${g.dispatch} dispatch)`);
  }
  if (r.random) {
    const q = r.random;
    lines.push(`random scenarios: levels ${q.levelMin.toFixed(3)}-${q.levelMax.toFixed(3)} (${q.levels === 'range' ? `the case's load ±${DEFAULT_LEVEL_BAND * 100}% inside the range` : 'as given'}), region noise ${q.regionNoise}, bus noise ${q.noise}; ${q.produced} of ${q.count} converged in ${q.drawn} draws`);
  }
  for (const s of r.skipped) lines.push(`skipped scenario ${describe(s)}: ${s.reason}`);
  if (r.random && r.random.produced < r.random.count) lines.push(`only ${r.random.produced} of the ${r.random.count} random scenarios asked for converged in ${r.random.drawn} draws`);
  lines.push(`dataset ${r.datasetId}: ${r.scenarios} scenarios (${r.skipped.length} skipped), ${r.samples} branch outages labelled in ${r.seconds.toFixed(1)} s${cluster ? ' on the cluster' : r.workers ? ` on ${r.workers} threads` : ''}`);
  const mb = (b: number) => (b / 1e6).toFixed(1);
  if (r.samples > 0) lines.push(`  stored: ${mb(r.stored.features + r.stored.labels)} MB (per outage ${(r.stored.labels / r.samples).toFixed(0)} bytes of labels, ${((r.stored.features) / r.samples).toFixed(0)} of features)`);
  for (const [name, c] of Object.entries(r.splits)) {
    lines.push(`  ${name.padEnd(5)} ${String(c.scenarios).padStart(4)} scenarios  ${String(c.samples).padStart(6)} outages  ${String(c.islanded).padStart(5)} islanded  ${String(c.insecure).padStart(5)} of ${c.judged} insecure (${c.judged ? ((100 * c.insecure) / c.judged).toFixed(1) : '0.0'}%)`);
  }
  lines.push(`train it: gridrewire train --db ${flags.db} --dataset ${r.datasetId}`);
  err(lines.join('\n'));
  out(String(r.datasetId));
  return 0;
}

function describe(s: ScenarioInfo): string {
  return `${s.id} (${s.kind}${s.label !== undefined ? ` hour ${s.label}` : ''}${s.level !== undefined ? ` level ${s.level.toFixed(3)}` : ''}, ${s.totalLoadMW.toFixed(0)} MW)`;
}
