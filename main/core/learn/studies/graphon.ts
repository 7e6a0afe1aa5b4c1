// The shape of a sparse layer's connectivity as a graphon estimate (Pham et
// al. 2025, after the sorting-and-smoothing estimator of Chan and Airoldi):
// sort the output and input units by degree, cut each axis into K blocks and
// take the mean density of each block. An Erdos-Renyi mask (what ERK draws)
// gives a flat estimate near its density p; structure that rewiring learns
// (hubs, a few inputs most outputs read) shows as a gradient from the
// high-degree corner. The distance from constant is the L2 distance of the
// estimate from the flat graphon of the same density. On layers as narrow as
// this surrogate's (48 units, 32 blocks: one or two units a block) the
// estimate of even an Erdos-Renyi mask is far from flat by sampling noise
// alone, so the same distance is also taken for random masks of the layer's
// size and density (the null): what a method adds is the distance above it.

export interface MaskShape {
  nIn: number;
  nOut: number;
  /** CSR over outputs: output o reads col[rowPtr[o] .. rowPtr[o+1]). */
  rowPtr: Int32Array;
  col: Int32Array;
}

export interface LayerGraphon {
  layer: string;
  /** Blocks asked for per axis (K); an axis shorter than K gets one block per unit. */
  blocks: number;
  /** [rows][cols]: rows are output blocks (highest out-degree first), cols input blocks (highest in-degree first). */
  density: number[][];
  /** Overall density of the mask (the constant graphon it is compared with). */
  p: number;
  /** L2 distance of the block estimate from the constant p, each block weighted by its area. */
  distanceFromConstant: number;
  /** The same divided by p (comparable across layers of different density). */
  relativeDistance: number;
  /** Mean distanceFromConstant of random (Erdos-Renyi) masks of the same size and connection count, and its standard deviation. */
  nullDistance: number;
  nullSpread: number;
  /** Degree of each input unit (how many outputs read it) and of each output unit (how many inputs it reads), as histograms. */
  inDegree: DegreeHistogram;
  outDegree: DegreeHistogram;
}

export interface NullOptions {
  rng: Rng;
  /** Random masks drawn for the null (0: none, nullDistance NaN). */
  draws: number;
}

export interface DegreeHistogram {
  /** Number of units with degree d, for d = 0 .. max. */
  counts: number[];
  mean: number;
  max: number;
  /** Coefficient of variation (std / mean): 0 for a regular mask, about sqrt((1-p)/(np)) for Erdos-Renyi. */
  cv: number;
}

import type { Rng } from '../rng';
import { sampleDistinct } from '../select';
import { csrFromPositions } from '../sparse';

/** Units sorted by degree, highest first (ties by index, so the estimate is reproducible). */
function byDegree(deg: Int32Array): Int32Array {
  return Int32Array.from(deg.keys()).sort((a, b) => deg[b] - deg[a] || a - b);
}

function histogram(deg: Int32Array): DegreeHistogram {
  let max = 0, sum = 0, sq = 0;
  for (const d of deg) { if (d > max) max = d; sum += d; sq += d * d; }
  const counts = new Array<number>(max + 1).fill(0);
  for (const d of deg) counts[d]++;
  const n = deg.length, mean = n ? sum / n : 0;
  const sd = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
  return { counts, mean, max, cv: mean > 0 ? sd / mean : 0 };
}

/** Block b of an axis of n units cut into k blocks: units [floor(b n / k), floor((b+1) n / k)). */
function blockOf(n: number, k: number): Int32Array {
  const of = new Int32Array(n);
  for (let b = 0; b < k; b++) for (let i = Math.floor((b * n) / k); i < Math.floor(((b + 1) * n) / k); i++) of[i] = b;
  return of;
}

/** The degree-sorted K x K block density estimate of one layer's mask, its degrees and its distance from constant. */
export function layerGraphon(name: string, m: MaskShape, K = 32, nul?: NullOptions): LayerGraphon {
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`blocks must be a whole number of at least 1, got ${K}`);
  const est = blockEstimate(m, K);
  const ds: number[] = [];
  for (let d = 0; d < (nul?.draws ?? 0); d++) {
    const { rowPtr, col } = csrFromPositions(m.nIn, m.nOut, sampleDistinct(m.nIn * m.nOut, m.col.length, nul!.rng));
    ds.push(blockEstimate({ nIn: m.nIn, nOut: m.nOut, rowPtr, col }, K).distanceFromConstant);
  }
  const mu = ds.length ? ds.reduce((a, b) => a + b, 0) / ds.length : NaN;
  const sd = ds.length > 1 ? Math.sqrt(ds.reduce((a, b) => a + (b - mu) ** 2, 0) / (ds.length - 1)) : ds.length ? 0 : NaN;
  return { layer: name, blocks: K, ...est, nullDistance: mu, nullSpread: sd };
}

type Estimate = Omit<LayerGraphon, 'layer' | 'blocks' | 'nullDistance' | 'nullSpread'>;

function blockEstimate(m: MaskShape, K: number): Estimate {
  const { nIn, nOut, rowPtr, col } = m;
  const outDeg = new Int32Array(nOut), inDeg = new Int32Array(nIn);
  for (let o = 0; o < nOut; o++) {
    outDeg[o] = rowPtr[o + 1] - rowPtr[o];
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) inDeg[col[k]]++;
  }
  const kr = Math.min(K, nOut), kc = Math.min(K, nIn);
  // Rank of each unit in degree order, then its block.
  const rowRank = new Int32Array(nOut), colRank = new Int32Array(nIn);
  byDegree(outDeg).forEach((u, r) => (rowRank[u] = r));
  byDegree(inDeg).forEach((u, r) => (colRank[u] = r));
  const rowBlock = blockOf(nOut, kr), colBlock = blockOf(nIn, kc);
  const rowSize = new Int32Array(kr), colSize = new Int32Array(kc);
  for (let r = 0; r < nOut; r++) rowSize[rowBlock[r]]++;
  for (let c = 0; c < nIn; c++) colSize[colBlock[c]]++;
  const count = new Float64Array(kr * kc);
  for (let o = 0; o < nOut; o++) {
    const br = rowBlock[rowRank[o]] * kc;
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) count[br + colBlock[colRank[col[k]]]]++;
  }
  const p = col.length / (nIn * nOut);
  const density: number[][] = [];
  let d2 = 0;
  for (let a = 0; a < kr; a++) {
    const row: number[] = [];
    for (let b = 0; b < kc; b++) {
      const cells = rowSize[a] * colSize[b];
      const v = cells ? count[a * kc + b] / cells : 0;
      row.push(v);
      d2 += (cells / (nIn * nOut)) * (v - p) ** 2;
    }
    density.push(row);
  }
  const dist = Math.sqrt(d2);
  return { density, p, distanceFromConstant: dist, relativeDistance: p > 0 ? dist / p : 0, inDegree: histogram(inDeg), outDegree: histogram(outDeg) };
}
