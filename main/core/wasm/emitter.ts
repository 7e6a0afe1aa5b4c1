// A minimal WebAssembly emitter: enough of the binary format to assemble
// small numeric kernels from TypeScript (no toolchain, no binary blob). A
// module imports one memory ('env'.'memory') and exports its functions;
// pointers are byte offsets into that memory. Used by the LU kernels
// (linalg/wasm.ts) and the inference kernels (learn/kernels.ts).

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** The 128-bit SIMD instructions the kernels use (after the 0xfd prefix). */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  f64x2Splat: 0x14,
  f32x4ExtractLane: 0x1f,
  f64x2ReplaceLane: 0x22,
  v128Store64Lane: 0x5b,
  v128Load64Zero: 0x5d,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Abs: 0xec,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  /** pmax(a, b) = a < b ? b : a, lane-wise: the `if (v > mx) mx = v` of the TypeScript loops. */
  f64x2Pmax: 0xf7,
} as const;

export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else_: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Load8U: 0x2d,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Store8: 0x3a,
  i32Store: 0x36,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32GeS: 0x4e,
  i32LtS: 0x48,
  f64Eq: 0x61,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f64Ge: 0x66,
  f64Ne: 0x62,
  f64Le: 0x65,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32Mul: 0x6c,
  i32And: 0x71,
  f64Abs: 0x99,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Max: 0xa5,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
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
export class Fn {
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

  /** Loads an f32 and widens it to f64 (arithmetic stays in doubles, as in the TypeScript loops). */
  loadF32AsF64(offset = 0): this {
    this.code.push(OP.f32Load, 2);
    uleb(this.code, offset);
    this.code.push(OP.f64PromoteF32);
    return this;
  }

  /** Stores the f64 on the stack as an f32 (address pushed before the value). */
  storeF64AsF32(offset = 0): this {
    this.code.push(OP.f32DemoteF64, OP.f32Store, 2);
    uleb(this.code, offset);
    return this;
  }

  storeF64(offset = 0): this {
    this.code.push(OP.f64Store, 3);
    uleb(this.code, offset);
    return this;
  }

  /** A SIMD instruction without immediates. */
  simd(op: number): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    return this;
  }

  /** A SIMD memory instruction (memarg: log2 alignment hint, offset; lane for *_lane). */
  simdMem(op: number, align: number, offset = 0, lane?: number): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    this.code.push(align);
    uleb(this.code, offset);
    if (lane !== undefined) this.code.push(lane);
    return this;
  }

  /** A SIMD lane instruction (extract_lane / replace_lane) with its lane index. */
  simdLane(op: number, lane: number): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    this.code.push(lane);
    return this;
  }

  /** Two f32 at the address on the stack, widened to an f64x2. */
  loadF32x2AsF64x2(offset = 0): this {
    return this.simdMem(SIMD.v128Load64Zero, 2, offset).simd(SIMD.f64x2PromoteLowF32x4);
  }

  /** Stores the f64x2 on the stack as two f32 (address pushed before the value). */
  storeF64x2AsF32x2(offset = 0): this {
    return this.simd(SIMD.f32x4DemoteF64x2Zero).simdMem(SIMD.v128Store64Lane, 2, offset, 0);
  }

  /** memory.copy: stack holds dst, src, length (bytes). */
  memoryCopy(): this {
    this.code.push(0xfc);
    uleb(this.code, 10);
    this.code.push(0x00, 0x00);
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

  /** while (i < end) { body; i += step } (pointer loops: step 4 walks f32/i32 arrays). */
  forStep(i: string, end: string, step: number, body: () => void): this {
    this.op(OP.block, 0x40, OP.loop, 0x40);
    this.get(i).get(end).op(OP.i32GeS, OP.brIf, 1);
    body();
    this.inc(i, step);
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

export function moduleBytes(fns: Fn[]): Uint8Array<ArrayBuffer> {
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

