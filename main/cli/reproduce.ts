// gridrewire reproduce fashion-mnist|mnist|mutag|proteins [--methods a,b] [--epochs N] [--seeds N]
//   [--sparsity 0.99,...] [--limit N] [--seed S] [--db F] [--json] [--out F.md|F.json]
// Runs a paper's benchmark with our learning core, prints the table as it
// fills (a line per epoch, a row per finished method), stores every finished
// run and each run's latest epoch in SQLite (a second call resumes), and
// writes the table for the README on --out. Bad input exits 2 before
// anything is opened or stored.

import { UsageError, parseArgs } from './args';
import { claimOutputFile } from './output-file';
import { withInterrupt } from './study-store';
import { REPRODUCE_DATASETS, type ReproduceDataset, type ReproduceOptions, type ReproduceResult, type ReproduceRow, type ReproduceRunner } from '../core/learn/reproduce/types';
import { planImageStudy, runImagesStudy } from '../services/reproduce/images-study';
import { imageMaskStudies, type ImageMaskStudy } from '../services/reproduce/images-studies';
import { checkpointStoreOf, runStoreOf } from '../services/reproduce/reproduce-store';
import { checkOptions as planTuStudy, runTuStudy } from '../services/reproduce/tu-study';
import { defaultDbPath, openStore } from '../store';

export const REPRODUCE_USAGE = 'usage: gridrewire reproduce fashion-mnist|mnist|mutag|proteins [--methods a,b] [--epochs N] [--seeds N] [--sparsity 0.99,...] [--limit N] [--folds N (graphs)] [--seed S] [--db <file>] [--json] [--out <file.md|file.json>] [--studies]';

/** The runner of each dataset, with the check of its options (run before anything is stored). */
interface MaskStudies { studies: ImageMaskStudy[]; missing: string[] }
const RUNNERS: Partial<Record<ReproduceDataset, { run: ReproduceRunner; check: (d: ReproduceDataset, o: ReproduceOptions) => unknown; studies?: typeof imageMaskStudies }>> = {
  'fashion-mnist': { run: runImagesStudy, check: planImageStudy, studies: imageMaskStudies },
  mnist: { run: runImagesStudy, check: planImageStudy, studies: imageMaskStudies },
  mutag: { run: runTuStudy, check: planTuStudy },
  proteins: { run: runTuStudy, check: planTuStudy },
};

/** Published figures beside ours (test accuracy). */
export const ANCHORS: Partial<Record<ReproduceDataset, { source: string; rows: Record<string, number> }>> = {
  'fashion-mnist': {
    source: 'Cannistraci-Hebb soft rule (NeurIPS 2025), MLP 3x1568 hidden, 99% sparsity, 100 epochs; CHT for ch3l3 (CHTs 0.9093)',
    rows: { dense: 0.9088, set: 0.89, rigl: 0.8991, ch3l3: 0.887 },
  },
  mutag: { source: 'GIN (Xu et al., ICLR 2019) 0.894 for dense; the adaptive-rewiring review 0.87 with about 30% fewer parameters', rows: { dense: 0.894, adaptive: 0.87 } },
  proteins: { source: 'GIN (Xu et al., ICLR 2019) 0.762 for dense; the adaptive-rewiring review 0.90 with about 30% fewer parameters', rows: { dense: 0.762, adaptive: 0.9 } },
};

const list = (v: unknown) => String(v).split(',').map((s) => s.trim()).filter((s) => s.length > 0);

function wholeFlag(flags: Record<string, unknown>, name: string, min: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new UsageError(`--${name} must be a whole number of at least ${min}, got ${String(v)}`);
  return v;
}

