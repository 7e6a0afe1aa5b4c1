// gridrewire train --db <file> --dataset <id> [--method dense|static|set|rigl|adaptive]
//   [--regrow random|ch3l3|gradient] [--sparsity 0.9] [--epochs N] [--seed S] [--workers N]
//   [--backend cpu|tfjs|auto] [--pos-weight auto|W] [--resume <run>] [--json]

import { parseArgs, UsageError } from './args';
import { REGROW_RULES } from '../core/learn/rewire';
import { TOPOLOGY_METHODS } from '../core/learn/schedule';
import { MIN_RECALL, STRESSED_FRACTION, trainSurrogate, type MetricsBlock, type TrainOutcome, type TrainRequest } from '../services/train';
import { openStore } from '../store';
import { choiceFlag, intFlag, numFlag } from './learn-flags';
import { workersFlag } from './workers';
import { BACKEND_CHOICES } from '../services/backend';
import type { EpochRecord } from '../core/learn/trainer';

export const TRAIN_USAGE = 'usage: gridrewire train --db <file> --dataset <id> [--method dense|static|set|rigl|adaptive] [--regrow random|ch3l3|gradient] [--sparsity 0.9] [--epochs N] [--seed S] [--workers N] [--backend cpu|tfjs|auto] [--pos-weight auto|W] [--resume <run>] [--json]';

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) + '%' : '-');

/** Progress lines on stderr: a redrawn batch line on a terminal, one line per epoch always. */
export function trainProgress(err: (s: string) => void, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): Pick<TrainRequest, 'onBatch' | 'onEpoch' | 'onPilot'> {
  if (quiet) return {};
  let last = 0;
  return {
    onPilot: (p) => {
      if (p.trial) err(`  weight ${p.posWeight.toFixed(2)}: validation balanced accuracy ${p.trial.balancedAccuracy.toFixed(4)}, recall ${p.trial.recall.toFixed(4)} at threshold ${p.trial.threshold.toFixed(3)}`);
      else if (p.index === 0) err(`choosing the insecure class weight on validation: ${p.of} pilots of ${p.steps} steps each`);
    },
    onBatch: (p) => {
      const text = `epoch ${p.epoch} batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  ${p.samplesPerSecond.toFixed(0)} samples/s`;
      if (!stream.isTTY) {
        // Logs: a line at each quarter of an epoch.
        const q = Math.floor((4 * p.batch) / p.batches), prev = Math.floor((4 * (p.batch - 1)) / p.batches);
        if (q !== prev && q < 4) err(text);
        return;
      }
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      stream.write(`\r${text}\x1b[K`);
    },
    onEpoch: (r: EpochRecord) => {
      if (stream.isTTY) stream.write('\r\x1b[K');
      const v = r.val;
      err(`epoch ${String(r.epoch).padStart(3)}  train loss ${r.trainLoss.toFixed(4)}` +
        (v ? `  val loss ${v.loss.toFixed(4)}${v.cappedLoss !== undefined ? ` (capped ${v.cappedLoss.toFixed(4)})` : ''}  bal.acc ${v.balancedAccuracy.toFixed(4)}  recall ${v.recall.toFixed(3)}  loading MAE ${v.edgeMae.toFixed(4)}` : '') +
        `  ${r.improved ? '*' : ' '} zeta ${r.zeta.toFixed(3)}${r.rewiringFrozen ? ' (frozen)' : ''}  rewired ${r.regrown}  ${r.seconds.toFixed(1)} s`);
    },
  };
}

export function describeMethod(o: Pick<TrainOutcome, 'method' | 'regrow' | 'sparsity'>): string {
  if (o.method === 'dense') return 'dense';
  if (o.method === 'static') return `static sparse (never rewired) at ${pct(o.sparsity)} sparsity`;
  return `${o.method} + ${o.regrow} regrowth at ${pct(o.sparsity)} sparsity`;
}

/** --pos-weight: 'auto' (chosen on validation by pilots) or a weight from 0.001 to 10000. */
function posWeightFlag(v: string | undefined): number | 'auto' | undefined {
  if (v === undefined || v === 'auto') return v;
  const w = Number(v);
  if (v.trim() === '' || !Number.isFinite(w) || w < 1e-3 || w > 1e4) throw new UsageError(`--pos-weight must be 'auto' or a number from 0.001 to 10000, got '${v}'`);
  return w;
}

/** The insecure class's loss weight and how it was chosen. */
export function classWeightLine(cb: TrainOutcome['classBalance']): string {
  const head = `insecure outages weigh ${cb.posWeight.toFixed(2)} in the verdict loss (${cb.positives} insecure, ${cb.negatives} secure training samples)`;
  if (cb.chosenBy === 'validation' && cb.trials) {
    const tried = cb.trials.map((t) => `${t.posWeight.toFixed(2)}: ${t.balancedAccuracy.toFixed(4)}`).join(', ');
    return `${head}: chosen on validation by ${cb.trials.length} pilots of ${cb.pilotSteps} steps (validation balanced accuracy at ${(100 * MIN_RECALL).toFixed(1)}% recall: ${tried})`;
  }
  if (cb.chosenBy === 'given') return `${head}: given (--pos-weight)`;
  return `${head}: the class ratio`;
}

