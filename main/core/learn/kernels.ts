// Inference kernels of incremental N-1 prediction (incremental.ts): the
// sparse products, message sums, row copies and pooling of one outage's
// neighbourhood. Three kernel sets with one contract:
//
//   wasm-simd  WebAssembly with 128-bit SIMD: element-wise kernels two f64
//              lanes at a time, the sparse product over pairs of rows.
//   wasm       scalar WebAssembly (runtimes without SIMD, odd row widths).
//   js         the TypeScript loops, used when WebAssembly is unavailable.
//
// The WebAssembly is assembled here (../wasm/emitter) and works on an arena
// that is the instance's memory. Every set does the same IEEE operations in
// the same order (f32 storage, sums in f64), so all give the same bits; the
// WebAssembly ones skip V8's per-access typed-array checks and index
// arithmetic, which dominate these short indirect loops (on case_ACTIVSg2000
// the network's part of N-1 inference takes 0.45 s with wasm-simd, 1.58 s
// with the TypeScript loops: npm run bench).
//
// Every array a kernel reads or writes must be a view allocated from the
// kernels' arena (the wasm kernels pass byteOffset as the pointer).

import { F64, Fn, I32, OP, SIMD, V128, type ValType, moduleBytes } from '../wasm/emitter';
import type { Layer } from './layer';
import { SparseLayer, csrForward } from './sparse';

/** Bump allocator over one buffer (the wasm memory, or a plain ArrayBuffer). */
export class Arena {
  private at = 0;
  constructor(readonly buffer: ArrayBuffer) {}

  private take(bytes: number): number {
    const at = this.at;
    this.at = (at + bytes + 15) & ~15;
    if (this.at > this.buffer.byteLength) throw new Error(`inference arena: ${this.at} bytes needed, ${this.buffer.byteLength} reserved`);
    return at;
  }

  f32(n: number): Float32Array { return new Float32Array(this.buffer, this.take(4 * n), n); }
  f64(n: number): Float64Array { return new Float64Array(this.buffer, this.take(8 * n), n); }
  i32(n: number): Int32Array { return new Int32Array(this.buffer, this.take(4 * n), n); }
  u8(n: number): Uint8Array { return new Uint8Array(this.buffer, this.take(n), n); }
  f32From(a: ArrayLike<number>): Float32Array { const v = this.f32(a.length); v.set(a); return v; }
  i32From(a: ArrayLike<number>): Int32Array { const v = this.i32(a.length); v.set(a); return v; }
}

/** Bytes an arena needs for arrays of these element counts (f32/i32 = 4 bytes, f64 = 8, u8 = 1), with alignment slack. */
export function arenaBytes(counts: { n4: number[]; n8?: number[]; n1?: number[] }): number {
  let b = 0;
  for (const n of counts.n4) b += 4 * n + 16;
  for (const n of counts.n8 ?? []) b += 8 * n + 16;
  for (const n of counts.n1 ?? []) b += n + 16;
  return b;
}

/** A layer's weights copied into an arena as CSR over outputs (a dense layer becomes a full pattern: same sums, same order). */
export interface PackedLayer {
  nIn: number;
  nOut: number;
  rowPtr: Int32Array;
  col: Int32Array;
  w: Float32Array;
  b: Float32Array;
}

export function packLayer(l: Layer, arena: Arena): PackedLayer {
  const { nIn, nOut } = l;
  if (l instanceof SparseLayer) {
    return { nIn, nOut, rowPtr: arena.i32From(l.rowPtr), col: arena.i32From(l.col), w: arena.f32From(l.weight.data), b: arena.f32From(l.bias.data) };
  }
  const rowPtr = arena.i32(nOut + 1), col = arena.i32(nIn * nOut);
  for (let o = 0; o < nOut; o++) {
    rowPtr[o + 1] = (o + 1) * nIn;
    for (let i = 0; i < nIn; i++) col[o * nIn + i] = i;
  }
  return { nIn, nOut, rowPtr, col, w: arena.f32From(l.weight.data), b: arena.f32From(l.bias.data) };
}

