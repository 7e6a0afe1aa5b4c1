// The image benchmarks from their npm packages (devDependencies, not shipped):
//   fashion-mnist 1.1.0: src/clothes/<class>.json = {"data": [[784 grey levels 0..255], ...]},
//     7,000 images per class; class 0's file also holds two empty arrays
//     (entries 1000 and 7001), which are skipped: 70,000 images.
//   mnist 1.1.0: src/digits/<d>.json = {"data": [784 x count values in 0..1, flat]}, 10,000 digits
//     (863 to 1,127 per digit).
// Pixels are scaled to [0, 1] (grey / 255 for Fashion-MNIST; MNIST's are
// already), nothing else (no mean/std normalisation). The packages do not
// mark the original train/test split, so the split is ours: seeded and
// stratified (each class shuffled by the seed, its first share to test).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageSet } from '../../core/learn/mlp/train';
import { Rng } from '../../core/learn/rng';

export const IMAGE_DIM = 784;
export const IMAGE_CLASSES = 10;

export type ImageDataset = 'fashion-mnist' | 'mnist';

export class ImageDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDataError';
  }
}

/** Test images per class of the split: Fashion-MNIST 1,000 of 7,000 (60,000 / 10,000 as the original); MNIST 20% of each digit (8,000 / 2,000). */
export function testShare(dataset: ImageDataset, classCount: number): number {
  return dataset === 'fashion-mnist' ? Math.round(classCount / 7) : Math.round(classCount * 0.2);
}

export const SPLIT_WORDS: Record<ImageDataset, string> = {
  'fashion-mnist': 'seeded stratified 60000/10000 (1000 test images per class)',
  mnist: 'seeded stratified 8000/2000 (20% of each digit to test)',
};

/** Where the package's class files are (node_modules/<pkg>/src/<folder>), or dataDir when given. */
export function imageFolder(dataset: ImageDataset, dataDir?: string): string {
  if (dataDir) return dataDir;
  const pkg = dataset === 'fashion-mnist' ? 'fashion-mnist' : 'mnist';
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new ImageDataError(`the npm package '${pkg}' is not installed (a devDependency: npm install in a checkout)`);
  }
  return join(root, 'src', dataset === 'fashion-mnist' ? 'clothes' : 'digits');
}

/** One class file's images as [count x 784] in [0, 1]. */
export function readClass(dataset: ImageDataset, folder: string, cls: number): Float32Array {
  const file = join(folder, `${cls}.json`);
  let doc: { data?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
  } catch (e) {
    throw new ImageDataError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const data = doc.data;
  if (!Array.isArray(data)) throw new ImageDataError(`${file}: no "data" array`);
  if (dataset === 'mnist') {
    if (data.length % IMAGE_DIM !== 0) throw new ImageDataError(`${file}: ${data.length} values is not a whole number of 784-pixel images`);
    return Float32Array.from(data as number[]);
  }
  const rows = (data as unknown[][]).filter((r) => Array.isArray(r) && r.length > 0);
  const x = new Float32Array(rows.length * IMAGE_DIM);
  rows.forEach((r, i) => {
    if (r.length !== IMAGE_DIM) throw new ImageDataError(`${file}: image ${i} has ${r.length} pixels, expected 784`);
    for (let p = 0; p < IMAGE_DIM; p++) x[i * IMAGE_DIM + p] = (r[p] as number) / 255;
  });
  return x;
}

export interface ImageSplit {
  train: ImageSet;
  test: ImageSet;
  /** Images per class in the files. */
  perClass: number[];
  split: string;
}

/**
 * Reads every class and splits it: each class's images shuffled by `seed`,
 * the first testShare to test, the rest to train; then both sets shuffled
 * (so a `limit` takes a mix of classes). `limit` keeps the first N images of
 * each set (tests, smoke runs).
 */
export function loadImages(dataset: ImageDataset, opts: { seed?: number; limit?: number; dataDir?: string } = {}): ImageSplit {
  const folder = imageFolder(dataset, opts.dataDir);
  const rng = new Rng(opts.seed ?? 1);
  const classes = Array.from({ length: IMAGE_CLASSES }, (_, c) => readClass(dataset, folder, c));
  const perClass = classes.map((x) => x.length / IMAGE_DIM);
  const trainIdx: [number, number][] = [], testIdx: [number, number][] = [];
  classes.forEach((_, c) => {
    const order = rng.shuffle(Int32Array.from({ length: perClass[c] }, (_, i) => i));
    const k = testShare(dataset, perClass[c]);
    order.forEach((i, j) => (j < k ? testIdx : trainIdx).push([c, i]));
  });
  const build = (idx: [number, number][]): ImageSet => {
    const order = rng.shuffle(Int32Array.from(idx.keys()));
    const n = opts.limit !== undefined ? Math.min(opts.limit, idx.length) : idx.length;
    const x = new Float32Array(n * IMAGE_DIM), y = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      const [c, i] = idx[order[j]];
      x.set(classes[c].subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM), j * IMAGE_DIM);
      y[j] = c;
    }
    return { x, y, n, dim: IMAGE_DIM, classes: IMAGE_CLASSES };
  };
  return { train: build(trainIdx), test: build(testIdx), perClass, split: SPLIT_WORDS[dataset] };
}
