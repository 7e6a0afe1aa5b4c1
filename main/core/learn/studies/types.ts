// The documents the studies keep with a model (model_results) and the window
// draws: plain data, no I/O, so the renderer may import these types.

import type { PruneSpec, Quantization } from './compress';
import type { LayerGraphon } from './graphon';
import type { Perturbation } from './perturb';
import type { RobustnessCurve } from './robustness';

export interface RobustnessStudy {
  format: 'gridrewire-robustness';
  version: 1;
  modelId: number;
  modelName: string;
  method: string;
  regrow: string;
  sparsity: number;
  config: { perturbations: Perturbation[]; draws: number; seed: number; outages: number; workers?: number; evaluated: number; testOutages: number; insecure: number; threshold: number; fractions: number[] };
  connections: number;
  curves: RobustnessCurve[];
  evaluations: number;
  seconds: number;
  cancelled: boolean;
}

export interface GraphonStudy {
  format: 'gridrewire-graphon';
  version: 1;
  modelId: number;
  modelName: string;
  method: string;
  regrow: string;
  blocks: number;
  /** The sparse layers after training (the stored model). */
  layers: LayerGraphon[];
  /** The same layers as the run started (its ERK masks, rebuilt from the run's seed); null without the run. */
  initial: { trainingRunId: number; layers: LayerGraphon[] } | null;
  /** The run's masks as the store kept them: epoch 0 (its start) and every epoch whose rewiring changed them, oldest first (none for a run trained before they were kept, or a dense one). */
  epochs: { epoch: number; layers: LayerGraphon[] }[];
  seconds: number;
}

export interface CompressionRow {
  name: string;
  /** The stored compressed model (null for 'none': the source model itself). */
  modelId: number | null;
  prune: PruneSpec | null;
  quantize: Quantization | null;
  finetune: number;
  bytes: number;
  /** bytes / bytes of 'none'. */
  sizeRatio: number;
  connections: number;
  accuracy: number;
  balancedAccuracy: number;
  recall: number;
  flipRate: number;
  loadingMae: number;
  /** Inference over every branch outage of the case (base solve and features excluded), ms. */
  latencyMs: number;
  meetsGoal: boolean;
}

export interface CompressionStudy {
  format: 'gridrewire-compression';
  version: 1;
  modelId: number;
  modelName: string;
  method: string;
  config: { prune: PruneSpec[]; quantize: Quantization[]; finetune: number; testOutages: number; insecure: number; threshold: number; outagesTimed: number };
  rows: CompressionRow[];
  /** The goal: at most a quarter of the stored size, at most half a point of balanced accuracy and no insecure recall lost. */
  goal: { maxBytes: number; minBalancedAccuracy: number; minRecall: number; met: string[]; smallest: string | null };
  seconds: number;
  cancelled: boolean;
}
