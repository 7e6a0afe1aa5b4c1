// The N-1 surrogate's data: labels from the exact engine, the packed form a
// dataset travels in (store -> trainer -> worker threads), normalisation, and
// the graph samples the network trains on.
//
// A stored dataset has, per operating scenario, one row with branch = 0 that
// holds the scenario's static features (core/grid/features.ts), and one row
// per in-service branch (branch = its 1-based case row) whose features are the
// compact per-outage record and whose labels are laid out as LABEL_HEAD, then
// the post-contingency loading of every branch (NaN: unrated, outaged, cut
// off or not solved), then the post-contingency Vm of every bus (NaN: cut off
// or not solved).
//
// Model inputs (the network sees normalised values; see sampleBase):
//   node: the static bus features (z-scored) + outEnd, outP, outQ
//   edge: the static branch features (z-scored) + lodfDp, estLoading, featured,
//         estMargin (set on the outage's featured branches, see
//         core/grid/features.ts; elsewhere 0, the base loading, 0, its margin)
//   edge offset: estimated post-outage loading where the DC screen lists the
//         branch, else its base loading (the head learns the correction)
//   node offset: base-case Vm, or where the record lists a bus (the AC
//         step's voltages, features.ts) its estimated Vm, which then also
//         replaces the bus's vm and margin features
//   limits the verdict readout measures against, as the spec counts violations:
//   loading 1 (or base loading + 0.01 for a branch already overloaded), Vmax
//   and Vmin (or base Vm -/+ 0.001 where the base case already violates them)
// Targets: edge = post-contingency loading, node = post-contingency Vm,
// graph = insecure (verdict not 'secure'); islanded outages are decided by
// topology and never enter training.

import type { Case } from '../grid/case';
import { N1Engine } from '../grid/contingency';
import { VERDICTS } from '../grid/contingency-types';
import { BUS_STRIDE, EDGE_OUTAGE, ES, NODE_OUTAGE, NS, OutageFeaturizer, RECORD_STRIDE, type FeatureOptions, defaultFeatureOptions, recordBuses, scenarioState, staticFeatures } from '../grid/features';
import { DcScreen } from '../grid/lodf';
import type { Network } from '../grid/network';
import { countingLoading, countingVmax, countingVmin } from '../grid/limits';
import { solved } from '../grid/post-outage';
import { LearnError } from './errors';
import type { GraphSample, GraphTopology, SampleSource } from './graph';
import { applyDelta, type SampleDelta } from './incremental';
import type { DeltaSource, DeltaTargets } from './incremental-training';

export const LABEL_HEAD = ['verdict', 'insecure', 'islanded', 'converged', 'maxLoading', 'minVm', 'maxVm', 'dcInsecure', 'dcMaxLoading', 'nOverloads'] as const;
export const LH = LABEL_HEAD.length;
export const L_VERDICT = 0, L_INSECURE = 1, L_ISLANDED = 2, L_CONVERGED = 3, L_MAXLOADING = 4, L_MINVM = 5, L_MAXVM = 6, L_DCINSECURE = 7, L_DCMAX = 8, L_NOVER = 9;

export const NODE_FEAT_DIM = NS + NODE_OUTAGE.length;
export const EDGE_FEAT_DIM = ES + EDGE_OUTAGE.length;
const E_RATED = 6, E_LOADF = 7, E_LOADT = 8, E_PF = 9, E_QF = 10, E_PT = 11, E_QT = 12, N_VM = 4, N_VMAXM = 6, N_VMINM = 7;

/** Post-contingency loading from which a branch's loading error weighs NEAR_LIMIT_WEIGHT times more in training. */
export const NEAR_LIMIT = 0.9;
export const NEAR_LIMIT_WEIGHT = 10;

/** Limit of an unrated branch's margin: far above anything a loading reaches. */
const UNRATED_LIMIT = 100;

export const labelLength = (nb: number, nl: number) => LH + nl + nb;
export const staticLength = (nb: number, nl: number) => nb * NS + nl * ES;

/** `L`: the label vector, or what `keep` made of it (labelScenario). */
export interface OutageLabel<L = Float32Array> {
  /** Internal branch index and 1-based case row. */
  k: number;
  row: number;
  record: Float32Array;
  labels: L;
}

