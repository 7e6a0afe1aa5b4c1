// gridrewire graphon --db <file> --model <id> [--blocks K] [--json]

import { parseArgs, UsageError } from './args';
import { intFlag } from './learn-flags';
import { openStudyStore } from './study-store';
import { Studies, type GraphonStudy } from '../services/studies';

export const GRAPHON_USAGE = 'usage: gridrewire graphon --db <file> --model <id> [--blocks K] [--json]';

export function graphonCommand(argv: string[], out: (s: string) => void): number {
  const { positional, flags } = parseArgs(argv, { db: 'string', model: 'number', blocks: 'number', json: 'boolean' });
  if (positional.length !== 0 || !flags.db || flags.model === undefined) throw new UsageError(GRAPHON_USAGE);
  const req = { model: intFlag(flags, 'model', 1)!, blocks: intFlag(flags, 'blocks', 1) };
  const store = openStudyStore(flags.db as string);
  let s: GraphonStudy;
  try {
    s = new Studies(store).graphon(req);
  } finally {
    store.close();
  }
  out(flags.json ? JSON.stringify(s) : graphonText(s).join('\n'));
  return 0;
}

function graphonText(s: GraphonStudy): string[] {
  const L = [`graphon of model ${s.modelId} (${s.modelName}; ${s.method}${s.method === 'dense' ? '' : `+${s.regrow}`}): degree-sorted ${s.blocks} x ${s.blocks} block densities per sparse layer`];
  if (s.layers.length === 0) return [...L, '  no sparse layer (a dense model): nothing to estimate'];
  const init = new Map((s.initial?.layers ?? []).map((l) => [l.layer, l]));
  L.push(`  ${'layer'.padEnd(18)}${'in x out'.padStart(10)}${'density'.padStart(9)}${'dist'.padStart(8)}${'null'.padStart(8)}${'rel'.padStart(7)}${'in cv'.padStart(7)}${'out cv'.padStart(7)}   ${s.initial ? `at start (run ${s.initial.trainingRunId}): dist  rel  in cv  out cv` : 'no training run: no start'}`);
  for (const l of s.layers) {
    const i = init.get(l.layer);
    L.push(`  ${l.layer.padEnd(18)}${`${sum(l.inDegree.counts)}x${sum(l.outDegree.counts)}`.padStart(10)}${l.p.toFixed(3).padStart(9)}${l.distanceFromConstant.toFixed(4).padStart(8)}${l.nullDistance.toFixed(4).padStart(8)}${l.relativeDistance.toFixed(2).padStart(7)}${l.inDegree.cv.toFixed(2).padStart(7)}${l.outDegree.cv.toFixed(2).padStart(7)}   ${i ? `${i.distanceFromConstant.toFixed(4)} ${i.relativeDistance.toFixed(2)} ${i.inDegree.cv.toFixed(2)} ${i.outDegree.cv.toFixed(2)}` : ''}`);
  }
  if (s.epochs.length > 0) {
    L.push('', `  over the stored epochs (the start, then each epoch whose rewiring changed the masks), mean over the ${s.layers.length} layers:`);
    L.push(`  ${'epoch'.padStart(9)}${'dist-null'.padStart(11)}${'in cv'.padStart(7)}${'out cv'.padStart(8)}`);
    const row = (name: string, ls: GraphonStudy['layers']) =>
      L.push(`  ${name.padStart(9)}${mean(ls.map((l) => l.distanceFromConstant - l.nullDistance)).toFixed(4).padStart(11)}${mean(ls.map((l) => l.inDegree.cv)).toFixed(2).padStart(7)}${mean(ls.map((l) => l.outDegree.cv)).toFixed(2).padStart(8)}`);
    for (const e of s.epochs) row(`epoch ${e.epoch}`, e.layers);
    row('model', s.layers);
  } else {
    L.push('', '  no masks kept per epoch (a run trained before they were kept)');
  }
  L.push(`  (dist: L2 distance of the block estimate from the constant graphon of the same density; null: the same for random masks of the layer's size and density, the estimator's noise floor; rel: dist / density; cv: std / mean of the degrees; the model keeps the masks of its best epoch)`);
  return L;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const mean = (a: number[]) => (a.length ? sum(a) / a.length : NaN);
