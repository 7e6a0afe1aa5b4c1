// WebAssembly kernels for the LU hot loops: numeric refactorization and the
// triangular solves. They compute exactly what the TypeScript loops in lu.ts
// compute (same IEEE operations in the same order, so results are bit-for-bit
// equal), but without V8's per-access typed-array checks, which make these
// short indirect loops 2-3x slower. The module is about 1.3 KB, assembled
// here by a tiny emitter (no toolchain, no binary blob), compiled once per
// process; each SparseLU gets its own memory and instance. When WebAssembly
// is unavailable, lu.ts falls back to its TypeScript loops.

import { F64, Fn, I32, OP, type ValType, moduleBytes } from '../wasm/emitter';

// ---- the kernels (pointers are byte offsets into the instance's memory) -------

/**
 * Emits vec[idx[p]] -= val[p] * z for p over column j (ptr[j] .. ptr[j+1]):
 * the column update of the refactor and of both triangular solves. Uses the
 * f64 local z, the i32 locals p and pend (named) and a.
 */
function columnUpdate(f: Fn, ptr: string, idx: string, val: string, j: string, vec: string, z: string, p: string, pend: string): void {
  f.addr(ptr, j, 2).loadI32().set(p);
  f.addr(ptr, j, 2).loadI32(4).set(pend);
  f.forRange(p, pend, () => {
    f.get(vec).addr(idx, p, 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).tee('a');
    f.get('a').loadF64();
    f.addr(val, p, 3).loadF64().get(z).op(OP.f64Mul, OP.f64Sub);
    f.storeF64();
  });
}

/**
 * refactor(n, colPtr, q, entryStep, values, x, lp, li, lx, up, ui, ux, udiag, limit) -> columns done:
 * n when all pivots pass, else the first failing column (the caller then clears x).
 * Mirrors SparseLU's TypeScript numeric loop.
 */
function refactorKernel(): Fn {
  const ptrs = ['colPtr', 'q', 'entryStep', 'values', 'x', 'lp', 'li', 'lx', 'up', 'ui', 'ux', 'udiag'];
  const f = new Fn(
    'refactor',
    [['n', I32], ...ptrs.map((p): [string, ValType] => [p, I32]), ['limit', F64]],
    I32,
    [
      ['k', I32],
      ['col', I32],
      ['p', I32],
      ['pend', I32],
      ['j', I32],
      ['r', I32],
      ['rend', I32],
      ['a', I32],
      ['bad', I32],
      ['xj', F64],
      ['pivot', F64],
      ['v', F64],
    ],
  );
  f.i32(0).set('k');
  f.forRange('k', 'n', () => {
    f.i32(0).set('bad');
    // scatter A(:, q[k]) into x
    f.addr('q', 'k', 2).loadI32().set('col');
    f.addr('colPtr', 'col', 2).loadI32().set('p');
    f.addr('colPtr', 'col', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.get('x').addr('entryStep', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add);
      f.addr('values', 'p', 3).loadF64();
      f.storeF64();
    });
    // U entries in topological order: x -= L(:, j) * x[j]
    f.addr('up', 'k', 2).loadI32().set('p');
    f.addr('up', 'k', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.addr('ui', 'p', 2).loadI32().set('j');
      f.addr('x', 'j', 3).tee('a').loadF64().set('xj');
      f.get('a').f64(0).storeF64();
      f.addr('ux', 'p', 3).get('xj').storeF64();
      // bad |= (xj - xj != 0)
      f.get('bad').get('xj').get('xj').op(OP.f64Sub).f64(0).op(OP.f64Ne, OP.i32Or).set('bad');
      // x[li[r]] -= lx[r] * xj
      columnUpdate(f, 'lp', 'li', 'lx', 'j', 'x', 'xj', 'r', 'rend');
    });
    // pivot
    f.addr('x', 'k', 3).tee('a').loadF64().set('pivot');
    f.get('a').f64(0).storeF64();
    f.addr('udiag', 'k', 3).get('pivot').storeF64();
    // bad |= pivot == 0 | pivot - pivot != 0
    f.get('bad').get('pivot').f64(0).op(OP.f64Eq, OP.i32Or);
    f.get('pivot').get('pivot').op(OP.f64Sub).f64(0).op(OP.f64Ne, OP.i32Or).set('bad');
    // L(:, k) = x / pivot; refuse when |l| > limit (also NaN)
    f.addr('lp', 'k', 2).loadI32().set('p');
    f.addr('lp', 'k', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.get('x').addr('li', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).tee('a');
      f.loadF64().get('pivot').op(OP.f64Div).set('v');
      f.get('a').f64(0).storeF64();
      f.addr('lx', 'p', 3).get('v').storeF64();
      f.get('bad').get('v').op(OP.f64Abs).get('limit').op(OP.f64Le, OP.i32Eqz, OP.i32Or).set('bad');
    });
    f.get('bad').op(OP.if, 0x40).get('k').op(OP.return, OP.end);
  });
  f.get('n');
  return f;
}

