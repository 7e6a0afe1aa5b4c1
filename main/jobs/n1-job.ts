// The N-1 job: each worker parses the case and solves the base case once,
// then solves the contingencies of each chunk it is given. openN1 is the
// same set-up for the calling thread (services/n1.ts).

import type { Case } from '../core/grid/case';
import { parseMatpower } from '../core/grid/matpower';
import { ContingencyError, N1Engine, type EngineOptions } from '../core/grid/contingency';
import { DcScreen } from '../core/grid/lodf';
import { compile, type Network } from '../core/grid/network';
import type { ContingencyKind, ContingencyRecord } from '../core/grid/contingency-types';
import type { JobHandler } from './types';

export type N1Mode = 'ac' | 'dc';

export interface N1Init {
  caseText: string;
  fileName: string;
  mode: N1Mode;
  kind: ContingencyKind;
  engine?: EngineOptions;
}

/** The base case as an N-1 run reports it (DC: no iterations, no voltages). */
export interface N1Base {
  iterations: number;
  mismatch: number;
  maxLoading: number;
  nOverloads: number;
  nVoltageViolations: number;
}

/** One case ready for its outages: AC engine or DC screen, same shape. */
export interface N1Study {
  net: Network;
  base: N1Base;
  /** Every in-service element of the kind, as 1-based case rows. */
  defaults: number[];
  /** The record of one element's outage (1-based case row). */
  solve(row: number): ContingencyRecord;
  /** AC branch outages: the record when topology alone decides it (islanded, nothing solved), else null. */
  byTopology?(row: number): ContingencyRecord | null;
}

export function openN1(c: Case, mode: N1Mode, kind: ContingencyKind, engine?: EngineOptions): N1Study {
  if (mode === 'dc') {
    if (kind !== 'branch') throw new ContingencyError('DC screening covers branch outages only; use --mode ac for generator outages');
    const screen = new DcScreen(compile(c));
    const flows = new Float64Array(screen.net.nl);
    return {
      net: screen.net,
      base: { iterations: 0, mismatch: 0, ...screen.base, nVoltageViolations: 0 },
      defaults: Array.from(screen.net.branchRow, (r) => r + 1),
      solve: (row) => screen.branchOutage(row, flows),
    };
  }
  return acStudy(N1Engine.forCase(c, engine), kind);
}

/** The AC study of an engine whose base case is solved (a verified screen shares its surrogate's). */
export function acStudy(e: N1Engine, kind: ContingencyKind): N1Study {
  const { iterations, mismatch, maxLoading, nOverloads, nVoltageViolations } = e.base;
  return {
    net: e.net,
    base: { iterations, mismatch, maxLoading, nOverloads, nVoltageViolations },
    defaults: kind === 'branch' ? e.defaultBranches() : e.defaultGens(),
    solve: kind === 'branch' ? (row) => e.branchOutage(row) : (row) => e.genOutage(row),
    ...(kind === 'branch' ? { byTopology: (row: number) => e.branchByTopology(row) } : {}),
  };
}

export const n1Handler: JobHandler<'n1'> = (init) => {
  const study = openN1(parseMatpower(init.caseText, init.fileName), init.mode, init.kind, init.engine);
  return (rows) => rows.map(study.solve);
};
