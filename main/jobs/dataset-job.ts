// The dataset job: each worker parses the base case once, then labels each
// scenario it is given (base case, every branch outage by the exact engine,
// post-contingency state, DC screen, features).

import { parseMatpower } from '../core/grid/matpower';
import type { FeatureOptions } from '../core/grid/features';
import { applyScenario, type ScenarioSpec } from '../core/grid/scenarios';
import { labelScenario } from '../core/learn/grid-data';
import type { JobHandler } from './types';

export interface DatasetInit {
  caseText: string;
  fileName: string;
  features: FeatureOptions;
}

export interface LabelledScenario {
  id: number;
  static: Float32Array;
  base: { iterations: number; maxLoading: number; nOverloads: number; nVoltageViolations: number };
  outages: { row: number; record: Float32Array; labels: Float32Array }[];
}

/** Labels one scenario (used in worker threads and, for small jobs, in the calling thread). */
export function labelSpec(base: ReturnType<typeof parseMatpower>, spec: ScenarioSpec, features: FeatureOptions): LabelledScenario {
  const r = labelScenario(applyScenario(base, spec), features);
  return { id: spec.id, static: r.static, base: r.base, outages: r.outages.map((o) => ({ row: o.row, record: o.record, labels: o.labels })) };
}

export const datasetHandler: JobHandler<'dataset'> = (init) => {
  const base = parseMatpower(init.caseText, init.fileName);
  return (spec) => labelSpec(base, spec, init.features);
};
