// The explanation of one surrogate verdict as plain data (JSON, stored as
// is, drawn by the renderer): the network as layers of neurons with every
// connection's attribution, the strongest paths, the grid's buses and
// branches with their attribution, and the exact engine's picture beside it.
// Types only: the renderer's compiler sees this file through main/api.ts.

import type { ContingencyRecord } from '../grid/contingency-types';
import type { FidelityRow, PhysicsAgreement } from './explain-fidelity';

/** Which output an attribution is of: the verdict (insecure logit) or the predicted maximum post-outage loading. */
export type ExplainTarget = 'verdict' | 'loading';

/** One connection of a layer: it reads input `from` of the layer and feeds unit `to`. */
export interface ExplainedConnection {
  layer: string;
  from: number;
  to: number;
  weight: number;
  /** Gradient x weight, the gradient summed over every node, edge and message-passing step the shared weight is applied at. */
  attribution: number;
  /** The same for the predicted maximum loading (null without an edge head). */
  attributionLoading: number | null;
  /** Exact occlusion (only with exact): f(model) - f(model without this connection), verdict logit and loading. */
  occlusion?: number;
  occlusionLoading?: number | null;
}

/** A hidden unit (or, for the encoders' inputs, a feature): activation x gradient summed over every row it is applied to. */
export interface ExplainedUnit {
  unit: number;
  attribution: number;
  attributionLoading: number | null;
}

export interface ExplainedLayer {
  name: string;
  nIn: number;
  nOut: number;
  kind: 'sparse' | 'dense';
  /** The scalar readouts (always dense, not rewired, outside the connection ranking). */
  readout: boolean;
  connections: number;
  /** What the layer's inputs are, e.g. 'node features', 'mp0.lin2 (h1)', '[h_src | h_dst | e]'. */
  reads: string;
  /** Every output unit, in unit order. */
  units: ExplainedUnit[];
}

/** An input-to-output path through the kept connections along the main chain. */
export interface ExplainedPath {
  target: ExplainTarget;
  /** Sum of log |attribution| over its connections (higher is stronger). */
  score: number;
  steps: ExplainedConnection[];
}

export interface FeatureAttribution {
  feature: string;
  attribution: number;
}

export interface NetworkExplanation {
  /** Every layer of the model, in the model's order. */
  layers: ExplainedLayer[];
  /** Every connection of every hidden (rewired) layer, largest |attribution| first. */
  connections: ExplainedConnection[];
  /** The readouts' connections (the last step of every path). */
  readouts: ExplainedConnection[];
  paths: ExplainedPath[];
  /** The encoders' input features: input x gradient summed over every node (edge) of the graph. */
  inputs: { node: FeatureAttribution[]; edge: FeatureAttribution[] };
  /** How the neurons are ranked and the paths scored, for the reader. */
  method: string;
}

export interface BusAttribution {
  /** External bus number and 1-based case bus row. */
  bus: number;
  row: number;
  attribution: number;
}

export interface BranchAttribution {
  /** 1-based case branch row and its bus numbers. */
  branch: number;
  from: number;
  to: number;
  attribution: number;
}

export interface GridExplanation {
  /** The baseline of the integrated gradients, in words. */
  baseline: string;
  /** Uniform midpoint steps, and gradient evaluations made (the steps in which a unit switches are refined). */
  steps: number;
  evaluations: number;
  /** f(x) and f(baseline) of the verdict logit; sum of the attributions; sum - (f(x) - f(baseline)). */
  fx: number;
  fBaseline: number;
  sum: number;
  gap: number;
  /** Buses and branches with a non-zero attribution, largest |attribution| first. */
  buses: BusAttribution[];
  branches: BranchAttribution[];
  /** Per feature column (and the head offsets), summed over the grid. */
  features: FeatureAttribution[];
  /** Node states recomputed per step (the outage's neighbourhood). */
  touched: number;
}

export interface PhysicsFlowChange {
  branch: number;
  from: number;
  to: number;
  preMW: number;
  postMW: number;
  deltaMW: number;
  lodf: number | null;
  dcDeltaMW: number | null;
}

/** The spec's record fields that matter beside an explanation (contingency-types.ts defines them). */
type PhysicsFields = Pick<ContingencyRecord, 'maxLoading' | 'nOverloads' | 'worstBranch' | 'minVm' | 'maxVm' | 'nVoltageViolations' | 'islanded' | 'cutBuses' | 'lostLoadMW' | 'lostGenMW' | 'converged'>;

export interface PhysicsExplanation extends PhysicsFields {
  verdict: string;
  /** Every branch of the main island but the outaged one, largest |deltaMW| first. */
  flowChange: PhysicsFlowChange[];
  /** Counted overloads, most loaded first. */
  overloaded: { branch: number; loading: number; countsAbove: number }[];
  voltage: { bus: number; vm: number; kind: 'high' | 'low'; limit: number }[];
}

export type SurrogateVerdict = 'islanded' | 'secure' | 'insecure' | 'overload' | 'voltage' | 'overload+voltage';

export interface Explanation {
  format: 'gridrewire-explanation';
  version: 1;
  modelId: number;
  caseName: string;
  /** 1-based case branch row of the outage and its bus numbers. */
  branch: number;
  from: number;
  to: number;
  /** The surrogate's verdict, named as `gridrewire predict` names it. */
  verdict: SurrogateVerdict;
  pInsecure: number;
  logit: number | null;
  threshold: number;
  /** The predicted maximum post-outage loading and its branch (case row); null for an islanded outage. */
  maxLoading: { value: number; branch: number } | null;
  /** Why there is no attribution (an islanded outage is decided by topology), else null. */
  note: string | null;
  network: NetworkExplanation | null;
  grid: GridExplanation | null;
  physics: PhysicsExplanation;
  /** With exact occlusion: how long it took and how the two rankings agree. */
  exact: { seconds: number; spearmanTop50: number; spearmanTop50Loading: number | null } | null;
  /** Milliseconds of each part. */
  timings: Record<string, number>;
}

/** The fidelity study of a model's explanations on held-out test outages (gridrewire explain --fidelity). */
export interface FidelityStudy {
  format: 'gridrewire-fidelity';
  version: 1;
  config: { modelId: number; datasetId: number; split: 'test'; outages: number; draws: number; seed: number; steps: number; physicsK: number; ks: number[]; bootstrap: number; score: string };
  /** Outages measured and what the rebuilt scenarios reproduce of the dataset. */
  counts: { testOutages: number; connectionOutages: number; insecure: number; correctlyPredictedInsecure: number; scenarios: number; labelMismatches: number; worstRebuildMismatch: number };
  connections: number;
  fidelity: FidelityRow[];
  controls: { random: FidelityRow[]; inverse: FidelityRow[]; weight: FidelityRow[]; /** |attribution| alone, sets of mixed sign (studies stored before it lack it). */ magnitude?: FidelityRow[] };
  physics: PhysicsAgreement;
  goals: { ratio10AtLeast3: boolean | null; ratio10AboveWeight: boolean | null; overloadedInTop5AtLeast90: boolean | null };
  /** R(10) of the explanation minus that of |weight|, with a paired bootstrap interval (studies stored before it lack it). */
  ratio10OverWeight?: { difference: number; low: number; high: number } | null;
  seconds: number;
  cancelled: boolean;
}
