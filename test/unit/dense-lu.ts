// Reference implementations for the sparse linear algebra tests: dense LU
// with partial pivoting, and a small seeded random generator.

/** Seeded PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DenseSingularError extends Error {}

/** Solves A x = b by dense LU with partial pivoting (A is not modified). */
export function denseSolve(a: number[][], b: ArrayLike<number>): number[] {
  const n = a.length;
  const m = a.map((row) => row.slice());
  const x = Array.from(b);
  let scale = 0;
  for (const row of m) for (const v of row) scale = Math.max(scale, Math.abs(v));
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[piv][k])) piv = i;
    if (Math.abs(m[piv][k]) <= 1e-13 * scale) throw new DenseSingularError(`singular at column ${k}`);
    if (piv !== k) {
      [m[k], m[piv]] = [m[piv], m[k]];
      [x[k], x[piv]] = [x[piv], x[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) m[i][j] -= f * m[k][j];
      x[i] -= f * x[k];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k];
    for (let j = k + 1; j < n; j++) s -= m[k][j] * x[j];
    x[k] = s / m[k][k];
  }
  return x;
}

export function denseTranspose(a: number[][]): number[][] {
  return a[0] === undefined ? [] : a[0].map((_, j) => a.map((row) => row[j]));
}

export function denseMatVec(a: number[][], x: ArrayLike<number>): number[] {
  return a.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
}