export interface InferenceKernels {
  readonly kind: 'wasm-simd' | 'wasm' | 'js';
  readonly arena: Arena;
  /** The WebAssembly memory the arena is (null for the TypeScript loops): other kernel modules can share it. */
  readonly memory: WebAssembly.Memory | null;
  /** y[r] = W x[r] + b (ReLU when relu) for rows [0, rows). */
  spmm(L: PackedLayer, x: Float32Array, rows: number, y: Float32Array, relu: boolean): void;
  /** z[r] = ope h[v] + sum over present incident edges of ReLU(h[other] + e[edge]), v = S[r]. */
  aggregate(S: Int32Array, rows: number, adjPtr: Int32Array, adjEdge: Int32Array, adjOther: Int32Array, removed: Uint8Array, h: Float32Array, e: Float32Array, z: Float32Array, H: number, ope: number): void;
  /** hw[S[r]] = c[r] + hPrev[S[r]] (residual) or c[r]. */
  residual(S: Int32Array, rows: number, c: Float32Array, hPrev: Float32Array, hw: Float32Array, H: number, add: boolean): void;
  /** dst[j] = src[list[j]] (rows of width W). */
  gather(list: Int32Array, n: number, src: Float32Array, dst: Float32Array, W: number): void;
  /** dst[list[j]] = src[j]. */
  scatter(list: Int32Array, n: number, src: Float32Array, dst: Float32Array, W: number): void;
  /** dst[list[j]] = src[list[j]]. */
  restore(list: Int32Array, n: number, src: Float32Array, dst: Float32Array, W: number): void;
  /** aE[j] = ReLU(ps[src(e)] + pd[dst(e)] + pe[e]), e = list[j]. */
  combine(list: Int32Array, m: number, esrc: Int32Array, edst: Int32Array, ps: Float32Array, pd: Float32Array, pe: Float32Array, aE: Float32Array, Hh: number): void;
  /** sum -= aEBase[e] for every listed edge; for present ones sum += aE[j], mx = max(mx, aE[j]); returns whether any was present. */
  poolEdges(list: Int32Array, m: number, aE: Float32Array, aEBase: Float32Array, removed: Uint8Array, Hh: number, sum: Float64Array, mx: Float64Array): boolean;
  /**
   * For r in [from, to): for each adjacency entry p of node list[r], the
   * value adjVal[p] is appended to out (from position n) unless its mark has
   * `bit`, which is then set. Returns the new length of out.
   */
  grow(list: Int32Array, from: number, to: number, adjPtr: Int32Array, adjVal: Int32Array, mark: Uint8Array, bit: number, out: Int32Array, n: number): number;
  /** sum += hL[v] - hLBase[v], mx = max(mx, hL[v]) for v = S[r]. */
  poolNodes(S: Int32Array, n: number, hL: Float32Array, hLBase: Float32Array, H: number, sum: Float64Array, mx: Float64Array): void;
}

// ---- TypeScript ------------------------------------------------------------------

export function jsKernels(bytes: number): InferenceKernels {
  return {
    kind: 'js',
    arena: new Arena(new ArrayBuffer(bytes)),
    memory: null,
    spmm(L, x, rows, y, relu) {
      csrForward(L.rowPtr, L.col, L.w, L.b, L.nIn, L.nOut, x, rows, y, relu);
    },
    aggregate(S, rows, adjPtr, adjEdge, adjOther, removed, h, e, z, H, ope) {
      for (let r = 0; r < rows; r++) {
        const v = S[r], o = r * H, hv = v * H;
        for (let f = 0; f < H; f++) z[o + f] = ope * h[hv + f];
        for (let p = adjPtr[v]; p < adjPtr[v + 1]; p++) {
          const ed = adjEdge[p];
          if (removed[ed]) continue;
          const u = adjOther[p] * H, ee = ed * H;
          for (let f = 0; f < H; f++) {
            const t = h[u + f] + e[ee + f];
            z[o + f] += 0.5 * (t + Math.abs(t));
          }
        }
      }
    },
    residual(S, rows, c, hPrev, hw, H, add) {
      for (let r = 0; r < rows; r++) {
        const o = r * H, hv = S[r] * H;
        if (add) for (let f = 0; f < H; f++) hw[hv + f] = c[o + f] + hPrev[hv + f];
        else for (let f = 0; f < H; f++) hw[hv + f] = c[o + f];
      }
    },
    gather(list, n, src, dst, W) {
      for (let j = 0; j < n; j++) dst.set(src.subarray(list[j] * W, list[j] * W + W), j * W);
    },
    scatter(list, n, src, dst, W) {
      for (let j = 0; j < n; j++) dst.set(src.subarray(j * W, j * W + W), list[j] * W);
    },
    restore(list, n, src, dst, W) {
      for (let j = 0; j < n; j++) dst.set(src.subarray(list[j] * W, list[j] * W + W), list[j] * W);
    },
    combine(list, m, esrc, edst, ps, pd, pe, aE, Hh) {
      for (let j = 0; j < m; j++) {
        const e = list[j], s = esrc[e] * Hh, t = edst[e] * Hh, ee = e * Hh, o = j * Hh;
        for (let f = 0; f < Hh; f++) {
          const v = ps[s + f] + pd[t + f] + pe[ee + f]; // the expression of gnn.combineEdgeHead
          aE[o + f] = 0.5 * (v + Math.abs(v));
        }
      }
    },
    poolEdges(list, m, aE, aEBase, removed, Hh, sum, mx) {
      let any = false;
      for (let j = 0; j < m; j++) {
        const e = list[j], b = e * Hh, o = j * Hh;
        for (let f = 0; f < Hh; f++) sum[f] -= aEBase[b + f];
        if (removed[e]) continue;
        any = true;
        for (let f = 0; f < Hh; f++) {
          const v = aE[o + f];
          sum[f] += v;
          if (v > mx[f]) mx[f] = v;
        }
      }
      return any;
    },
    grow(list, from, to, adjPtr, adjVal, mark, bit, out, n) {
      for (let r = from; r < to; r++) {
        const v = list[r];
        for (let p = adjPtr[v]; p < adjPtr[v + 1]; p++) {
          const x = adjVal[p];
          if (mark[x] & bit) continue;
          mark[x] |= bit;
          out[n++] = x;
        }
      }
      return n;
    },
    poolNodes(S, n, hL, hLBase, H, sum, mx) {
      for (let r = 0; r < n; r++) {
        const o = S[r] * H;
        for (let f = 0; f < H; f++) {
          const v = hL[o + f];
          sum[f] += v - hLBase[o + f];
          if (v > mx[f]) mx[f] = v;
        }
      }
    },
  };
}