/** solve(n, lp, li, lx, up, ui, ux, udiag, c): c <- U \ (L \ c), all in step order (also assembled into the DC screen's module). */
export function solveKernel(): Fn {
  const f = new Fn(
    'solve',
    ['n', 'lp', 'li', 'lx', 'up', 'ui', 'ux', 'udiag', 'c'].map((p): [string, ValType] => [p, I32]),
    null,
    [
      ['j', I32],
      ['p', I32],
      ['pend', I32],
      ['a', I32],
      ['zero', I32],
      ['z', F64],
    ],
  );
  f.i32(0).set('j');
  f.forRange('j', 'n', () => {
    f.addr('c', 'j', 3).loadF64().tee('z').f64(0).op(OP.f64Ne, OP.if, 0x40);
    columnUpdate(f, 'lp', 'li', 'lx', 'j', 'c', 'z', 'p', 'pend');
    f.op(OP.end);
  });
  f.get('n').i32(1).op(OP.i32Sub).set('j');
  f.i32(0).set('zero');
  f.forRange(
    'j',
    'zero',
    () => {
      f.addr('c', 'j', 3).tee('a').loadF64().addr('udiag', 'j', 3).loadF64().op(OP.f64Div).set('z');
      f.get('a').get('z').storeF64();
      f.get('z').f64(0).op(OP.f64Ne, OP.if, 0x40);
      columnUpdate(f, 'up', 'ui', 'ux', 'j', 'c', 'z', 'p', 'pend');
      f.op(OP.end);
    },
    true,
  );
  return f;
}

/** solveT(n, lp, li, lx, up, ui, ux, udiag, c): c <- L^T \ (U^T \ c), all in step order. */
function solveTransposeKernel(): Fn {
  const f = new Fn(
    'solveT',
    ['n', 'lp', 'li', 'lx', 'up', 'ui', 'ux', 'udiag', 'c'].map((p): [string, ValType] => [p, I32]),
    null,
    [
      ['j', I32],
      ['p', I32],
      ['pend', I32],
      ['zero', I32],
      ['s', F64],
    ],
  );
  f.i32(0).set('j');
  f.forRange('j', 'n', () => {
    f.addr('c', 'j', 3).loadF64().set('s');
    f.addr('up', 'j', 2).loadI32().set('p');
    f.addr('up', 'j', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.get('s');
      f.addr('ux', 'p', 3).loadF64();
      f.get('c').addr('ui', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).loadF64();
      f.op(OP.f64Mul, OP.f64Sub).set('s');
    });
    f.addr('c', 'j', 3).get('s').addr('udiag', 'j', 3).loadF64().op(OP.f64Div).storeF64();
  });
  f.get('n').i32(1).op(OP.i32Sub).set('j');
  f.i32(0).set('zero');
  f.forRange(
    'j',
    'zero',
    () => {
      f.addr('c', 'j', 3).loadF64().set('s');
      f.addr('lp', 'j', 2).loadI32().set('p');
      f.addr('lp', 'j', 2).loadI32(4).set('pend');
      f.forRange('p', 'pend', () => {
        f.get('s');
        f.addr('lx', 'p', 3).loadF64();
        f.get('c').addr('li', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).loadF64();
        f.op(OP.f64Mul, OP.f64Sub).set('s');
      });
      f.addr('c', 'j', 3).get('s').storeF64();
    },
    true,
  );
  return f;
}

// ---- instantiation ------------------------------------------------------------

export interface LuKernels {
  memory: WebAssembly.Memory;
  refactor(
    n: number,
    colPtr: number,
    q: number,
    entryStep: number,
    values: number,
    x: number,
    lp: number,
    li: number,
    lx: number,
    up: number,
    ui: number,
    ux: number,
    udiag: number,
    limit: number,
  ): number;
  solve(n: number, lp: number, li: number, lx: number, up: number, ui: number, ux: number, udiag: number, c: number): void;
  solveT(n: number, lp: number, li: number, lx: number, up: number, ui: number, ux: number, udiag: number, c: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no usable WebAssembly. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled =
      typeof WebAssembly === 'object'
        ? new WebAssembly.Module(moduleBytes([refactorKernel(), solveKernel(), solveTransposeKernel()]))
        : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A fresh instance with its own memory, or null when WebAssembly is unavailable. */
export function createLuKernels(): LuKernels | null {
  const mod = kernelModule();
  if (!mod) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(mod, { env: { memory } });
    const e = inst.exports as unknown as Omit<LuKernels, 'memory'>;
    return { memory, refactor: e.refactor, solve: e.solve, solveT: e.solveT };
  } catch {
    return null;
  }
}
