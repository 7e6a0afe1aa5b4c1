// Benchmark of the sparse LU on Jacobian-shaped matrices built from MATPOWER
// cases. Run: node --import tsx bench/linalg.ts [--js] [case names...]
// (--js forces the TypeScript kernels instead of WebAssembly, for comparison)
// The case file is read crudely here (a regex over mpc.bus / mpc.branch);
// product code uses the real MATPOWER parser.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { amdOrder, assembleInto, cscMatVec, PatternBuilder, SparseLU, type CSC } from '../main/core/linalg';

const CASES_DIR = new URL('../../shared/cases/', import.meta.url);

function block(text: string, name: string): number[][] {
  const m = new RegExp(`mpc\\.${name}\\s*=\\s*\\[([\\s\\S]*?)\\];`).exec(text);
  if (!m) throw new Error(`no mpc.${name} block`);
  return m[1]
    .split(/[;\n]/)
    .map((line) => line.replace(/%.*/, '').trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(/\s+/).map(Number));
}

export interface Jac {
  a: CSC;
  map: Int32Array;
  slotValues: Float64Array;
  nbus: number;
  nbranch: number;
  /** Slots of in-service branch b: [branchSlot[b], branchSlot[b + 1]). */
  branchSlot: Int32Array;
  /** Row of each slot and whether it is a diagonal slot (to rebuild dominance). */
  rowOf: Int32Array;
  isDiag: Uint8Array;
}