// ---- WebAssembly -------------------------------------------------------------------

const ptrs = (...names: string[]): Array<[string, ValType]> => names.map((n) => [n, I32]);
const locals = (t: ValType, ...names: string[]): Array<[string, ValType]> => names.map((n) => [n, t]);

/** relu(x) = 0.5 * (x + |x|) of the f64 in local `x`, left on the stack. */
function reluOf(f: Fn, x: string): Fn {
  return f.f64(0.5).get(x).get(x).op(OP.f64Abs, OP.f64Add, OP.f64Mul);
}

/** The spmm kernels' byte pointers for output o: kp, kend over its weights, cp over its column indices. */
function outputRange(f: Fn): void {
  f.addr('rowPtr', 'o', 2).loadI32().i32(2).op(OP.i32Shl).get('w').op(OP.i32Add).set('kp');
  f.addr('rowPtr', 'o', 2).loadI32(4).i32(2).op(OP.i32Shl).get('w').op(OP.i32Add).set('kend');
  f.get('col').get('kp').get('w').op(OP.i32Sub, OP.i32Add).set('cp');
}

/** x = ReLU(x) when the kernel's `relu` parameter is set; x is an f64 local, or an f64x2 one with simd. */
function reluIfAsked(f: Fn, x: string, simd = false): void {
  f.get('relu').op(OP.if, 0x40);
  if (simd) new Lanes(f, true).relu(x);
  else reluOf(f, x);
  f.set(x).op(OP.end);
}

/**
 * The spmm kernels' one-row loop, rows [r, rows): emitted into a kernel
 * that has spmm's parameters and the locals r, o, xr, yp, kp, kend, cp,
 * rowIn, rowOut (i32) and s (f64).
 */
function spmmRowsFrom(f: Fn): void {
  f.forRange('r', 'rows', () => {
    f.get('x').get('r').get('rowIn').op(OP.i32Mul, OP.i32Add).set('xr');
    f.get('y').get('r').get('rowOut').op(OP.i32Mul, OP.i32Add).set('yp');
    f.i32(0).set('o');
    f.forRange('o', 'nOut', () => {
      outputRange(f);
      f.f64(0).set('s');
      f.forStep('kp', 'kend', 4, () => {
        f.get('s');
        f.get('kp').loadF32AsF64();
        f.get('xr').get('cp').loadI32().i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64();
        f.op(OP.f64Mul, OP.f64Add).set('s');
        f.inc('cp', 4);
      });
      f.get('s').addr('b', 'o', 2).loadF32AsF64().op(OP.f64Add).set('s');
      reluIfAsked(f, 's');
      f.get('yp').get('s').storeF64AsF32();
      f.inc('yp', 4);
    });
  });
}

/**
 * spmm(rowPtr, col, w, b, nIn, nOut, x, rows, y, relu). Four rows at a time:
 * each weight and column index loaded once serves four independent sums
 * (one long dependency chain per row would stall on the f64 add latency);
 * every row still sums its terms in connection order.
 */
function spmmKernel(): Fn {
  const f = new Fn('spmm', ptrs('rowPtr', 'col', 'w', 'b', 'nIn', 'nOut', 'x', 'rows', 'y', 'relu'), null,
    [...locals(I32, 'r', 'r4', 'o', 'xr', 'yp', 'kp', 'kend', 'cp', 'c', 'rowIn', 'rowOut'), ...locals(F64, 's', 's1', 's2', 's3', 'wk', 'bo')]);
  f.get('nIn').i32(2).op(OP.i32Shl).set('rowIn');
  f.get('nOut').i32(2).op(OP.i32Shl).set('rowOut');
  f.i32(0).set('r');
  f.get('rows').i32(-4).op(OP.i32And).set('r4');
  // blocks of four rows
  f.forStep('r', 'r4', 4, () => {
    f.get('x').get('r').get('rowIn').op(OP.i32Mul, OP.i32Add).set('xr');
    f.get('y').get('r').get('rowOut').op(OP.i32Mul, OP.i32Add).set('yp');
    f.i32(0).set('o');
    f.forRange('o', 'nOut', () => {
      outputRange(f);
      f.f64(0).set('s').f64(0).set('s1').f64(0).set('s2').f64(0).set('s3');
      f.forStep('kp', 'kend', 4, () => {
        f.get('kp').loadF32AsF64().set('wk');
        f.get('xr').get('cp').loadI32().i32(2).op(OP.i32Shl, OP.i32Add).set('c');
        f.get('s').get('wk').get('c').loadF32AsF64().op(OP.f64Mul, OP.f64Add).set('s');
        f.get('s1').get('wk').get('c').get('rowIn').op(OP.i32Add).loadF32AsF64().op(OP.f64Mul, OP.f64Add).set('s1');
        f.get('c').get('rowIn').op(OP.i32Add).set('c');
        f.get('s2').get('wk').get('c').get('rowIn').op(OP.i32Add).loadF32AsF64().op(OP.f64Mul, OP.f64Add).set('s2');
        f.get('c').get('rowIn').op(OP.i32Add).set('c');
        f.get('s3').get('wk').get('c').get('rowIn').op(OP.i32Add).loadF32AsF64().op(OP.f64Mul, OP.f64Add).set('s3');
        f.inc('cp', 4);
      });
      f.addr('b', 'o', 2).loadF32AsF64().set('bo');
      for (const s of ['s', 's1', 's2', 's3']) {
        f.get(s).get('bo').op(OP.f64Add).set(s);
        reluIfAsked(f, s);
      }
      f.get('yp').get('s').storeF64AsF32();
      f.get('yp').get('rowOut').op(OP.i32Add).tee('c').get('s1').storeF64AsF32();
      f.get('c').get('rowOut').op(OP.i32Add).tee('c').get('s2').storeF64AsF32();
      f.get('c').get('rowOut').op(OP.i32Add).get('s3').storeF64AsF32();
      f.inc('yp', 4);
    });
  });
  spmmRowsFrom(f);
  return f;
}

