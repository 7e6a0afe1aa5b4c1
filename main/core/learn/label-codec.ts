// Compact storage of one outage's labels. The full label vector (grid-data.ts:
// LABEL_HEAD, then the post-outage loading of every branch, then the
// post-outage Vm of every bus) is 21 KB per outage on a 2000-bus grid, yet an
// outage moves most loadings and voltages by less than the precision anything
// reads them with. So a label is stored against its scenario's base values
// (the base-case loadings and voltages of the scenario's static row): the head
// exactly, and only the loadings and voltages that moved by more than
// LABEL_TOLERANCE, each as its change from the base quantised to a step of
// 2 x LABEL_TOLERANCE. Decoding gives back the same Float32 layout training
// reads (labelLength(nb, nl)).
//
// What is exact: every head value (verdict, insecure, islanded, converged,
// max loading, min and max Vm, the DC screen's verdict and max loading, the
// overload count), and where a loading or Vm is NaN (unrated, outaged, cut
// off, not solved). What is within LABEL_TOLERANCE (plus the rounding to
// float32): every other loading (fraction of its rating) and Vm (p.u.).
// The precision the heads need: the verdict head's target and the scenario
// selections (insecure share, stressed scenarios) read only the exact head;
// the loading and Vm heads train on a mean squared error and are reported as
// mean absolute errors of about 1e-3 (a trained model's loading MAE is
// 0.0016-0.0046 on case_ACTIVSg200). A zero-mean rounding error of at most
// 1e-4 moves such a MAE by at most 1e-4 (in practice by far less, since it
// is uncorrelated with the model's error) and a squared error in expectation
// by at most 1e-8 / 3. The loading margin of the spec is 0.01 and the voltage
// margin 0.001 p.u.: both ten or more times the tolerance.
//
// Blob layout (little-endian):
//   0  'G' 'L'          magic (the store's typed-array blobs start 'G' 'A')
//   2  u8 version (1)   3  u8 flags: 1 = no solved values (every loading and Vm NaN),
//                                    2 = changed elements as a bitmap (else as index gaps)
//   4  u32 nl   8  u32 nb   12 f32 tolerance
//   16 f32 x LH         the head, bit for bit
//   .. u32 n            elements listed (index i over [loadings..., Vms...])
//   .. indices          bitmap of nl + nb bits, or n LEB128 gaps (i - previous i - 1)
//   .. codes            n LEB128 codes: 0 NaN, 1 an exact f32 follows,
//                       c >= 2 a change of q steps (c = 2q for q > 0, 1 - 2q for q < 0)

import { NS, ES } from '../grid/features';
import { LearnError } from './errors';
import { LH, labelLength, staticLength } from './grid-data';

/** Largest error of a decoded loading or Vm (before rounding to float32). */
export const LABEL_TOLERANCE = 1e-4;

const MAGIC0 = 0x47, MAGIC1 = 0x4c; // 'G' 'L'
const VERSION = 1;
const F_NO_VALUES = 1, F_BITMAP = 2;
const HEADER = 16;
/** Changes beyond this many steps are stored exactly (a code stays within 5 bytes). */
const MAX_STEPS = 2 ** 28;
const E_RATED = 6, E_LOADF = 7, E_LOADT = 8, N_VM = 4;

/** What a scenario's outage labels are stored against: base loading per branch (NaN unrated), then base Vm per bus. */
export interface LabelBase {
  nb: number;
  nl: number;
  values: Float32Array;
}

/** The base values of a scenario from its static features (grid-data's static row). */
export function labelBase(stat: Float32Array, nb: number, nl: number): LabelBase {
  if (stat.length !== staticLength(nb, nl)) throw new LearnError('bad-sample', `static features have ${stat.length} values, expected ${staticLength(nb, nl)} for ${nb} buses and ${nl} branches`);
  const values = new Float32Array(nl + nb);
  for (let k = 0; k < nl; k++) {
    const o = nb * NS + k * ES;
    values[k] = stat[o + E_RATED] === 1 ? Math.max(stat[o + E_LOADF], stat[o + E_LOADT]) : NaN;
  }
  for (let i = 0; i < nb; i++) values[nl + i] = stat[i * NS + N_VM];
  return { nb, nl, values };
}

