// Severity: one number that ranks contingencies, worst first. Its order of
// classes is not the spec's order of rules (islanded is decided first, but a
// divergence, a possible voltage collapse, ranks above an islanding); classes
// do not overlap, except that an islanding that cuts off the reference bus
// ties with a divergence at 100. Within a class the score grows with how bad
// the outcome is.
//
//   diverged                 100
//   islanded                 20 + 80 * (lost load + lost generation) / (total load + total generation);
//                            100 when the reference bus itself is cut off
//   overload and/or voltage  1 + 10 * sum over counted overloads of (loading - 1)
//                              + 100 * sum over counted voltage violations of p.u. beyond the limit,
//                            capped at 19.99
//   secure                   the highest loading, capped at 0.999 (how close to a limit it came)

import type { Verdict } from './contingency-types';

export interface SeverityInput {
  verdict: Verdict;
  maxLoading: number;
  overloadExcess: number;   // sum of (loading - 1) over counted overloads
  voltageExcess: number;    // sum of p.u. beyond limits over counted violations
  lostFraction: number;     // (lost load + lost gen) / (total load + total gen), 1 if ref cut off
}

export function severity(s: SeverityInput): number {
  switch (s.verdict) {
    case 'diverged': return 100;
    case 'islanded': return 20 + 80 * Math.min(1, Math.max(0, s.lostFraction));
    case 'secure': return Math.min(0.999, Math.max(0, s.maxLoading));
    default: return Math.min(19.99, 1 + 10 * s.overloadExcess + 100 * s.voltageExcess);
  }
}

/** Severity's share of an island's losses: (lost load + |lost generation|) / (total load + |total generation|). */
export function lostFraction(lostLoadMW: number, lostGenMW: number, totalLoadMW: number, totalGenMW: number): number {
  return (lostLoadMW + Math.abs(lostGenMW)) / Math.max(1e-9, totalLoadMW + Math.abs(totalGenMW));
}