/**
 * Element-wise arithmetic on f32 rows in f64, one element (scalar) or two
 * (SIMD f64x2: each lane does the scalar's IEEE operations, so both give
 * the same bits) per step. Rows must have an even width for SIMD.
 */
class Lanes {
  readonly step: number;
  constructor(readonly f: Fn, readonly simd: boolean) {
    this.step = simd ? 8 : 4;
  }
  /** f32 element(s) at local pointer `p` as f64 (x2). */
  load(p: string): this {
    this.f.get(p);
    if (this.simd) this.f.loadF32x2AsF64x2();
    else this.f.loadF32AsF64();
    return this;
  }
  /** f64 element(s) at `p` (sum and max vectors). */
  load64(p: string): this {
    this.f.get(p);
    if (this.simd) this.f.simdMem(SIMD.v128Load, 3);
    else this.f.loadF64();
    return this;
  }
  store64(): this {
    if (this.simd) this.f.simdMem(SIMD.v128Store, 3);
    else this.f.storeF64();
    return this;
  }
  store(): this {
    if (this.simd) this.f.storeF64x2AsF32x2();
    else this.f.storeF64AsF32();
    return this;
  }
  add(): this { if (this.simd) this.f.simd(SIMD.f64x2Add); else this.f.op(OP.f64Add); return this; }
  sub(): this { if (this.simd) this.f.simd(SIMD.f64x2Sub); else this.f.op(OP.f64Sub); return this; }
  mul(): this { if (this.simd) this.f.simd(SIMD.f64x2Mul); else this.f.op(OP.f64Mul); return this; }
  /** mx at pointer local mp = max(mx, local v), as `if (v > mx) mx = v`. */
  maxInto(mp: string, v: string): this {
    this.f.get(mp);
    this.load64(mp);
    this.f.get(v);
    return this.pmax().store64();
  }
  /** max as `if (v > mx) mx = v`: stack holds mx, v. */
  pmax(): this {
    if (this.simd) this.f.simd(SIMD.f64x2Pmax);
    else {
      // scalar: mx < v ? v : mx
      this.f.set(`${'$'}b`).set(`${'$'}a`).get(`${'$'}b`).get(`${'$'}a`).get(`${'$'}a`).get(`${'$'}b`).op(OP.f64Lt, OP.select);
    }
    return this;
  }
  /** An f64 constant (splat for SIMD). */
  constant(v: number): this {
    this.f.f64(v);
    if (this.simd) this.f.simd(SIMD.f64x2Splat);
    return this;
  }
  /** relu of the value in local x: 0.5 (x + |x|). */
  relu(x: string): this {
    this.constant(0.5);
    this.f.get(x).get(x);
    if (this.simd) this.f.simd(SIMD.f64x2Abs).simd(SIMD.f64x2Add);
    else this.f.op(OP.f64Abs, OP.f64Add);
    return this.mul();
  }
  /** A local of the lane type. */
  get type(): ValType {
    return this.simd ? V128 : F64;
  }
}

/** Scratch locals every Lanes user declares ($a, $b for the scalar pmax). */
const laneLocals = (simd: boolean): Array<[string, ValType]> => [['$a', F64], ['$b', F64], ...(simd ? ([['$ope', V128]] as Array<[string, ValType]>) : [])];

/**
 * spmm4(rowPtr, col, w, b, nIn, nOut, x, rows, y, relu, t): spmm with SIMD.
 * Each block of four rows is first copied to scratch t as f64 pairs
 * (rows r, r+1 | rows r+2, r+3 per input), so one f64x2 multiply-add serves
 * two rows; each lane sums its row's terms in connection order, in f64, as
 * the scalar kernel does (same bits). Leftover rows go one at a time.
 */
