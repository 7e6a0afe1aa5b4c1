// Compact outage records (core/learn/record-codec.ts): lossless, bit for bit,
// on the records of shipped cases and on a hand-computed one; records the
// encoding cannot hold are left to the f32 blob; bad blobs are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelScenario } from '../../main/core/learn/grid-data';
import { decodeRecord, encodeRecord, isCompactRecord } from '../../main/core/learn/record-codec';
import { loadCase } from '../helpers/shared';
import { featureOptionsFor } from '../../main/core/grid/features';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test('a hand-computed record: gaps and flags as small integers, dP and the estimate as their float32 bits', () => {
  const rec = Float32Array.from([7, 3, 2, 0.03, 0.63, 0, 5, -0.2, 0.91, 1, 300, 1e-9, 0, 0]);
  const blob = encodeRecord(rec)!;
  assert.ok(isCompactRecord(blob));
  // 12 header + codes ((2-(-1)-1)*2+0 = 4, (5-2-1)*2+1 = 5, (300-5-1)*2 = 588 in two bytes) + 3 x 8 bytes
  assert.equal(blob.length, 12 + 4 + 24);
  assert.deepEqual([...blob.subarray(12, 16)], [4, 5, 588 % 128 | 0x80, Math.floor(588 / 128)]);
  assert.deepEqual(bits(decodeRecord(blob)), bits(rec));
  const bridge = Float32Array.of(4, 0);
  assert.deepEqual(bits(decodeRecord(encodeRecord(bridge)!)), bits(bridge));
  // NaN payloads and -0 in dP or the estimate come back as they were.
  const odd = Float32Array.from([1, 1, 0, 0, 0, 1]);
  new Uint32Array(odd.buffer)[3] = 0x7fc00123; new Uint32Array(odd.buffer)[4] = 0x80000000;
  assert.deepEqual(bits(decodeRecord(encodeRecord(odd)!)), bits(odd));
});

test('a record with a bus section (the AC step\'s voltage list): version 2, bus gaps as small integers, Vm as its float32 bits', () => {
  // Two branches, then 3 buses: 4, 9, 130 with estimated Vm.
  const rec = Float32Array.from([7, 2, 2, 0.03, 0.63, 0, 5, -0.2, 0.91, 1, 3, 4, 0.951, 9, 0.9483, 130, 1.061]);
  const blob = encodeRecord(rec)!;
  assert.equal(blob[2], 2, 'version 2');
  // 12 header + 2 branch codes + 16 bytes of floats + u32 m + bus codes (4, 4, 120) + 3 x 4 bytes Vm
  assert.equal(blob.length, 12 + 2 + 16 + 4 + 3 + 12);
  assert.deepEqual([...blob.subarray(34, 37)], [4, 4, 120]);
  assert.deepEqual(bits(decodeRecord(blob)), bits(rec));
  // An empty bus section is kept as it was.
  const empty = Float32Array.from([7, 1, 2, 0.03, 0.63, 0, 0]);
  assert.deepEqual(bits(decodeRecord(encodeRecord(empty)!)), bits(empty));
  // Without one, version 1 as before.
  assert.equal(encodeRecord(Float32Array.from([7, 1, 2, 0.03, 0.63, 0]))![2], 1);
  assert.equal(encodeRecord(Float32Array.from([7, 1, 2, 0.03, 0.63, 0, 2, 9, 1, 4, 1])), null, 'buses not ascending');
  assert.equal(encodeRecord(Float32Array.from([7, 1, 2, 0.03, 0.63, 0, 2, 4, 1])), null, 'a bus count that is not its length');
  assert.throws(() => decodeRecord(blob.subarray(0, blob.length - 1)), /truncated or malformed/);
  const lying = blob.slice(); new DataView(lying.buffer).setUint32(30, 1000, true);
  assert.throws(() => decodeRecord(lying), /truncated or malformed/);
});

test('records the encoding cannot hold are not encoded (the store keeps them as f32)', () => {
  assert.equal(encodeRecord(Float32Array.from([1, 2, 5, 0, 0, 0, 3, 0, 0, 0])), null, 'indices not ascending');
  assert.equal(encodeRecord(Float32Array.from([1, 1, 5, 0, 0, 0.5])), null, 'a flag that is not 0 or 1');
  assert.equal(encodeRecord(Float32Array.from([1, 1, 5.5, 0, 0, 0])), null, 'a fractional index');
  assert.equal(encodeRecord(Float32Array.from([1, 2, 5, 0, 0, 0])), null, 'a length that is not its count');
  assert.equal(encodeRecord(Float32Array.from([-1, 0])), null);
});

test('every record of shipped cases round-trips bit for bit, in about 9 bytes per listed branch instead of 16', () => {
  for (const [name, stride] of [['case30', 1], ['case_ACTIVSg200', 1], ['case_ACTIVSg2000', 32]] as const) {
    const c = loadCase(name);
    // case_ACTIVSg2000 with its default records: the AC step's, with their bus lists.
    const r = labelScenario(c, featureOptionsFor(c.branch.length), Array.from({ length: Math.floor(c.branch.length / stride) }, (_, i) => i * stride));
    let raw = 0, compact = 0, listed = 0;
    for (const o of r.outages) {
      const blob = encodeRecord(o.record);
      assert.ok(blob, `${name} branch ${o.row}`);
      assert.deepEqual(bits(decodeRecord(blob)), bits(o.record), `${name} branch ${o.row}`);
      raw += o.record.byteLength; compact += blob.length; listed += o.record[1];
    }
    assert.ok(listed > 0);
    assert.ok(compact < 0.65 * raw, `${name}: ${compact} bytes instead of ${raw}`);
  }
});

test('bad record blobs are refused with the reason', () => {
  const blob = encodeRecord(Float32Array.from([7, 2, 2, 0.03, 0.63, 0, 5, -0.2, 0.91, 1]))!;
  assert.throws(() => decodeRecord(Uint8Array.from([0x47, 0x41, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'sample 3 features'), /sample 3 features: not a compact record/);
  const v3 = blob.slice(); v3[2] = 3;
  assert.throws(() => decodeRecord(v3), /record version 3, this build reads versions 1 and 2/);
  assert.throws(() => decodeRecord(blob.subarray(0, blob.length - 1)), /truncated or malformed/);
  const long = new Uint8Array(blob.length + 3); long.set(blob);
  assert.throws(() => decodeRecord(long), /truncated or malformed/);
  const lying = blob.slice(); new DataView(lying.buffer).setUint32(8, 1000, true);
  assert.throws(() => decodeRecord(lying), /truncated or malformed/);
});
