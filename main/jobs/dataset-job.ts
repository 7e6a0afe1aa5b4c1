// The dataset job: each worker parses the base case once, then labels each
// scenario it is given (base case, every branch outage by the exact engine,
// post-contingency state, DC screen, features) and encodes the labels
// compactly against the scenario's static row (core/learn/label-codec.ts) and
// the outage records losslessly (core/learn/record-codec.ts), so what travels
// back to the writer is the stored form.

import { parseMatpower } from '../core/grid/matpower';
import type { FeatureOptions } from '../core/grid/features';
import { applyScenario, type ScenarioSpec } from '../core/grid/scenarios';
import { labelScenario } from '../core/learn/grid-data';
import { encodeLabels, labelBase, type LabelBase } from '../core/learn/label-codec';
import { encodeRecord } from '../core/learn/record-codec';
import type { JobHandler } from './types';

export interface DatasetInit {
  caseText: string;
  fileName: string;
  features: FeatureOptions;
  labelEncoding: LabelEncoding;
}

/** 'compact': label-codec and record-codec blobs; 'f32': the full label vectors and records (as datasets were stored before). */
export type LabelEncoding = 'compact' | 'f32';

export interface LabelledScenario {
  id: number;
  static: Float32Array;
  base: { iterations: number; maxLoading: number; nOverloads: number; nVoltageViolations: number };
  /** Records and labels as stored: compact blobs, or the full vectors with 'f32' (or a record the compact form cannot hold). */
  outages: { row: number; record: Float32Array | Uint8Array; labels: Float32Array | Uint8Array }[];
}

/** Labels one scenario (used in worker threads and, for small jobs, in the calling thread). */
export function labelSpec(base: ReturnType<typeof parseMatpower>, spec: ScenarioSpec, features: FeatureOptions, encoding: LabelEncoding = 'compact'): LabelledScenario {
  const c = applyScenario(base, spec);
  if (encoding === 'f32') {
    const r = labelScenario(c, features, spec.outages);
    return { id: spec.id, static: r.static, base: r.base, outages: r.outages.map((o) => ({ row: o.row, record: o.record, labels: o.labels })) };
  }
  // Each outage's labels encoded as they come: on case9241pegase a scenario's full vectors would be 1.6 GB.
  let lb: LabelBase | null = null;
  const r = labelScenario(c, features, spec.outages, (labels, stat, net) => encodeLabels(labels, (lb ??= labelBase(stat, net.nb, net.nl))));
  return { id: spec.id, static: r.static, base: r.base, outages: r.outages.map((o) => ({ row: o.row, record: encodeRecord(o.record) ?? o.record, labels: o.labels })) };
}

export const datasetHandler: JobHandler<'dataset'> = (init) => {
  const base = parseMatpower(init.caseText, init.fileName);
  return (spec) => labelSpec(base, spec, init.features, init.labelEncoding);
};