function spmm4Kernel(): Fn {
  const f = new Fn('spmm4', ptrs('rowPtr', 'col', 'w', 'b', 'nIn', 'nOut', 'x', 'rows', 'y', 'relu', 't'), null,
    [...locals(I32, 'r', 'r4', 'o', 'xr', 'yp', 'kp', 'kend', 'cp', 'c', 'rowIn', 'rowOut', 'tp', 'tend', 'half', 'xc'), ...locals(F64, 's'),
      ...locals(V128, 'w2', 'a0', 'a1')]);
  /** f64x2 of (x[xc], x[xc + rowIn]) widened. */
  const pair = () => {
    f.get('xc').loadF32AsF64().simd(SIMD.f64x2Splat);
    f.get('xc').get('rowIn').op(OP.i32Add).loadF32AsF64().simdLane(SIMD.f64x2ReplaceLane, 1);
  };
  f.get('nIn').i32(2).op(OP.i32Shl).set('rowIn');
  f.get('nOut').i32(2).op(OP.i32Shl).set('rowOut');
  f.get('nIn').i32(4).op(OP.i32Shl).set('half'); // bytes of one half of the scratch
  f.i32(0).set('r');
  f.get('rows').i32(-4).op(OP.i32And).set('r4');
  f.forStep('r', 'r4', 4, () => {
    f.get('x').get('r').get('rowIn').op(OP.i32Mul, OP.i32Add).set('xr');
    f.get('y').get('r').get('rowOut').op(OP.i32Mul, OP.i32Add).set('yp');
    // transpose into pairs
    f.get('t').set('tp');
    f.get('t').get('half').op(OP.i32Add).set('tend');
    f.get('xr').set('xc');
    f.forStep('tp', 'tend', 16, () => {
      f.get('tp');
      pair();
      f.simdMem(SIMD.v128Store, 3);
      f.get('tp').get('half').op(OP.i32Add);
      f.get('xc').get('rowIn').op(OP.i32Add).get('rowIn').op(OP.i32Add).set('xc');
      pair();
      f.simdMem(SIMD.v128Store, 3);
      f.get('xc').get('rowIn').op(OP.i32Sub).get('rowIn').op(OP.i32Sub).i32(4).op(OP.i32Add).set('xc');
    });
    f.i32(0).set('o');
    f.forRange('o', 'nOut', () => {
      outputRange(f);
      f.f64(0).simd(SIMD.f64x2Splat).tee('a0').set('a1');
      f.forStep('kp', 'kend', 4, () => {
        f.get('kp').loadF32AsF64().simd(SIMD.f64x2Splat).set('w2');
        f.get('t').get('cp').loadI32().i32(4).op(OP.i32Shl, OP.i32Add).set('c');
        f.get('a0').get('w2').get('c').simdMem(SIMD.v128Load, 3).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set('a0');
        f.get('a1').get('w2').get('c').get('half').op(OP.i32Add).simdMem(SIMD.v128Load, 3).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set('a1');
        f.inc('cp', 4);
      });
      f.addr('b', 'o', 2).loadF32AsF64().simd(SIMD.f64x2Splat).set('w2');
      f.get('a0').get('w2').simd(SIMD.f64x2Add).set('a0');
      f.get('a1').get('w2').simd(SIMD.f64x2Add).set('a1');
      reluIfAsked(f, 'a0', true);
      reluIfAsked(f, 'a1', true);
      f.get('a0').simd(SIMD.f32x4DemoteF64x2Zero).set('a0');
      f.get('a1').simd(SIMD.f32x4DemoteF64x2Zero).set('a1');
      f.get('yp').get('a0').simdLane(SIMD.f32x4ExtractLane, 0).op(OP.f32Store, 2, 0);
      f.get('yp').get('rowOut').op(OP.i32Add).tee('c').get('a0').simdLane(SIMD.f32x4ExtractLane, 1).op(OP.f32Store, 2, 0);
      f.get('c').get('rowOut').op(OP.i32Add).tee('c').get('a1').simdLane(SIMD.f32x4ExtractLane, 0).op(OP.f32Store, 2, 0);
      f.get('c').get('rowOut').op(OP.i32Add).get('a1').simdLane(SIMD.f32x4ExtractLane, 1).op(OP.f32Store, 2, 0);
      f.inc('yp', 4);
    });
  });
  spmmRowsFrom(f);
  return f;
}

/** aggregate(S, rows, adjPtr, adjEdge, adjOther, removed, h, e, z, H, ope) */
function aggregateKernel(simd: boolean): Fn {
  const f = new Fn('aggregate', [...ptrs('S', 'rows', 'adjPtr', 'adjEdge', 'adjOther', 'removed', 'h', 'e', 'z', 'H'), ['ope', F64]], null,
    [...locals(I32, 'r', 'v', 'zr', 'zend', 'zp', 'hp', 'ep', 'p', 'pend', 'ed', 'rowBytes'), ['t', simd ? V128 : F64], ...laneLocals(simd)]);
  const x = new Lanes(f, simd);
  const opeVec = simd ? '$ope' : 'ope';
  if (simd) f.get('ope').simd(SIMD.f64x2Splat).set('$ope');
  f.get('H').i32(2).op(OP.i32Shl).set('rowBytes');
  f.i32(0).set('r');
  f.forRange('r', 'rows', () => {
    f.addr('S', 'r', 2).loadI32().set('v');
    f.get('z').get('r').get('rowBytes').op(OP.i32Mul, OP.i32Add).tee('zr').get('rowBytes').op(OP.i32Add).set('zend');
    // z[r] = ope * h[v]
    f.get('h').get('v').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('hp');
    f.get('zr').set('zp');
    f.forStep('zp', 'zend', x.step, () => {
      f.get('zp').get(opeVec);
      x.load('hp').mul().store();
      f.inc('hp', x.step);
    });
    f.addr('adjPtr', 'v', 2).loadI32().set('p');
    f.addr('adjPtr', 'v', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.addr('adjEdge', 'p', 2).loadI32().set('ed');
      f.get('removed').get('ed').op(OP.i32Add).op(OP.i32Load8U, 0, 0).op(OP.i32Eqz, OP.if, 0x40);
      f.get('h').addr('adjOther', 'p', 2).loadI32().get('rowBytes').op(OP.i32Mul, OP.i32Add).set('hp');
      f.get('e').get('ed').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('ep');
      f.get('zr').set('zp');
      f.forStep('zp', 'zend', x.step, () => {
        x.load('hp').load('ep').add();
        f.set('t');
        f.get('zp');
        x.load('zp').relu('t').add().store();
        f.inc('hp', x.step).inc('ep', x.step);
      });
      f.op(OP.end);
    });
  });
  return f;
}

