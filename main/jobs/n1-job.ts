// The N-1 job: each worker parses the case and solves the base case once,
// then solves the contingencies of each chunk it is given.

import { parseMatpower } from '../core/grid/matpower';
import { N1Engine, type EngineOptions } from '../core/grid/contingency';
import { DcScreen } from '../core/grid/lodf';
import { compile } from '../core/grid/network';
import type { ContingencyKind, ContingencyRecord } from '../core/grid/contingency-types';

export interface N1Init {
  caseText: string;
  fileName: string;
  mode: 'ac' | 'dc';
  kind: ContingencyKind;
  engine?: EngineOptions;
}

/** A solver for one case: AC engine or DC screen, same call shape. */
export function n1Solver(init: N1Init): (element: number) => ContingencyRecord {
  const c = parseMatpower(init.caseText, init.fileName);
  if (init.mode === 'dc') {
    if (init.kind !== 'branch') throw new Error('DC screening covers branch outages only');
    const screen = new DcScreen(compile(c));
    const flows = new Float64Array(screen.net.nl);
    return (row) => screen.branchOutage(row, flows);
  }
  const engine = N1Engine.forCase(c, init.engine);
  return init.kind === 'branch' ? (row) => engine.branchOutage(row) : (row) => engine.genOutage(row);
}

export function n1Handler(init: unknown): (chunk: unknown) => ContingencyRecord[] {
  const solve = n1Solver(init as N1Init);
  return (chunk) => (chunk as number[]).map(solve);
}
