// The DC screen's per-outage work in WebAssembly: for an outage of branch k,
// solve B theta = e_f - e_t with the factors of the reduced B (the LU solve
// kernel of linalg/wasm.ts, here next to the branch data), then one pass over
// every branch keeping those whose PTDF for that transfer, scaled, reaches a
// threshold. The right-hand side is set in pivot order directly and theta is
// read through per-branch positions, so no permutation pass over the buses
// remains in JavaScript. The same IEEE operations as DcScreen.transferAngles
// and the TypeScript scan: the PTDFs are bit-for-bit those of the TypeScript
// path (tests compare them).

import type { SparseLU } from '../linalg';
import { solveKernel } from '../linalg/wasm';
import { F64, Fn, I32, OP, moduleBytes, type ValType } from '../wasm/emitter';
import type { Network } from './network';
import type { ReducedB } from './dcpf';

/**
 * screen(nl, bb, pf, pt, c, invRate, gain, thr, k, outIdx, outP) -> count:
 * for every branch e != k, p = bb[e] (c[pf[e]] - c[pt[e]]); kept when
 * |p| gain invRate[e] >= thr (index to outIdx, p to outP).
 */
function screenKernel(): Fn {
  const ptr = (...n: string[]): Array<[string, ValType]> => n.map((x) => [x, I32]);
  const f = new Fn('screen', [...ptr('nl', 'bb', 'pf', 'pt', 'c', 'invRate'), ['gain', F64], ['thr', F64], ...ptr('k', 'outIdx', 'outP')], I32,
    [['e', I32], ['n', I32], ['p', F64]]);
  f.i32(0).set('e').i32(0).set('n');
  f.forRange('e', 'nl', () => {
    // p = bb[e] * (c[pf[e]] - c[pt[e]])
    f.addr('bb', 'e', 3).loadF64();
    f.get('c').addr('pf', 'e', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).loadF64();
    f.get('c').addr('pt', 'e', 2).loadI32().i32(3).op(OP.i32Shl, OP.i32Add).loadF64();
    f.op(OP.f64Sub, OP.f64Mul).set('p');
    // kept when |p| * gain * invRate[e] >= thr and e != k
    f.get('p').op(OP.f64Abs).get('gain').op(OP.f64Mul).addr('invRate', 'e', 3).loadF64().op(OP.f64Mul).get('thr').op(OP.f64Ge);
    f.get('e').get('k').op(OP.i32Ne, OP.i32And);
    f.op(OP.if, 0x40);
    f.addr('outIdx', 'n', 2).get('e').op(OP.i32Store, 2, 0);
    f.addr('outP', 'n', 3).get('p').storeF64();
    f.inc('n');
    f.op(OP.end);
  });
  f.get('n');
  return f;
}

let compiled: WebAssembly.Module | null | undefined;

function screenModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(moduleBytes([solveKernel(), screenKernel()])) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

interface Exports {
  solve(n: number, lp: number, li: number, lx: number, up: number, ui: number, ux: number, udiag: number, c: number): void;
  screen(nl: number, bb: number, pf: number, pt: number, c: number, invRate: number, gain: number, thr: number, k: number, outIdx: number, outP: number): number;
}

/** Transfer PTDFs and the branch scan of DcScreen, on WebAssembly. */
export class TransferScreen {
  private readonly x: Exports;
  private readonly n: number;
  private readonly nl: number;
  private readonly ptr: { lp: number; li: number; lx: number; up: number; ui: number; ux: number; udiag: number; c: number; bb: number; pf: number; pt: number; invRate: number; outIdx: number; outP: number };
  /** Solution in pivot order, with a zero slot at [n] for buses outside the reduced system. */
  private readonly c: Float64Array;
  /** Pivot-order position of each bus's unknown (n for the reference). */
  private readonly pos: Int32Array;
  /** Pivot-order position of each bus's right-hand side row (-1 for the reference). */
  private readonly rhsPos: Int32Array;
  private readonly pf: Int32Array;
  private readonly pt: Int32Array;
  readonly outIdx: Int32Array;
  readonly outP: Float64Array;