/** residual(S, rows, c, hPrev, hw, H, add) */
function residualKernel(simd: boolean): Fn {
  const f = new Fn('residual', ptrs('S', 'rows', 'c', 'hPrev', 'hw', 'H', 'add'), null,
    [...locals(I32, 'r', 'off', 'cp', 'pp', 'wp', 'wend', 'rowBytes'), ...laneLocals(simd)]);
  const x = new Lanes(f, simd);
  f.get('H').i32(2).op(OP.i32Shl).set('rowBytes');
  f.i32(0).set('r');
  f.get('c').set('cp');
  f.forRange('r', 'rows', () => {
    f.addr('S', 'r', 2).loadI32().get('rowBytes').op(OP.i32Mul).set('off');
    f.get('hw').get('off').op(OP.i32Add).tee('wp').get('rowBytes').op(OP.i32Add).set('wend');
    f.get('add').op(OP.if, 0x40);
    f.get('hPrev').get('off').op(OP.i32Add).set('pp');
    f.forStep('wp', 'wend', x.step, () => {
      f.get('wp');
      x.load('cp').load('pp').add().store();
      f.inc('cp', x.step).inc('pp', x.step);
    });
    f.op(OP.else_);
    f.get('wp').get('cp').get('rowBytes').memoryCopy();
    f.get('cp').get('rowBytes').op(OP.i32Add).set('cp');
    f.op(OP.end);
  });
  return f;
}

/** rows(list, n, src, dst, W, mode): mode 0 gather dst[j] = src[list[j]], 1 scatter dst[list[j]] = src[j], 2 restore dst[list[j]] = src[list[j]]. */
function rowsKernel(): Fn {
  const f = new Fn('rows', ptrs('list', 'n', 'src', 'dst', 'W', 'mode'), null, locals(I32, 'j', 'at', 'rowBytes'));
  f.get('W').i32(2).op(OP.i32Shl).set('rowBytes');
  f.i32(0).set('j');
  f.forRange('j', 'n', () => {
    f.addr('list', 'j', 2).loadI32().get('rowBytes').op(OP.i32Mul).set('at');
    // dst address
    f.get('dst');
    f.get('mode').op(OP.if, I32).get('at').op(OP.else_).get('j').get('rowBytes').op(OP.i32Mul).op(OP.end);
    f.op(OP.i32Add);
    // src address
    f.get('src');
    f.get('mode').i32(1).op(OP.i32Eq).op(OP.if, I32).get('j').get('rowBytes').op(OP.i32Mul).op(OP.else_).get('at').op(OP.end);
    f.op(OP.i32Add);
    f.get('rowBytes').memoryCopy();
  });
  return f;
}

/** combine(list, m, esrc, edst, ps, pd, pe, aE, Hh) */
function combineKernel(simd: boolean): Fn {
  const f = new Fn('combine', ptrs('list', 'm', 'esrc', 'edst', 'ps', 'pd', 'pe', 'aE', 'Hh'), null,
    [...locals(I32, 'j', 'e', 'sp', 'dp', 'qp', 'ap', 'aend', 'rowBytes'), ['v', simd ? V128 : F64], ...laneLocals(simd)]);
  const x = new Lanes(f, simd);
  f.get('Hh').i32(2).op(OP.i32Shl).set('rowBytes');
  f.i32(0).set('j');
  f.get('aE').set('ap');
  f.forRange('j', 'm', () => {
    f.addr('list', 'j', 2).loadI32().set('e');
    f.get('ps').addr('esrc', 'e', 2).loadI32().get('rowBytes').op(OP.i32Mul, OP.i32Add).set('sp');
    f.get('pd').addr('edst', 'e', 2).loadI32().get('rowBytes').op(OP.i32Mul, OP.i32Add).set('dp');
    f.get('pe').get('e').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('qp');
    f.get('ap').get('rowBytes').op(OP.i32Add).set('aend');
    f.forStep('ap', 'aend', x.step, () => {
      x.load('sp').load('dp').add().load('qp').add();
      f.set('v');
      f.get('ap');
      x.relu('v').store();
      f.inc('sp', x.step).inc('dp', x.step).inc('qp', x.step);
    });
  });
  return f;
}

