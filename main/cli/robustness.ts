// gridrewire robustness --db <file> --model <id> [--perturbations random,weight,reverse,shuffle,noise]
//   [--draws N] [--seed S] [--outages N] [--workers N] [--json]

import { parseArgs, UsageError } from './args';
import { intFlag } from './learn-flags';
import { workersFlag } from './workers';
import { progressBar } from './progress';
import { openStudyStore, withInterrupt } from './study-store';
import { PERTURBATIONS, type Perturbation } from '../core/learn/studies/perturb';
import { Studies, type RobustnessStudy } from '../services/studies';

export const ROBUSTNESS_USAGE = `usage: gridrewire robustness --db <file> --model <id> [--perturbations ${PERTURBATIONS.join(',')}] [--draws N] [--seed S] [--outages N] [--workers N] [--json]`;

export function perturbationList(v: string): Perturbation[] {
  const list = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new UsageError(`--perturbations needs at least one of ${PERTURBATIONS.join(', ')}`);
  for (const p of list) if (!PERTURBATIONS.includes(p as Perturbation)) throw new UsageError(`--perturbations: unknown perturbation '${p}' (one of ${PERTURBATIONS.join(', ')})`);
  if (new Set(list).size !== list.length) throw new UsageError('--perturbations names a perturbation twice');
  return list as Perturbation[];
}

export async function robustnessCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { db: 'string', model: 'number', perturbations: 'string', draws: 'number', seed: 'number', outages: 'number', workers: 'number', json: 'boolean', quiet: 'boolean' });
  if (positional.length !== 0 || !flags.db || flags.model === undefined) throw new UsageError(ROBUSTNESS_USAGE);
  const req = {
    model: intFlag(flags, 'model', 1)!,
    perturbations: flags.perturbations === undefined ? undefined : perturbationList(flags.perturbations as string),
    draws: intFlag(flags, 'draws', 1), seed: intFlag(flags, 'seed', 0), outages: intFlag(flags, 'outages', 0),
    workers: workersFlag(flags, 'robustness', err),
  };
  const store = openStudyStore(flags.db as string);
  const bar = flags.quiet || flags.json ? null : progressBar('perturbed evaluations');
  let s: RobustnessStudy;
  try {
    s = await withInterrupt('robustness', err, (signal) => new Studies(store).robustness(req, { signal, onProgress: bar ? (p) => bar.update(p) : undefined }));
  } finally {
    bar?.end();
    store.close();
  }
  out(flags.json ? JSON.stringify(s) : robustnessText(s).join('\n'));
  return s.cancelled ? 130 : 0;
}

function robustnessText(s: RobustnessStudy): string[] {
  const c = s.config, f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const L = [
    `robustness of model ${s.modelId} (${s.modelName}; ${s.method}${s.method === 'dense' ? '' : `+${s.regrow}`})${s.cancelled ? ' (CANCELLED: partial, not stored)' : ''}`,
    `  ${s.connections} hidden connections perturbed per layer; ${c.evaluated} of ${c.testOutages} test outages evaluated (all ${c.insecure} insecure${c.outages > 0 && c.evaluated < c.testOutages ? `, secure ones drawn and weighted, --outages ${c.outages}` : ''}), threshold ${c.threshold.toFixed(3)}; ${c.draws} draws per random point; ${s.evaluations} evaluations in ${s.seconds.toFixed(0)} s${c.workers ? ` on ${c.workers} thread${c.workers === 1 ? '' : 's'}` : ''}`,
  ];
  for (const curve of s.curves) {
    L.push('', `  ${curve.perturbation}${curve.perturbation === 'noise' ? ' (x: noise scale in layer std)' : ' (x: fraction of connections)'}`);
    L.push(`    ${'x'.padStart(5)}${'accuracy'.padStart(10)}${'bal.acc'.padStart(9)}${'spread'.padStart(8)}${'recall'.padStart(8)}${'load MAE'.padStart(10)}`);
    for (const p of curve.points) {
      const x = p.scale ?? p.fraction;
      L.push(`    ${x.toFixed(2).padStart(5)}${f3(p.accuracy).padStart(10)}${f3(p.balancedAccuracy).padStart(9)}${f3(p.spread).padStart(8)}${f3(p.recall).padStart(8)}${p.loadingMae.toFixed(4).padStart(10)}`);
    }
  }
  if (!s.cancelled) L.push('', `kept with model ${s.modelId} (gridrewire robustness again with the same options reads the same study; the app's Studies tab shows it)`);
  return L;
}
