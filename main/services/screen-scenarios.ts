// Operating points a model never saw, as cases to screen: a dataset's
// held-out test scenarios, each rebuilt from what the dataset kept
// (explain-scenario.ts) and written as MATPOWER text, as `gridrewire n1`
// reads a case. The bench and the screen's tests measure on them.

import type { Case } from '../core/grid/case';
import { writeMatpower } from '../core/grid/matpower';
import { staticLength, type SplitName } from '../core/learn/grid-data';
import type { Store } from '../store';
import { datasetConfig } from './dataset';
import { rebuildScenario } from './explain-scenario';

export interface ScenarioCase {
  scenario: number;
  case: Case;
  /** The rebuilt case as MATPOWER text. */
  text: string;
}

/** Every scenario of a dataset's split, rebuilt as a case (named after the grid, as its model expects). */
export function splitScenarioCases(store: Store, datasetId: number, split: SplitName = 'test'): ScenarioCase[] {
  const { caseId, config } = datasetConfig(store, datasetId);
  const base = store.cases.getParsed(caseId);
  const SL = staticLength(config.grid.nb, config.grid.nl);
  const out: ScenarioCase[] = [];
  let after = 0;
  for (;;) {
    const page = store.datasets.getSamples(datasetId, { afterId: after, limit: 4096 });
    if (page.length === 0) break;
    after = page[page.length - 1].id;
    for (const s of page) {
      if (s.branch !== 0 || s.split !== split) continue;
      if (s.features.length !== SL) throw new Error(`dataset ${datasetId}: scenario ${s.scenario} has ${s.features.length} static features, expected ${SL}`);
      const { case: c } = rebuildScenario(base, s.features, `scenario ${s.scenario} of dataset ${datasetId}`);
      out.push({ scenario: s.scenario, case: c, text: writeMatpower(c) });
    }
  }
  return out;
}
