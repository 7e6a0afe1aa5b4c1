// Lossless compact storage of one outage's record (core/grid/features.ts:
// [k, n, then per listed branch: e, dP, estimated loading, featured 0/1], all
// float32). The branch indices ascend and the flags are bits, so they go as
// small integers; dP and the estimate are kept bit for bit. About 9 bytes per
// listed branch instead of 16, and decoded back to the same Float32Array.
//
// Blob layout (little-endian):
//   0  'G' 'R'   magic        2  u8 version (1)   3  u8 0 (reserved)
//   4  u32 k     8  u32 n
//   12 n LEB128 codes: (e - previous e - 1) x 2 + featured (the previous e of the first is -1)
//   .. n x 4 bytes dP, then n x 4 bytes estimate (the float32 bits as they were)

import { RECORD_STRIDE } from '../grid/features';
import { LearnError } from './errors';

const MAGIC0 = 0x47, MAGIC1 = 0x52; // 'G' 'R'
const VERSION = 1;
const HEADER = 12;

export function isCompactRecord(blob: Uint8Array): boolean {
  return blob.length >= HEADER && blob[0] === MAGIC0 && blob[1] === MAGIC1;
}

const isIndex = (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/**
 * The compact form of a record, or null when it is not one this encoding
 * holds exactly (indices not ascending whole numbers, a flag other than 0
 * or 1): the caller stores it as it is.
 */
export function encodeRecord(rec: Float32Array): Uint8Array | null {
  const k = rec[0], n = rec[1];
  if (!isIndex(k) || !isIndex(n) || rec.length !== 2 + RECORD_STRIDE * n) return null;
  const codes: number[] = [];
  let bytes = 0;
  for (let j = 0, prev = -1; j < n; j++) {
    const o = 2 + RECORD_STRIDE * j, e = rec[o], f = rec[o + 3];
    if (!isIndex(e) || e <= prev || (f !== 0 && f !== 1) || Object.is(f, -0)) return null;
    const c = (e - prev - 1) * 2 + f;
    codes.push(c);
    bytes += c < 0x80 ? 1 : c < 0x4000 ? 2 : c < 0x200000 ? 3 : c < 0x10000000 ? 4 : 5;
    prev = e;
  }
  const out = new Uint8Array(HEADER + bytes + 8 * n);
  const view = new DataView(out.buffer);
  out[0] = MAGIC0; out[1] = MAGIC1; out[2] = VERSION;
  view.setUint32(4, k, true);
  view.setUint32(8, n, true);
  let at = HEADER;
  for (let c of codes) {
    while (c >= 0x80) { out[at++] = (c & 0x7f) | 0x80; c = Math.floor(c / 128); }
    out[at++] = c;
  }
  const bits = new Uint32Array(rec.buffer, rec.byteOffset, rec.length);
  for (let j = 0; j < n; j++) view.setUint32(at + 4 * j, bits[2 + RECORD_STRIDE * j + 1], true);
  at += 4 * n;
  for (let j = 0; j < n; j++) view.setUint32(at + 4 * j, bits[2 + RECORD_STRIDE * j + 2], true);
  return out;
}

/** The record a blob written by encodeRecord holds, bit for bit. `what` names it in errors. */
export function decodeRecord(blob: Uint8Array, what = 'record blob'): Float32Array {
  if (!isCompactRecord(blob)) throw new LearnError('bad-sample', `${what}: not a compact record (bad magic)`);
  if (blob[2] !== VERSION) throw new LearnError('bad-sample', `${what}: record version ${blob[2]}, this build reads version ${VERSION}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const k = view.getUint32(4, true), n = view.getUint32(8, true);
  const bad = () => new LearnError('bad-sample', `${what}: truncated or malformed`);
  if (HEADER + 9 * n > blob.length) throw bad();
  const out = new Float32Array(2 + RECORD_STRIDE * n);
  out[0] = k;
  out[1] = n;
  let at = HEADER;
  for (let j = 0, prev = -1; j < n; j++) {
    let c = 0, mul = 1, done = false;
    for (let b = 0; b < 5 && at < blob.length; b++) {
      const x = blob[at++];
      c += (x & 0x7f) * mul;
      if (x < 0x80) { done = true; break; }
      mul *= 128;
    }
    if (!done) throw bad();
    const e = prev + 1 + Math.floor(c / 2);
    out[2 + RECORD_STRIDE * j] = e;
    out[2 + RECORD_STRIDE * j + 3] = c % 2;
    prev = e;
  }
  if (at + 8 * n !== blob.length) throw bad();
  const bits = new Uint32Array(out.buffer);
  for (let j = 0; j < n; j++) bits[2 + RECORD_STRIDE * j + 1] = view.getUint32(at + 4 * j, true);
  at += 4 * n;
  for (let j = 0; j < n; j++) bits[2 + RECORD_STRIDE * j + 2] = view.getUint32(at + 4 * j, true);
  return out;
}
