// Typed arrays as compact blobs: an 8-byte header then the raw little-endian
// elements, so weights, masks and features round-trip bit for bit (NaN
// payloads and -0 included).
//
//   byte 0-1  'GA' (magic)      byte 2  dtype code     byte 3  0 (reserved)
//   byte 4-7  element count, uint32 little-endian
//
// The header is 8 bytes so that Float64 payloads stay 8-byte aligned.

import { endianness } from 'node:os';
import { StoreError } from './errors';

export type StoredArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

export type DType = 'f32' | 'f64' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8';

interface DTypeInfo {
  code: number;
  make: (n: number) => StoredArray;
}

const DTYPES: Record<DType, DTypeInfo> = {
  f32: { code: 1, make: (n) => new Float32Array(n) },
  f64: { code: 2, make: (n) => new Float64Array(n) },
  i32: { code: 3, make: (n) => new Int32Array(n) },
  u32: { code: 4, make: (n) => new Uint32Array(n) },
  i16: { code: 5, make: (n) => new Int16Array(n) },
  u16: { code: 6, make: (n) => new Uint16Array(n) },
  i8: { code: 7, make: (n) => new Int8Array(n) },
  u8: { code: 8, make: (n) => new Uint8Array(n) },
};
const BY_CODE = new Map<number, DType>(Object.entries(DTYPES).map(([k, v]) => [v.code, k as DType]));
const HEADER = 8;
const MAGIC0 = 0x47; // 'G'
const MAGIC1 = 0x41; // 'A'

// Payloads are copied byte for byte; a big-endian host would need swapping.
if (endianness() !== 'LE') throw new Error('GridRewire store: blobs assume a little-endian host');

export function dtypeOf(a: StoredArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int16Array) return 'i16';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Uint8Array) return 'u8'; // Buffer too; it decodes as a plain Uint8Array
  throw new StoreError('INVALID', `cannot store a ${(a as object)?.constructor?.name ?? typeof a} as a typed-array blob`);
}

export function encodeArray(a: StoredArray): Buffer {
  const info = DTYPES[dtypeOf(a)];
  if (a.length > 0xffffffff) throw new StoreError('INVALID', `typed array too long to store (${a.length} elements)`);
  const out = Buffer.allocUnsafe(HEADER + a.byteLength);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = info.code;
  out[3] = 0;
  out.writeUInt32LE(a.length, 4);
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), HEADER);
  return out;
}

/** Decodes a blob written by encodeArray; `what` names it in errors. */
export function decodeArray(buf: Uint8Array, what = 'blob'): StoredArray {
  if (buf.length < HEADER || buf[0] !== MAGIC0 || buf[1] !== MAGIC1) {
    throw new StoreError('CORRUPT', `${what}: not a typed-array blob (bad header)`);
  }
  const dtype = BY_CODE.get(buf[2]);
  if (dtype === undefined) throw new StoreError('CORRUPT', `${what}: unknown dtype code ${buf[2]}`);
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true);
  const out = DTYPES[dtype].make(n);
  if (buf.length - HEADER !== out.byteLength) {
    throw new StoreError('CORRUPT', `${what}: header says ${n} ${dtype} elements but the blob holds ${buf.length - HEADER} bytes`);
  }
  // Copy into a fresh, aligned buffer: SQLite's buffer may not be aligned.
  new Uint8Array(out.buffer).set(buf.subarray(HEADER));
  return out;
}

export function decodeFloat32(buf: Uint8Array, what = 'blob'): Float32Array {
  const a = decodeArray(buf, what);
  if (!(a instanceof Float32Array)) throw new StoreError('CORRUPT', `${what}: expected f32, found ${dtypeOf(a)}`);
  return a;
}

/** A named set of arrays (weights, masks, a checkpoint). */
export type TensorSet = ReadonlyMap<string, StoredArray> | { readonly [name: string]: StoredArray };

export function tensorEntries(set: TensorSet): [string, StoredArray][] {
  const entries: [string, StoredArray][] = set instanceof Map ? [...set.entries()] : Object.entries(set as { [name: string]: StoredArray });
  for (const [name] of entries) {
    if (typeof name !== 'string' || name.length === 0) throw new StoreError('INVALID', 'tensor names must be non-empty strings');
  }
  return entries;
}
