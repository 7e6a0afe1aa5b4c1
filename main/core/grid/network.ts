// compile: Case (file units, external numbers, every row) -> Network (per unit,
// internal 0-based indices, in-service elements only, maps back to case rows).
// Follows MATPOWER's ext2int + bustypes so that results match runpf exactly.

import type { Case } from './case';
import {
  BUS_I, BUS_TYPE, PD, QD, GS, BS, VM, VA, VMAX, VMIN,
  GEN_BUS, PG, QG, QMAX, QMIN, VG, GEN_STATUS, PMAX, PMIN,
  F_BUS, T_BUS, BR_R, BR_X, BR_B, RATE_A, TAP, SHIFT, BR_STATUS,
  PQ, PV, REF, NONE,
} from './idx';
import { islandsWithoutReference } from './islands';

export class NetworkError extends Error {
  /** The case row the error is about (1-based), when it is about one: adapters turn it into file:line. */
  constructor(message: string, readonly at?: { table: 'bus' | 'gen' | 'branch'; row: number }) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface Network {
  caseName: string;
  baseMVA: number;
  nb: number;
  ng: number;
  nl: number;
  // --- buses (internal order = order of in-service rows in the file) ---
  busNumber: Int32Array;     // external bus number
  busRow: Int32Array;        // 0-based row in case.bus
  /** Bus type after MATPOWER's bustypes (PV without an in-service gen -> PQ). */
  busType: Int8Array;
  Pd: Float64Array; Qd: Float64Array;   // p.u.
  Gs: Float64Array; Bs: Float64Array;   // p.u. (at V = 1)
  Vm0: Float64Array; Va0: Float64Array; // case start point (Va in radians)
  Vmax: Float64Array; Vmin: Float64Array;
  // --- in-service generators ---
  genBus: Int32Array;        // internal bus index
  genRow: Int32Array;        // 0-based row in case.gen
  Pg: Float64Array; Qg: Float64Array;   // p.u.
  Qmax: Float64Array; Qmin: Float64Array; // p.u.
  Pmax: Float64Array; Pmin: Float64Array; // p.u.
  Vg: Float64Array;
  // --- in-service branches ---
  f: Int32Array; t: Int32Array;         // internal bus indices
  branchRow: Int32Array;     // 0-based row in case.branch
  r: Float64Array; x: Float64Array; b: Float64Array;
  /** Off-nominal ratio (1 where TAP = 0). */
  ratio: Float64Array;
  /** Phase shift in radians. */
  shift: Float64Array;
  rateA: Float64Array;       // MVA, 0 = unlimited
  // --- index sets (MATPOWER bustypes) ---
  /** The reference bus (the first, as MATPOWER's pfsoln uses). */
  ref: number;
  /** Every reference bus: angle and magnitude fixed (MATPOWER allows several). */
  refs: Int32Array;
  pv: Int32Array;
  pq: Int32Array;
  /** external bus number -> internal index (-1 when absent / isolated). */
  busIndex: Map<number, number>;
  /** case branch row (0-based) -> internal branch index, -1 if out of service. */
  branchOfRow: Int32Array;
  /** case gen row (0-based) -> internal gen index, -1 if out of service. */
  genOfRow: Int32Array;
}

/** Compile a case for the solvers. Throws NetworkError for cases no solver can use. */
export function compile(c: Case): Network {
  const base = c.baseMVA;
  if (!(base > 0) || !Number.isFinite(base)) throw new NetworkError(`baseMVA must be a positive number, got ${base}`);

  const busIndex = new Map<number, number>();
  const rows: number[] = [];
  for (let i = 0; i < c.bus.length; i++) {
    const row = c.bus[i];
    if (row[BUS_TYPE] === NONE) continue;
    busIndex.set(row[BUS_I], rows.length);
    rows.push(i);
  }
  const nb = rows.length;
  if (nb === 0) throw new NetworkError('the case has no in-service bus');

  const busNumber = new Int32Array(nb), busRow = new Int32Array(nb), busType = new Int8Array(nb);
  const Pd = new Float64Array(nb), Qd = new Float64Array(nb), Gs = new Float64Array(nb), Bs = new Float64Array(nb);
  const Vm0 = new Float64Array(nb), Va0 = new Float64Array(nb), Vmax = new Float64Array(nb), Vmin = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    const row = c.bus[rows[k]];
    busNumber[k] = row[BUS_I];
    busRow[k] = rows[k];
    busType[k] = row[BUS_TYPE];
    Pd[k] = row[PD] / base; Qd[k] = row[QD] / base;
    Gs[k] = row[GS] / base; Bs[k] = row[BS] / base;
    Vm0[k] = row[VM]; Va0[k] = (row[VA] * Math.PI) / 180;
    Vmax[k] = row[VMAX]; Vmin[k] = row[VMIN];
  }

