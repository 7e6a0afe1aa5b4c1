import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeArray, decodeFloat32, encodeArray } from '../../main/store/blob';
import type { StoredArray } from '../../main/store/blob';
import { StoreError } from '../../main/store/errors';

/** Byte-level equality: catches NaN payload and -0 changes that value equality hides. */
function sameBits(a: StoredArray, b: StoredArray): void {
  assert.equal(a.constructor, b.constructor);
  assert.equal(a.length, b.length);
  assert.deepEqual(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

test('every dtype round-trips bit for bit, with a header of dtype and length', () => {
  const f32 = new Float32Array([0, -0, 1.5, -3.25e-39 /* subnormal */, NaN, Infinity, -Infinity, 3.4028234663852886e38]);
  // A NaN with a non-default payload must survive too.
  new Uint32Array(f32.buffer)[4] = 0x7fc00123;
  const f64 = new Float64Array([Math.PI, -0, Number.MIN_VALUE, NaN, -Infinity, 1e308]);
  const cases: StoredArray[] = [
    f32,
    f64,
    new Int32Array([0, -1, 2147483647, -2147483648]),
    new Uint32Array([0, 4294967295]),
    new Int16Array([-32768, 32767]),
    new Uint16Array([65535, 1]),
    new Int8Array([-128, 127]),
    new Uint8Array([0, 1, 255]),
    new Float32Array(0),
  ];
  for (const a of cases) {
    const blob = encodeArray(a);
    assert.equal(blob.length, 8 + a.byteLength, `${a.constructor.name}: 8-byte header + payload`);
    assert.equal(blob.readUInt32LE(4), a.length);
    sameBits(decodeArray(blob), a);
  }
});

test('views into a larger buffer encode only their own elements', () => {
  const big = new Float32Array([1, 2, 3, 4, 5, 6]);
  const view = big.subarray(2, 5);
  const back = decodeFloat32(encodeArray(view));
  assert.deepEqual([...back], [3, 4, 5]);
  // Decoding from an odd offset (as SQLite may hand back) still gives an aligned copy.
  const blob = encodeArray(new Float64Array([1.25, -7]));
  const shifted = Buffer.alloc(blob.length + 1);
  blob.copy(shifted, 1);
  assert.deepEqual([...(decodeArray(shifted.subarray(1)) as Float64Array)], [1.25, -7]);
});

test('random arrays round-trip (property test against the input itself)', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let trial = 0; trial < 200; trial++) {
    const n = Math.floor(rnd() * 300);
    const bytes = new Uint8Array(n * 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
    // Arbitrary bit patterns: every NaN form, subnormals, negative zero.
    const kinds = [new Float32Array(bytes.buffer), new Float64Array(bytes.buffer), new Int32Array(bytes.buffer), new Uint8Array(bytes.buffer)];
    for (const a of kinds) sameBits(decodeArray(encodeArray(a)), a);
  }
});

test('damaged or foreign blobs are refused with CORRUPT, not misread', () => {
  const good = encodeArray(new Float32Array([1, 2, 3]));
  const bad = (b: Buffer, re: RegExp) =>
    assert.throws(() => decodeArray(b, 'w'), (e: unknown) => e instanceof StoreError && e.code === 'CORRUPT' && re.test(e.message));
  bad(Buffer.from('hello world'), /bad header/);
  bad(good.subarray(0, good.length - 1), /header says 3 f32 elements but the blob holds 11 bytes/);
  const wrongType = Buffer.from(good);
  wrongType[2] = 99;
  bad(wrongType, /unknown dtype code 99/);
  assert.throws(() => decodeFloat32(encodeArray(new Int32Array([1]))), /expected f32, found i32/);
});