export async function reproduceCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { methods: 'string', epochs: 'number', seeds: 'number', sparsity: 'string', limit: 'number', folds: 'number', seed: 'number', db: 'string', json: 'boolean', out: 'string', studies: 'boolean' });
  if (positional.length !== 1) throw new UsageError(REPRODUCE_USAGE);
  const dataset = positional[0] as ReproduceDataset;
  if (!REPRODUCE_DATASETS.includes(dataset)) throw new UsageError(`unknown dataset '${positional[0]}': choose from ${REPRODUCE_DATASETS.join(', ')}`);
  const runner = RUNNERS[dataset];
  if (!runner) throw new UsageError(`${dataset} is not available in this build`);
  const sparsities = flags.sparsity === undefined ? undefined : list(flags.sparsity).map((s) => {
    const n = Number(s);
    if (!(Number.isFinite(n) && n > 0 && n < 1)) throw new UsageError(`--sparsity takes fractions in (0, 1), got '${s}'`);
    return n;
  });
  const opts: ReproduceOptions = {
    methods: flags.methods === undefined ? undefined : list(flags.methods),
    epochs: wholeFlag(flags, 'epochs', 1),
    seeds: wholeFlag(flags, 'seeds', 1),
    limit: wholeFlag(flags, 'limit', 1),
    folds: wholeFlag(flags, 'folds', 1),
    seed: wholeFlag(flags, 'seed', 0),
    sparsities,
  };
  if (flags.studies && !runner.studies) throw new UsageError(`--studies (robustness and graphon of the trained masks) is for the image datasets, not ${dataset}`);
  try {
    runner.check(dataset, opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const outFile = flags.out === undefined ? null : claimOutputFile(flags.out as string, '--out');
  const store = openStore((flags.db as string | undefined) ?? defaultDbPath(), { requireWrite: true });
  const json = flags.json === true;
  const say = json ? err : out;
  const anchors = ANCHORS[dataset];
  let id = 0;
  try {
    id = store.reproductions.start(dataset, { ...opts });
    say(`reproduce ${dataset} (study ${id} in ${store.path}): test accuracy per epoch; finished runs are kept, a second call resumes`);
    const result: ReproduceResult = await withInterrupt('reproduce', err, (signal) =>
      runner.run(dataset, { ...opts, signal }, {
        runStore: runStoreOf(store, dataset),
        checkpoints: checkpointStoreOf(store),
        onProgress: (p) => say(`  ${p.method.padEnd(6)} sparsity ${p.sparsity.toFixed(2)}  run ${p.run}/${p.runs}  epoch ${String(p.epoch).padStart(3)}/${p.epochs}  loss ${p.trainLoss.toFixed(4)}  test ${(100 * p.accuracy).toFixed(2)}%`),
        onRow: (r) => say(`${HEADER}\n${rowLine(r, anchors?.rows[r.method])}`),
      }),
    );
    const expected = result.rows.length;
    const stopped = signalStopped(result, opts);
    let masks: MaskStudies | null = null;
    if (flags.studies && !stopped) {
      say('studies on the trained masks: five perturbations of the hidden layers, graphon of trained and initial masks ...');
      masks = runner.studies!(dataset, opts, checkpointStoreOf(store));
    }
    const doc = { ...result, anchors: anchors ?? null, ...(masks ? { studies: masks.studies, studiesMissing: masks.missing } : {}) };
    store.reproductions.finish(id, stopped ? 'stopped' : 'done', doc);
    const table = [...tableLines(result, anchors), ...(masks ? studyLines(masks) : [])];
    if (json) out(JSON.stringify({ ...doc, study: id }));
    else out(table.join('\n'));
    outFile?.write(flags.out && String(flags.out).endsWith('.json') ? JSON.stringify(doc, null, 1) + '\n' : [...markdown(result, anchors), ...(masks ? ['', '```', ...studyLines(masks), '```'] : [])].join('\n') + '\n');
    if (stopped) { err(`gridrewire reproduce: stopped after ${expected} complete rows; run it again to resume`); return 130; }
    return 0;
  } catch (e) {
    if (id) store.reproductions.finish(id, 'failed', null);
    outFile?.discard();
    throw e;
  } finally {
    store.close();
  }
}

function signalStopped(r: ReproduceResult, o: ReproduceOptions): boolean {
  const methods = o.methods ?? (r.config.methods as string[] | undefined) ?? [];
  const sp = (r.config.sparsities as number[] | undefined)?.length ?? 1;
  const want = methods.reduce((a, m) => a + (m === 'dense' ? 1 : sp), 0);
  return r.rows.length < want;
}

const HEADER = `  ${'method'.padEnd(8)}${'sparsity'.padStart(9)}${'accuracy'.padStart(10)}${'std'.padStart(7)}${'params'.padStart(9)}${'epochs'.padStart(8)}${'to mark'.padStart(8)}${'seconds'.padStart(9)}${'runs'.padStart(6)}${'paper'.padStart(8)}`;

function rowLine(r: ReproduceRow, anchor?: number): string {
  const pct = (v: number) => (100 * v).toFixed(2);
  return `  ${r.method.padEnd(8)}${r.sparsity.toFixed(2).padStart(9)}${pct(r.accuracy).padStart(10)}${pct(r.std).padStart(7)}${String(r.params).padStart(9)}${r.epochs.toFixed(0).padStart(8)}${(r.epochsToMark == null ? '-' : r.epochsToMark.toFixed(1)).padStart(8)}${r.seconds.toFixed(0).padStart(9)}${String(r.runs).padStart(6)}${(anchor === undefined ? '' : pct(anchor)).padStart(8)}`;
}

function tableLines(r: ReproduceResult, anchors?: { source: string; rows: Record<string, number> }): string[] {
  return [
    `${r.dataset}: ${r.split}; ${String(r.config.architecture ?? '')}`,
    HEADER,
    ...r.rows.map((row) => rowLine(row, anchors?.rows[row.method])),
    `  (accuracy and std in % of the test set over the runs; to mark: mean epochs to ${typeof r.config.mark === 'number' ? (100 * r.config.mark).toFixed(0) + '%' : 'the mark'} test accuracy, - if a run never reached it${anchors ? `; paper: ${anchors.source}` : ''}; ${r.seconds.toFixed(0)} s)`,
  ];
}

function markdown(r: ReproduceResult, anchors?: { source: string; rows: Record<string, number> }): string[] {
  const pct = (v: number) => (100 * v).toFixed(2);
  return [
    `${r.dataset}: ${r.split}. ${String(r.config.architecture ?? '')}; ${String(r.config.optimizer ?? '')}; ${String(r.config.rewiring ?? '')}.`,
    '',
    '| method | sparsity | accuracy % | std | params | epochs | epochs to mark | s / run | runs | paper % |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((row) => `| ${row.method} | ${row.sparsity} | ${pct(row.accuracy)} | ${pct(row.std)} | ${row.params} | ${row.epochs} | ${row.epochsToMark == null ? '-' : row.epochsToMark.toFixed(1)} | ${row.seconds.toFixed(0)} | ${row.runs} | ${anchors?.rows[row.method] === undefined ? '' : pct(anchors.rows[row.method])} |`),
    ...(anchors ? ['', `Paper: ${anchors.source}.`] : []),
  ];
}

/** The robustness curves (test accuracy % per fraction) and the graphon figures of each trained mask, as text. */
function studyLines(m: MaskStudies): string[] {
  const L: string[] = [];
  if (m.missing.length) L.push(`  no trained network for ${m.missing.join(', ')}: not studied`);
  for (const s of m.studies) {
    const fr = s.robustness[0]?.points.map((p) => p.fraction) ?? [];
    L.push(`robustness of ${s.method} (sparsity ${s.sparsity}, seed ${s.seed}): test accuracy % on ${s.images} test images, hidden layers perturbed by the fraction`);
    L.push(`  ${'fraction'.padEnd(9)}${fr.map((f) => f.toFixed(2).padStart(7)).join('')}`);
    for (const c of s.robustness) L.push(`  ${c.perturbation.padEnd(9)}${c.points.map((p) => (100 * p.accuracy).toFixed(1).padStart(7)).join('')}`);
    L.push(`graphon of ${s.method}: ${s.graphon.trained[0]?.blocks ?? 0} x ${s.graphon.trained[0]?.blocks ?? 0} degree-sorted blocks; dist from constant (null: random masks), degree cv in / out; trained | initial`);
    s.graphon.trained.forEach((g, i) => {
      const f = s.graphon.initial[i];
      L.push(`  ${g.layer.padEnd(9)} p ${g.p.toFixed(4)}  dist ${g.distanceFromConstant.toFixed(4)} (null ${g.nullDistance.toFixed(4)})  cv ${g.inDegree.cv.toFixed(2)} / ${g.outDegree.cv.toFixed(2)}  |  dist ${f.distanceFromConstant.toFixed(4)}  cv ${f.inDegree.cv.toFixed(2)} / ${f.outDegree.cv.toFixed(2)}`);
    });
  }
  return L;
}
