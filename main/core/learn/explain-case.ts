// One operating point of a stored surrogate's grid, ready to explain its
// branch outages: the solved base case, islanding by topology, the model's
// inputs for an outage and its integrated-gradients baseline, and the exact
// engine's picture of the same outage (core/grid/outage-physics.ts).
//
// The baseline of the grid attribution is the outage's own graph (the branch
// removed) with every per-outage input at its no-outage value: no end-bus
// flags or injections, no DC-LODF features, every branch's loading estimate
// and head offset at its base loading. The attribution then says which buses
// and branches carry what the network makes of the outage's redistribution,
// and sums to logit(outage) - logit(baseline). (The base operating point
// with the branch in service is no point of a straight path: the branch's
// presence is not a number the network interpolates.)

import type { Case } from '../grid/case';
import { N1Engine } from '../grid/contingency';
import { EDGE_OUTAGE, EDGE_STATIC, NODE_OUTAGE, NODE_STATIC, OutageFeaturizer, scenarioState, staticFeatures } from '../grid/features';
import { DcScreen } from '../grid/lodf';
import { compile, type Network } from '../grid/network';
import { gridTopology, islandedByTopology } from '../grid/islands';
import { OutagePhysicsEngine, type OutagePhysics } from '../grid/outage-physics';
import { checkGrid, type SurrogateModelConfig } from './case-predictor';
import { EDGE_FEAT_DIM, NODE_FEAT_DIM, SurrogateFeatures } from './grid-data';
import type { GraphNet } from './gnn';
import type { GraphSample } from './graph';
import { applyDelta } from './incremental';
import { attributeNetwork, networkExplanation, occlusionAgreement, occludeConnections, surrogateVerdict, type NetworkAttribution } from './explain';
import { integratedGradients, type GridAttribution } from './explain-grid';
import type { Explanation, GridExplanation, PhysicsExplanation } from './explain-types';

export const NODE_FEATURE_NAMES: readonly string[] = [...NODE_STATIC, ...NODE_OUTAGE];
export const EDGE_FEATURE_NAMES: readonly string[] = [...EDGE_STATIC, ...EDGE_OUTAGE];

export const GRID_BASELINE =
  "the outage's own graph (the branch removed) with every per-outage input at its no-outage value: no end-bus flags or injections, no DC-LODF features, loading estimates and head offsets at the base loadings";

/**
 * Integrated-gradient steps by default (and up to half as many refinements):
 * a gap of about 2% of f(x) - f(baseline) on the shipped model (median over
 * case_ACTIVSg200's outages), within the time budget.
 */
export const DEFAULT_STEPS = 16;

export interface ExplainOptions {
  /** Integrated-gradient steps (midpoint rule). */
  steps?: number;
  /** Also exact single-connection occlusion of every hidden connection (slow: one forward pass per connection). */
  exact?: boolean;
  /** Best paths per target. */
  paths?: number;
  /** Skip the connections (grid attribution only), e.g. for a physics-agreement study. */
  gridOnly?: boolean;
}

/** The model's inputs for one outage and the baseline it is explained against. */
export interface OutageSamples {
  k: number;
  x: GraphSample;
  baseline: GraphSample;
}

export class CaseExplainer {
  readonly net: Network;
  readonly engine: N1Engine;
  readonly islanded: Uint8Array;
  readonly physics: OutagePhysicsEngine;
  private readonly stat: Float32Array;
  private readonly feats: SurrogateFeatures;
  private readonly base: GraphSample;
  private readonly featurizer: OutageFeaturizer;

  /** Solves the case's base case (BaseCaseError when it does not converge); PredictError for another grid's case. */
  constructor(readonly model: GraphNet, readonly config: SurrogateModelConfig, readonly c: Case, readonly modelId: number) {
    const net = compile(c);
    checkGrid(config, c, net, modelId);
    this.engine = N1Engine.forCase(c);
    this.net = this.engine.net;
    const state = scenarioState(this.engine);
    this.stat = staticFeatures(state);
    this.feats = new SurrogateFeatures(net.nb, net.nl, net.f, net.t, config.normaliser);
    this.base = this.feats.base(this.stat);
    this.islanded = islandedByTopology(this.net, gridTopology(this.net));
    const screen = new DcScreen(this.net);
    this.featurizer = new OutageFeaturizer(state, screen, config.features);
    this.physics = new OutagePhysicsEngine(this.engine, screen);
  }

  /** Internal index of case branch row `row` (ContingencyError for a row that does not exist or is out of service). */
  branchIndex(row: number): number {
    return this.engine.branchIndex(row);
  }

  /** The network's input for internal branch k's outage and its baseline (same graph, no per-outage inputs). */
  samples(k: number): OutageSamples {
    const d = this.feats.delta(this.base, this.stat, this.featurizer.record(k));
    const x = applyDelta(this.base, d, NODE_FEAT_DIM, EDGE_FEAT_DIM);
    const none = { nodes: new Int32Array(0), nodeFeat: new Float32Array(0), edges: new Int32Array(0), edgeFeat: new Float32Array(0), removed: Int32Array.of(k) };
    return { k, x, baseline: applyDelta(this.base, none, NODE_FEAT_DIM, EDGE_FEAT_DIM) };
  }

