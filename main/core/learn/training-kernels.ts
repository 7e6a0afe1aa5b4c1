// The backward kernels of incremental training (incremental-backward.ts):
// a packed layer's backward over rows, and the message-passing backward over
// a set of nodes. WebAssembly on the inference kernels' memory (kernels.ts:
// the arena is shared, so both modules read the same arrays), or the
// TypeScript loops where the inference kernels are the TypeScript ones.
//
// Unlike inference, training does not need bit-equality with another
// implementation, only accuracy: weight and bias gradients accumulate in f64
// over every row of a call (SparseLayer.backward rounds to f32 every four
// rows), a row's input gradient in f64 over its outputs. Both kernel sets
// do the same arithmetic, so they agree to the last bit anyway (tested).

import { F64, Fn, I32, OP, SIMD, V128, type ValType, moduleBytes } from '../wasm/emitter';

/** SIMD opcodes beyond the emitter's table: f64x2.gt (lane-wise a > b as all-ones / zero) and v128.and. */
const F64X2_GT = 0x4a, V128_AND = 0x4e, F64X2_EXTRACT = 0x21;
import type { InferenceKernels, PackedLayer } from './kernels';

export interface TrainingKernels {
  readonly kind: 'wasm' | 'js';
  /**
   * gW[k] += sum_r dy[r, o(k)] x[r, c(k)], gB[o] += sum_r dy[r, o] (f64
   * accumulators, one per connection and output) and, when dx is given,
   * dx[r] += dy[r] W for rows [0, rows), two rows at a time; t: f64
   * scratch of 4 nIn.
   */
  linear(L: PackedLayer, x: Float32Array, dy: Float32Array, rows: number, gW: Float64Array, gB: Float64Array, dx: Float32Array | null, t: Float64Array): void;
  /**
   * Message-passing backward at the nodes S[0..rows) of layer l, given dz
   * (the aggregate's gradient, compact) and dh (the layer output's, compact,
   * for the residual): each node's own term (ope dz + dh when residual) and
   * each present incident edge's message share dz * (h[u] + e[edge] > 0)
   * go to the sender u and the edge: into the compact dhPrev (u among the
   * first `prev` of S) and de (edge FEATURED, at posE), else into the base's
   * outH and outE rows.
   */
  messages(a: MessageArgs): void;
}

export interface MessageArgs {
  S: Int32Array;
  rows: number;
  prev: number;
  posN: Int32Array;
  nodeMark: Uint8Array;
  adjPtr: Int32Array;
  adjEdge: Int32Array;
  adjOther: Int32Array;
  removed: Uint8Array;
  edgeMark: Uint8Array;
  posE: Int32Array;
  h: Float32Array;
  e: Float32Array;
  dz: Float32Array;
  dh: Float32Array;
  dhPrev: Float32Array;
  outH: Float32Array;
  de: Float32Array;
  outE: Float32Array;
  H: number;
  ope: number;
  residual: boolean;
}

const FEATURED_BIT = 8; // incremental-stages.FEATURED

// ---- TypeScript ----------------------------------------------------------------------