export interface ScenarioLabels<L = Float32Array> {
  net: Network;
  static: Float32Array;
  base: { iterations: number; maxLoading: number; nOverloads: number; nVoltageViolations: number };
  outages: OutageLabel<L>[];
}

/**
 * Solves a scenario's base case and every branch outage, once each: the
 * N-1 engine's post-outage state gives both the verdict and the
 * post-contingency loadings and voltages; then the DC-LODF screen's verdict
 * and the features. Throws BaseCaseError when the base case does not converge.
 * With `keep`, each outage keeps what keep makes of its label vector (given
 * with the scenario's static features and network; the vector is reused for
 * the next outage), so a scenario of a large grid never holds every full
 * vector.
 */
export function labelScenario(c: Case, opts?: FeatureOptions, onlyBranches?: readonly number[]): ScenarioLabels;
export function labelScenario<L>(c: Case, opts: FeatureOptions, onlyBranches: readonly number[] | undefined, keep: (labels: Float32Array, stat: Float32Array, net: Network) => L): ScenarioLabels<L>;
export function labelScenario<L>(c: Case, opts: FeatureOptions = defaultFeatureOptions, onlyBranches?: readonly number[], keep?: (labels: Float32Array, stat: Float32Array, net: Network) => L): ScenarioLabels<L | Float32Array> {
  const engine = N1Engine.forCase(c);
  const net = engine.net;
  const screen = new DcScreen(net);
  const state = scenarioState(engine);
  const stat = staticFeatures(state);
  const featurizer = new OutageFeaturizer(state, screen, opts);
  const dcFlows = new Float64Array(net.nl);
  const outages: OutageLabel<L | Float32Array>[] = [];
  const ks = onlyBranches ?? Array.from({ length: net.nl }, (_, k) => k);
  const scratch = keep ? new Float32Array(labelLength(net.nb, net.nl)) : null;
  for (const k of ks) {
    const row = net.branchRow[k] + 1;
    const st = engine.branchOutageState(row);
    const rec = engine.branchRecord(row, st);
    const dc = screen.branchOutage(row, dcFlows);
    const labels = scratch ?? new Float32Array(labelLength(net.nb, net.nl)); // every value is set below
    labels[L_VERDICT] = VERDICTS.indexOf(rec.verdict);
    labels[L_INSECURE] = rec.verdict === 'secure' ? 0 : 1;
    labels[L_ISLANDED] = st.islanded ? 1 : 0;
    labels[L_CONVERGED] = rec.converged ? 1 : 0;
    labels[L_MAXLOADING] = rec.maxLoading;
    labels[L_MINVM] = rec.minVm;
    labels[L_MAXVM] = rec.maxVm;
    labels[L_DCINSECURE] = dc.verdict === 'secure' ? 0 : 1;
    labels[L_DCMAX] = dc.maxLoading;
    labels[L_NOVER] = rec.nOverloads;
    for (let e = 0; e < net.nl; e++) labels[LH + e] = st.loading[e];
    const Vm = solved(st) ? st.newton!.Vm : null;
    for (let i = 0; i < net.nb; i++) labels[LH + net.nl + i] = Vm && (!st.active || st.active[i]) ? Vm[i] : NaN;
    outages.push({ k, row, record: featurizer.record(k), labels: keep ? keep(labels, stat, net) : labels });
  }
  const b = engine.base;
  return { net, static: stat, base: { iterations: b.iterations, maxLoading: b.maxLoading, nOverloads: b.nOverloads, nVoltageViolations: b.nVoltageViolations }, outages };
}

// ---- packed dataset -----------------------------------------------------

export const SPLIT_CODES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_CODES)[number];

/** A whole dataset in a few typed arrays (cheap to send to worker threads). */
export interface PackedDataset {
  nb: number;
  nl: number;
  /** Branch ends (internal bus indices), internal branch order. */
  src: Int32Array;
  dst: Int32Array;
  scenarioIds: Int32Array;
  scenarioSplit: Uint8Array;
  /** [scenarios x staticLength] raw static features. */
  statics: Float32Array;
  /** Per sample: scenario index (into scenarioIds), internal branch, split code. */
  sampleScenario: Int32Array;
  sampleBranch: Int32Array;
  sampleSplit: Uint8Array;
  /** Per-outage records, sample i at rec[recPtr[i] .. recPtr[i+1]). */
  recPtr: Int32Array;
  rec: Float32Array;
  /** [samples x labelLength]; empty when the labels are read as needed (SurrogateSamples' LabelReader). */
  labels: Float32Array;
  /** [samples x LH]: every sample's label head, when `labels` is empty. */
  heads?: Float32Array;
}

