// Public surface of the learning core (cpu backend).

export { Rng } from './rng';
export { LearnError, type LearnErrorCode } from './errors';
export type { Layer, Param, InitGain } from './layer';
export { DenseLayer } from './dense';
export { SparseLayer, csrFromPositions } from './sparse';
export { layerDensities, layerConnectionCounts, randomMask, type LayerShape, type DensityRule } from './density';
export { Optimizer, defaultOptimizer, type OptimizerConfig } from './optim';
export { ch3l3Scores, countL3Paths, type Ch3l3Scores } from './ch3l3';
export { rewireLayer, REGROW_RULES, type RegrowRule, type RewireOptions, type RewireStats } from './rewire';
export {
  RatePolicy, resolveTopology, TOPOLOGY_METHODS,
  type RateConfig, type RateKind, type RateState, type TopologyConfig, type TopologyMethod, type ResolvedTopology,
} from './schedule';
export { asSource, makeBatch, checkTopology, type Batch, type GraphSample, type GraphTargets, type GraphTopology, type SampleSource } from './graph';
export { computeLoss, resolveLoss, sigmoid, defaultLoss, type LossConfig, type HeadOutputs, type LossResult } from './loss';
export { GraphNet, resolveGraphNet, layerSpecs, defaultGraphNet, type GraphNetConfig, type Prediction, type LayerSpec } from './gnn';
export { serializeModel, deserializeModel, type Blob, type SerializedModel } from './serialize';
export {
  accuracy, balancedAccuracy, confusion, meanAbsoluteError, parameterCounts, precision, recall, specificity,
  type Confusion, type ParameterCounts,
} from './metrics';
export {
  Trainer, averageGradients, resolveTrainerConfig,
  type TrainerConfig, type TrainerConfigInput, type TrainData, type EvalMetrics, type EpochRecord, type BatchProgress,
  type FitCallbacks, type FitResult, type GradientBuffers, type TrainerState, type StopReason, type Monitor,
} from './trainer';
export { syntheticTask, ringWithChords, type SyntheticTask, type SyntheticOptions } from './synthetic';
