// Backward of the graph network over a set of rows, for incremental
// training (incremental-training.ts). The same code runs a sample's
// neighbourhood and the base graph:
//
// - a sample's rows are compact (row r of layer l is node S[r], S_l the
//   prefix of layerCount[l]; recomputed edge j is R[j]; edge i with new
//   features is F[i]); a gradient that reaches a row outside them (a base
//   row: its activations are the base's, so the local backward there is the
//   base's, linear in what arrives) is left in the base's upstream buffers;
// - the base graph is the same with every node and edge inside (identity
//   lists, every mark set) and those upstream buffers as its own gradient
//   buffers, so what the samples left there flows through one backward of
//   the base, summed over the samples.
//
// Why nothing else is needed: S_l holds every node whose state after layer
// l can differ from the base's (S_0 the changed nodes, S_l grows by the
// neighbours of S_{l-1} and the ends of changed edges), so a node outside
// S_l depends only on nodes outside S_{l-1} and on unchanged edges; a
// gradient left at a base row therefore only ever meets base rows below it.
//
// Sums run in f64 per output and are stored in f32, as SparseLayer.backward
// does; the grouping of rows differs from the batched backward's, so
// results agree to rounding (tests: 1e-5 relative on every layer).

import type { PackedLayer } from './kernels';
import { FEATURED } from './incremental-stages';
import type { TrainingKernels } from './training-kernels';

/** Where a packed layer's gradients go: f64 accumulators per connection and output, and the dense [out x nFull] gradient of RigL regrowth (inputs from column c0). */
export interface LayerGrads {
  gW: Float64Array;
  gB: Float64Array;
  dense: { G: Float32Array; nFull: number; c0: number } | null;
}

/** A packed layer's backward over rows [0, rows): gradients into g, dx += dy W when dx is given; t: f64 scratch of 4 nIn. */
export function linearBackward(tk: TrainingKernels, L: PackedLayer, g: LayerGrads, x: Float32Array, dy: Float32Array, rows: number, dx: Float32Array | null, t: Float64Array): void {
  tk.linear(L, x, dy, rows, g.gW, g.gB, dx, t);
  if (g.dense) {
    // The full gradient, every input (only at RigL rewiring time).
    const { G, nFull, c0 } = g.dense, { nIn, nOut } = L;
    for (let q = 0; q < rows; q++) {
      for (let o = 0; o < nOut; o++) {
        const d = dy[q * nOut + o];
        if (d === 0) continue;
        const g0 = o * nFull + c0;
        for (let i = 0; i < nIn; i++) G[g0 + i] += d * x[q * nIn + i];
      }
    }
  }
}

/** dx *= (act > 0) over the first n values. */
export function reluMask(dx: Float32Array, act: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] *= +(act[i] > 0);
}

/** The rows a backward runs over, and the forward values it reads. */
export interface RowsView {
  /** Nodes: S (S_l = its first counts[l]), membership (bit 1 of nodeMark) and position in S. */
  S: Int32Array;
  counts: Int32Array;
  nodeMark: Uint8Array;
  posN: Int32Array;
  /** Recomputed edges (edge head), m of them; edges with new features F (ne), their FEATURED mark and position in F. */
  R: Int32Array;
  m: number;
  F: Int32Array;
  ne: number;
  edgeMark: Uint8Array;
  posE: Int32Array;
  /** Edges absent from the sample (no messages). */
  removed: Uint8Array;
  /** Node states after each layer and edge encodings as the sample sees them (full arrays), for the message masks. */
  h: Float32Array[];
  e: Float32Array;
  /** Compact rows: per layer z, a, c (S_l rows); final node states of S_L; encodings of F; edge-head states of R; node-head states of S_L. */
  z: Float32Array[];
  a: Float32Array[];
  c: Float32Array[];
  hL: Float32Array;
  eF: Float32Array;
  aE: Float32Array;
  aN: Float32Array;
  /** Node states after the encoder at S_0 rows, and the encoders' inputs of S_0 and F. */
  h0: Float32Array;
  nodeIn: Float32Array;
  edgeIn: Float32Array;
}

/**
 * Gradient buffers of a backward: compact ones for the view's rows (filled
 * by the caller with what the heads and pools send: dyE over R, daE over R,
 * dyN over S_L, dh[L] over S_L), and the base's upstream buffers that
 * receive what reaches rows outside the view. For the base's own backward
 * they are the same arrays.
 */
export interface BackwardBuffers {
  dyE: Float32Array | null;
  daE: Float32Array;
  dyN: Float32Array | null;
  dps: Float32Array;
  dpd: Float32Array;
  dpe: Float32Array;
  /** Per layer 0..L, node-state gradients over S_l (compact); zeroLayers: zero each before use (a sample), else it holds what samples left (the base). */
  dh: Float32Array[];
  zeroLayers: boolean;
  /** Encoding gradients over F. */
  de: Float32Array;
  /** Scratch [rows x max(H, Hh)]. */
  dc: Float32Array;
  da: Float32Array;
  dz: Float32Array;
  daN: Float32Array;
  /** f64 scratch of four times the widest layer input (TrainingKernels.linear). */
  t: Float64Array;
  /** Upstream of base rows: per-node products (src, dst), per-edge products, node states per layer, edge encodings. */
  outPs: Float32Array;
  outPd: Float32Array;
  outPe: Float32Array;
  outH: Float32Array[];
  outE: Float32Array;
}

