// One base-case power flow of a case, summarised for the app: voltages,
// flows and each rated branch's loading by the spec's rule (core/grid/limits).

import type { PowerFlowSummary } from '../api';
import { BR_STATUS, RATE_A } from '../core/grid/idx';
import { branchLoading, isRated } from '../core/grid/limits';
import { runPowerFlow, type PowerFlowResult } from '../core/grid/powerflow';
import type { Case } from '../core/grid/case';
import type { CaseCatalogue } from './case-catalogue';

export class PowerFlows {
  constructor(private readonly catalogue: CaseCatalogue) {}

  solve(key: string, dc = false): PowerFlowSummary {
    const c = this.catalogue.get(key);
    const r = runPowerFlow(c, { dc });
    const head = { mode: r.mode, converged: r.converged, status: r.status, iterations: r.iterations, mismatch: r.mismatch, milliseconds: r.seconds * 1000 };
    // A failed solve's last iterate is no solution: no voltages, flows or loadings from it.
    if (!r.converged) return { ...head, vm: [], va: [], loading: [], pf: [], qf: [] };
    return { ...head, vm: Array.from(r.vm), va: Array.from(r.va), loading: loadings(c, r), pf: Array.from(r.pf), qf: Array.from(r.qf) };
  }
}

/** Per case branch row: loading of a rated in-service branch (flows in MVA, so baseMVA 1), else null. */
function loadings(c: Case, r: PowerFlowResult): (number | null)[] {
  return c.branch.map((row, i) =>
    isRated(row[RATE_A]) && row[BR_STATUS] !== 0 ? branchLoading(r.pf[i], r.qf[i], r.pt[i], r.qt[i], 1, row[RATE_A]) : null);
}
