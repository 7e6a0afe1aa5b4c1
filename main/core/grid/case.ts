// The Case: a MATPOWER case as the file states it. External bus numbers, the
// file's units (MW, MVAr, degrees), every row in file order (out-of-service
// ones included) and every column, so that writing it back loses nothing.
// `compile` (network.ts) turns it into the solver's internal per-unit form.

/** A cell of a MATPOWER cell array: a string or a number. */
export type MatCell = string | number;

/** Any `mpc.x = ...` value the reader keeps but does not interpret. */
export type MatValue =
  | { kind: 'matrix'; rows: number[][] }
  | { kind: 'cell'; rows: MatCell[][] }
  | { kind: 'string'; value: string }
  | { kind: 'scalar'; value: number };

export interface Case {
  /** Name from `function mpc = name`. */
  name: string;
  /** `mpc.version`, '2' for every modern case. */
  version: string;
  baseMVA: number;
  /** Rows as in the file; at least 13 columns (17 with OPF results). */
  bus: number[][];
  /** Rows as in the file; at least 10 columns (21+ with OPF results). */
  gen: number[][];
  /** Rows as in the file; at least 11 columns (13 or more commonly). */
  branch: number[][];
  gencost?: number[][];
  /** One name per bus row, when the file has `mpc.bus_name`. */
  bus_name?: string[];
  /** Every other `mpc.x` field, in file order (gentype, genfuel, areas, ...). */
  extra: { [field: string]: MatValue };
  /** Field order as in the file, so the writer reproduces it. */
  fieldOrder: string[];
  /**
   * The file's statements other than literal assignments (the unit conversions of
   * MATPOWER's distribution cases, `[PQ, PV, ...] = idx_bus;`, `define_constants;`),
   * as written; the matrices above already hold their result. The writer notes them
   * in its header. Absent when the file has none.
   */
  statements?: string[];
}

/** Kinds of change-table row, MATPOWER `idx_ct`. */
export interface ChangeRow {
  label: number;
  prob: number;
  table: number;
  row: number;
  col: number;
  chgtype: number;
  newval: number;
}

export interface ChangeTable {
  name: string;
  rows: ChangeRow[];
}
