// The spec's limits the renderer applies to what it shows (a rating that
// means unlimited, the tolerance at a voltage limit): copies, since the
// renderer imports only types from main; test/unit/renderer-constants.test.ts
// holds them equal to main/core/grid/limits.ts.

/** A RATE_A at or above this is no rating (limits.ts UNLIMITED_RATE). */
export const UNLIMITED_RATE = 1e10;
/** How far beyond a limit a value must be to be beyond it (limits.ts LIMIT_TOL). */
export const LIMIT_TOL = 1e-9;

export const isRated = (rateA: number): boolean => rateA > 0 && rateA < UNLIMITED_RATE;
