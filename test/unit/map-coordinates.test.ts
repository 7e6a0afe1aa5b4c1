// Bus coordinates a case file brings (core/map/coordinates.ts): the common
// forms on hand-made cases (case9 with coordinates added), their projection
// (north up, east right, degrees of longitude shrunk by the latitude), buses
// without coordinates placed among their neighbours, buses of one substation
// spread, and the forms that are refused with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMatpower } from '../../main/core/grid/matpower';
import { caseCoordinates } from '../../main/core/map/coordinates';
import { EDGE_LENGTH } from '../../main/core/map/layout';

const CASE9 = readFileSync('/work/shared/cases/case9.m', 'utf8');

/** case9 with `mpc.<field> = [rows];` appended. */
function withField(field: string, rows: number[][]): ReturnType<typeof parseMatpower> {
  const text = `${CASE9}\nmpc.${field} = [\n${rows.map((r) => `\t${r.join('\t')};`).join('\n')}\n];\n`;
  return parseMatpower(text, 'case9geo.m');
}

// Nine buses at made-up places in Texas (lat, lon): bus k at lat 30 + k/10, lon -97 + (k % 3)/5.
const LATLON = Array.from({ length: 9 }, (_, i) => [30 + (i + 1) / 10, -97 + ((i + 1) % 3) / 5]);
const xyOf = (xy: Float64Array, row: number) => ({ x: xy[2 * row], y: xy[2 * row + 1] });

test('mpc.bus_geo [bus_i lat lon]: north is up, east is right, a degree of longitude is cos(lat) of one of latitude', () => {
  // Rows in another order than the buses: the bus number column says which is which.
  const rows = LATLON.map((p, i) => [i + 1, ...p]).reverse();
  const { coordinates, problem } = caseCoordinates(withField('bus_geo', rows));
  assert.equal(problem, null);
  assert.ok(coordinates);
  assert.equal(coordinates.field, 'bus_geo');
  assert.equal(coordinates.filled, 0);
  const xy = coordinates.xy;
  // Bus 9 is the northernmost: smallest y (screens draw y down).
  const ys = Array.from({ length: 9 }, (_, i) => xyOf(xy, i).y);
  assert.equal(ys.indexOf(Math.min(...ys)), 8);
  // Buses 1 and 4 share a longitude (-96.8); bus 3 is 0.2 degrees further west.
  assert.ok(Math.abs(xyOf(xy, 0).x - xyOf(xy, 3).x) < 1e-9);
  assert.ok(xyOf(xy, 2).x < xyOf(xy, 0).x);
  // Map units per degree: latitude (buses 1 and 4: 0.3 degrees apart) against longitude (buses 1 and 3: 0.2).
  const perLat = (xyOf(xy, 3).y - xyOf(xy, 0).y) / -0.3;
  const perLon = (xyOf(xy, 0).x - xyOf(xy, 2).x) / 0.2;
  const meanLat = LATLON.reduce((s, p) => s + p[0], 0) / 9;
  assert.ok(Math.abs(perLon / perLat - Math.cos((meanLat * Math.PI) / 180)) < 1e-9);
});

test('the same coordinates in the other forms give the same map', () => {
  const ref = caseCoordinates(withField('bus_geo', LATLON.map((p, i) => [i + 1, ...p]))).coordinates!.xy;
  // One row per bus, no bus column.
  assert.deepEqual(caseCoordinates(withField('bus_gis', LATLON)).coordinates!.xy, ref);
  // Longitude first, named so.
  assert.deepEqual(caseCoordinates(withField('bus_lonlat', LATLON.map(([la, lo]) => [lo, la]))).coordinates!.xy, ref);
  // Longitude first under a lat-lon name: a column outside +-90 cannot be a latitude.
  const swapped = caseCoordinates(withField('bus_geo', LATLON.map(([la, lo], i) => [i + 1, lo, la]))).coordinates!.xy;
  assert.deepEqual(swapped, ref);
});

