// The names MATPOWER's `define_constants` script puts in scope (idx_bus,
// idx_brch, idx_gen, idx_cost, idx_ct and the bus types), with their 1-based
// MATLAB values, so that files writing `CT_TBRCH` or `BR_STATUS` in a matrix
// read as MATPOWER reads them; and the output lists of the idx_* functions,
// which a file binds by position (`[PQ, PV, REF, NONE, BUS_I, ...] = idx_bus;`).

import { IDX_CT } from './idx-ct';

const names = (list: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  list.forEach((n, i) => { out[n] = i + 1; });
  return out;
};

// Values: each name's column in its matrix (lists in column order).
const IDX_BUS = names(['BUS_I', 'BUS_TYPE', 'PD', 'QD', 'GS', 'BS', 'BUS_AREA', 'VM', 'VA',
  'BASE_KV', 'ZONE', 'VMAX', 'VMIN', 'LAM_P', 'LAM_Q', 'MU_VMAX', 'MU_VMIN']);

const IDX_GEN = names(['GEN_BUS', 'PG', 'QG', 'QMAX', 'QMIN', 'VG', 'MBASE', 'GEN_STATUS',
  'PMAX', 'PMIN', 'PC1', 'PC2', 'QC1MIN', 'QC1MAX', 'QC2MIN', 'QC2MAX', 'RAMP_AGC',
  'RAMP_10', 'RAMP_30', 'RAMP_Q', 'APF', 'MU_PMAX', 'MU_PMIN', 'MU_QMAX', 'MU_QMIN']);

const IDX_BRCH = names(['F_BUS', 'T_BUS', 'BR_R', 'BR_X', 'BR_B', 'RATE_A', 'RATE_B', 'RATE_C',
  'TAP', 'SHIFT', 'BR_STATUS', 'ANGMIN', 'ANGMAX', 'PF', 'QF', 'PT', 'QT', 'MU_SF', 'MU_ST',
  'MU_ANGMIN', 'MU_ANGMAX']);

const IDX_COST = { PW_LINEAR: 1, POLYNOMIAL: 2, MODEL: 1, STARTUP: 2, SHUTDOWN: 3, NCOST: 4, COST: 5 };

const BUS_TYPES = { PQ: 1, PV: 2, REF: 3, NONE: 4 };

/** Name -> value after `define_constants;`. */
export const DEFINE_CONSTANTS: ReadonlyMap<string, number> = new Map(Object.entries({
  ...BUS_TYPES, ...IDX_BUS, ...IDX_GEN, ...IDX_BRCH, ...IDX_COST, ...IDX_CT,
}));

/**
 * What each idx_* function returns, in MATPOWER's output order (which is not
 * always column order: idx_brch returns PF ... MU_ST before ANGMIN, idx_gen
 * the MU_* multipliers before PC1). `[A, B] = idx_bus;` binds A and B to the
 * values of the first two.
 */
export const IDX_OUTPUTS: { readonly [fn: string]: readonly string[] } = {
  idx_bus: ['PQ', 'PV', 'REF', 'NONE', 'BUS_I', 'BUS_TYPE', 'PD', 'QD', 'GS', 'BS', 'BUS_AREA', 'VM',
    'VA', 'BASE_KV', 'ZONE', 'VMAX', 'VMIN', 'LAM_P', 'LAM_Q', 'MU_VMAX', 'MU_VMIN'],
  idx_brch: ['F_BUS', 'T_BUS', 'BR_R', 'BR_X', 'BR_B', 'RATE_A', 'RATE_B', 'RATE_C', 'TAP', 'SHIFT',
    'BR_STATUS', 'PF', 'QF', 'PT', 'QT', 'MU_SF', 'MU_ST', 'ANGMIN', 'ANGMAX', 'MU_ANGMIN', 'MU_ANGMAX'],
  idx_gen: ['GEN_BUS', 'PG', 'QG', 'QMAX', 'QMIN', 'VG', 'MBASE', 'GEN_STATUS', 'PMAX', 'PMIN',
    'MU_PMAX', 'MU_PMIN', 'MU_QMAX', 'MU_QMIN', 'PC1', 'PC2', 'QC1MIN', 'QC1MAX', 'QC2MIN', 'QC2MAX',
    'RAMP_AGC', 'RAMP_10', 'RAMP_30', 'RAMP_Q', 'APF'],
  idx_cost: ['PW_LINEAR', 'POLYNOMIAL', 'MODEL', 'STARTUP', 'SHUTDOWN', 'NCOST', 'COST'],
  idx_ct: ['CT_LABEL', 'CT_PROB', 'CT_TABLE', 'CT_TBUS', 'CT_TGEN', 'CT_TBRCH', 'CT_TAREABUS',
    'CT_TAREAGEN', 'CT_TAREABRCH', 'CT_ROW', 'CT_COL', 'CT_CHGTYPE', 'CT_REP', 'CT_REL', 'CT_ADD',
    'CT_NEWVAL', 'CT_TLOAD', 'CT_TAREALOAD', 'CT_LOAD_ALL_PQ', 'CT_LOAD_FIX_PQ', 'CT_LOAD_DIS_PQ',
    'CT_LOAD_ALL_P', 'CT_LOAD_FIX_P', 'CT_LOAD_DIS_P', 'CT_TGENCOST', 'CT_TAREAGENCOST',
    'CT_MODCOST_F', 'CT_MODCOST_X'],
};

/** The elementwise functions a conversion statement may call. */
export const FUNCTIONS: { readonly [fn: string]: (x: number) => number } = {
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  sqrt: Math.sqrt, abs: Math.abs, exp: Math.exp, log: Math.log,
};