/** Rows of different lengths as one array with row offsets (PackedDataset's recPtr/rec layout). */
export function raggedRows(rows: readonly Float32Array[]): { ptr: Int32Array; data: Float32Array } {
  const ptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (ptr[i + 1] = ptr[i] + r.length));
  const data = new Float32Array(ptr[rows.length]);
  rows.forEach((r, i) => data.set(r, ptr[i]));
  return { ptr, data };
}

/** Rows of one length `width` one after another. */
export function stackRows(rows: readonly Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

/** Labelled scenarios (labelScenario) packed as a dataset in memory, islanded outages included (tests, benches). */
export function packScenarios(scenarios: readonly { labels: ScenarioLabels; split: SplitName }[]): PackedDataset {
  if (scenarios.length === 0) throw new LearnError('bad-sample', 'no scenario to pack');
  const net = scenarios[0].labels.net, nb = net.nb, nl = net.nl;
  const LL = labelLength(nb, nl), SL = staticLength(nb, nl);
  const outs = scenarios.flatMap((sc, s) => sc.labels.outages.map((o) => ({ o, s })));
  const { ptr: recPtr, data: rec } = raggedRows(outs.map(({ o }) => o.record));
  const labels = stackRows(outs.map(({ o }) => o.labels), LL);
  const statics = new Float32Array(scenarios.length * SL);
  scenarios.forEach((sc, s) => {
    if (sc.labels.net.nb !== nb || sc.labels.net.nl !== nl) throw new LearnError('bad-sample', `scenario ${s} is another grid`);
    statics.set(sc.labels.static, s * SL);
  });
  return {
    nb, nl, src: net.f, dst: net.t,
    scenarioIds: Int32Array.from(scenarios, (_, s) => s + 1), scenarioSplit: Uint8Array.from(scenarios, (sc) => SPLIT_CODES.indexOf(sc.split)), statics,
    sampleScenario: Int32Array.from(outs, (x) => x.s), sampleBranch: Int32Array.from(outs, (x) => x.o.k),
    sampleSplit: Uint8Array.from(outs, (x) => SPLIT_CODES.indexOf(scenarios[x.s].split)), recPtr, rec, labels,
  };
}

export interface Normaliser {
  nodeMean: number[];
  nodeStd: number[];
  edgeMean: number[];
  edgeStd: number[];
  /** Scale of the per-outage outP/outQ columns (p.u.): the spread of branch P flows. */
  pScale: number;
}

/** Column means and spreads of the static features over the scenarios of `split` (train). */
export function fitNormaliser(d: PackedDataset, split: SplitName = 'train'): Normaliser {
  const code = SPLIT_CODES.indexOf(split);
  const L = staticLength(d.nb, d.nl);
  const stats = (rows: number, W: number, offset: number) => {
    const sum = new Float64Array(W), sq = new Float64Array(W);
    let n = 0;
    for (let s = 0; s < d.scenarioIds.length; s++) {
      if (d.scenarioSplit[s] !== code) continue;
      const base = s * L + offset;
      for (let r = 0; r < rows; r++) for (let f = 0; f < W; f++) {
        const v = d.statics[base + r * W + f];
        sum[f] += v;
        sq[f] += v * v;
      }
      n += rows;
    }
    if (n === 0) throw new LearnError('bad-config', `no ${split} scenario to normalise the features with`);
    const mean = Array.from(sum, (v) => v / n);
    const std = Array.from(sq, (v, f) => {
      const s = Math.sqrt(Math.max(0, v / n - mean[f] * mean[f]));
      return s > 1e-6 ? s : 1;
    });
    return { mean, std };
  };
  const node = stats(d.nb, NS, 0), edge = stats(d.nl, ES, d.nb * NS);
  return { nodeMean: node.mean, nodeStd: node.std, edgeMean: edge.mean, edgeStd: edge.std, pScale: edge.std[E_PF] };
}

/** The graph, the unchanged sample of a scenario, and the change an outage makes, from raw features. */
export class SurrogateFeatures {
  readonly graph: GraphTopology;

  constructor(readonly nb: number, readonly nl: number, src: Int32Array, dst: Int32Array, readonly norm: Normaliser) {
    this.graph = { numNodes: nb, src, dst };
  }

  /** The scenario's sample with no outage: normalised statics, no flags, estimates = base loadings. */
  base(stat: Float32Array): GraphSample {
    const { nb, nl, norm } = this;
    if (stat.length !== staticLength(nb, nl)) throw new LearnError('bad-sample', `static features have ${stat.length} values, expected ${staticLength(nb, nl)}`);
    const nodeFeat = new Float32Array(nb * NODE_FEAT_DIM), edgeFeat = new Float32Array(nl * EDGE_FEAT_DIM);
    const edgeOffset = new Float32Array(nl), nodeOffset = new Float32Array(nb);
    const edgeLimit = new Float32Array(nl), nodeUpper = new Float32Array(nb), nodeLower = new Float32Array(nb);
    for (let i = 0; i < nb; i++) {
      for (let f = 0; f < NS; f++) nodeFeat[i * NODE_FEAT_DIM + f] = (stat[i * NS + f] - norm.nodeMean[f]) / norm.nodeStd[f];
      const vm = stat[i * NS + N_VM], vmax = vm + stat[i * NS + N_VMAXM], vmin = vm - stat[i * NS + N_VMINM];
      nodeOffset[i] = vm;
      nodeUpper[i] = countingVmax(vm, vmax);
      nodeLower[i] = countingVmin(vm, vmin);
    }
    for (let k = 0; k < nl; k++) {
      const o = nb * NS + k * ES;
      for (let f = 0; f < ES; f++) edgeFeat[k * EDGE_FEAT_DIM + f] = (stat[o + f] - norm.edgeMean[f]) / norm.edgeStd[f];
      const rated = stat[o + E_RATED] === 1;
      const load = rated ? Math.max(stat[o + E_LOADF], stat[o + E_LOADT]) : 0;
      edgeOffset[k] = load;
      edgeLimit[k] = rated ? countingLoading(load) : UNRATED_LIMIT;
      edgeFeat[k * EDGE_FEAT_DIM + ES + 1] = load;
      edgeFeat[k * EDGE_FEAT_DIM + ES + 3] = rated ? load - edgeLimit[k] : 0;
    }
    return { nodeFeat, edgeFeat, edgeOffset, nodeOffset, edgeLimit, nodeUpper, nodeLower, targets: {} };
  }

  /**
   * What the outage record `rec` of branch k changes in `base` (built from
   * the same statics): the outaged branch's ends (outEnd, outP, outQ), the
   * buses the record lists with an estimated Vm (their vm and margin
   * features and their Vm offset become the estimate's, as a listed
   * branch's loading does), and the listed branches.
   */
  delta(base: GraphSample, stat: Float32Array, rec: Float32Array): SampleDelta {
    const { nb, norm } = this;
    const k = rec[0], n = rec[1];
    const section = recordBuses(rec);
    if (!(Number.isInteger(k) && k >= 0 && k < this.nl) || !section) throw new LearnError('bad-sample', 'malformed outage record');
    const src = this.graph.src[k], dst = this.graph.dst[k];
    const o = nb * NS + k * ES;
    // Per changed bus: [bus, P and Q into k (0 when not an end), end flag, estimated Vm or NaN].
    const rows = new Map<number, [number, number, number, number]>();
    rows.set(src, [stat[o + E_PF], stat[o + E_QF], 1, NaN]);
    if (dst !== src) rows.set(dst, [stat[o + E_PT], stat[o + E_QT], 1, NaN]);
    for (let j = 0; j < section.m; j++) {
      const i = rec[section.at + BUS_STRIDE * j], v = rec[section.at + BUS_STRIDE * j + 1];
      if (!(Number.isInteger(i) && i >= 0 && i < nb)) throw new LearnError('bad-sample', 'malformed outage record');
      const r = rows.get(i);
      if (r) r[3] = v; else rows.set(i, [0, 0, 0, v]);
    }
    const nodes = Int32Array.from(rows.keys()).sort();
    const nodeFeat = new Float32Array(nodes.length * NODE_FEAT_DIM);
    const nodeOffset = section.m > 0 ? new Float32Array(nodes.length) : undefined;
    nodes.forEach((v, j) => {
      const [p, q, end, vm] = rows.get(v)!;
      const r = j * NODE_FEAT_DIM;
      for (let f = 0; f < NODE_FEAT_DIM; f++) nodeFeat[r + f] = base.nodeFeat[v * NODE_FEAT_DIM + f];
      if (end) {
        nodeFeat[r + NS] = 1;
        nodeFeat[r + NS + 1] = p / norm.pScale;
        nodeFeat[r + NS + 2] = q / norm.pScale;
      }
      if (nodeOffset) nodeOffset[j] = Number.isNaN(vm) ? base.nodeOffset![v] : vm;
      if (!Number.isNaN(vm)) {
        const s0 = v * NS, vm0 = stat[s0 + N_VM], vmax = vm0 + stat[s0 + N_VMAXM], vmin = vm0 - stat[s0 + N_VMINM];
        const z = (x: number, f: number) => (x - norm.nodeMean[f]) / norm.nodeStd[f];
        nodeFeat[r + N_VM] = z(vm, N_VM);
        nodeFeat[r + N_VMAXM] = z(vmax - vm, N_VMAXM);
        nodeFeat[r + N_VMINM] = z(vm - vmin, N_VMINM);
      }
    });
    let nf = 0;
    for (let j = 0; j < n; j++) nf += rec[5 + RECORD_STRIDE * j];
    const edges = new Int32Array(nf), edgeFeat = new Float32Array(nf * EDGE_FEAT_DIM), edgeOffset = new Float32Array(nf);
    const offsetEdges = new Int32Array(n - nf), offsetValues = new Float32Array(n - nf);
    for (let j = 0, a = 0, b = 0; j < n; j++) {
      const o = 2 + RECORD_STRIDE * j, e = rec[o];
      if (!rec[o + 3]) {
        offsetEdges[b] = e;
        offsetValues[b++] = rec[o + 2];
        continue;
      }
      edges[a] = e;
      const r = a * EDGE_FEAT_DIM;
      for (let f = 0; f < EDGE_FEAT_DIM; f++) edgeFeat[r + f] = base.edgeFeat[e * EDGE_FEAT_DIM + f];
      edgeFeat[r + ES] = rec[o + 1];
      edgeFeat[r + ES + 1] = rec[o + 2];
      edgeFeat[r + ES + 2] = 1;
      edgeFeat[r + ES + 3] = rec[o + 2] - base.edgeLimit![e];
      edgeOffset[a++] = rec[o + 2];
    }
    return { nodes, nodeFeat, ...(nodeOffset ? { nodeOffset } : {}), edges, edgeFeat, edgeOffset, offsetEdges, offsetValues, removed: Int32Array.of(k) };
  }
}

/**
 * Where the labels of a dataset's samples come from: the packed array
 * (PackedDataset.labels), or a reader that streams them from the store
 * scenario by scenario (services/training-data.ts) when the dataset is too
 * large to hold. A label head per sample is always at hand (packed labels,
 * or PackedDataset.heads).
 */
export type LabelReader = (i: number) => Float32Array;

/** Base samples kept per SurrogateSamples (they are rebuilt from the statics when evicted). */
const BASE_CACHE = 8;

/**
 * Training samples of a packed dataset, built on demand: dataset index i is
 * the base sample of its scenario plus the delta of its outage (a
 * DeltaSource for incremental training), or the full sample (sample(i)).
 */
export class SurrogateSamples implements DeltaSource {
  readonly features: SurrogateFeatures;
  private readonly bases = new Map<number, GraphSample>();
  private readonly readLabels: LabelReader;

  constructor(readonly data: PackedDataset, readonly norm: Normaliser, labels?: LabelReader) {
    this.features = new SurrogateFeatures(data.nb, data.nl, data.src, data.dst, norm);
    const L = labelLength(data.nb, data.nl);
    if (labels) this.readLabels = labels;
    else if (data.labels.length === data.sampleBranch.length * L) this.readLabels = (i) => data.labels.subarray(i * L, (i + 1) * L);
    else throw new LearnError('bad-sample', `dataset has ${data.labels.length} label values for ${data.sampleBranch.length} samples of ${L}, and no label reader`);
    if (data.heads && data.heads.length !== data.sampleBranch.length * LH) throw new LearnError('bad-sample', `dataset has ${data.heads.length} label-head values for ${data.sampleBranch.length} samples of ${LH}`);
  }

  get graph(): GraphTopology {
    return this.features.graph;
  }

  get size(): number {
    return this.data.sampleBranch.length;
  }

  get length(): number {
    return this.size;
  }

  private stat(s: number): Float32Array {
    const L = staticLength(this.data.nb, this.data.nl);
    return this.data.statics.subarray(s * L, (s + 1) * L);
  }

  scenario(i: number): number {
    return this.data.sampleScenario[i];
  }

  base(s: number): GraphSample {
    let b = this.bases.get(s);
    if (b) {
      // Most recently used last.
      this.bases.delete(s);
      this.bases.set(s, b);
      return b;
    }
    b = this.features.base(this.stat(s));
    this.bases.set(s, b);
    if (this.bases.size > BASE_CACHE) this.bases.delete(this.bases.keys().next().value!);
    return b;
  }

  /** Every label of sample i ([labelLength]: the head, then branch loadings, then bus Vm). */
  labels(i: number): Float32Array {
    return this.readLabels(i);
  }

  /** The label head of sample i (verdict, insecure, islanded, ...: LABEL_HEAD), without reading its other labels. */
  head(i: number): Float32Array {
    const h = this.data.heads;
    return h ? h.subarray(i * LH, (i + 1) * LH) : this.readLabels(i).subarray(0, LH);
  }

  delta(i: number): SampleDelta {
    const d = this.data, s = d.sampleScenario[i];
    return this.features.delta(this.base(s), this.stat(s), d.rec.subarray(d.recPtr[i], d.recPtr[i + 1]));
  }

  /** Sample i's targets: post-outage loadings (branches near their limit weigh more) and Vm, and the verdict unless islanded. */
  targets(i: number): DeltaTargets {
    const { nb, nl } = this.data;
    const lab = this.labels(i);
    const edge = lab.subarray(LH, LH + nl);
    // Branches loaded near their limit after the outage weigh more in the loading loss: the verdict turns on them.
    const edgeWeight = new Float32Array(nl);
    for (let e = 0; e < nl; e++) edgeWeight[e] = edge[e] >= NEAR_LIMIT ? NEAR_LIMIT_WEIGHT : 1;
    return { edge, node: lab.subarray(LH + nl, LH + nl + nb), graph: lab[L_ISLANDED] ? undefined : lab[L_INSECURE], edgeWeight };
  }

  /** The full graph sample of sample i, with its targets. */
  sample(i: number): GraphSample {
    const s = this.data.sampleScenario[i];
    const g = applyDelta(this.base(s), this.delta(i), NODE_FEAT_DIM, EDGE_FEAT_DIM);
    const t = this.targets(i);
    g.edgeTargetWeight = t.edgeWeight;
    g.targets = { edge: t.edge, node: t.node, graph: t.graph };
    return g;
  }

  /** Samples of a split; islanded ones (decided by topology) left out unless asked for. */
  indices(split: SplitName, withIslanded = false): Int32Array {
    const code = SPLIT_CODES.indexOf(split);
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.data.sampleSplit[i] !== code) continue;
      if (!withIslanded && this.head(i)[L_ISLANDED]) continue;
      out.push(i);
    }
    return Int32Array.from(out);
  }

  /** The samples at `indices`, by position: full samples (get) and bases with deltas (incremental training). */
  source(indices: Int32Array): SurrogateSource {
    return new SurrogateSource(this, indices);
  }
}

/** A subset of a dataset's samples by position: a SampleSource of full samples and a DeltaSource. */
export class SurrogateSource implements SampleSource, DeltaSource {
  constructor(readonly data: SurrogateSamples, readonly indices: Int32Array) {}
  get length(): number { return this.indices.length; }
  get graph(): GraphTopology { return this.data.graph; }
  get(j: number): GraphSample { return this.data.sample(this.indices[j]); }
  scenario(j: number): number { return this.data.scenario(this.indices[j]); }
  base(s: number): GraphSample { return this.data.base(s); }
  delta(j: number): SampleDelta { return this.data.delta(this.indices[j]); }
  targets(j: number): DeltaTargets { return this.data.targets(this.indices[j]); }
}
