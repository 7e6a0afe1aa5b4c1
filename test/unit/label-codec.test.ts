// Compact labels (core/learn/label-codec.ts): the head, the flags and where a
// value is NaN come back exactly, every loading and Vm within the tolerance;
// hand-computed blobs; every kind of change (NaN, exact escapes, the bitmap);
// real labels of shipped cases; the size on case_ACTIVSg2000; and bad blobs
// refused with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NS, ES } from '../../main/core/grid/features';
import { LearnError } from '../../main/core/learn/errors';
import { LH, labelLength, labelScenario, staticLength, L_INSECURE, L_ISLANDED, L_MAXLOADING, L_MAXVM, L_MINVM, L_VERDICT } from '../../main/core/learn/grid-data';
import { defaultFeatureOptions } from '../../main/core/grid/features';
import { LABEL_TOLERANCE, decodeLabels, encodeLabels, isCompactLabels, labelBase, labelGridOf, labelHeadOf, type LabelBase } from '../../main/core/learn/label-codec';
import { Rng } from '../../main/core/learn/rng';
import { loadCase } from '../helpers/shared';

const TOL = Math.fround(LABEL_TOLERANCE);

/** |decoded - value| within the tolerance, plus float32 rounding of the decoded value. */
function within(decoded: number, value: number, tol = TOL): boolean {
  return Math.abs(decoded - value) <= tol + 2 ** -24 * Math.max(1, Math.abs(value));
}

/** Exact where it must be (head bit for bit, NaN where NaN), within the tolerance elsewhere. */
function assertRoundTrip(labels: Float32Array, decoded: Float32Array, what: string, tol = TOL): void {
  assert.equal(decoded.length, labels.length, what);
  for (let h = 0; h < LH; h++) assert.ok(Object.is(decoded[h], labels[h]), `${what}: head ${h}: ${decoded[h]} != ${labels[h]}`);
  for (let i = LH; i < labels.length; i++) {
    const a = labels[i], b = decoded[i];
    assert.equal(Number.isNaN(b), Number.isNaN(a), `${what}: value ${i - LH} NaN-ness (${a} -> ${b})`);
    if (!Number.isNaN(a)) assert.ok(within(b, a, tol), `${what}: value ${i - LH}: ${a} -> ${b}`);
  }
}

/** A base of 2 buses and 3 branches (branch 1 unrated), with its label vector. */
function small(): { base: LabelBase; labels: Float32Array } {
  const nb = 2, nl = 3;
  const stat = new Float32Array(staticLength(nb, nl));
  stat[0 * NS + 4] = 1.02; stat[1 * NS + 4] = 0.98;
  const br = (k: number, rated: number, lf: number, lt: number) => { const o = nb * NS + k * ES; stat[o + 6] = rated; stat[o + 7] = lf; stat[o + 8] = lt; };
  br(0, 1, 0.5, 0.52); br(1, 0, 0, 0); br(2, 1, 0.9, 0.8);
  const base = labelBase(stat, nb, nl);
  const labels = new Float32Array(labelLength(nb, nl));
  labels.set([3, 1, 0, 1, 1.2345678, 0.9512345, 1.0412345, 1, 1.1, 2]);
  return { base, labels };
}

test('the base values are the static row: base loading max(loadF, loadT) of rated branches (NaN unrated), then base Vm', () => {
  const { base } = small();
  assert.deepEqual([...base.values], [Math.fround(0.52), NaN, Math.fround(0.9), Math.fround(1.02), Math.fround(0.98)]);
  assert.throws(() => labelBase(new Float32Array(5), 2, 3), /static features have 5 values, expected 66 for 2 buses and 3 branches/);
});