/** poolEdges(list, m, aE, aEBase, removed, Hh, sum, mx) -> any present */
function poolEdgesKernel(simd: boolean): Fn {
  const f = new Fn('poolEdges', ptrs('list', 'm', 'aE', 'aEBase', 'removed', 'Hh', 'sum', 'mx'), I32,
    [...locals(I32, 'j', 'e', 'bp', 'ap', 'sp', 'mp', 'send', 'any'), ['v', simd ? V128 : F64], ...laneLocals(simd)]);
  const x = new Lanes(f, simd);
  const step64 = 2 * x.step;
  f.i32(0).set('j');
  f.i32(0).set('any');
  f.get('sum').get('Hh').i32(3).op(OP.i32Shl, OP.i32Add).set('send');
  f.get('aE').set('ap');
  f.forRange('j', 'm', () => {
    f.addr('list', 'j', 2).loadI32().set('e');
    f.get('aEBase').get('e').get('Hh').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('bp');
    f.get('sum').set('sp');
    f.forStep('sp', 'send', step64, () => {
      f.get('sp');
      x.load64('sp').load('bp').sub().store64();
      f.inc('bp', x.step);
    });
    f.get('removed').get('e').op(OP.i32Add).op(OP.i32Load8U, 0, 0).op(OP.i32Eqz, OP.if, 0x40);
    f.i32(1).set('any');
    f.get('sum').set('sp');
    f.get('mx').set('mp');
    f.forStep('sp', 'send', step64, () => {
      x.load('ap');
      f.set('v');
      f.get('sp');
      x.load64('sp');
      f.get('v');
      x.add().store64();
      x.maxInto('mp', 'v');
      f.inc('ap', x.step).inc('mp', step64);
    });
    f.op(OP.else_);
    f.get('ap').get('Hh').i32(2).op(OP.i32Shl, OP.i32Add).set('ap');
    f.op(OP.end);
  });
  f.get('any');
  return f;
}

/** poolNodes(S, n, hL, hLBase, H, sum, mx) */
function poolNodesKernel(simd: boolean): Fn {
  const f = new Fn('poolNodes', ptrs('S', 'n', 'hL', 'hLBase', 'H', 'sum', 'mx'), null,
    [...locals(I32, 'r', 'off', 'hp', 'bp', 'sp', 'mp', 'send'), ['v', simd ? V128 : F64], ...laneLocals(simd)]);
  const x = new Lanes(f, simd);
  const step64 = 2 * x.step;
  f.i32(0).set('r');
  f.get('sum').get('H').i32(3).op(OP.i32Shl, OP.i32Add).set('send');
  f.forRange('r', 'n', () => {
    f.addr('S', 'r', 2).loadI32().get('H').op(OP.i32Mul).i32(2).op(OP.i32Shl).set('off');
    f.get('hL').get('off').op(OP.i32Add).set('hp');
    f.get('hLBase').get('off').op(OP.i32Add).set('bp');
    f.get('sum').set('sp');
    f.get('mx').set('mp');
    f.forStep('sp', 'send', step64, () => {
      x.load('hp');
      f.set('v');
      // sum += v - base
      f.get('sp');
      x.load64('sp');
      f.get('v');
      x.load('bp').sub().add().store64();
      x.maxInto('mp', 'v');
      f.inc('hp', x.step).inc('bp', x.step).inc('mp', step64);
    });
  });
  return f;
}

/** grow(list, from, to, adjPtr, adjVal, mark, bit, out, n) -> n */
function growKernel(): Fn {
  const f = new Fn('grow', ptrs('list', 'from', 'to', 'adjPtr', 'adjVal', 'mark', 'bit', 'out', 'n'), I32, locals(I32, 'r', 'v', 'p', 'pend', 'x', 'm'));
  f.get('from').set('r');
  f.forRange('r', 'to', () => {
    f.addr('list', 'r', 2).loadI32().set('v');
    f.addr('adjPtr', 'v', 2).loadI32().set('p');
    f.addr('adjPtr', 'v', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.addr('adjVal', 'p', 2).loadI32().set('x');
      f.get('mark').get('x').op(OP.i32Add).tee('m').op(OP.i32Load8U, 0, 0).get('bit').op(OP.i32And, OP.i32Eqz, OP.if, 0x40);
      f.get('m').get('m').op(OP.i32Load8U, 0, 0).get('bit').op(OP.i32Or).op(OP.i32Store8, 0, 0);
      f.addr('out', 'n', 2).get('x').op(OP.i32Store, 2, 0);
      f.inc('n');
      f.op(OP.end);
    });
  });
  f.get('n');
  return f;
}

const compiled = new Map<boolean, WebAssembly.Module | null>();

/** The module with SIMD element-wise kernels (simd) or scalar ones; null when this runtime cannot compile it. */
function kernelModule(simd: boolean): WebAssembly.Module | null {
  if (compiled.has(simd)) return compiled.get(simd)!;
  let mod: WebAssembly.Module | null = null;
  try {
    if (typeof WebAssembly === 'object') {
      mod = new WebAssembly.Module(moduleBytes([spmmKernel(), aggregateKernel(simd), residualKernel(simd), rowsKernel(), combineKernel(simd), poolEdgesKernel(simd), poolNodesKernel(simd), growKernel(), ...(simd ? [spmm4Kernel()] : [])]));
    }
  } catch {
    mod = null;
  }
  compiled.set(simd, mod);
  return mod;
}

