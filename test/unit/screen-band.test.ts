// The verified screen's safety band, by hand: the smallest margin below the
// decision threshold that keeps insecure recall >= 0.999 on the given
// probabilities and labels, the rule that sends an outage to the exact
// engine, and the record of an outage whose surrogate verdict is kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandRecall, chooseBand, recallEdge, SCREEN_RECALL, solvedExactly, surrogateRecord } from '../../main/core/learn/screen';
import { severity } from '../../main/core/grid/severity';

test('few insecure samples: the logit-normal tail reaches below the least probable one', () => {
  // Insecure at 0.9, 0.6, 0.3 and 0.05 (the secure 0.2 does not matter). 4 x 0.001 allows no miss: empirically the edge is 0.05.
  // Their logits 2.1972, 0.4055, -0.8473, -2.9444 have mean -0.2972 and standard deviation 2.1623;
  // 3.0902 sd below the mean is -6.979, whose probability is 0.000930: below 0.05, so it is the edge.
  const prob = [0.9, 0.6, 0.3, 0.2, 0.05], label = [1, 1, 1, 0, 1];
  const edge = recallEdge([0.9, 0.6, 0.3, 0.05]);
  assert.ok(Math.abs(edge - 0.000930) < 5e-6, `edge ${edge}`);
  const band = chooseBand(prob, label, 0.5);
  assert.ok(Math.abs(band - (0.5 - edge)) < 1e-15, `band ${band}`);
  assert.ok(solvedExactly(0.05, 0.5, band) && solvedExactly(0.001, 0.5, band) && !solvedExactly(0.0009, 0.5, band));
  assert.equal(bandRecall(prob, label, 0.5, band), 1);
  // The threshold alone misses two of four.
  assert.equal(bandRecall(prob, label, 0.5, 0), 0.5);
  assert.equal(SCREEN_RECALL, 0.999);
});

test('many tight insecure samples: the empirical edge lets floor(0.001 x P) of the least probable go', () => {
  const prob: number[] = [], label: number[] = [];
  for (let i = 0; i < 2000; i++) { prob.push(0.5 + i / 10000); label.push(1); }
  // Three low ones: 0.01, 0.02, 0.03. floor(0.001 x 2003) = 2 may be missed: empirically the edge is 0.03.
  // The logits (mostly 0 to 0.85) have a standard deviation near 0.3, so their tail stays far above 0.03.
  prob.push(0.02, 0.01, 0.03); label.push(1, 1, 1);
  assert.ok(Math.abs(recallEdge(prob) - 0.03) < 1e-15);
  const band = chooseBand(prob, label, 0.6);
  assert.ok(Math.abs(band - 0.57) < 1e-12, `band ${band}`);
  assert.ok(solvedExactly(0.03, 0.6, band) && !solvedExactly(0.02, 0.6, band));
  assert.ok(bandRecall(prob, label, 0.6, band) >= 0.999);
  assert.ok(bandRecall(prob, label, 0.6, band * 0.99) < 0.999, 'any smaller band falls short');
});

test('no band when the threshold already keeps the recall, or when nothing is insecure', () => {
  // Insecure at 0.7, 0.8, 0.75: logits 0.847, 1.386, 1.099 (mean 1.111, sd 0.270); 1.111 - 3.09 x 0.270 = 0.277, p 0.569 >= 0.5.
  assert.equal(chooseBand([0.7, 0.8, 0.75, 0.1], [1, 1, 1, 0], 0.5), 0);
  assert.equal(chooseBand([0.7, 0.8], [0, 0], 0.5), 0);
  assert.equal(chooseBand([], [], 0.5), 0);
  assert.throws(() => chooseBand([0.5], [1], 1.5), /threshold must be from 0 to 1/);
});

test('the band lands exactly on a float32 probability: threshold - band never passes over it', () => {
  const p32 = Math.fround(0.123456789), th = Math.fround(0.5149398446083069);
  // One insecure sample: only the empirical edge (no spread to fit).
  const band = chooseBand(Float32Array.of(p32, 0.9), Uint8Array.of(1, 0), th);
  assert.ok(th - band <= p32, `${th} - ${band} = ${th - band} > ${p32}`);
  assert.ok(band - (th - p32) < 1e-15);
});

test('an outage goes to the exact engine at or above threshold - band, and when its probability is unknown', () => {
  assert.equal(solvedExactly(0.4, 0.5, 0.1), true);
  assert.equal(solvedExactly(0.39, 0.5, 0.1), false);
  assert.equal(solvedExactly(0.5, 0.5, 0), true);
  assert.equal(solvedExactly(NaN, 0.5, 0), true);
  assert.equal(solvedExactly(0, 0.5, 1), true, 'band 1 solves everything');
});

test("a surrogate-kept record: secure, the predicted loading, severity by the one rule, nothing solved", () => {
  const r = surrogateRecord({ branch: 7, from: 3, to: 4, probability: 0.02, maxLoading: 0.84 });
  assert.equal(r.verdict, 'secure');
  assert.equal(r.judgedBy, 'surrogate');
  assert.equal(r.probability, 0.02);
  assert.equal(r.maxLoading, 0.84);
  assert.equal(r.severity, severity({ verdict: 'secure', maxLoading: 0.84, overloadExcess: 0, voltageExcess: 0, lostFraction: 0 }));
  assert.equal(r.severity, 0.84);
  assert.equal(r.converged, false);
  assert.equal(r.iterations, 0);
  assert.ok(Number.isNaN(r.minVm) && Number.isNaN(r.maxVm));
  // A predicted overload still ranks as secure (capped), and no edge head means no loading.
  assert.equal(surrogateRecord({ branch: 1, from: 1, to: 2, probability: 0.1, maxLoading: 1.3 }).severity, 0.999);
  const none = surrogateRecord({ branch: 1, from: 1, to: 2, probability: 0.1, maxLoading: null });
  assert.ok(Number.isNaN(none.maxLoading));
  assert.equal(none.severity, 0);
});
