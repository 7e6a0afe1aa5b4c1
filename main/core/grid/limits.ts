// The spec's rules for limits and violations (../shared/spec/n1.md, "Power
// flow" and "Limits and violations"), written once. The N-1 engine, the DC
// screen, the post-outage states behind the surrogate's labels, its features,
// the power-flow summaries of the app and the CLI all ask here.

/** Tolerance of every limit comparison. */
export const LIMIT_TOL = 1e-9;
/** A base-case overload counts in a contingency only if it grows by more than this (a point of the rating). */
export const LOADING_MARGIN = 0.01;
/** A base-case voltage violation counts only if it grows by more than this (p.u.). */
export const VOLTAGE_MARGIN = 0.001;
/** Newton-Raphson: max-norm mismatch tolerance (p.u.) and iteration cap. */
export const NEWTON_TOL = 1e-8;
export const NEWTON_MAX_IT = 10;
/** RATE_A at or above this means "no limit", as does 0. */
export const UNLIMITED_RATE = 1e10;

/** True for a rating the spec counts: 0 < RATE_A < 1e10. */
export function isRated(rateA: number): boolean {
  return rateA > 0 && rateA < UNLIMITED_RATE;
}

/**
 * Branch loading max(|Sf|, |St|) / RATE_A. Flows in p.u. with `baseMVA`, or
 * in MVA with baseMVA = 1; `rateA` in MVA. sqrt of the larger square, not
 * Math.hypot: this runs for every branch of every outage, and p.u. flows are
 * far from overflow.
 */
export function branchLoading(pf: number, qf: number, pt: number, qt: number, baseMVA: number, rateA: number): number {
  const sf2 = pf * pf + qf * qf, st2 = pt * pt + qt * qt;
  return (Math.sqrt(sf2 > st2 ? sf2 : st2) * baseMVA) / rateA;
}

/** Above the rating (the base-case overload count). */
export function isOverloaded(loading: number): boolean {
  return loading > 1 + LIMIT_TOL;
}

/** The loading from which a post-contingency overload counts, given the branch's base loading. */
export function countingLoading(baseLoading: number): number {
  return isOverloaded(baseLoading) ? baseLoading + LOADING_MARGIN : 1;
}

/**
 * The loading a post-contingency loading must exceed for its overload to
 * count, given the branch's base loading. Hot loops (every branch of every
 * outage) compare against it, computed once per branch.
 */
export function overloadThreshold(baseLoading: number): number {
  return countingLoading(baseLoading) + LIMIT_TOL;
}

/** A post-contingency loading that counts as an overload against its base loading. */
export function overloadCounts(loading: number, baseLoading: number): boolean {
  return loading > overloadThreshold(baseLoading);
}

/** A voltage beyond a limit: `excess` is Vm - Vmax or Vmin - Vm. */
export function isViolation(excess: number): boolean {
  return excess > LIMIT_TOL;
}

/**
 * The voltage excess (Vm - Vmax or Vmin - Vm) a post-contingency one must
 * exceed to count, given the base case's: beyond the limit, or, when the
 * base case already violates it, worse by more than the margin.
 */
export function excessThreshold(baseExcess: number): number {
  return (isViolation(baseExcess) ? baseExcess + VOLTAGE_MARGIN : 0) + LIMIT_TOL;
}

/** A post-contingency voltage excess that counts, against the base case's. */
export function voltageCounts(excess: number, baseExcess: number): boolean {
  return excess > excessThreshold(baseExcess);
}

/** The Vm above which an upper violation counts, given the base Vm. */
export function countingVmax(baseVm: number, vmax: number): number {
  return isViolation(baseVm - vmax) ? baseVm + VOLTAGE_MARGIN : vmax;
}

/** The Vm below which a lower violation counts, given the base Vm. */
export function countingVmin(baseVm: number, vmin: number): number {
  return isViolation(vmin - baseVm) ? baseVm - VOLTAGE_MARGIN : vmin;
}