  private constructor(x: Exports, memory: WebAssembly.Memory, net: Network, rb: ReducedB, lu: ReturnType<SparseLU['factors']>, bb: Float64Array, invRate: Float64Array) {
    this.x = x;
    const n = (this.n = lu.n), nl = (this.nl = net.nl);
    let at = 0;
    const take = (bytes: number) => { const p = at; at = (at + bytes + 15) & ~15; return p; };
    const lnz = lu.lx.length, unz = lu.ux.length;
    const p = {
      lp: take(4 * (n + 1)), li: take(4 * lnz), lx: take(8 * lnz), up: take(4 * (n + 1)), ui: take(4 * unz), ux: take(8 * unz), udiag: take(8 * n),
      c: take(8 * (n + 1)), bb: take(8 * nl), pf: take(4 * nl), pt: take(4 * nl), invRate: take(8 * nl), outIdx: take(4 * nl), outP: take(8 * nl),
    };
    if (memory.buffer.byteLength < at) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
    const buf = memory.buffer;
    new Int32Array(buf, p.lp, n + 1).set(lu.lp);
    new Int32Array(buf, p.li, lnz).set(lu.li);
    new Float64Array(buf, p.lx, lnz).set(lu.lx);
    new Int32Array(buf, p.up, n + 1).set(lu.up);
    new Int32Array(buf, p.ui, unz).set(lu.ui);
    new Float64Array(buf, p.ux, unz).set(lu.ux);
    new Float64Array(buf, p.udiag, n).set(lu.udiag);
    new Float64Array(buf, p.bb, nl).set(bb);
    new Float64Array(buf, p.invRate, nl).set(invRate);
    this.c = new Float64Array(buf, p.c, n + 1);
    this.outIdx = new Int32Array(buf, p.outIdx, nl);
    this.outP = new Float64Array(buf, p.outP, nl);
    // Unknown j (original order) sits at pivot position qinv[j]; the right-hand
    // side's row r at prowinv[r].
    const qinv = new Int32Array(n), prowinv = new Int32Array(n);
    for (let s = 0; s < n; s++) { qinv[lu.q[s]] = s; prowinv[lu.prow[s]] = s; }
    this.pos = new Int32Array(net.nb);
    this.rhsPos = new Int32Array(net.nb);
    for (let i = 0; i < net.nb; i++) {
      const j = rb.idx[i];
      this.pos[i] = j >= 0 ? qinv[j] : n;
      this.rhsPos[i] = j >= 0 ? prowinv[j] : -1;
    }
    this.pf = new Int32Array(buf, p.pf, nl);
    this.pt = new Int32Array(buf, p.pt, nl);
    for (let e = 0; e < nl; e++) { this.pf[e] = this.pos[net.f[e]]; this.pt[e] = this.pos[net.t[e]]; }
    this.ptr = p;
  }

  /** Null when WebAssembly is unavailable (DcScreen then scans in TypeScript). */
  static create(net: Network, rb: ReducedB, lu: SparseLU, bb: Float64Array, invRate: Float64Array): TransferScreen | null {
    const mod = screenModule();
    if (!mod) return null;
    try {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const x = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Exports;
      return new TransferScreen(x, memory, net, rb, lu.factors(), bb, invRate);
    } catch {
      return null;
    }
  }

  /** Solves for one unit injected at bus a and withdrawn at bus b (-1: the reference). */
  solve(a: number, b: number): void {
    const c = this.c, p = this.ptr;
    c.fill(0);
    const ra = this.rhsPos[a];
    if (ra >= 0) c[ra] += 1;
    if (b >= 0 && this.rhsPos[b] >= 0) c[this.rhsPos[b]] -= 1;
    this.x.solve(this.n, p.lp, p.li, p.lx, p.up, p.ui, p.ux, p.udiag, p.c);
  }

  /** Angle of bus i in the last solve. */
  angle(i: number): number {
    return this.c[this.pos[i]];
  }

  /** After solve(): branches e != k with |PTDF(e)| gain invRate[e] >= thr, into outIdx / outP (their PTDFs); returns how many. */
  scan(k: number, gain: number, thr: number): number {
    const p = this.ptr;
    return this.x.screen(this.nl, p.bb, p.pf, p.pt, p.c, p.invRate, gain, thr, k, p.outIdx, p.outP);
  }
}
