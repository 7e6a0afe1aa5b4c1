// A compact, exact form of a parsed Case for storage: the big numeric matrices
// (bus, gen, branch, gencost) as raw Float64 data, everything else as
// non-finite-safe JSON, the whole gzipped. Decoding is several times faster
// than JSON with a reviver and keeps every bit (Inf limits, -0, NaN).
//
//   'GRC1' | u32 LE json byte length | json | zero padding to 8 | f64 data ...

import { gunzipSync, gzipSync } from 'node:zlib';
import type { Case } from '../core/grid/case';
import { StoreError } from './errors';
import { fromJson, toJson } from './json';

const MAGIC = Buffer.from('GRC1', 'latin1');
const MATRICES = ['bus', 'gen', 'branch', 'gencost'] as const;

/** Placeholder for a matrix moved to the binary part. */
interface MatrixRef {
  $matrix: [rows: number, cols: number, offset: number];
}

function rectangular(m: unknown): m is number[][] {
  if (!Array.isArray(m) || m.length === 0 || !Array.isArray(m[0])) return false;
  const cols = (m[0] as unknown[]).length;
  return m.every((r) => Array.isArray(r) && r.length === cols && r.every((x) => typeof x === 'number'));
}

export function encodeCase(c: Case): Buffer {
  const head: Record<string, unknown> = { ...c };
  const parts: Float64Array[] = [];
  let offset = 0; // in f64 elements
  for (const f of MATRICES) {
    const m = c[f];
    if (!rectangular(m)) continue; // ragged or empty: stays in the JSON part
    const rows = m.length;
    const cols = m[0].length;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) data.set(m[i], i * cols);
    head[f] = { $matrix: [rows, cols, offset] } satisfies MatrixRef;
    parts.push(data);
    offset += data.length;
  }
  const json = Buffer.from(toJson(head), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  const out = Buffer.alloc(8 + json.length + pad + offset * 8);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let at = 8 + json.length + pad;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return gzipSync(out, { level: 6 });
}

export function decodeCase(blob: Uint8Array, what = 'stored case'): Case {
  let raw: Buffer;
  try {
    raw = gunzipSync(blob);
  } catch (err) {
    throw new StoreError('CORRUPT', `${what}: does not decompress (${(err as Error).message})`, undefined, { cause: err });
  }
  if (raw.length < 8 || !raw.subarray(0, 4).equals(MAGIC)) throw new StoreError('CORRUPT', `${what}: unknown format`);
  const jsonLen = raw.readUInt32LE(4);
  if (8 + jsonLen > raw.length) throw new StoreError('CORRUPT', `${what}: truncated`);
  const head = fromJson<Record<string, unknown>>(raw.toString('utf8', 8, 8 + jsonLen), what);
  const base = 8 + jsonLen + ((8 - ((8 + jsonLen) % 8)) % 8);
  const nData = (raw.length - base) / 8;
  if (!Number.isInteger(nData)) throw new StoreError('CORRUPT', `${what}: truncated matrix data`);
  // Copy into an aligned buffer; gunzip's output need not be 8-aligned.
  const data = new Float64Array(nData);
  new Uint8Array(data.buffer).set(raw.subarray(base));
  for (const f of MATRICES) {
    const ref = (head[f] as MatrixRef | undefined)?.$matrix;
    if (!Array.isArray(ref)) continue;
    const [rows, cols, offset] = ref;
    if (offset + rows * cols > nData) throw new StoreError('CORRUPT', `${what}: matrix ${f} runs past the data`);
    const m: number[][] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const start = offset + i * cols;
      m[i] = Array.from(data.subarray(start, start + cols));
    }
    head[f] = m;
  }
  return head as unknown as Case;
}