export function metricsLines(o: TrainOutcome): string[] {
  const L: string[] = [];
  const row = (name: string, m: MetricsBlock | null) => {
    if (!m) return;
    L.push(`  ${name.padEnd(15)} accuracy ${pct(m.accuracy)}  balanced ${pct(m.balancedAccuracy)}  insecure recall ${pct(m.recall)}  precision ${pct(m.precision)}  loading MAE ${m.loadingMae.toFixed(4)}  Vm MAE ${m.vmMae.toFixed(4)}  (${m.insecure} of ${m.samples} insecure)`);
  };
  row('validation', o.val);
  row('test', o.test);
  if (o.testStressed) row(`test, stressed`, o.testStressed);
  if (o.testStressed) L.push(`  (stressed: the ${o.testStressed.scenarios} test scenarios in which at least ${Math.round(STRESSED_FRACTION * 100)}% of the non-islanded outages are insecure)`);
  if (o.dc) {
    const d = o.dc.testStressed ?? o.dc.test;
    L.push(`  DC-LODF screen on the ${o.dc.testStressed ? 'stressed ' : ''}test samples: accuracy ${pct(d.accuracy)}  balanced ${pct(d.balancedAccuracy)}  insecure recall ${pct(d.recall)}  precision ${pct(d.precision)}`);
  }
  return L;
}

export async function trainCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    db: 'string', dataset: 'number', method: 'string', regrow: 'string', sparsity: 'number', epochs: 'number', seed: 'number',
    workers: 'number', resume: 'number', json: 'boolean', quiet: 'boolean', name: 'string', hidden: 'number', layers: 'number', lr: 'number',
    'batch-size': 'number', patience: 'number', backend: 'string', 'pos-weight': 'string',
  });
  if (positional.length !== 0 || !flags.db || (flags.dataset === undefined && flags.resume === undefined)) throw new UsageError(TRAIN_USAGE);
  const method = choiceFlag(flags, 'method', TOPOLOGY_METHODS);
  const regrow = choiceFlag(flags, 'regrow', REGROW_RULES);
  const backend = choiceFlag(flags, 'backend', BACKEND_CHOICES);
  if (flags.resume !== undefined && (method || regrow || flags.sparsity !== undefined || flags.epochs !== undefined || flags['pos-weight'] !== undefined)) {
    throw new UsageError('--resume continues a run with its own settings: drop --method, --regrow, --sparsity, --epochs and --pos-weight');
  }
  const posWeight = posWeightFlag(flags['pos-weight'] as string | undefined);
  const workers = workersFlag(flags, 'train', err);
  const store = openStore(flags.db as string, { requireWrite: true });
  const ac = new AbortController();
  const onSig = () => { err('\ngridrewire train: stopping; the checkpoint is kept (Ctrl-C again to quit now)'); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  let o: TrainOutcome;
  try {
    o = await trainSurrogate({
      store, datasetId: intFlag(flags, 'dataset', 1), resume: intFlag(flags, 'resume', 1), method, regrow,
      sparsity: flags.sparsity !== undefined ? numFlag(flags, 'sparsity', 0, 0.999) : undefined,
      epochs: intFlag(flags, 'epochs', 1), seed: intFlag(flags, 'seed', 0), workers, backend, posWeight,
      hidden: intFlag(flags, 'hidden', 1), layers: intFlag(flags, 'layers', 1), batchSize: intFlag(flags, 'batch-size', 1),
      patience: intFlag(flags, 'patience', 0), lr: flags.lr !== undefined ? numFlag(flags, 'lr', 1e-6, 1) : undefined,
      name: flags.name as string | undefined, signal: ac.signal, ...trainProgress(err, !!flags.quiet || !!flags.json),
    });
  } finally {
    process.off('SIGINT', onSig);
    store.close();
  }
  if (o.cancelled) {
    err(`cancelled after ${o.epochs} epochs: training run ${o.runId} keeps its checkpoint; continue with: gridrewire train --db ${flags.db} --resume ${o.runId}`);
    if (flags.json) out(JSON.stringify(o));
    return 130;
  }
  if (flags.json) {
    out(JSON.stringify(o));
    return 0;
  }
  const L = [
    `model ${o.modelId} (training run ${o.runId}): ${describeMethod(o)}, ${o.epochs} epochs (best ${o.bestEpoch}, ${o.stopped}), ${o.seconds.toFixed(1)} s on ${o.backend.name} (${o.backend.device})`,
    `  parameters kept ${o.params.kept} of ${o.params.dense} dense-equivalent (${pct(o.params.fraction)}); decision threshold ${o.threshold.toFixed(3)} (chosen on validation for recall)`,
    `  ${classWeightLine(o.classBalance)}`,
    ...metricsLines(o),
  ];
  out(L.join('\n'));
  return 0;
}