export const jsTrainingKernels: TrainingKernels = {
  kind: 'js',
  linear(L, x, dy, rows, gW, gB, dx, t) {
    const { nIn, nOut, rowPtr, col, w } = L;
    let r = 0;
    // Pairs of rows: one pass over a connection serves both (the SIMD kernel's grouping: same sums, same order).
    for (; r + 1 < rows; r += 2) {
      const x0 = r * nIn, x1 = x0 + nIn, y0 = r * nOut, y1 = y0 + nOut;
      if (dx) t.fill(0, 0, 2 * nIn);
      for (let o = 0; o < nOut; o++) {
        const d0 = dy[y0 + o], d1 = dy[y1 + o];
        if (d0 === 0 && d1 === 0) continue;
        gB[o] += d0 + d1;
        const end = rowPtr[o + 1];
        if (dx) {
          for (let k = rowPtr[o]; k < end; k++) {
            const c = col[k], wk = w[k];
            gW[k] += d0 * x[x0 + c] + d1 * x[x1 + c];
            t[2 * c] += d0 * wk;
            t[2 * c + 1] += d1 * wk;
          }
        } else {
          for (let k = rowPtr[o]; k < end; k++) { const c = col[k]; gW[k] += d0 * x[x0 + c] + d1 * x[x1 + c]; }
        }
      }
      if (dx) for (let c = 0; c < nIn; c++) { dx[x0 + c] += t[2 * c]; dx[x1 + c] += t[2 * c + 1]; }
    }
    for (; r < rows; r++) {
      const x0 = r * nIn, y0 = r * nOut;
      if (dx) t.fill(0, 0, nIn);
      for (let o = 0; o < nOut; o++) {
        const d = dy[y0 + o];
        if (d === 0) continue;
        gB[o] += d;
        const end = rowPtr[o + 1];
        if (dx) {
          for (let k = rowPtr[o]; k < end; k++) {
            const c = col[k];
            gW[k] += d * x[x0 + c];
            t[c] += d * w[k];
          }
        } else {
          for (let k = rowPtr[o]; k < end; k++) gW[k] += d * x[x0 + col[k]];
        }
      }
      if (dx) for (let c = 0; c < nIn; c++) dx[x0 + c] += t[c];
    }
  },
  messages(a) {
    const { S, rows, prev, posN, nodeMark, adjPtr, adjEdge, adjOther, removed, edgeMark, posE, h, e, dz, dh, dhPrev, outH, de, outE, H, ope, residual } = a;
    for (let r = 0; r < rows; r++) {
      const node = S[r], zo = r * H;
      const self = r < prev ? dhPrev : outH, so = (r < prev ? r : node) * H;
      if (residual) for (let f = 0; f < H; f++) self[so + f] += ope * dz[zo + f] + dh[zo + f];
      else for (let f = 0; f < H; f++) self[so + f] += ope * dz[zo + f];
      for (let p = adjPtr[node]; p < adjPtr[node + 1]; p++) {
        const ed = adjEdge[p];
        if (removed[ed]) continue;
        const u = adjOther[p];
        const uIn = (nodeMark[u] & 1) !== 0 && posN[u] < prev;
        const tu = uIn ? dhPrev : outH, uo = (uIn ? posN[u] : u) * H;
        const fIn = edgeMark[ed] & FEATURED_BIT;
        const te = fIn ? de : outE, eo = (fIn ? posE[ed] : ed) * H;
        const hu = u * H, he = ed * H;
        for (let f = 0; f < H; f++) {
          const g = dz[zo + f] * +(h[hu + f] + e[he + f] > 0);
          tu[uo + f] += g;
          te[eo + f] += g;
        }
      }
    }
  },
};

// ---- WebAssembly ---------------------------------------------------------------------

const ptrs = (...names: string[]): Array<[string, ValType]> => names.map((n) => [n, I32]);
const locals = (t: ValType, ...names: string[]): Array<[string, ValType]> => names.map((n) => [n, t]);