/** The network's packed layers and where their gradients go. */
export interface BackwardNet {
  encNode: PackedLayer;
  encEdge: PackedLayer;
  lin1: PackedLayer[];
  lin2: PackedLayer[];
  blocks: [PackedLayer, PackedLayer, PackedLayer];
  edgeOut: PackedLayer | null;
  nodeHidden: PackedLayer | null;
  nodeOut: PackedLayer | null;
  g: {
    encNode: LayerGrads;
    encEdge: LayerGrads;
    lin1: LayerGrads[];
    lin2: LayerGrads[];
    blocks: [LayerGrads, LayerGrads, LayerGrads];
    edgeOut: LayerGrads | null;
    nodeHidden: LayerGrads | null;
    nodeOut: LayerGrads | null;
  };
}

/**
 * Backward from the heads to the encoders over the view's rows: edge head
 * (output, hidden, split by block), node head, message passing layers,
 * encoders. Accumulates parameter gradients; gradients reaching rows
 * outside the view go to the base's upstream buffers.
 */
export function backwardRows(tk: TrainingKernels, net: BackwardNet, v: RowsView, b: BackwardBuffers, dims: { H: number; Hh: number; L: number }, src: Int32Array, dst: Int32Array, adj: { ptr: Int32Array; edge: Int32Array; other: Int32Array }, onePlusEps: number, residual: boolean): void {
  const { H, Hh, L } = dims;
  const t = b.t;
  const nL = v.counts[L], m = v.m, ne = v.ne;
  const { nodeMark, posN, edgeMark, posE } = v;
  const dhL = b.dh[L];

  // Edge head: output, hidden ReLU, then the blocks' products.
  if (net.edgeOut && b.dyE) linearBackward(tk, net.edgeOut, net.g.edgeOut!, v.aE, b.dyE, m, b.daE, t);
  reluMask(b.daE, v.aE, m * Hh);
  const { dps, dpd, dpe, outPs, outPd, outPe } = b;
  for (let j = 0; j < m; j++) {
    const e = v.R[j];
    if (v.removed[e]) continue;
    const o = j * Hh;
    const s = src[e], t = dst[e];
    const sIn = nodeMark[s] & 1, tIn = nodeMark[t] & 1;
    const ps = sIn ? dps : outPs, so = (sIn ? posN[s] : s) * Hh;
    const pd = tIn ? dpd : outPd, to = (tIn ? posN[t] : t) * Hh;
    const fIn = edgeMark[e] & FEATURED;
    const pe = fIn ? dpe : outPe, eo = (fIn ? posE[e] : e) * Hh;
    for (let f = 0; f < Hh; f++) {
      const g = b.daE[o + f];
      ps[so + f] += g;
      pd[to + f] += g;
      pe[eo + f] += g;
    }
  }
  linearBackward(tk, net.blocks[0], net.g.blocks[0], v.hL, dps, nL, dhL, t);
  linearBackward(tk, net.blocks[1], net.g.blocks[1], v.hL, dpd, nL, dhL, t);
  linearBackward(tk, net.blocks[2], net.g.blocks[2], v.eF, dpe, ne, b.de, t);

  // Node head on S_L.
  if (net.nodeHidden && net.nodeOut && b.dyN) {
    b.daN.fill(0, 0, nL * Hh);
    linearBackward(tk, net.nodeOut, net.g.nodeOut!, v.aN, b.dyN, nL, b.daN, t);
    reluMask(b.daN, v.aN, nL * Hh);
    linearBackward(tk, net.nodeHidden, net.g.nodeHidden!, v.hL, b.daN, nL, dhL, t);
  }

  // Message passing, last layer first.
  const { dc, da, dz } = b;
  for (let l = L; l >= 1; l--) {
    const rows = v.counts[l], prev = v.counts[l - 1];
    const dh = b.dh[l], c = v.c[l - 1], a = v.a[l - 1];
    const n = rows * H;
    for (let i = 0; i < n; i++) dc[i] = dh[i] * +(c[i] > 0);
    da.fill(0, 0, n);
    linearBackward(tk, net.lin2[l - 1], net.g.lin2[l - 1], a, dc, rows, da, t);
    reluMask(da, a, n);
    dz.fill(0, 0, n);
    linearBackward(tk, net.lin1[l - 1], net.g.lin1[l - 1], v.z[l - 1], da, rows, dz, t);
    const dhPrev = b.dh[l - 1];
    if (b.zeroLayers) dhPrev.fill(0, 0, prev * H);
    tk.messages({
      S: v.S, rows, prev, posN, nodeMark, adjPtr: adj.ptr, adjEdge: adj.edge, adjOther: adj.other, removed: v.removed, edgeMark, posE,
      h: v.h[l - 1], e: v.e, dz, dh, dhPrev, outH: b.outH[l - 1], de: b.de, outE: b.outE, H, ope: onePlusEps, residual,
    });
  }

  // Encoders: S_0 nodes and the edges with new features.
  const n0 = v.counts[0];
  const dh0 = b.dh[0];
  reluMask(dh0, v.h0, n0 * H);
  linearBackward(tk, net.encNode, net.g.encNode, v.nodeIn, dh0, n0, null, t);
  reluMask(b.de, v.eF, ne * H);
  linearBackward(tk, net.encEdge, net.g.encEdge, v.edgeIn, b.de, ne, null, t);
}
