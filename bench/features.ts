// The cost of an outage's feature record on case_ACTIVSg2000: the DC-LODF
// estimate alone (datasets made before the AC step) and with the AC first
// step (core/grid/ac-step.ts: Woodbury on the base Jacobian's factors, at
// most 4 solves), which `dataset` pays per labelled outage and `predict`
// per predicted one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { N1Engine } from '../main/core/grid/contingency';
import { DcScreen } from '../main/core/grid/lodf';
import { OutageFeaturizer, acStepFeatureOptions, dcFeatureOptions, scenarioState } from '../main/core/grid/features';
import { parseMatpower } from '../main/core/grid/matpower';
import type { Row } from './run';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');
const CASES = join(ROOT, '..', 'shared', 'cases');

export function runFeaturesBench(record: (r: Row) => void): void {
  const file = join(CASES, 'case_ACTIVSg2000.m');
  const engine = N1Engine.forCase(parseMatpower(readFileSync(file, 'utf8'), file));
  const s = scenarioState(engine), screen = new DcScreen(engine.net);
  for (const [name, opts] of [['DC-LODF estimate', dcFeatureOptions], ['AC first step (the default above 1000 branches)', acStepFeatureOptions]] as const) {
    const fz = new OutageFeaturizer(s, screen, opts);
    fz.record(1); // warm-up (the AC step factorizes the base Jacobian on first use)
    const t0 = performance.now();
    let n = 0;
    for (let k = 0; k < engine.net.nl; k += 8, n++) fz.record(k);
    record({ section: 'features', what: `case_ACTIVSg2000 outage record, ${name}`, value: (performance.now() - t0) / n, unit: 'ms/outage', note: `${n} outages` });
  }
}