test('a hand-computed blob: the head exact, changes within the tolerance listed as steps, the rest from the base', () => {
  const { base, labels } = small();
  // branch 0: 0.52 -> 0.52006 (within the tolerance: from the base); branch 1 unrated: NaN;
  // branch 2: 0.9 -> 0.9006 (3 steps of 2e-4); bus 0: 1.02 -> 1.0194 (-3 steps); bus 1: cut off (NaN).
  labels.set([0.52006, NaN, 0.9006, 1.0194, NaN], LH);
  const blob = encodeLabels(labels, base);
  assert.ok(isCompactLabels(blob));
  // 16 header + 40 head + 4 count (3) + the indices 2, 3, 4 as a one-byte bitmap (smaller than three gaps) + 3 codes (2 x 3, 1 + 2 x 3, NaN)
  assert.equal(blob[3], 2, 'bitmap flag');
  assert.equal(blob.length, 16 + 4 * LH + 4 + 1 + 3);
  assert.deepEqual([...blob.subarray(56)], [3, 0, 0, 0, 0b11100, 6, 7, 0]);
  assert.deepEqual(labelGridOf(blob), { nb: 2, nl: 3 });
  assert.deepEqual(labelHeadOf(blob), labels.subarray(0, LH));
  const d = decodeLabels(blob, base);
  assertRoundTrip(labels, d, 'small');
  assert.equal(d[LH + 0], base.values[0], 'an unlisted value is the base');
  assert.equal(d[LH + 2], Math.fround(base.values[2] + 3 * 2 * TOL));
  assert.equal(d[LH + 3], Math.fround(base.values[3] - 3 * 2 * TOL));
  assert.ok(Number.isNaN(d[LH + 1]) && Number.isNaN(d[LH + 4]));
  // Decoding into a slice of a packed array gives the same.
  const out = new Float32Array(2 * labels.length);
  decodeLabels(blob, base, 'into', out.subarray(labels.length));
  assert.deepEqual(out.subarray(labels.length), d);
});

test('an outage with nothing solved stores its head only; large and non-finite changes are stored exactly', () => {
  const { base, labels } = small();
  labels.fill(NaN, LH);
  const none = encodeLabels(labels, base);
  assert.equal(none.length, 16 + 4 * LH + 4);
  assertRoundTrip(labels, decodeLabels(none, base), 'unsolved');
  // 0.52 -> 1e9 (beyond the step range), unrated branch with a value, Infinity, -Infinity.
  labels.set([1e9, 0.25, Infinity, -Infinity, 0.98], LH);
  const d = decodeLabels(encodeLabels(labels, base), base);
  assert.deepEqual([...d.subarray(LH)], [1e9, 0.25, Infinity, -Infinity, Math.fround(0.98)]);
});

test('many changes: indices as a bitmap, decoded the same; random vectors at several tolerances keep the bound', () => {
  const rng = new Rng(11);
  const nb = 300, nl = 500, N = nb + nl;
  const stat = new Float32Array(staticLength(nb, nl));
  for (let k = 0; k < nl; k++) { const o = nb * NS + k * ES; stat[o + 6] = k % 7 ? 1 : 0; stat[o + 7] = rng.float() * 1.2; stat[o + 8] = rng.float() * 1.2; }
  for (let i = 0; i < nb; i++) stat[i * NS + 4] = 0.95 + 0.1 * rng.float();
  const base = labelBase(stat, nb, nl);
  for (const tol of [1e-5, LABEL_TOLERANCE, 1e-3]) {
    for (const density of [0.01, 0.3, 1]) {
      const labels = new Float32Array(labelLength(nb, nl));
      for (let h = 0; h < LH; h++) labels[h] = rng.normal();
      for (let i = 0; i < N; i++) {
        const b = base.values[i];
        const r = rng.float();
        labels[LH + i] = r < 0.01 ? NaN : Number.isNaN(b) ? NaN : rng.float() < density ? b + 0.05 * rng.normal() : b + tol * (2 * rng.float() - 1);
      }
      const blob = encodeLabels(labels, base, tol);
      if (density === 1) assert.equal(blob[3] & 2, 2, 'every value changed: a bitmap');
      if (density === 0.01) assert.equal(blob[3] & 2, 0, 'few changes: index gaps');
      assertRoundTrip(labels, decodeLabels(blob, base), `tol ${tol}, density ${density}`, Math.fround(tol));
    }
  }
});

