// JSON documents that keep every number: JSON.stringify turns NaN, Infinity
// and -0 into null or 0, which would silently change a case (MATPOWER files
// use Inf) or a metric (NaN when a class is empty). Non-finite numbers and -0
// are written as {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}; the result
// is still plain JSON, readable by SQLite's json functions.

import { gunzipSync, gzipSync } from 'node:zlib';
import { StoreError } from './errors';

const TAG = '$num';

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) {
    return { [TAG]: Object.is(v, -0) ? '-0' : String(v) };
  }
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const tag = o[TAG];
    if (typeof tag === 'string' && Object.keys(o).length === 1) {
      if (tag === 'NaN') return NaN;
      if (tag === 'Infinity') return Infinity;
      if (tag === '-Infinity') return -Infinity;
      if (tag === '-0') return -0;
    }
  }
  return v;
}

export function toJson(value: unknown): string {
  const s = JSON.stringify(value, replacer);
  if (s === undefined) throw new StoreError('INVALID', 'value cannot be stored as JSON');
  return s;
}

export function fromJson<T = unknown>(text: string, what = 'JSON document'): T {
  try {
    return JSON.parse(text, reviver) as T;
  } catch (err) {
    throw new StoreError('CORRUPT', `${what}: stored JSON does not parse (${(err as Error).message})`, undefined, { cause: err });
  }
}

/** Large texts and documents (case files, parsed cases) are kept gzipped. */
export function gzipText(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 6 });
}

export function gunzipText(blob: Uint8Array, what = 'compressed text'): string {
  try {
    return gunzipSync(blob).toString('utf8');
  } catch (err) {
    throw new StoreError('CORRUPT', `${what}: does not decompress (${(err as Error).message})`, undefined, { cause: err });
  }
}
