// One operating point of a stored surrogate's grid, ready to predict its
// branch outages: solved base case, islanding by topology, the DC-LODF
// featurizer and the incremental predictor over the base sample. Used by the
// predict service in its own thread and by the 'predict' worker job.

import type { Case } from '../grid/case';
import { N1Engine } from '../grid/contingency';
import { OutageFeaturizer, scenarioState, signatureMismatch, staticFeatures, type FeatureOptions, type GridSignature, type ScenarioState } from '../grid/features';
import { DcScreen } from '../grid/lodf';
import { compile, type Network } from '../grid/network';
import { gridTopology, islandedByTopology } from '../grid/islands';
import type { TopologyMethod } from './schedule';
import type { RegrowRule } from './rewire';
import type { SerializedModel } from './serialize';
import { SurrogateFeatures, type Normaliser } from './grid-data';
import type { GraphNet } from './gnn';
import type { GraphSample } from './graph';
import { IncrementalPredictor } from './incremental';

export class PredictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictError';
  }
}

/** The model config stored with a trained surrogate. */
export interface SurrogateModelConfig {
  format: 'gridrewire-n1-surrogate';
  version: 1;
  model: SerializedModel['config'];
  normaliser: Normaliser;
  threshold: number;
  grid: GridSignature;
  features: FeatureOptions;
  datasetId: number;
  method: TopologyMethod;
  regrow: RegrowRule;
  sparsity: number;
  [key: string]: unknown;
}

/** What the network says of one outage (internal branch index k). */
export interface RawPrediction {
  k: number;
  prob: number;
  maxEdge: number;
  maxEdgeMargin: number;
  upperMargin: number;
  lowerMargin: number;
  /** The record's AC estimate mismatch (OutageFeaturizer.estimateMismatch: NaN without one, Infinity when it failed). */
  estimateMismatch: number;
}

/** Refuses a case whose grid is not the one model `modelId` was trained on. */
export function checkGrid(config: SurrogateModelConfig, c: Case, net: Network, modelId: number): void {
  const why = signatureMismatch(config.grid, net);
  if (why) throw new PredictError(`case ${c.name} is not the grid model ${modelId} was trained on: ${why}`);
}

export class CasePredictor {
  readonly net: Network;
  readonly islanded: Uint8Array;
  readonly seconds = { base: 0, features: 0 };
  private readonly state: ScenarioState;
  private readonly stat: Float32Array;
  private readonly feats: SurrogateFeatures;
  private readonly base: GraphSample;
  private readonly featurizer: OutageFeaturizer;
  private readonly inc: IncrementalPredictor;

  /** The exact engine of this point, its base case solved: a verified screen solves its outages with it. */
  readonly engine: N1Engine;

  constructor(model: GraphNet, config: SurrogateModelConfig, c: Case, modelId: number) {
    const t0 = performance.now();
    const net = compile(c);
    checkGrid(config, c, net, modelId);
    const engine = N1Engine.forCase(c);
    this.engine = engine;
    this.net = engine.net;
    this.state = scenarioState(engine);
    this.stat = staticFeatures(this.state);
    const t1 = performance.now();
    this.feats = new SurrogateFeatures(net.nb, net.nl, net.f, net.t, config.normaliser);
    this.base = this.feats.base(this.stat);
    this.islanded = islandedByTopology(net, gridTopology(net));
    this.featurizer = new OutageFeaturizer(this.state, new DcScreen(net), config.features);
    this.inc = new IncrementalPredictor(model, this.feats.graph, this.base);
    this.seconds.base = (t1 - t0) / 1000;
    this.seconds.features = (performance.now() - t1) / 1000;
  }

  /** The network's prediction for internal branch k's outage (k must not be islanded). */
  predict(k: number): RawPrediction {
    const t0 = performance.now();
    const rec = this.featurizer.record(k);
    this.seconds.features += (performance.now() - t0) / 1000;
    const r = this.inc.predict(this.feats.delta(this.base, this.stat, rec));
    return { k, prob: r.prob ?? 0, maxEdge: r.maxEdge, maxEdgeMargin: r.maxEdgeMargin, upperMargin: r.upperMargin, lowerMargin: r.lowerMargin, estimateMismatch: this.featurizer.estimateMismatch };
  }
}