test("real labels of shipped cases round-trip: verdict, flags, max loading and min/max Vm exact, the rest within 1e-4", () => {
  for (const name of ['case30', 'case118', 'case_ACTIVSg200']) {
    const r = labelScenario(loadCase(name));
    const base = labelBase(r.static, r.net.nb, r.net.nl);
    let nan = 0;
    for (const o of r.outages) {
      const d = decodeLabels(encodeLabels(o.labels, base), base);
      assertRoundTrip(o.labels, d, `${name} branch ${o.row}`);
      for (const h of [L_VERDICT, L_INSECURE, L_ISLANDED, L_MAXLOADING, L_MINVM, L_MAXVM]) assert.ok(Object.is(d[h], o.labels[h]));
      for (let i = LH; i < d.length; i++) if (Number.isNaN(d[i])) nan++;
    }
    assert.ok(nan > 0, `${name}: outaged branches and unrated ones decode as NaN`);
  }
});

test('labelling with the encoder (one reused vector per scenario) keeps what encoding every full vector afterwards gives', () => {
  const c = loadCase('case_ACTIVSg200');
  const full = labelScenario(c);
  const base = labelBase(full.static, full.net.nb, full.net.nl);
  const kept = labelScenario(c, defaultFeatureOptions, undefined, (labels, stat, net) => encodeLabels(labels, labelBase(stat, net.nb, net.nl)));
  assert.equal(kept.outages.length, full.outages.length);
  kept.outages.forEach((o, i) => assert.deepEqual(o.labels, encodeLabels(full.outages[i].labels, base), `branch ${o.row}`));
});

test('case_ACTIVSg2000: at most 2 KB per outage on average (one outage in 16 of the base case)', () => {
  const c = loadCase('case_ACTIVSg2000');
  const rows = Array.from({ length: Math.floor(c.branch.length / 16) }, (_, i) => i * 16);
  const r = labelScenario(c, undefined, rows);
  const base = labelBase(r.static, r.net.nb, r.net.nl);
  let bytes = 0;
  for (const o of r.outages) {
    const blob = encodeLabels(o.labels, base);
    bytes += blob.length;
    assertRoundTrip(o.labels, decodeLabels(blob, base), `branch ${o.row}`);
  }
  const full = labelLength(r.net.nb, r.net.nl) * 4;
  const mean = bytes / r.outages.length;
  assert.ok(mean <= 2048, `${mean.toFixed(0)} bytes per outage (the full vector: ${full})`);
});

test('bad blobs and inputs are refused with the reason', () => {
  const { base, labels } = small();
  const blob = encodeLabels(labels, base);
  const bad = (b: Uint8Array, re: RegExp) => assert.throws(() => decodeLabels(b, base, 'sample 7 labels'), (e: unknown) => e instanceof LearnError && re.test(e.message));
  bad(Uint8Array.from([0x47, 0x41, 1, 0, ...new Array(60).fill(0)]), /sample 7 labels: not a compact label blob/);
  const v9 = blob.slice(); v9[2] = 9;
  bad(v9, /label blob version 9, this build reads version 1/);
  bad(blob.subarray(0, 30), /truncated/);
  const more = new Uint8Array(blob.length + 1); more.set(blob);
  bad(more, /1 bytes left over/);
  const other = labelBase(new Float32Array(staticLength(3, 3)), 3, 3);
  assert.throws(() => decodeLabels(blob, other), /written for 2 buses and 3 branches, the scenario has 3 and 3/);
  labels.set([0.9, NaN, 0.9, 1.02, 0.98], LH); // one change: its index as a gap
  const lying = encodeLabels(labels, base);
  assert.equal(lying[3], 0);
  lying[60] = 100; // the gap now points past the end
  bad(lying, /truncated or malformed/);
  assert.throws(() => encodeLabels(new Float32Array(5), base), /labels have 5 values, expected 15/);
  assert.throws(() => encodeLabels(labels, base, 0), /label tolerance must be a positive number/);
});