  /** The explanation of case branch row `row`'s outage. */
  explain(row: number, opts: ExplainOptions = {}): Explanation {
    const t0 = performance.now();
    const k = this.branchIndex(row);
    const net = this.net;
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => { const t = performance.now(); timings[name] = t - since; return t; };
    const phys = this.physics.outage(k);
    let t = lap('physics', t0);
    const head = {
      format: 'gridrewire-explanation' as const, version: 1 as const, modelId: this.modelId, caseName: this.c.name,
      branch: row, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], threshold: this.config.threshold,
      physics: physicsView(net, phys),
    };
    if (this.islanded[k]) {
      const r = phys.record;
      return {
        ...head, verdict: 'islanded', pInsecure: 1, logit: null, maxLoading: null, network: null, grid: null, exact: null,
        note: `islanded: decided by topology (the outage cuts off ${r.cutBuses} bus${r.cutBuses === 1 ? '' : 'es'} with ${r.lostLoadMW.toFixed(1)} MW of load and ${r.lostGenMW.toFixed(1)} MW of generation), not by the network: nothing to attribute`,
        timings: { ...timings, total: performance.now() - t0 },
      };
    }
    const { x, baseline } = this.samples(k);
    const graph = this.feats.graph;
    const batch = this.model.batch(graph, [x]);
    t = lap('features', t);
    const full = this.model.forward(batch);
    const attr: NetworkAttribution = attributeNetwork(this.model, batch, full);
    t = lap('connections', t);
    let exact: Explanation['exact'] = null;
    let occ;
    if (opts.exact && !opts.gridOnly) {
      occ = occludeConnections(this.model, batch);
      const hidden = attr.layers.map((l) => (l.readout ? null : l.verdict));
      const hiddenL = attr.layers.map((l) => (l.readout ? null : l.loading));
      exact = { seconds: occ.seconds, spearmanTop50: occlusionAgreement(hidden, occ.verdict), spearmanTop50Loading: attr.maxEdge ? occlusionAgreement(hiddenL, occ.loading) : null };
      t = lap('occlusion', t);
    }
    const network = opts.gridOnly ? null : networkExplanation(this.model, attr, { node: NODE_FEATURE_NAMES, edge: EDGE_FEATURE_NAMES }, { paths: opts.paths, occlusion: occ });
    t = lap('neuronsAndPaths', t);
    const steps = opts.steps ?? DEFAULT_STEPS;
    const ig = integratedGradients(this.model, graph, x, baseline, steps, full, Math.ceil(steps / 2));
    const grid = gridView(net, ig);
    t = lap('grid', t);
    const me = attr.maxEdge;
    return {
      ...head,
      verdict: surrogateVerdict(attr.prob, this.config.threshold, attr.margins), pInsecure: attr.prob, logit: attr.logit,
      maxLoading: me ? { value: me.value, branch: net.branchRow[me.edge] + 1 } : null,
      note: null, network, grid, exact, timings: { ...timings, total: performance.now() - t0 },
    };
  }
}

function gridView(net: Network, ig: GridAttribution): GridExplanation {
  const buses = [];
  for (let i = 0; i < net.nb; i++) if (ig.node[i] !== 0) buses.push({ bus: net.busNumber[i], row: net.busRow[i] + 1, attribution: ig.node[i] });
  const branches = [];
  for (let e = 0; e < net.nl; e++) if (ig.edge[e] !== 0) branches.push({ branch: net.branchRow[e] + 1, from: net.busNumber[net.f[e]], to: net.busNumber[net.t[e]], attribution: ig.edge[e] });
  const byMagnitude = (a: { attribution: number }, b: { attribution: number }) => Math.abs(b.attribution) - Math.abs(a.attribution);
  buses.sort(byMagnitude);
  branches.sort(byMagnitude);
  const features = [
    ...Array.from(ig.nodeFeature, (a, f) => ({ feature: `bus ${NODE_FEATURE_NAMES[f]}`, attribution: a })),
    ...Array.from(ig.edgeFeature, (a, f) => ({ feature: `branch ${EDGE_FEATURE_NAMES[f]}`, attribution: a })),
    { feature: 'branch loading offset (estimated post-outage loading)', attribution: ig.edgeOffset },
    { feature: 'bus voltage offset', attribution: ig.nodeOffset },
  ].filter((f) => f.attribution !== 0).sort(byMagnitude);
  return { baseline: GRID_BASELINE, steps: ig.steps, evaluations: ig.evaluations, fx: ig.fx, fBaseline: ig.fBaseline, sum: ig.sum, gap: ig.gap, buses, branches, features, touched: ig.touched };
}

/** The exact engine's picture per case row. */
export function physicsView(net: Network, p: OutagePhysics): PhysicsExplanation {
  const r = p.record, row = (e: number) => net.branchRow[e] + 1;
  return {
    verdict: r.verdict, maxLoading: r.maxLoading, nOverloads: r.nOverloads, worstBranch: r.worstBranch, minVm: r.minVm, maxVm: r.maxVm,
    nVoltageViolations: r.nVoltageViolations, islanded: r.islanded, cutBuses: r.cutBuses, lostLoadMW: r.lostLoadMW, lostGenMW: r.lostGenMW, converged: r.converged,
    flowChange: p.flowChange.map((f) => ({ branch: row(f.k), from: net.busNumber[net.f[f.k]], to: net.busNumber[net.t[f.k]], preMW: f.preMW, postMW: f.postMW, deltaMW: f.deltaMW, lodf: f.lodf, dcDeltaMW: f.dcDeltaMW })),
    overloaded: p.overloaded.map((o) => ({ branch: row(o.k), loading: o.loading, countsAbove: o.countsAbove })),
    voltage: p.voltage.map((v) => ({ bus: net.busNumber[v.bus], vm: v.vm, kind: v.kind, limit: v.limit })),
  };
}