/** linear(rowPtr, col, w, nIn, nOut, x, dy, rows, gW, gB, wantDx, dx, t) */
function linearKernel(): Fn {
  const f = new Fn('linear', ptrs('rowPtr', 'col', 'w', 'nIn', 'nOut', 'x', 'dy', 'rows', 'gW', 'gB', 'wantDx', 'dx', 't'), null,
    [...locals(I32, 'r', 'o', 'k', 'kend', 'c', 'xr', 'yr', 'dxr', 'ta'), ...locals(F64, 'd')]);
  f.i32(0).set('r');
  f.forRange('r', 'rows', () => {
    f.get('x').get('r').get('nIn').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('xr');
    f.get('dy').get('r').get('nOut').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('yr');
    f.get('wantDx').op(OP.if, 0x40);
    f.i32(0).set('c');
    f.forRange('c', 'nIn', () => { f.addr('t', 'c', 3).f64(0).storeF64(); });
    f.op(OP.end);
    f.i32(0).set('o');
    f.forRange('o', 'nOut', () => {
      f.get('yr').get('o').i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64().tee('d').f64(0).op(OP.f64Ne, OP.if, 0x40);
      // gB[o] += d
      f.addr('gB', 'o', 3).addr('gB', 'o', 3).loadF64().get('d').op(OP.f64Add).storeF64();
      f.addr('rowPtr', 'o', 2).loadI32().set('k');
      f.addr('rowPtr', 'o', 2).loadI32(4).set('kend');
      f.get('wantDx').op(OP.if, 0x40);
      f.forRange('k', 'kend', () => {
        f.addr('col', 'k', 2).loadI32().set('c');
        // gW[k] += d * x[xr + c]
        f.addr('gW', 'k', 3).addr('gW', 'k', 3).loadF64().get('d').get('xr').get('c').i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64().op(OP.f64Mul, OP.f64Add).storeF64();
        // t[c] += d * w[k]
        f.addr('t', 'c', 3).tee('ta').get('ta').loadF64().get('d').addr('w', 'k', 2).loadF32AsF64().op(OP.f64Mul, OP.f64Add).storeF64();
      });
      f.op(OP.else_);
      f.forRange('k', 'kend', () => {
        f.addr('gW', 'k', 3).addr('gW', 'k', 3).loadF64().get('d').get('xr').addr('col', 'k', 2).loadI32().i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64().op(OP.f64Mul, OP.f64Add).storeF64();
      });
      f.op(OP.end);
      f.op(OP.end);
    });
    // dx[r] += t
    f.get('wantDx').op(OP.if, 0x40);
    f.get('dx').get('r').get('nIn').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('dxr');
    f.i32(0).set('c');
    f.forRange('c', 'nIn', () => {
      f.get('dxr').get('dxr').loadF32AsF64().addr('t', 'c', 3).loadF64().op(OP.f64Add).storeF64AsF32();
      f.inc('dxr', 4);
    });
    f.op(OP.end);
  });
  return f;
}

/**
 * linear2: linear over pairs of rows with SIMD, then the last row alone by
 * the scalar kernel. Per pair, the rows' inputs are first laid out as f64
 * pairs in scratch t ([nIn] x (x[r], x[r+1])), the input gradients
 * accumulate as pairs after them; each connection's two products are summed
 * lane 0 + lane 1 into its f64 sum (the TypeScript loop's order).
 */