interface WasmExports {
  spmm4?(rowPtr: number, col: number, w: number, b: number, nIn: number, nOut: number, x: number, rows: number, y: number, relu: number, t: number): void;
  spmm(rowPtr: number, col: number, w: number, b: number, nIn: number, nOut: number, x: number, rows: number, y: number, relu: number): void;
  aggregate(S: number, rows: number, adjPtr: number, adjEdge: number, adjOther: number, removed: number, h: number, e: number, z: number, H: number, ope: number): void;
  residual(S: number, rows: number, c: number, hPrev: number, hw: number, H: number, add: number): void;
  rows(list: number, n: number, src: number, dst: number, W: number, mode: number): void;
  combine(list: number, m: number, esrc: number, edst: number, ps: number, pd: number, pe: number, aE: number, Hh: number): void;
  poolEdges(list: number, m: number, aE: number, aEBase: number, removed: number, Hh: number, sum: number, mx: number): number;
  poolNodes(S: number, n: number, hL: number, hLBase: number, H: number, sum: number, mx: number): void;
  grow(list: number, from: number, to: number, adjPtr: number, adjVal: number, mark: number, bit: number, out: number, n: number): number;
}

/**
 * WebAssembly kernels over an arena of `bytes`, or null when WebAssembly is
 * unavailable. `simd` (row widths must then be even): element-wise kernels
 * two lanes at a time, falling back to scalar ones where SIMD does not compile.
 */
export function wasmKernels(bytes: number, simd = false, maxIn = 256): InferenceKernels | null {
  const mod = (simd ? kernelModule(true) : null) ?? kernelModule(false);
  if (!mod) return null;
  let memory: WebAssembly.Memory, x: WasmExports;
  const scratchBytes = 32 * maxIn + 16; // spmm4's pairs of rows
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((bytes + scratchBytes + 16) / 65536) });
    x = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as WasmExports;
  } catch {
    return null;
  }
  const at = (a: { byteOffset: number }) => a.byteOffset;
  const arena = new Arena(memory.buffer);
  const t = at(arena.f64(4 * maxIn));
  const spmm4 = x.spmm4;
  return {
    kind: mod === compiled.get(true) ? 'wasm-simd' : 'wasm',
    arena,
    memory,
    spmm: spmm4
      ? (L, xs, rows, y, relu) => {
        if (L.nIn > maxIn) throw new Error(`inference kernels: a layer of ${L.nIn} inputs exceeds the ${maxIn} reserved`);
        spmm4(at(L.rowPtr), at(L.col), at(L.w), at(L.b), L.nIn, L.nOut, at(xs), rows, at(y), relu ? 1 : 0, t);
      }
      : (L, xs, rows, y, relu) => x.spmm(at(L.rowPtr), at(L.col), at(L.w), at(L.b), L.nIn, L.nOut, at(xs), rows, at(y), relu ? 1 : 0),
    aggregate: (S, rows, adjPtr, adjEdge, adjOther, removed, h, e, z, H, ope) => x.aggregate(at(S), rows, at(adjPtr), at(adjEdge), at(adjOther), at(removed), at(h), at(e), at(z), H, ope),
    residual: (S, rows, c, hPrev, hw, H, add) => x.residual(at(S), rows, at(c), at(hPrev), at(hw), H, add ? 1 : 0),
    gather: (list, n, src, dst, W) => x.rows(at(list), n, at(src), at(dst), W, 0),
    scatter: (list, n, src, dst, W) => x.rows(at(list), n, at(src), at(dst), W, 1),
    restore: (list, n, src, dst, W) => x.rows(at(list), n, at(src), at(dst), W, 2),
    combine: (list, m, esrc, edst, ps, pd, pe, aE, Hh) => x.combine(at(list), m, at(esrc), at(edst), at(ps), at(pd), at(pe), at(aE), Hh),
    poolEdges: (list, m, aE, aEBase, removed, Hh, sum, mx) => x.poolEdges(at(list), m, at(aE), at(aEBase), at(removed), Hh, at(sum), at(mx)) !== 0,
    poolNodes: (S, n, hL, hLBase, H, sum, mx) => x.poolNodes(at(S), n, at(hL), at(hLBase), H, at(sum), at(mx)),
    grow: (list, from, to, adjPtr, adjVal, mark, bit, out, n) => x.grow(at(list), from, to, at(adjPtr), at(adjVal), at(mark), bit, at(out), n),
  };
}

export type KernelChoice = 'wasm-simd' | 'wasm' | 'js';

/** The best kernel set this runtime can run (what `inferenceKernels` picks for even widths). */
export function bestKernels(): KernelChoice {
  return kernelModule(true) ? 'wasm-simd' : kernelModule(false) ? 'wasm' : 'js';
}

/**
 * The fastest kernels this runtime offers, at most `prefer` ('wasm' skips
 * SIMD, 'js' forces the TypeScript loops). SIMD needs even row widths
 * (`evenWidths`), else scalar WebAssembly is used.
 */
export function inferenceKernels(bytes: number, prefer: KernelChoice = 'wasm-simd', evenWidths = true, maxIn = 256): InferenceKernels {
  if (prefer === 'js') return jsKernels(bytes);
  return wasmKernels(bytes, prefer === 'wasm-simd' && evenWidths, maxIn) ?? jsKernels(bytes);
}
