// The renderer imports only types from main (layering.test.ts), so the few
// rules of the spec it applies to what it shows are copies: held here equal
// to the one place each is defined.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERDICTS } from '../../main/core/grid/contingency-types';
import { LIMIT_TOL, UNLIMITED_RATE, isRated as mainIsRated } from '../../main/core/grid/limits';
import { LOADING_BANDS as REPORT_BANDS } from '../../main/core/report/map-picture';
import { LIMIT_TOL as R_LIMIT_TOL, UNLIMITED_RATE as R_UNLIMITED_RATE, isRated } from '../../renderer/spec-limits';
import { LOADING_BANDS } from '../../renderer/map/colouring';
import { VERDICT_ORDER } from '../../renderer/verdicts';

test("the renderer's verdicts are the spec's, in its order of rules", () => {
  assert.deepEqual([...VERDICT_ORDER], [...VERDICTS]);
});

test("the renderer's rating and limit tolerance are limits.ts's, and rate the same ratings", () => {
  assert.equal(R_UNLIMITED_RATE, UNLIMITED_RATE);
  assert.equal(R_LIMIT_TOL, LIMIT_TOL);
  for (const r of [0, -1, 1e-6, 100, 9999, 9.99e9, 1e10, 1e11, Infinity, NaN]) assert.equal(isRated(r), mainIsRated(r), `RATE_A ${r}`);
});

test("the map's loading bands are the report picture's: the same limits and colours", () => {
  assert.deepEqual(LOADING_BANDS.map((b) => [b.above, b.color]), REPORT_BANDS.map((b) => [b.above, b.color]));
});