function linear2Kernel(): Fn {
  const f = new Fn('linear2', ptrs('rowPtr', 'col', 'w', 'nIn', 'nOut', 'x', 'dy', 'rows', 'gW', 'gB', 'wantDx', 'dx', 't'), null,
    [...locals(I32, 'r', 'r2', 'o', 'k', 'kend', 'c', 'xr', 'yr', 'dxr', 'tx', 'td', 'p', 'half'), ...locals(F64, 'd0', 'd1'), ...locals(V128, 'd2', 'pr')]);
  const lane = (i: number) => f.simdLane(F64X2_EXTRACT, i);
  f.get('nIn').i32(4).op(OP.i32Shl).set('half'); // bytes of nIn f64 pairs
  f.i32(0).set('r');
  f.get('rows').i32(-2).op(OP.i32And).set('r2');
  f.forStep('r', 'r2', 2, () => {
    f.get('x').get('r').get('nIn').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('xr');
    f.get('dy').get('r').get('nOut').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('yr');
    // pairs (x[r, c], x[r+1, c]), and zeroed input-gradient pairs after them
    f.i32(0).set('c');
    f.forRange('c', 'nIn', () => {
      f.get('t').get('c').i32(4).op(OP.i32Shl, OP.i32Add).tee('p');
      f.get('xr').get('c').i32(2).op(OP.i32Shl, OP.i32Add).tee('tx').loadF32AsF64().simd(SIMD.f64x2Splat);
      f.get('tx').get('nIn').i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64().simdLane(SIMD.f64x2ReplaceLane, 1);
      f.simdMem(SIMD.v128Store, 3);
      f.get('p').get('half').op(OP.i32Add).f64(0).simd(SIMD.f64x2Splat).simdMem(SIMD.v128Store, 3);
    });
    f.i32(0).set('o');
    f.forRange('o', 'nOut', () => {
      f.get('yr').get('o').i32(2).op(OP.i32Shl, OP.i32Add).tee('p').loadF32AsF64().set('d0');
      f.get('p').get('nOut').i32(2).op(OP.i32Shl, OP.i32Add).loadF32AsF64().set('d1');
      f.get('d0').f64(0).op(OP.f64Ne).get('d1').f64(0).op(OP.f64Ne).op(OP.i32Or, OP.if, 0x40);
      f.get('d0').simd(SIMD.f64x2Splat).get('d1').simdLane(SIMD.f64x2ReplaceLane, 1).set('d2');
      f.addr('gB', 'o', 3).addr('gB', 'o', 3).loadF64().get('d0').get('d1').op(OP.f64Add, OP.f64Add).storeF64();
      f.addr('rowPtr', 'o', 2).loadI32().set('k');
      f.addr('rowPtr', 'o', 2).loadI32(4).set('kend');
      f.forRange('k', 'kend', () => {
        f.addr('col', 'k', 2).loadI32().i32(4).op(OP.i32Shl).get('t').op(OP.i32Add).set('tx');
        f.get('d2').get('tx').simdMem(SIMD.v128Load, 3).simd(SIMD.f64x2Mul).set('pr');
        f.addr('gW', 'k', 3).addr('gW', 'k', 3).loadF64();
        f.get('pr');
        lane(0);
        f.get('pr');
        lane(1);
        f.op(OP.f64Add, OP.f64Add).storeF64();
        f.get('wantDx').op(OP.if, 0x40);
        f.get('tx').get('half').op(OP.i32Add).tee('td').get('td').simdMem(SIMD.v128Load, 3);
        f.get('d2').addr('w', 'k', 2).loadF32AsF64().simd(SIMD.f64x2Splat).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).simdMem(SIMD.v128Store, 3);
        f.op(OP.end);
      });
      f.op(OP.end);
    });
    f.get('wantDx').op(OP.if, 0x40);
    f.get('dx').get('r').get('nIn').op(OP.i32Mul).i32(2).op(OP.i32Shl, OP.i32Add).set('dxr');
    f.i32(0).set('c');
    f.forRange('c', 'nIn', () => {
      f.get('t').get('half').op(OP.i32Add).get('c').i32(4).op(OP.i32Shl, OP.i32Add).simdMem(SIMD.v128Load, 3).set('pr');
      f.get('dxr').get('dxr').loadF32AsF64().get('pr');
      lane(0);
      f.op(OP.f64Add).storeF64AsF32();
      f.get('dxr').get('nIn').i32(2).op(OP.i32Shl, OP.i32Add).tee('p').get('p').loadF32AsF64().get('pr');
      lane(1);
      f.op(OP.f64Add).storeF64AsF32();
      f.inc('dxr', 4);
    });
    f.op(OP.end);
  });
  return f;
}

/**
 * messages(S, rows, prev, posN, nodeMark, adjPtr, adjEdge, adjOther, removed, edgeMark, posE, h, e, dz, dh, dhPrev, outH, de, outE, H, ope, residual).
 * With simd (even H), two features per step: each f64 lane does the scalar
 * kernel's operations (the mask as a bitwise and with the comparison), so
 * both give the same bits.
 */