/** True for a blob written by encodeLabels (by its magic). */
export function isCompactLabels(blob: Uint8Array): boolean {
  return blob.length >= HEADER && blob[0] === MAGIC0 && blob[1] === MAGIC1;
}

/** Grows as needed; little-endian writes. */
class ByteWriter {
  buf = new Uint8Array(256);
  len = 0;
  private view = new DataView(this.buf.buffer);

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.room(1); this.buf[this.len++] = v; }
  u32(v: number): void { this.room(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  f32(v: number): void { this.room(4); this.view.setFloat32(this.len, v, true); this.len += 4; }
  leb(v: number): void {
    this.room(5);
    while (v >= 0x80) { this.buf[this.len++] = (v & 0x7f) | 0x80; v = Math.floor(v / 128); }
    this.buf[this.len++] = v;
  }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; }
  result(): Uint8Array { return this.buf.slice(0, this.len); }
}

const lebSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

/**
 * Encodes one outage's full label vector (labelLength(nb, nl) values) against
 * its scenario's base values.
 */
export function encodeLabels(labels: Float32Array, base: LabelBase, tolerance = LABEL_TOLERANCE): Uint8Array {
  const { nb, nl, values: b } = base;
  const N = nl + nb;
  if (labels.length !== labelLength(nb, nl)) throw new LearnError('bad-sample', `labels have ${labels.length} values, expected ${labelLength(nb, nl)}`);
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw new LearnError('bad-config', `label tolerance must be a positive number, got ${tolerance}`);
  tolerance = Math.fround(tolerance); // as stored: the decoder's steps are the encoder's
  const step = 2 * tolerance;
  const w = new ByteWriter();
  w.u8(MAGIC0); w.u8(MAGIC1); w.u8(VERSION);
  let allNaN = true;
  for (let i = 0; i < N; i++) if (!Number.isNaN(labels[LH + i])) { allNaN = false; break; }
  const listed: number[] = [], codes: number[] = [], exact: number[] = [];
  if (!allNaN) {
    for (let i = 0; i < N; i++) {
      const v = labels[LH + i], b0 = b[i];
      if (Number.isNaN(v)) {
        if (!Number.isNaN(b0)) { listed.push(i); codes.push(0); }
        continue;
      }
      const d = v - b0;
      if (Math.abs(d) <= tolerance) continue; // false for a NaN base or an infinite change
      listed.push(i);
      const q = Math.round(d / step);
      if (Number.isFinite(d) && Math.abs(q) < MAX_STEPS) codes.push(q > 0 ? 2 * q : 1 - 2 * q);
      else { codes.push(1); exact.push(v); }
    }
  }
  let gapBytes = 0;
  for (let j = 0, prev = -1; j < listed.length; prev = listed[j++]) gapBytes += lebSize(listed[j] - prev - 1);
  const bitmapBytes = Math.ceil(N / 8);
  const bitmap = gapBytes > bitmapBytes;
  w.u8((allNaN ? F_NO_VALUES : 0) | (bitmap ? F_BITMAP : 0));
  w.u32(nl); w.u32(nb); w.f32(tolerance);
  for (let h = 0; h < LH; h++) w.f32(labels[h]);
  w.u32(listed.length);
  if (bitmap) {
    const bits = new Uint8Array(bitmapBytes);
    for (const i of listed) bits[i >> 3] |= 1 << (i & 7);
    w.bytes(bits);
  } else {
    for (let j = 0, prev = -1; j < listed.length; prev = listed[j++]) w.leb(listed[j] - prev - 1);
  }
  for (let j = 0, x = 0; j < codes.length; j++) {
    w.leb(codes[j]);
    if (codes[j] === 1) w.f32(exact[x++]);
  }
  return w.result();
}