/** Polar NR Jacobian pattern: theta at PV+PQ buses, |V| at PQ buses; values random but dominant. */
export function jacobian(caseName: string, seed = 1): Jac {
  const text = readFileSync(new URL(`${caseName}.m`, CASES_DIR), 'utf8');
  const bus = block(text, 'bus');
  const branch = block(text, 'branch');
  const index = new Map<number, number>();
  bus.forEach((row, i) => index.set(row[0], i));
  const nb = bus.length;
  const th = new Int32Array(nb).fill(-1);
  const vm = new Int32Array(nb).fill(-1);
  let n = 0;
  bus.forEach((row, i) => {
    if (row[1] === 1 || row[1] === 2) th[i] = n++;
  });
  bus.forEach((row, i) => {
    if (row[1] === 1) vm[i] = n++;
  });
  const pb = new PatternBuilder(n, n, 16 * n);
  const diagSlots: number[] = [];
  const rowOf: number[] = [];
  const couple = (i: number, j: number, diag: boolean) => {
    for (const r of [th[i], vm[i]]) {
      if (r < 0) continue;
      for (const c of [th[j], vm[j]]) {
        if (c < 0) continue;
        const s = pb.add(r, c);
        rowOf[s] = r;
        if (diag && r === c) diagSlots.push(s);
      }
    }
  };
  for (let i = 0; i < nb; i++) couple(i, i, true);
  let nbranch = 0;
  const branchSlot: number[] = [];
  for (const row of branch) {
    if (row[10] === 0) continue;
    const f = index.get(row[0]);
    const t = index.get(row[1]);
    if (f === undefined || t === undefined) throw new Error(`branch to unknown bus in ${caseName}`);
    branchSlot.push(pb.count);
    couple(f, t, false);
    couple(t, f, false);
    nbranch++;
  }
  branchSlot.push(pb.count);
  const { pattern, map } = pb.build();
  // random off-diagonals; each diagonal = 1.01 * (sum of |off-diagonals| in its row)
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const slotValues = new Float64Array(pb.count);
  const rowSum = new Float64Array(n);
  const isDiag = new Uint8Array(pb.count);
  for (const s of diagSlots) isDiag[s] = 1;
  for (let s = 0; s < pb.count; s++) {
    if (isDiag[s]) continue;
    slotValues[s] = rand() * 2 - 1;
    rowSum[rowOf[s]] += Math.abs(slotValues[s]);
  }
  for (const s of diagSlots) slotValues[s] = 1.01 * rowSum[rowOf[s]] + 1e-3;
  assembleInto(pattern.values, map, slotValues);
  return {
    a: pattern,
    map,
    slotValues,
    nbus: nb,
    nbranch,
    branchSlot: Int32Array.from(branchSlot),
    rowOf: Int32Array.from(rowOf),
    isDiag,
  };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function run(caseName: string, kernel: 'auto' | 'js'): void {
  const tb = performance.now();
  const { a, map, slotValues, nbus, nbranch, branchSlot, rowOf, isDiag } = jacobian(caseName);
  const buildMs = performance.now() - tb;
  const n = a.ncols;
  const nnzA = a.colPtr[n];

  const orderMs = time(() => amdOrder(a));
  let lu!: SparseLU;
  const ctorMs = time(() => {
    lu = new SparseLU(a, { kernel });
  });
  const firstFactorMs = time(() => lu.factor(a.values));
  const factorMs = median(Array.from({ length: 5 }, () => time(() => lu.factor(a.values))));

  // refactor with values perturbed each time, re-assembled through the slot map
  const v = a.values.slice();
  const perturbed = slotValues.slice();
  const assembleMs: number[] = [];
  const refactorMs: number[] = [];
  for (let r = 0; r < 20; r++) {
    for (let s = 0; s < perturbed.length; s++) perturbed[s] = slotValues[s] * (1 + 0.05 * Math.sin(r + s));
    assembleMs.push(time(() => assembleInto(v, map, perturbed)));
    let ok = true;
    refactorMs.push(time(() => (ok = lu.refactor(v))));
    if (!ok) throw new Error('refactor unexpectedly failed');
  }
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.sin(i);
  const x = new Float64Array(n);
  const solveTimes = Array.from({ length: 20 }, () => time(() => lu.solve(b, x)));
  const solveMs = median(solveTimes);
  const solveTMs = median(Array.from({ length: 20 }, () => time(() => lu.solveTranspose(b, x))));
  lu.solve(b, x);
  const ax = cscMatVec({ ...a, values: v }, x);
  let res = 0;
  for (let i = 0; i < n; i++) res = Math.max(res, Math.abs(ax[i] - b[i]));

  // Newton-Raphson-like: one factor then four refactors, a solve after each.
  const pfMs = time(() => {
    for (let it = 0; it < 5; it++) {
      assembleInto(v, map, slotValues);
      if (it === 0) lu.factor(v);
      else lu.factorize(v);
      lu.solve(b, x);
    }
  });

  // N-1-like: zero an outaged branch's slots (pattern kept), restore diagonal
  // dominance, then 3 x (assemble + refactor + solve) as a contingency's NR would.
  const outage = slotValues.slice();
  const rowSum = new Float64Array(n);
  const contMs: number[] = [];
  let refused = 0;
  const nCont = Math.min(30, nbranch);
  for (let c = 0; c < nCont; c++) {
    const br = Math.floor((c * nbranch) / nCont);
    outage.set(slotValues);
    for (let s = branchSlot[br]; s < branchSlot[br + 1]; s++) outage[s] = 0;
    rowSum.fill(0);
    for (let s = 0; s < outage.length; s++) if (!isDiag[s]) rowSum[rowOf[s]] += Math.abs(outage[s]);
    for (let s = 0; s < outage.length; s++) if (isDiag[s]) outage[s] = 1.01 * rowSum[rowOf[s]] + 1e-3;
    contMs.push(
      time(() => {
        for (let it = 0; it < 3; it++) {
          assembleInto(v, map, outage);
          if (lu.factorize(v) === 'factor') refused++;
          lu.solve(b, x);
        }
      }),
    );
  }

  const f = (ms: number) => ms.toFixed(2).padStart(7);
  console.log(
    `${caseName}: ${nbus} buses, ${nbranch} branches -> J ${n} x ${n}, nnz(J) ${nnzA} ` +
      `(built in ${buildMs.toFixed(0)} ms; ${lu.kernel} kernels)`,
  );
  console.log(
    `  AMD ordering      ${f(orderMs)} ms   (SparseLU constructor incl. AMD ${f(ctorMs)} ms)\n` +
      `  first factor      ${f(firstFactorMs)} ms   (warm factor, median of 5: ${f(factorMs)} ms)\n` +
      `  refactor          ${f(median(refactorMs))} ms   (median of 20; min ${f(Math.min(...refactorMs))})\n` +
      `  assemble values   ${f(median(assembleMs))} ms   (slot map, median of 20)\n` +
      `  solve             ${f(solveMs)} ms   (median of 20; min ${f(Math.min(...solveTimes))}; solveTranspose ${f(solveTMs)})\n` +
      `  nnz(L+U)          ${lu.nnzL + lu.nnzU - n}   (nnzL ${lu.nnzL}, nnzU ${lu.nnzU}, fill ratio ${((lu.nnzL + lu.nnzU - n) / nnzA).toFixed(2)})\n` +
      `  max |Ax - b|      ${res.toExponential(2)}\n` +
      `  NR-like 1 factor + 4 refactor + 5 solve: ${f(pfMs)} ms\n` +
      `  N-1-like contingency (3 x assemble+refactor+solve): ${f(median(contMs))} ms median of ${nCont}` +
      ` (min ${f(Math.min(...contMs))}; ${refused} refactors refused)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const kernel = args.includes('--js') ? 'js' : 'auto';
  const names = args.filter((x) => !x.startsWith('--'));
  for (const c of names.length > 0 ? names : ['case118', 'case2383wp', 'case9241pegase']) run(c, kernel);
}
