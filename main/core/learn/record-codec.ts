// Lossless compact storage of one outage's record (core/grid/features.ts:
// [k, n, then per listed branch: e, dP, estimated loading, featured 0/1],
// and optionally [m, then per listed bus: i, estimated Vm], all float32). The branch indices ascend and the flags are bits, so they go as
// small integers; dP and the estimate are kept bit for bit. About 9 bytes per
// listed branch instead of 16, and decoded back to the same Float32Array.
//
// Blob layout (little-endian):
//   0  'G' 'R'   magic        2  u8 version (1)   3  u8 0 (reserved)
//   4  u32 k     8  u32 n
//   12 n LEB128 codes: (e - previous e - 1) x 2 + featured (the previous e of the first is -1)
//   .. n x 4 bytes dP, then n x 4 bytes estimate (the float32 bits as they were)
// Version 2 (a record with a bus section) then has:
//   .. u32 m, m LEB128 codes (i - previous i - 1), m x 4 bytes Vm
// Records without a bus section are written as version 1, as before it.

import { BUS_STRIDE, RECORD_STRIDE, recordBuses } from '../grid/features';
import { LearnError } from './errors';

const MAGIC0 = 0x47, MAGIC1 = 0x52; // 'G' 'R'
const VERSION = 1, VERSION_BUSES = 2;
const HEADER = 12;

export function isCompactRecord(blob: Uint8Array): boolean {
  return blob.length >= HEADER && blob[0] === MAGIC0 && blob[1] === MAGIC1;
}

const isIndex = (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
const leb128Bytes = (c: number) => (c < 0x80 ? 1 : c < 0x4000 ? 2 : c < 0x200000 ? 3 : c < 0x10000000 ? 4 : 5);

function writeLeb128(out: Uint8Array, at: number, c: number): number {
  while (c >= 0x80) { out[at++] = (c & 0x7f) | 0x80; c = Math.floor(c / 128); }
  out[at++] = c;
  return at;
}

/**
 * The compact form of a record, or null when it is not one this encoding
 * holds exactly (indices not ascending whole numbers, a flag other than 0
 * or 1): the caller stores it as it is.
 */
export function encodeRecord(rec: Float32Array): Uint8Array | null {
  const k = rec[0], n = rec[1];
  const section = isIndex(n) ? recordBuses(rec) : null;
  if (!isIndex(k) || !section) return null;
  const codes: number[] = [];
  let bytes = 0;
  for (let j = 0, prev = -1; j < n; j++) {
    const o = 2 + RECORD_STRIDE * j, e = rec[o], f = rec[o + 3];
    if (!isIndex(e) || e <= prev || (f !== 0 && f !== 1) || Object.is(f, -0)) return null;
    const c = (e - prev - 1) * 2 + f;
    codes.push(c);
    bytes += leb128Bytes(c);
    prev = e;
  }
  // The bus section, when there is one.
  const { at: busAt, m } = section, hasBuses = rec.length > 2 + RECORD_STRIDE * n;
  const busCodes: number[] = [];
  for (let j = 0, prev = -1; j < m; j++) {
    const i = rec[busAt + BUS_STRIDE * j];
    if (!isIndex(i) || i <= prev) return null;
    busCodes.push(i - prev - 1);
    bytes += leb128Bytes(i - prev - 1);
    prev = i;
  }
  const out = new Uint8Array(HEADER + bytes + 8 * n + (hasBuses ? 4 + 4 * m : 0));
  const view = new DataView(out.buffer);
  out[0] = MAGIC0; out[1] = MAGIC1; out[2] = hasBuses ? VERSION_BUSES : VERSION;
  view.setUint32(4, k, true);
  view.setUint32(8, n, true);
  let at = HEADER;
  for (const c of codes) at = writeLeb128(out, at, c);
  const bits = new Uint32Array(rec.buffer, rec.byteOffset, rec.length);
  for (let j = 0; j < n; j++) view.setUint32(at + 4 * j, bits[2 + RECORD_STRIDE * j + 1], true);
  at += 4 * n;
  for (let j = 0; j < n; j++) view.setUint32(at + 4 * j, bits[2 + RECORD_STRIDE * j + 2], true);
  at += 4 * n;
  if (hasBuses) {
    view.setUint32(at, m, true);
    at += 4;
    for (const c of busCodes) at = writeLeb128(out, at, c);
    for (let j = 0; j < m; j++) view.setUint32(at + 4 * j, bits[busAt + BUS_STRIDE * j + 1], true);
  }
  return out;
}

/** The record a blob written by encodeRecord holds, bit for bit. `what` names it in errors. */
export function decodeRecord(blob: Uint8Array, what = 'record blob'): Float32Array {
  if (!isCompactRecord(blob)) throw new LearnError('bad-sample', `${what}: not a compact record (bad magic)`);
  if (blob[2] !== VERSION && blob[2] !== VERSION_BUSES) throw new LearnError('bad-sample', `${what}: record version ${blob[2]}, this build reads versions ${VERSION} and ${VERSION_BUSES}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const k = view.getUint32(4, true), n = view.getUint32(8, true);
  const bad = () => new LearnError('bad-sample', `${what}: truncated or malformed`);
  if (HEADER + 9 * n > blob.length) throw bad();
  let at = HEADER;
  const readCode = (): number => {
    let c = 0, mul = 1;
    for (let b = 0; b < 5 && at < blob.length; b++) {
      const x = blob[at++];
      c += (x & 0x7f) * mul;
      if (x < 0x80) return c;
      mul *= 128;
    }
    throw bad();
  };
  const branchCodes = new Float64Array(n);
  for (let j = 0; j < n; j++) branchCodes[j] = readCode();
  const floatsAt = at;
  at += 8 * n;
  let m = 0;
  if (blob[2] === VERSION_BUSES) {
    if (at + 4 > blob.length) throw bad();
    m = view.getUint32(at, true);
    at += 4;
    if (at + 5 * m > blob.length) throw bad();
  }
  const busAt = 2 + RECORD_STRIDE * n + 1;
  const out = new Float32Array(2 + RECORD_STRIDE * n + (blob[2] === VERSION_BUSES ? 1 + BUS_STRIDE * m : 0));
  out[0] = k;
  out[1] = n;
  for (let j = 0, prev = -1; j < n; j++) {
    const c = branchCodes[j], e = prev + 1 + Math.floor(c / 2);
    out[2 + RECORD_STRIDE * j] = e;
    out[2 + RECORD_STRIDE * j + 3] = c % 2;
    prev = e;
  }
  if (blob[2] === VERSION_BUSES) {
    out[busAt - 1] = m;
    for (let j = 0, prev = -1; j < m; j++) {
      const i = prev + 1 + readCode();
      out[busAt + BUS_STRIDE * j] = i;
      prev = i;
    }
  }
  if (at + (blob[2] === VERSION_BUSES ? 4 * m : 0) !== blob.length || floatsAt + 8 * n > blob.length) throw bad();
  const bits = new Uint32Array(out.buffer);
  for (let j = 0; j < n; j++) bits[2 + RECORD_STRIDE * j + 1] = view.getUint32(floatsAt + 4 * j, true);
  for (let j = 0; j < n; j++) bits[2 + RECORD_STRIDE * j + 2] = view.getUint32(floatsAt + 4 * n + 4 * j, true);
  for (let j = 0; j < m; j++) bits[busAt + BUS_STRIDE * j + 1] = view.getUint32(at + 4 * j, true);
  return out;
}