function messagesKernel(simd: boolean): Fn {
  const f = new Fn(simd ? 'messages2' : 'messages', [...ptrs('S', 'rows', 'prev', 'posN', 'nodeMark', 'adjPtr', 'adjEdge', 'adjOther', 'removed', 'edgeMark', 'posE', 'h', 'e', 'dz', 'dh', 'dhPrev', 'outH', 'de', 'outE', 'H'), ['ope', F64], ['residual', I32]], null,
    [...locals(I32, 'r', 'v', 'zr', 'zp', 'zend', 'sp', 'dp', 'p', 'pend', 'ed', 'u', 'pu', 'tu', 'te', 'hp', 'ep', 'rowBytes'), ...locals(F64, 'g'), ...(simd ? locals(V128, 'g2', 'ope2', 'zero2') : [])]);
  const step = simd ? 8 : 4;
  /** The lane type's load of f32(s) at the pointer on the stack, widened; and the store of the value on the stack. */
  const load = () => (simd ? f.loadF32x2AsF64x2() : f.loadF32AsF64());
  const store = () => (simd ? f.storeF64x2AsF32x2() : f.storeF64AsF32());
  const add = () => (simd ? f.simd(SIMD.f64x2Add) : f.op(OP.f64Add));
  const mul = () => (simd ? f.simd(SIMD.f64x2Mul) : f.op(OP.f64Mul));
  if (simd) {
    f.get('ope').simd(SIMD.f64x2Splat).set('ope2');
    f.f64(0).simd(SIMD.f64x2Splat).set('zero2');
  }
  const opeV = simd ? 'ope2' : 'ope';
  f.get('H').i32(2).op(OP.i32Shl).set('rowBytes');
  f.i32(0).set('r');
  f.forRange('r', 'rows', () => {
    f.addr('S', 'r', 2).loadI32().set('v');
    f.get('dz').get('r').get('rowBytes').op(OP.i32Mul, OP.i32Add).tee('zr').get('rowBytes').op(OP.i32Add).set('zend');
    // own term: into dhPrev[r] when r < prev, else the base's outH[v]
    f.get('r').get('prev').op(OP.i32LtS, OP.if, I32);
    f.get('dhPrev').get('r').get('rowBytes').op(OP.i32Mul, OP.i32Add);
    f.op(OP.else_);
    f.get('outH').get('v').get('rowBytes').op(OP.i32Mul, OP.i32Add);
    f.op(OP.end);
    f.set('sp');
    f.get('dh').get('r').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('dp');
    f.get('zr').set('zp');
    // self += ope dz + dh (residual) or ope dz, as the TypeScript loop sums them
    f.get('residual').op(OP.if, 0x40);
    f.forStep('zp', 'zend', step, () => {
      f.get('sp');
      f.get('sp');
      load();
      f.get(opeV);
      f.get('zp');
      load();
      mul();
      f.get('dp');
      load();
      add();
      add();
      store();
      f.inc('sp', step).inc('dp', step);
    });
    f.op(OP.else_);
    f.forStep('zp', 'zend', step, () => {
      f.get('sp');
      f.get('sp');
      load();
      f.get(opeV);
      f.get('zp');
      load();
      mul();
      add();
      store();
      f.inc('sp', step);
    });
    f.op(OP.end);
    // messages u -> v through present edges
    f.addr('adjPtr', 'v', 2).loadI32().set('p');
    f.addr('adjPtr', 'v', 2).loadI32(4).set('pend');
    f.forRange('p', 'pend', () => {
      f.addr('adjEdge', 'p', 2).loadI32().set('ed');
      f.get('removed').get('ed').op(OP.i32Add).op(OP.i32Load8U, 0, 0).op(OP.i32Eqz, OP.if, 0x40);
      f.addr('adjOther', 'p', 2).loadI32().set('u');
      // sender's row: compact when in S_{l-1}, else the base's
      f.addr('posN', 'u', 2).loadI32().set('pu');
      f.get('nodeMark').get('u').op(OP.i32Add).op(OP.i32Load8U, 0, 0).i32(1).op(OP.i32And);
      f.get('pu').get('prev').op(OP.i32LtS, OP.i32And, OP.if, I32);
      f.get('dhPrev').get('pu').get('rowBytes').op(OP.i32Mul, OP.i32Add);
      f.op(OP.else_);
      f.get('outH').get('u').get('rowBytes').op(OP.i32Mul, OP.i32Add);
      f.op(OP.end);
      f.set('tu');
      // edge's row: compact when it has new features, else the base's
      f.get('edgeMark').get('ed').op(OP.i32Add).op(OP.i32Load8U, 0, 0).i32(FEATURED_BIT).op(OP.i32And, OP.if, I32);
      f.get('de').addr('posE', 'ed', 2).loadI32().get('rowBytes').op(OP.i32Mul, OP.i32Add);
      f.op(OP.else_);
      f.get('outE').get('ed').get('rowBytes').op(OP.i32Mul, OP.i32Add);
      f.op(OP.end);
      f.set('te');
      f.get('h').get('u').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('hp');
      f.get('e').get('ed').get('rowBytes').op(OP.i32Mul, OP.i32Add).set('ep');
      f.get('zr').set('zp');
      f.forStep('zp', 'zend', step, () => {
        // g = dz * (h[u] + e[ed] > 0)
        if (simd) {
          f.get('zp').loadF32x2AsF64x2();
          f.get('hp').loadF32x2AsF64x2().get('ep').loadF32x2AsF64x2().simd(SIMD.f64x2Add).get('zero2').simd(F64X2_GT).simd(V128_AND).set('g2');
        } else {
          f.get('zp').loadF32AsF64().f64(0);
          f.get('hp').loadF32AsF64().get('ep').loadF32AsF64().op(OP.f64Add).f64(0).op(OP.f64Gt, OP.select).set('g');
        }
        const g = simd ? 'g2' : 'g';
        f.get('tu').get('tu');
        load();
        f.get(g);
        add();
        store();
        f.get('te').get('te');
        load();
        f.get(g);
        add();
        store();
        f.inc('tu', step).inc('te', step).inc('hp', step).inc('ep', step);
      });
      f.op(OP.end);
    });
  });
  return f;
}