/** The head (LABEL_HEAD values) of a compact label blob, without decoding the rest. */
export function labelHeadOf(blob: Uint8Array): Float32Array {
  const h = header(blob, 'label blob');
  return h.head;
}

function header(blob: Uint8Array, what: string) {
  if (!isCompactLabels(blob)) throw new LearnError('bad-sample', `${what}: not a compact label blob (bad magic)`);
  if (blob[2] !== VERSION) throw new LearnError('bad-sample', `${what}: label blob version ${blob[2]}, this build reads version ${VERSION}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fixed = HEADER + 4 * LH + 4;
  if (blob.length < fixed) throw new LearnError('bad-sample', `${what}: truncated (${blob.length} bytes)`);
  const head = new Float32Array(LH);
  for (let h = 0; h < LH; h++) head[h] = view.getFloat32(HEADER + 4 * h, true);
  return {
    view, flags: blob[3], nl: view.getUint32(4, true), nb: view.getUint32(8, true), tolerance: view.getFloat32(12, true),
    head, count: view.getUint32(HEADER + 4 * LH, true), at: fixed,
  };
}

/** The grid size a compact label blob was written for. */
export function labelGridOf(blob: Uint8Array): { nb: number; nl: number } {
  const h = header(blob, 'label blob');
  return { nb: h.nb, nl: h.nl };
}

/**
 * Decodes a blob written by encodeLabels against the same base values into
 * the full label vector (into `out` when given). `what` names it in errors.
 */
export function decodeLabels(blob: Uint8Array, base: LabelBase, what = 'label blob', out?: Float32Array): Float32Array {
  const h = header(blob, what);
  const { nb, nl, values: b } = base;
  if (h.nb !== nb || h.nl !== nl) throw new LearnError('bad-sample', `${what}: written for ${h.nb} buses and ${h.nl} branches, the scenario has ${nb} and ${nl}`);
  const N = nl + nb, L = labelLength(nb, nl);
  const lab = out ?? new Float32Array(L);
  if (lab.length !== L) throw new LearnError('bad-sample', `${what}: output has ${lab.length} values, expected ${L}`);
  lab.set(h.head, 0);
  if (h.flags & F_NO_VALUES) {
    lab.fill(NaN, LH, L);
    if (h.count !== 0) throw new LearnError('bad-sample', `${what}: marked unsolved but lists ${h.count} values`);
    return lab;
  }
  lab.set(b, LH);
  const view = h.view, end = blob.length;
  let at = h.at;
  const truncated = () => new LearnError('bad-sample', `${what}: truncated or malformed`);
  const leb = (): number => {
    let v = 0, mul = 1;
    for (let k = 0; k < 5; k++) {
      if (at >= end) throw truncated();
      const c = blob[at++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
    throw truncated();
  };
  const index = new Int32Array(h.count);
  if (h.flags & F_BITMAP) {
    const bytes = Math.ceil(N / 8);
    if (at + bytes > end) throw truncated();
    let n = 0;
    for (let i = 0; i < N; i++) if (blob[at + (i >> 3)] & (1 << (i & 7))) { if (n === h.count) throw truncated(); index[n++] = i; }
    if (n !== h.count) throw truncated();
    at += bytes;
  } else {
    for (let j = 0, prev = -1; j < h.count; j++) {
      prev = index[j] = prev + 1 + leb();
      if (prev >= N) throw truncated();
    }
  }
  const step = 2 * h.tolerance;
  for (let j = 0; j < h.count; j++) {
    const c = leb(), i = index[j];
    if (c === 0) lab[LH + i] = NaN;
    else if (c === 1) {
      if (at + 4 > end) throw truncated();
      lab[LH + i] = view.getFloat32(at, true);
      at += 4;
    } else lab[LH + i] = b[i] + (c % 2 === 0 ? c / 2 : -(c - 1) / 2) * step;
  }
  if (at !== end) throw new LearnError('bad-sample', `${what}: ${end - at} bytes left over`);
  return lab;
}
