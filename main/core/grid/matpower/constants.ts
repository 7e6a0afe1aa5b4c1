// The names MATPOWER's `define_constants` script puts in scope (idx_bus,
// idx_brch, idx_gen, idx_cost, idx_ct and the bus types), with their 1-based
// MATLAB values, so that files writing `CT_TBRCH` or `BR_STATUS` in a matrix
// read as MATPOWER reads them.

import { IDX_CT } from './idx-ct';

const names = (list: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  list.forEach((n, i) => { out[n] = i + 1; });
  return out;
};

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
