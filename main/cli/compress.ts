// gridrewire compress --db <file> --model <id> [--prune layer:0.5,global:0.75,...] [--quantize int8,int8-affine,fp16|none]
//   [--finetune N] [--json]

import { parseArgs, UsageError } from './args';
import { intFlag } from './learn-flags';
import { progressBar } from './progress';
import { openStudyStore, withInterrupt } from './study-store';
import { QUANTIZATIONS, type PruneSpec, type Quantization } from '../core/learn/studies/compress';
import { compressionStudy, type CompressionStudy } from '../services/compress';

export const COMPRESS_USAGE = `usage: gridrewire compress --db <file> --model <id> [--prune [layer|global:]F,...] [--quantize ${QUANTIZATIONS.join(',')}|none] [--finetune N] [--json]`;

/** '0.5' (per layer), 'layer:0.5' or 'global:0.75', comma-separated. */
export function pruneList(v: string): PruneSpec[] {
  const items = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError('--prune needs at least one fraction, e.g. --prune layer:0.5,global:0.75');
  return items.map((item) => {
    const [a, b] = item.includes(':') ? item.split(':', 2) : ['layer', item];
    if (a !== 'layer' && a !== 'global') throw new UsageError(`--prune: '${item}': the scope is layer or global, got '${a}'`);
    const f = Number(b);
    if (b.trim() === '' || !(f > 0 && f < 1)) throw new UsageError(`--prune: '${item}': the fraction of connections removed must be a number between 0 and 1 (exclusive), got '${b}'`);
    return { scope: a, fraction: f };
  });
}

export function quantizeList(v: string): Quantization[] {
  if (v === 'none') return [];
  const items = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const q of items) if (!QUANTIZATIONS.includes(q as Quantization)) throw new UsageError(`--quantize: unknown quantization '${q}' (one of ${QUANTIZATIONS.join(', ')}, or none)`);
  if (items.length === 0) throw new UsageError(`--quantize needs one of ${QUANTIZATIONS.join(', ')}, or none`);
  return items as Quantization[];
}

export async function compressCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { db: 'string', model: 'number', prune: 'string', quantize: 'string', finetune: 'number', json: 'boolean', quiet: 'boolean' });
  if (positional.length !== 0 || !flags.db || flags.model === undefined) throw new UsageError(COMPRESS_USAGE);
  const req = {
    model: intFlag(flags, 'model', 1)!,
    prune: flags.prune === undefined ? undefined : pruneList(flags.prune as string),
    quantize: flags.quantize === undefined ? undefined : quantizeList(flags.quantize as string),
    finetune: intFlag(flags, 'finetune', 0),
  };
  const store = openStudyStore(flags.db as string);
  const bar = flags.quiet || flags.json ? null : progressBar('compressed models');
  let s: CompressionStudy;
  try {
    s = await withInterrupt('compress', err, (signal) => compressionStudy(store, req, { signal, onProgress: bar ? (p) => bar.update(p) : undefined }));
  } finally {
    bar?.end();
    store.close();
  }
  out(flags.json ? JSON.stringify(s) : compressText(s).join('\n'));
  return s.cancelled ? 130 : 0;
}

function compressText(s: CompressionStudy): string[] {
  const c = s.config, f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const L = [
    `compression of model ${s.modelId} (${s.modelName})${s.cancelled ? ' (CANCELLED: partial, not stored)' : ''}: ${c.testOutages} test outages (${c.insecure} insecure), threshold ${c.threshold.toFixed(3)}; latency over the ${c.outagesTimed} non-islanded branch outages of the case`,
    '',
    `  ${'name'.padEnd(32)}${'model'.padStart(6)}${'bytes'.padStart(8)}${'size'.padStart(7)}${'accuracy'.padStart(10)}${'bal.acc'.padStart(9)}${'recall'.padStart(8)}${'flips'.padStart(8)}${'load MAE'.padStart(10)}${'ms'.padStart(7)}  goal`,
  ];
  for (const r of s.rows) {
    L.push(`  ${r.name.padEnd(32)}${String(r.modelId ?? s.modelId).padStart(6)}${String(r.bytes).padStart(8)}${r.sizeRatio.toFixed(2).padStart(7)}${f3(r.accuracy).padStart(10)}${f3(r.balancedAccuracy).padStart(9)}${f3(r.recall).padStart(8)}${f3(r.flipRate).padStart(8)}${r.loadingMae.toFixed(4).padStart(10)}${r.latencyMs.toFixed(0).padStart(7)}  ${r.meetsGoal ? 'yes' : ''}`);
  }
  L.push('', s.goal.smallest
    ? `goal (<= ${Math.floor(s.goal.maxBytes)} bytes, balanced accuracy >= ${s.goal.minBalancedAccuracy.toFixed(4)}, recall >= ${s.goal.minRecall.toFixed(4)}): met by ${s.goal.met.join(', ')}; smallest: ${s.goal.smallest}`
    : `goal (<= ${Math.floor(s.goal.maxBytes)} bytes, balanced accuracy >= ${s.goal.minBalancedAccuracy.toFixed(4)}, recall >= ${s.goal.minRecall.toFixed(4)}): not met by any row`);
  L.push('each compressed row is a stored model (the model column): gridrewire predict / explain --model <id> read it like any other');
  return L;
}