const compiled = new Map<boolean, WebAssembly.Module | null>();

/** The module, with the SIMD message kernel (simd) or without; null when this runtime cannot compile it. */
function trainingModule(simd: boolean): WebAssembly.Module | null {
  if (compiled.has(simd)) return compiled.get(simd)!;
  let mod: WebAssembly.Module | null = null;
  try {
    if (typeof WebAssembly === 'object') mod = new WebAssembly.Module(moduleBytes([linearKernel(), messagesKernel(false), ...(simd ? [messagesKernel(true), linear2Kernel()] : [])]));
  } catch {
    mod = null;
  }
  compiled.set(simd, mod);
  return mod;
}

interface Exports {
  messages2?: Exports['messages'];
  linear2?: Exports['linear'];
  linear(rowPtr: number, col: number, w: number, nIn: number, nOut: number, x: number, dy: number, rows: number, gW: number, gB: number, wantDx: number, dx: number, t: number): void;
  messages(S: number, rows: number, prev: number, posN: number, nodeMark: number, adjPtr: number, adjEdge: number, adjOther: number, removed: number, edgeMark: number, posE: number,
    h: number, e: number, dz: number, dh: number, dhPrev: number, outH: number, de: number, outE: number, H: number, ope: number, residual: number): void;
}

/**
 * WebAssembly kernels on the inference kernels' memory when they have one
 * (the message kernel with SIMD when they use it: even widths), else the
 * TypeScript loops. Every array must come from their arena.
 */
export function trainingKernels(k: InferenceKernels): TrainingKernels {
  const simd = k.kind === 'wasm-simd';
  const mod = k.memory ? (simd ? trainingModule(true) : null) ?? trainingModule(false) : null;
  if (!mod || !k.memory) return jsTrainingKernels;
  let x: Exports;
  try {
    x = new WebAssembly.Instance(mod, { env: { memory: k.memory } }).exports as unknown as Exports;
  } catch {
    return jsTrainingKernels;
  }
  const at = (a: { byteOffset: number }) => a.byteOffset;
  const messages = x.messages2 ?? x.messages;
  const { linear2 } = x;
  return {
    kind: 'wasm',
    linear: (L, xs, dy, rows, gW, gB, dx, t) => {
      let done = 0;
      const args = [at(L.rowPtr), at(L.col), at(L.w), L.nIn, L.nOut] as const;
      if (linear2 && rows >= 2) {
        done = rows & ~1;
        linear2(...args, at(xs), at(dy), done, at(gW), at(gB), dx ? 1 : 0, dx ? at(dx) : 0, at(t));
      } else if (!linear2) {
        // Scalar WebAssembly: the TypeScript loop's pairs of rows, one row at a time would sum differently.
        jsTrainingKernels.linear(L, xs, dy, rows, gW, gB, dx, t);
        return;
      }
      if (done < rows) x.linear(...args, xs.byteOffset + done * L.nIn * 4, dy.byteOffset + done * L.nOut * 4, rows - done, at(gW), at(gB), dx ? 1 : 0, dx ? dx.byteOffset + done * L.nIn * 4 : 0, at(t));
    },
    messages: (a) => messages(at(a.S), a.rows, a.prev, at(a.posN), at(a.nodeMark), at(a.adjPtr), at(a.adjEdge), at(a.adjOther), at(a.removed), at(a.edgeMark), at(a.posE),
      at(a.h), at(a.e), at(a.dz), at(a.dh), at(a.dhPrev), at(a.outH), at(a.de), at(a.outE), a.H, a.ope, a.residual ? 1 : 0),
  };
}
