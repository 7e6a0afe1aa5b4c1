// The studies on the trained masks of an image reproduction (issue 16): the
// robustness study's five perturbations and the graphon estimate, on the
// networks a reproduction left in its checkpoints (the last epoch's state of
// each sparse method's first seed), beside the graphon of the masks the same
// run started from.

import { mlpRobustness, type MlpRobustnessCurve } from '../../core/learn/mlp/robustness';
import { decodeCheckpoint } from '../../core/learn/mlp/checkpoint-codec';
import { initialMlp, mlpFromCheckpoint } from '../../core/learn/mlp/train';
import type { CheckpointStore, ReproduceDataset, ReproduceOptions } from '../../core/learn/reproduce/types';
import { Rng } from '../../core/learn/rng';
import { layerGraphon, type LayerGraphon } from '../../core/learn/studies/graphon';
import { PERTURBATIONS } from '../../core/learn/studies/perturb';
import type { SparseLayer } from '../../core/learn/sparse';
import { IMAGE_DIM, IMAGE_CLASSES, loadImages } from './images';
import { imageRunKey, planImageStudy, planRows, runConfig } from './images-study';

export interface ImageMaskStudy {
  method: string;
  sparsity: number;
  seed: number;
  /** Test images the perturbed networks were evaluated on. */
  images: number;
  robustness: MlpRobustnessCurve[];
  graphon: { trained: LayerGraphon[]; initial: LayerGraphon[] };
}

export interface MaskStudyOptions {
  /** Test images to evaluate each perturbation on (the first N of the test set). */
  images: number;
  draws: number;
  fractions: number[];
  blocks: number;
}

export const MASK_STUDY_DEFAULTS: MaskStudyOptions = { images: 2000, draws: 2, fractions: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], blocks: 32 };

const graphonOf = (layers: SparseLayer[], blocks: number, seed: number) =>
  layers.map((l) => layerGraphon(l.name, { nIn: l.nIn, nOut: l.nOut, rowPtr: l.rowPtr, col: l.col }, blocks, { rng: new Rng(seed), draws: 5 }));

/** Runs both studies on every sparse method of the plan whose first seed finished; methods without a trained network are skipped (named in `missing`). */
export function imageMaskStudies(dataset: ReproduceDataset, opts: ReproduceOptions, checkpoints: CheckpointStore, s: MaskStudyOptions = MASK_STUDY_DEFAULTS): { studies: ImageMaskStudy[]; missing: string[] } {
  const plan = planImageStudy(dataset, opts);
  const rows = planRows(plan).filter((r) => r.method !== 'dense');
  const studies: ImageMaskStudy[] = [], missing: string[] = [];
  let test: ReturnType<typeof loadImages>['test'] | null = null;
  for (const { method, sparsity } of rows) {
    const cfg = runConfig(plan, method, sparsity, 1);
    const saved = checkpoints.load(imageRunKey(plan, method, sparsity, 1));
    const ck = saved && decodeCheckpoint(saved);
    if (!ck || ck.epoch < cfg.epochs) { missing.push(`${method} at sparsity ${sparsity}`); continue; }
    test ??= loadImages(plan.dataset, { seed: plan.splitSeed, limit: plan.limit ?? undefined, dataDir: opts.dataDir }).test;
    const shape = { dim: IMAGE_DIM, classes: IMAGE_CLASSES };
    const model = mlpFromCheckpoint(cfg, shape, ck);
    const n = Math.min(s.images, test.n);
    studies.push({
      method, sparsity, seed: 1, images: n,
      robustness: mlpRobustness(model, test.x, test.y, n, { perturbations: PERTURBATIONS, draws: s.draws, seed: 1, fractions: s.fractions }),
      graphon: { trained: graphonOf(model.sparseLayers, s.blocks, 7), initial: graphonOf(initialMlp(cfg, shape).sparseLayers, s.blocks, 7) },
    });
  }
  return { studies, missing };
}