test('plane coordinates (mpc.bus_xy): y points up in the file, down on the map; scaled so the median branch is EDGE_LENGTH', () => {
  const xy0 = Array.from({ length: 9 }, (_, i) => [i * 100, (i % 2) * 50]);
  const { coordinates } = caseCoordinates(withField('bus_xy', xy0));
  const xy = coordinates!.xy;
  assert.ok(xyOf(xy, 1).y < xyOf(xy, 0).y, 'bus 2 (y 50) above bus 1 (y 0)');
  assert.ok(xyOf(xy, 1).x > xyOf(xy, 0).x);
  // case9's branches, and their drawn lengths.
  const c = withField('bus_xy', xy0);
  const len = c.branch.map((br) => Math.hypot(xy[2 * (br[0] - 1)] - xy[2 * (br[1] - 1)], xy[2 * (br[0] - 1) + 1] - xy[2 * (br[1] - 1) + 1])).sort((a, b) => a - b);
  assert.ok(Math.abs(len[len.length >> 1] - EDGE_LENGTH) < 1e-9);
});

test('buses the file leaves out are placed among their neighbours, and counted', () => {
  // No row for buses 4 and 5; in case9, bus 5 lies between 4 and 6, bus 4 between 1, 5 and 9.
  const rows = LATLON.map((p, i) => [i + 1, ...p]).filter((r) => r[0] !== 4 && r[0] !== 5);
  const { coordinates } = caseCoordinates(withField('bus_geo', rows));
  assert.equal(coordinates!.filled, 2);
  const xy = coordinates!.xy;
  assert.ok(xy.every(Number.isFinite));
  // Bus 4 sits at the mean of its placed neighbours (1 and 9; bus 5 was not placed yet when it was).
  const mean = { x: (xyOf(xy, 0).x + xyOf(xy, 8).x) / 2, y: (xyOf(xy, 0).y + xyOf(xy, 8).y) / 2 };
  assert.ok(Math.hypot(xyOf(xy, 3).x - mean.x, xyOf(xy, 3).y - mean.y) < 1e-9);
});

test("buses of one substation (the same point) are spread around it, each visible", () => {
  const rows = LATLON.map((p, i) => [i + 1, ...(i < 3 ? LATLON[0] : p)]);
  const xy = caseCoordinates(withField('bus_geo', rows)).coordinates!.xy;
  for (let i = 0; i < 9; i++) for (let j = i + 1; j < 9; j++) assert.ok(Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]) > 1, `buses ${i + 1} and ${j + 1} apart`);
  // ... close to each other beside the rest.
  const d12 = Math.hypot(xy[0] - xy[2], xy[1] - xy[3]);
  const d19 = Math.hypot(xy[0] - xy[16], xy[1] - xy[17]);
  assert.ok(d12 < d19);
});

test('a case without coordinates has none, and says nothing', () => {
  assert.deepEqual(caseCoordinates(parseMatpower(CASE9, 'case9.m')), { coordinates: null, problem: null });
});

test('coordinates that cannot be used are refused with the reason', () => {
  const refused = (field: string, rows: number[][], why: RegExp) => {
    const r = caseCoordinates(withField(field, rows));
    assert.equal(r.coordinates, null);
    assert.match(r.problem ?? '', why);
    assert.match(r.problem ?? '', new RegExp(`^mpc\\.${field} is not used: `));
  };
  refused('bus_geo', LATLON.slice(0, 8), /8 rows of 2 columns for 9 buses/);
  refused('bus_geo', [[1, 30, -97], [42, 31, -97]], /row 2 names bus 42, which is not in the case/);
  refused('bus_geo', [[1, 30, -97], [1, 31, -97]], /bus 1 has two rows/);
  refused('bus_xy', Array.from({ length: 9 }, () => [5]), /1 column\(s\)/);
  refused('bus_xy', Array.from({ length: 9 }, () => [5, 5]), /every bus is at the same point/);
  refused('bus_geo', Array.from({ length: 9 }, (_, i) => [i + 1, 120, -120 + i]), /neither column is a latitude/);
  refused('bus_xy', Array.from({ length: 9 }, () => [NaN, NaN]), /no bus has finite coordinates/);
});
