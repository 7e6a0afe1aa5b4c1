// WebAssembly kernels for the LU hot loops: numeric refactorization and the
// triangular solves. They compute exactly what the TypeScript loops in lu.ts
// compute (same IEEE operations in the same order, so results are bit-for-bit
// equal), but without V8's per-access typed-array checks, which make these
// short indirect loops 2-3x slower. The module is about 1.3 KB, assembled
// here by a tiny emitter (no toolchain, no binary blob), compiled once per
// process; each SparseLU gets its own memory and instance. When WebAssembly
// is unavailable, lu.ts falls back to its TypeScript loops.

// ---- a minimal WebAssembly emitter -------------------------------------------

const I32 = 0x7f;
const F64 = 0x7c;
type ValType = typeof I32 | typeof F64;

const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32GeS: 0x4e,
  i32LtS: 0x48,
  f64Eq: 0x61,
  f64Ne: 0x62,
  f64Le: 0x65,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Or: 0x72,
  i32Shl: 0x74,
  f64Abs: 0x99,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
} as const;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Builds one function body; locals are named, params first. */
class Fn {
  readonly code: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly extra: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: Array<[string, ValType]>,
    readonly result: ValType | null,
    locals: Array<[string, ValType]>,
  ) {
    params.forEach(([n], i) => this.index.set(n, i));
    locals.forEach(([n, t]) => {
      this.index.set(n, this.index.size);
      this.extra.push(t);
    });
  }

  private l(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`wasm kernel ${this.name}: unknown local ${name}`);
    return i;
  }

  get(name: string): this {
    this.code.push(OP.localGet);
    uleb(this.code, this.l(name));
    return this;
  }

  set(name: string): this {
    this.code.push(OP.localSet);
    uleb(this.code, this.l(name));
    return this;
  }

  tee(name: string): this {
    this.code.push(OP.localTee);
    uleb(this.code, this.l(name));
    return this;
  }

  i32(v: number): this {
    this.code.push(OP.i32Const);
    sleb(this.code, v | 0);
    return this;
  }

  f64(v: number): this {
    this.code.push(OP.f64Const);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    for (const x of b) this.code.push(x);
    return this;
  }

  op(...ops: number[]): this {
    this.code.push(...ops);
    return this;
  }

  /** Pushes the address base + (index << shift): index and base are locals. */
  addr(base: string, index: string, shift: 2 | 3): this {
    return this.get(base).get(index).i32(shift).op(OP.i32Shl, OP.i32Add);
  }

  loadI32(offset = 0): this {
    this.code.push(OP.i32Load, 2);
    uleb(this.code, offset);
    return this;
  }

  loadF64(offset = 0): this {
    this.code.push(OP.f64Load, 3);
    uleb(this.code, offset);
    return this;
  }

  storeF64(offset = 0): this {
    this.code.push(OP.f64Store, 3);
    uleb(this.code, offset);
    return this;
  }

  /** local = local + delta */
  inc(name: string, delta = 1): this {
    return this.get(name).i32(delta).op(OP.i32Add).set(name);
  }

  /**
   * while (i < end) { body; i++ }  (or, descending, while (i >= end) { body; i-- })
   * Inside body, depth 1 breaks out of the loop.
   */
  forRange(i: string, end: string, body: () => void, descending = false): this {
    this.op(OP.block, 0x40, OP.loop, 0x40);
    this.get(i).get(end).op(descending ? OP.i32LtS : OP.i32GeS, OP.brIf, 1);
    body();
    this.inc(i, descending ? -1 : 1);
    this.op(OP.br, 0, OP.end, OP.end);
    return this;
  }

  encode(): number[] {
    const body: number[] = [];
    // one local entry per declared local keeps the encoder trivial
    uleb(body, this.extra.length);
    for (const t of this.extra) body.push(1, t);
    body.push(...this.code, OP.end);
    const out: number[] = [];
    uleb(out, body.length);
    out.push(...body);
    return out;
  }
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  out.push(...content);
}

function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

function moduleBytes(fns: Fn[]): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, fns.length);
  for (const f of fns) {
    types.push(0x60);
    uleb(types, f.params.length);
    for (const [, t] of f.params) types.push(t);
    if (f.result === null) types.push(0);
    else types.push(1, f.result);
  }
  section(out, 1, types);
  const imports: number[] = [1];
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00, 0x00); // memory, limits {min 0}
  section(out, 2, imports);
  const funcs: number[] = [];
  uleb(funcs, fns.length);
  fns.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);
  const exports: number[] = [];
  uleb(exports, fns.length);
  fns.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, fns.length);
  for (const f of fns) code.push(...f.encode());
  section(out, 10, code);
  return new Uint8Array(out);
}

// ---- the kernels (pointers are byte offsets into the instance's memory) -------

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
      f.addr('lp', 'j', 2).loadI32().set('r');
      f.addr('lp', 'j', 2).loadI32(4).set('rend');
      f.forRange('r', 'rend', () => {
        // x[li[r]] -= lx[r] * xj
        f.get('x').addr('li', 'r', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).tee('a');
        f.get('a').loadF64();
        f.addr('lx', 'r', 3).loadF64().get('xj').op(OP.f64Mul, OP.f64Sub);
        f.storeF64();
      });
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

/** solve(n, lp, li, lx, up, ui, ux, udiag, c): c <- U \ (L \ c), all in step order. */
function solveKernel(): Fn {
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
    f.addr('lp', 'j', 2).loadI32().set('p');
    f.addr('lp', 'j', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.get('c').addr('li', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).tee('a');
      f.get('a').loadF64();
      f.addr('lx', 'p', 3).loadF64().get('z').op(OP.f64Mul, OP.f64Sub);
      f.storeF64();
    });
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
      f.addr('up', 'j', 2).loadI32().set('p');
      f.addr('up', 'j', 2).loadI32(4).set('pend');
      f.forRange('p', 'pend', () => {
        f.get('c').addr('ui', 'p', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).tee('a');
        f.get('a').loadF64();
        f.addr('ux', 'p', 3).loadF64().get('z').op(OP.f64Mul, OP.f64Sub);
        f.storeF64();
      });
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
