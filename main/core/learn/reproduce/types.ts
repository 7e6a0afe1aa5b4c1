// What a reproduction of a paper's benchmark prints, stores and hands to the
// README (issue 16): one contract for the image MLPs (Fashion-MNIST, MNIST)
// and the graph classifiers (MUTAG, PROTEINS), so `gridrewire reproduce`
// treats both alike. Plain data, no I/O.

export type ReproduceDataset = 'fashion-mnist' | 'mnist' | 'mutag' | 'proteins';
export const REPRODUCE_DATASETS: readonly ReproduceDataset[] = ['fashion-mnist', 'mnist', 'mutag', 'proteins'];

/** One line of the printed table: a method at a sparsity, over its seeds or folds. */
export interface ReproduceRow {
  /** 'dense', 'set', 'rigl', 'ch3l3', 'fixed', 'adaptive', ... as the study names them. */
  method: string;
  /** Fraction of the sparse layers' connections removed (0 for dense). */
  sparsity: number;
  /** Mean test accuracy over the runs (seeds or folds), 0..1. */
  accuracy: number;
  /** Standard deviation of the test accuracy over the runs (0 for one run). */
  std: number;
  /** Trainable parameters kept (connections + biases + dense parts). */
  params: number;
  /** Mean epochs trained (after early stopping where it applies). */
  epochs: number;
  /** Mean wall seconds per run. */
  seconds: number;
  /** Runs averaged (seeds x folds). */
  runs: number;
  /** Mean epochs to reach the study's accuracy mark (e.g. 0.85 on Fashion-MNIST), null when never reached. */
  epochsToMark?: number | null;
}

export interface ReproduceResult {
  dataset: ReproduceDataset;
  rows: ReproduceRow[];
  /** Everything needed to run it again (architecture, epochs, seeds, split or folds, learning rate, ...). */
  config: Record<string, unknown>;
  /** How train and test were split, in words (e.g. 'seeded stratified 60000/10000', '10-fold stratified CV, seed 1'). */
  split: string;
  seconds: number;
}

/** Reported after every epoch of every run, so the CLI can print the table as it fills. */
export interface ReproduceProgress {
  dataset: ReproduceDataset;
  method: string;
  sparsity: number;
  /** Seed (images) or fold (graphs) of this run, and how many there are. */
  run: number;
  runs: number;
  epoch: number;
  epochs: number;
  trainLoss: number;
  /** Accuracy on the held-out part this epoch (validation or test, as the protocol says). */
  accuracy: number;
}

/** The finished result of one run (one method, sparsity and seed or fold). */
export interface RunOutcome {
  accuracy: number;
  params: number;
  epochs: number;
  seconds: number;
  epochsToMark?: number | null;
  /** Accuracy after each epoch, for the README's curves. */
  curve: number[];
}

/** Where finished runs are kept, so a study that was stopped resumes without redoing them.
 *  The key names the run completely (dataset, method, sparsity, seed or fold, config hash). */
export interface RunStore {
  get(key: string): RunOutcome | undefined;
  put(key: string, outcome: RunOutcome): void;
}

export interface ReproduceOptions {
  /** Methods to run, as the study names them; the study's defaults when absent. */
  methods?: string[];
  /** Sparsities to run (fractions removed); the study's defaults when absent. */
  sparsities?: number[];
  epochs?: number;
  /** Seeds (images) or repetitions of the folds (graphs). */
  seeds?: number;
  /** Folds of the cross-validation (graphs), or a subset of them for tests. */
  folds?: number;
  seed?: number;
  /** Use only the first N samples or graphs (tests, smoke runs). */
  limit?: number;
  /** Where the raw data lives (the TU folder, the image packages), when not the default. */
  dataDir?: string;
  signal?: AbortSignal;
}

/** Optional (added by the image half): where a run's state after each epoch is kept, so a
 *  stopped run resumes mid-way; the last epoch's state is the trained network the studies read. */
export interface CheckpointStore {
  load(key: string): Uint8Array | undefined;
  save(key: string, epoch: number, state: Uint8Array): void;
}

export interface ReproduceHooks {
  runStore?: RunStore;
  checkpoints?: CheckpointStore;
  onProgress?: (p: ReproduceProgress) => void;
  /** A row is complete (all its runs finished). */
  onRow?: (row: ReproduceRow) => void;
}

/** One per dataset family; `gridrewire reproduce <dataset>` looks the runner up by dataset. */
export type ReproduceRunner = (dataset: ReproduceDataset, opts: ReproduceOptions, hooks: ReproduceHooks) => Promise<ReproduceResult>;
