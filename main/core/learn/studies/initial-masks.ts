// The masks a training run started from, rebuilt from its stored trainer
// configuration: the Trainer draws its first model from a fresh Rng(seed)
// before anything else, so the same draw gives the same ERK masks and
// initial weights (a static run, which never rewires, ends on exactly these
// masks; the tests check it).

import { GraphNet, resolveGraphNet } from '../gnn';
import { Rng } from '../rng';
import { resolveTopology } from '../schedule';
import { resolveTrainerConfig, type TrainerConfigInput } from '../trainer';

export function initialModel(trainer: TrainerConfigInput): GraphNet {
  const cfg = resolveTrainerConfig(trainer);
  const topo = resolveTopology(cfg.topology);
  const modelCfg = resolveGraphNet({ ...cfg.model, sparsity: topo.sparse ? (cfg.model.sparsity ?? 0.9) : 0 });
  return GraphNet.create(modelCfg, new Rng(cfg.seed));
}
