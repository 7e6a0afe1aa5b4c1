// DC power flow as MATPOWER makeBdc/rundcpf: b = 1/(x tau), resistance and
// charging ignored, bus shunt GS as load, phase shifters as injection pairs,
// reference angles held at the case's VA. Flows P_ft = baseMVA b (Va_f - Va_t - shift).

import { SparseLU, type CSC } from '../linalg';
import { NetworkError, type Network } from './network';

export interface Bdc {
  /** Branch susceptance b = 1/(x tau), per in-service branch. */
  b: Float64Array;
  /** Pfinj = -b shift (p.u.), per branch. */
  Pfinj: Float64Array;
  /** Pbusinj = Cft' Pfinj, per bus. */
  Pbusinj: Float64Array;
}

export function makeBdc(net: Network): Bdc {
  const nl = net.nl;
  const b = new Float64Array(nl), Pfinj = new Float64Array(nl), Pbusinj = new Float64Array(net.nb);
  for (let k = 0; k < nl; k++) {
    if (net.x[k] === 0) {
      const row = net.branchRow[k] + 1;
      throw new NetworkError(`branch ${row} (${net.busNumber[net.f[k]]}-${net.busNumber[net.t[k]]}) has no reactance (BR_X = 0): the DC model needs one (b = 1/x); use the AC power flow, or give it a small reactance`, { table: 'branch', row });
    }
    b[k] = 1 / (net.x[k] * net.ratio[k]);
    Pfinj[k] = -b[k] * net.shift[k];
    Pbusinj[net.f[k]] += Pfinj[k];
    Pbusinj[net.t[k]] -= Pfinj[k];
  }
  return { b, Pfinj, Pbusinj };
}

/** The reduced B matrix over non-reference buses, in CSC, with index maps. */
export interface ReducedB {
  csc: CSC;
  /** Unknown index of each bus, -1 for reference buses. */
  idx: Int32Array;
  /** Bus of each unknown. */
  bus: Int32Array;
}

export function reducedB(net: Network, bdc: Bdc, status?: Uint8Array): ReducedB {
  const nb = net.nb;
  const isRef = new Uint8Array(nb);
  for (const r of net.refs) isRef[r] = 1;
  const idx = new Int32Array(nb).fill(-1);
  const bus: number[] = [];
  for (let i = 0; i < nb; i++) if (!isRef[i]) { idx[i] = bus.length; bus.push(i); }
  const n = bus.length;
  const rows: number[] = [], cols: number[] = [], vals: number[] = [];
  const diag = new Float64Array(n);
  for (let k = 0; k < net.nl; k++) {
    if (status && !status[k]) continue;
    const f = idx[net.f[k]], t = idx[net.t[k]], b = bdc.b[k];
    if (f >= 0) diag[f] += b;
    if (t >= 0) diag[t] += b;
    if (f >= 0 && t >= 0) { rows.push(f, t); cols.push(t, f); vals.push(-b, -b); }
  }
  for (let i = 0; i < n; i++) { rows.push(i); cols.push(i); vals.push(diag[i]); }
  return { csc: assembleCsc(n, rows, cols, vals), idx, bus: Int32Array.from(bus) };
}

/** Sum duplicates into a CSC matrix with sorted rows. */
export function assembleCsc(n: number, rows: number[], cols: number[], vals: number[]): CSC {
  const order = rows.map((_, k) => k).sort((a, b) => cols[a] - cols[b] || rows[a] - rows[b]);
  const colPtr = new Int32Array(n + 1);
  const ri: number[] = [], vv: number[] = [];
  let lastR = -1, lastC = -1;
  for (const k of order) {
    if (rows[k] === lastR && cols[k] === lastC) { vv[vv.length - 1] += vals[k]; continue; }
    ri.push(rows[k]); vv.push(vals[k]); colPtr[cols[k] + 1]++;
    lastR = rows[k]; lastC = cols[k];
  }
  for (let c = 0; c < n; c++) colPtr[c + 1] += colPtr[c];
  return { nrows: n, ncols: n, colPtr, rowIdx: Int32Array.from(ri), values: Float64Array.from(vv) };
}

export interface DcResult {
  /** Bus angles (radians), internal order. */
  Va: Float64Array;
  /** Branch flows (p.u.), internal order. */
  Pf: Float64Array;
  /** Real bus injections used (p.u.). */
  Pbus: Float64Array;
}

/** Net real injection for DC: generation - load - GS - phase-shifter injections. */
export function dcInjections(net: Network, bdc: Bdc, Pg: Float64Array = net.Pg): Float64Array {
  const P = new Float64Array(net.nb);
  for (let i = 0; i < net.nb; i++) P[i] = -net.Pd[i] - net.Gs[i] - bdc.Pbusinj[i];
  for (let k = 0; k < net.ng; k++) P[net.genBus[k]] += Pg[k];
  return P;
}

/**
 * Bus angles of the DC power flow for injections P: B Va = P over the
 * non-reference buses, reference angles held at the case's VA.
 */
export function solveDcAngles(net: Network, bdc: Bdc, rb: ReducedB, lu: SparseLU, P: Float64Array): Float64Array {
  const Va = Float64Array.from(net.Va0);
  const n = rb.bus.length;
  if (n === 0) return Va;
  const rhs = new Float64Array(n);
  for (let u = 0; u < n; u++) rhs[u] = P[rb.bus[u]];
  // Move the known reference angles to the right-hand side.
  for (let k = 0; k < net.nl; k++) {
    const f = net.f[k], t = net.t[k], b = bdc.b[k];
    if (rb.idx[f] >= 0 && rb.idx[t] < 0) rhs[rb.idx[f]] += b * Va[t];
    if (rb.idx[t] >= 0 && rb.idx[f] < 0) rhs[rb.idx[t]] += b * Va[f];
  }
  const x = lu.solve(rhs);
  for (let u = 0; u < n; u++) Va[rb.bus[u]] = x[u];
  return Va;
}

/** Branch flows (p.u.) P_ft = b (Va_f - Va_t) + Pfinj. */
export function dcFlows(net: Network, bdc: Bdc, Va: Float64Array): Float64Array {
  const Pf = new Float64Array(net.nl);
  for (let k = 0; k < net.nl; k++) Pf[k] = bdc.b[k] * (Va[net.f[k]] - Va[net.t[k]]) + bdc.Pfinj[k];
  return Pf;
}

export function dcPowerFlow(net: Network): DcResult {
  const bdc = makeBdc(net);
  const rb = reducedB(net, bdc);
  const Pbus = dcInjections(net, bdc);
  const lu = new SparseLU(rb.csc);
  if (rb.bus.length > 0) lu.factor(rb.csc.values);
  const Va = solveDcAngles(net, bdc, rb, lu, Pbus);
  return { Va, Pf: dcFlows(net, bdc, Va), Pbus };
}
