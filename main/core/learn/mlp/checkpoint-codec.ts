// An MLP checkpoint as bytes: a JSON header (epoch, rng, steps, curve, the
// layers' array lengths) then the typed arrays back to back, 4-byte
// aligned, so a run stopped after any epoch resumes bit for bit. No I/O.

import { LearnError } from '../errors';
import type { LayerState, MlpCheckpoint } from './train';

const MAGIC = 0x4d4c5043; // 'MLPC'
const FIELDS = ['rowPtr', 'col', 'w', 'wm', 'b', 'bm'] as const;

export function encodeCheckpoint(c: MlpCheckpoint): Uint8Array {
  const lens = c.layers.map((l) => FIELDS.map((f) => l[f]?.length ?? -1));
  const head = new TextEncoder().encode(JSON.stringify({ epoch: c.epoch, rng: c.rng, steps: c.steps, curve: c.curve, losses: c.losses, seconds: c.seconds, lens }));
  const headLen = (head.length + 3) & ~3;
  let body = 0;
  for (const l of lens) for (const n of l) body += Math.max(0, n) * 4;
  const out = new Uint8Array(8 + headLen + body);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, head.length, true);
  out.set(head, 8);
  let at = 8 + headLen;
  for (const l of c.layers) {
    for (const f of FIELDS) {
      const a = l[f];
      if (!a) continue;
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += a.byteLength;
    }
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): MlpCheckpoint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || dv.getUint32(0, true) !== MAGIC) throw new LearnError('bad-state', 'not an MLP checkpoint');
  const hl = dv.getUint32(4, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hl))) as Omit<MlpCheckpoint, 'layers'> & { lens: number[][] };
  // Copy out so the arrays are aligned whatever the blob's offset.
  const buf = bytes.slice(8 + ((hl + 3) & ~3));
  let at = 0;
  const take = <T extends Int32Array | Float32Array>(make: (b: ArrayBuffer, o: number, n: number) => T, n: number): T | null => {
    if (n < 0) return null;
    if (at + n * 4 > buf.byteLength) throw new LearnError('bad-state', 'MLP checkpoint is truncated');
    const a = make(buf.buffer, at, n);
    at += n * 4;
    return a;
  };
  const i32 = (b: ArrayBuffer, o: number, n: number) => new Int32Array(b, o, n);
  const f32 = (b: ArrayBuffer, o: number, n: number) => new Float32Array(b, o, n);
  const layers: LayerState[] = h.lens.map((n) => ({
    rowPtr: take(i32, n[0]), col: take(i32, n[1]),
    w: take(f32, n[2])!, wm: take(f32, n[3])!, b: take(f32, n[4])!, bm: take(f32, n[5])!,
  }));
  return { epoch: h.epoch, rng: h.rng, steps: h.steps, curve: h.curve, losses: h.losses, seconds: h.seconds, layers };
}
