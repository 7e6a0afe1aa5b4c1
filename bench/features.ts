// The cost of an outage's feature record on case_ACTIVSg2000: the DC-LODF
// estimate alone (datasets made before the AC step), the AC first step alone
// (core/grid/ac-step.ts: Woodbury on the base Jacobian's factors, at most 4
// solves; the records of the session before the chord steps) and today's
// AC-step records (5 Newton steps, every branch scanned, bus voltages),
// which `dataset` pays per labelled outage and `predict` per predicted one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { N1Engine } from '../main/core/grid/contingency';
import { DcScreen } from '../main/core/grid/lodf';
import { OutageFeaturizer, acStepFeatureOptions, dcFeatureOptions, scenarioState, type FeatureOptions } from '../main/core/grid/features';
import { parseMatpower } from '../main/core/grid/matpower';
import type { Row } from './run';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');
const CASES = join(ROOT, '..', 'shared', 'cases');

export function runFeaturesBench(record: (r: Row) => void): void {
  const file = join(CASES, 'case_ACTIVSg2000.m');
  const engine = N1Engine.forCase(parseMatpower(readFileSync(file, 'utf8'), file));
  const s = scenarioState(engine), screen = new DcScreen(engine.net);
  const { acSteps: _s, acScan: _a, voltageMove: _m, voltageNear: _n, maxVoltage: _x, ...firstStep } = acStepFeatureOptions;
  const rows: [string, FeatureOptions][] = [
    ['DC-LODF estimate', dcFeatureOptions],
    ['AC first step only (the records before the chord steps)', firstStep],
    [`AC-step records, the default above 1000 branches (${acStepFeatureOptions.acSteps} steps, branch scan, bus voltages)`, acStepFeatureOptions],
  ];
  for (const [name, opts] of rows) {
    const fz = new OutageFeaturizer(s, screen, opts);
    fz.record(1); // warm-up (the AC step factorizes the base Jacobian on first use)
    const t0 = performance.now();
    let n = 0;
    for (let k = 0; k < engine.net.nl; k += 8, n++) fz.record(k);
    record({ section: 'features', what: `case_ACTIVSg2000 outage record, ${name}`, value: (performance.now() - t0) / n, unit: 'ms/outage', note: `${n} outages, every 8th branch` });
  }
  // As predict and the screen run them: consecutive branches, whose end buses' inverse columns are often kept (ac-step.ts InverseColumns).
  const fz = new OutageFeaturizer(s, screen, acStepFeatureOptions);
  fz.record(1);
  const t0 = performance.now();
  for (let k = 0; k < engine.net.nl; k++) fz.record(k);
  record({ section: 'features', what: 'case_ACTIVSg2000 outage record, AC-step records in branch order (as predict takes them)', value: (performance.now() - t0) / engine.net.nl, unit: 'ms/outage', note: `all ${engine.net.nl} outages` });
}
