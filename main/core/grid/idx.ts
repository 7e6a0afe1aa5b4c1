// Column indices of MATPOWER's bus, gen and branch matrices (idx_bus, idx_gen,
// idx_brch), 0-based. Names follow MATPOWER so code reads like its docs.

export const BUS_I = 0, BUS_TYPE = 1, PD = 2, QD = 3, GS = 4, BS = 5, BUS_AREA = 6,
  VM = 7, VA = 8, BASE_KV = 9, ZONE = 10, VMAX = 11, VMIN = 12;

export const GEN_BUS = 0, PG = 1, QG = 2, QMAX = 3, QMIN = 4, VG = 5, MBASE = 6,
  GEN_STATUS = 7, PMAX = 8, PMIN = 9;

export const F_BUS = 0, T_BUS = 1, BR_R = 2, BR_X = 3, BR_B = 4, RATE_A = 5, RATE_B = 6,
  RATE_C = 7, TAP = 8, SHIFT = 9, BR_STATUS = 10, ANGMIN = 11, ANGMAX = 12;

/** Bus types. */
export const PQ = 1, PV = 2, REF = 3, NONE = 4;

/** Minimum column counts a case must have. */
export const BUS_COLS = 13, GEN_COLS = 10, BRANCH_COLS = 11;