  // Generators: on when GEN_STATUS > 0 and at an existing bus.
  const genOfRow = new Int32Array(c.gen.length).fill(-1);
  const gRows: number[] = [];
  for (let i = 0; i < c.gen.length; i++) {
    const row = c.gen[i];
    const bi = busIndex.get(row[GEN_BUS]);
    if (row[GEN_STATUS] > 0 && bi !== undefined) { genOfRow[i] = gRows.length; gRows.push(i); }
  }
  const ng = gRows.length;
  const genBus = new Int32Array(ng), genRow = new Int32Array(ng);
  const Pg = new Float64Array(ng), Qg = new Float64Array(ng), Qmax = new Float64Array(ng), Qmin = new Float64Array(ng);
  const Pmax = new Float64Array(ng), Pmin = new Float64Array(ng), Vg = new Float64Array(ng);
  for (let k = 0; k < ng; k++) {
    const row = c.gen[gRows[k]];
    genBus[k] = busIndex.get(row[GEN_BUS])!;
    genRow[k] = gRows[k];
    Pg[k] = row[PG] / base; Qg[k] = row[QG] / base;
    Qmax[k] = row[QMAX] / base; Qmin[k] = row[QMIN] / base;
    Pmax[k] = row[PMAX] / base; Pmin[k] = row[PMIN] / base;
    Vg[k] = row[VG];
  }

  // Branches: in service when BR_STATUS != 0 and both ends exist.
  const branchOfRow = new Int32Array(c.branch.length).fill(-1);
  const lRows: number[] = [];
  for (let i = 0; i < c.branch.length; i++) {
    const row = c.branch[i];
    if (row[BR_STATUS] === 0) continue;
    if (!busIndex.has(row[F_BUS]) || !busIndex.has(row[T_BUS])) continue;
    branchOfRow[i] = lRows.length;
    lRows.push(i);
  }
  const nl = lRows.length;
  const f = new Int32Array(nl), t = new Int32Array(nl), branchRow = new Int32Array(nl);
  const r = new Float64Array(nl), x = new Float64Array(nl), b = new Float64Array(nl);
  const ratio = new Float64Array(nl), shift = new Float64Array(nl), rateA = new Float64Array(nl);
  for (let k = 0; k < nl; k++) {
    const row = c.branch[lRows[k]];
    if (row[BR_R] === 0 && row[BR_X] === 0) {
      // Its series admittance 1 / (r + jx) is infinite: no power flow can use it.
      throw new NetworkError(`branch ${lRows[k] + 1} (${row[F_BUS]}-${row[T_BUS]}) has zero impedance (BR_R = BR_X = 0): give it a small reactance, or merge its two buses`, { table: 'branch', row: lRows[k] + 1 });
    }
    f[k] = busIndex.get(row[F_BUS])!; t[k] = busIndex.get(row[T_BUS])!;
    branchRow[k] = lRows[k];
    r[k] = row[BR_R]; x[k] = row[BR_X]; b[k] = row[BR_B];
    ratio[k] = row[TAP] === 0 ? 1 : row[TAP];
    shift[k] = (row[SHIFT] * Math.PI) / 180;
    rateA[k] = row[RATE_A];
  }

  const { refs, pv, pq } = bustypes(busType, genBus);
  // bustypes' reclassification is what the solver uses.
  for (let k = 0; k < nb; k++) busType[k] = PQ;
  for (const k of pv) busType[k] = PV;
  for (const k of refs) busType[k] = REF;
  const ref = refs[0];

  const net: Network = {
    caseName: c.name, baseMVA: base, nb, ng, nl,
    busNumber, busRow, busType, Pd, Qd, Gs, Bs, Vm0, Va0, Vmax, Vmin,
    genBus, genRow, Pg, Qg, Qmax, Qmin, Pmax, Pmin, Vg,
    f, t, branchRow, r, x, b, ratio, shift, rateA,
    ref, refs, pv, pq, busIndex, branchOfRow, genOfRow,
  };
  refuseIslandsWithoutReference(net);
  return net;
}

/** An island with no reference bus has no angle reference: refuse it before any solver meets a singular matrix. */
function refuseIslandsWithoutReference(net: Network): void {
  const islands = islandsWithoutReference(net);
  if (islands.length === 0) return;
  const first = islands[0].map((i) => net.busNumber[i]);
  const list = first.length > 12 ? `${first.slice(0, 12).join(', ')} and ${first.length - 12} more` : first.join(', ');
  throw new NetworkError(
    `the network splits: bus${first.length > 1 ? 'es' : ''} ${list} ${first.length > 1 ? 'form an island' : 'is cut off'} without a reference bus` +
    `${islands.length > 1 ? ` (and ${islands.length - 1} more such island${islands.length > 2 ? 's' : ''})` : ''}: connect ${first.length > 1 ? 'them' : 'it'}, ` +
    `give the island a reference bus (BUS_TYPE 3 with a generator), or mark its buses isolated (BUS_TYPE 4)`);
}

/**
 * MATPOWER bustypes: REF and PV buses need an in-service generator; one
 * without is PQ. Without a REF bus that has a generator, the first PV bus
 * becomes the reference.
 */
export function bustypes(type: Int8Array, genBus: Int32Array): { refs: Int32Array; pv: Int32Array; pq: Int32Array } {
  const nb = type.length;
  const hasGen = new Uint8Array(nb);
  for (let k = 0; k < genBus.length; k++) hasGen[genBus[k]] = 1;
  const refs: number[] = [], pv: number[] = [], pq: number[] = [];
  for (let i = 0; i < nb; i++) {
    if (type[i] === REF && hasGen[i]) refs.push(i);
    else if (type[i] === PV && hasGen[i]) pv.push(i);
    else pq.push(i);
  }
  if (refs.length === 0) {
    if (pv.length === 0) throw new NetworkError('no reference bus: the case has no REF (type 3) or PV bus with an in-service generator');
    refs.push(pv.shift()!);
  }
  return { refs: Int32Array.from(refs), pv: Int32Array.from(pv), pq: Int32Array.from(pq) };
}
