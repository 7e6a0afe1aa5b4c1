// Bus coordinates a case file brings with it. MATPOWER has no standard field
// for them; the forms in use are an extra matrix of one row per bus:
//
//   mpc.bus_geo / mpc.bus_gis / mpc.bus_latlon / mpc.gis / mpc.geo:
//     [lat lon] or [bus_i lat lon] in degrees (the order of PowerWorld's and
//     the synthetic grids' GIS tables; a column outside +-90 is taken as the
//     longitude whatever its place)
//   mpc.bus_lonlat: [lon lat] or [bus_i lon lat]
//   mpc.bus_xy / mpc.bus_coords / mpc.bus_coordinates / mpc.coordinates / mpc.coords:
//     [x y] or [bus_i x y] in a plane, y pointing up
//
// With one row per bus row and two columns, row k is bus row k; with a bus
// number column, rows may come in any order and may leave buses out (those are
// placed among their neighbours). Degrees are projected equirectangularly about
// the mean latitude, north up. Buses at one point (a substation's buses share
// its coordinates) are spread on a small circle so that each can be seen.

import type { Case, MatValue } from '../grid/case';
import { BUS_I } from '../grid/idx';
import { EDGE_LENGTH } from './layout';

type Kind = 'degrees' | 'lonlat' | 'plane';

const FIELDS: [string, Kind][] = [
  ['bus_geo', 'degrees'], ['bus_gis', 'degrees'], ['bus_latlon', 'degrees'], ['bus_lat_lon', 'degrees'], ['gis', 'degrees'], ['geo', 'degrees'],
  ['bus_lonlat', 'lonlat'], ['bus_lon_lat', 'lonlat'],
  ['bus_xy', 'plane'], ['bus_coords', 'plane'], ['bus_coordinates', 'plane'], ['coordinates', 'plane'], ['coords', 'plane'],
];

export interface CaseCoordinates {
  /** The field they came from, e.g. 'bus_geo'. */
  field: string;
  /** Per bus row: x, y in map units (y down, as screens draw), median edge about EDGE_LENGTH. */
  xy: Float64Array;
  /** Bus rows the file gave no coordinates for (placed among their neighbours). */
  filled: number;
}

/** Why a coordinate field was not used; null when the case has none or they were used. */
export interface CoordinatesResult {
  coordinates: CaseCoordinates | null;
  problem: string | null;
}

/** Reads the case's bus coordinates, when it has a field of the forms above. */
export function caseCoordinates(c: Case): CoordinatesResult {
  for (const [field, kind] of FIELDS) {
    const v = c.extra[field];
    if (v === undefined) continue;
    try {
      return { coordinates: read(c, field, kind, v), problem: null };
    } catch (e) {
      return { coordinates: null, problem: `mpc.${field} is not used: ${(e as Error).message}` };
    }
  }
  return { coordinates: null, problem: null };
}

function numericRows(v: MatValue): number[][] {
  if (v.kind === 'matrix') return v.rows;
  if (v.kind === 'cell' && v.rows.every((r) => r.every((x) => typeof x === 'number'))) return v.rows as number[][];
  throw new Error('it is not a numeric matrix');
}

function read(c: Case, field: string, kind: Kind, v: MatValue): CaseCoordinates {
  const rows = numericRows(v);
  const n = c.bus.length;
  if (rows.length === 0) throw new Error('it has no rows');
  const width = rows[0].length;
  if (rows.some((r) => r.length !== width)) throw new Error('its rows have different lengths');
  const row = new Map(c.bus.map((b, i) => [b[BUS_I], i]));
  const a = new Float64Array(n).fill(NaN), b = new Float64Array(n).fill(NaN);
  if (width === 2) {
    if (rows.length !== n) throw new Error(`it has ${rows.length} rows of 2 columns for ${n} buses (give one row per bus, or [bus_i x y] rows)`);
    rows.forEach((r, i) => { a[i] = r[0]; b[i] = r[1]; });
  } else if (width >= 3) {
    rows.forEach((r, k) => {
      const i = row.get(r[0]);
      if (i === undefined) throw new Error(`row ${k + 1} names bus ${r[0]}, which is not in the case`);
      if (!Number.isNaN(a[i])) throw new Error(`bus ${r[0]} has two rows`);
      a[i] = r[1]; b[i] = r[2];
    });
  } else {
    throw new Error(`it has ${width} column(s): give [x y] or [bus_i x y]`);
  }
  const known: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i])) known.push(i);
  if (known.length === 0) throw new Error('no bus has finite coordinates');
  const xy = new Float64Array(2 * n).fill(NaN);
  project(kind, a, b, known, xy);
  if (spreadOf(xy, known) === 0) throw new Error('every bus is at the same point');
  const filled = n - known.length;
  fillFromNeighbours(c, row, xy);
  scaleToEdges(c, row, xy);
  spreadCoincident(xy, n);
  return { field, xy, filled };
}

function project(kind: Kind, a: Float64Array, b: Float64Array, known: number[], xy: Float64Array): void {
  if (kind === 'plane') {
    for (const i of known) { xy[2 * i] = a[i]; xy[2 * i + 1] = -b[i]; }
    return;
  }
  let lat = a, lon = b;
  if (kind === 'lonlat') [lat, lon] = [b, a];
  // A latitude never leaves +-90: a column that does holds the longitudes.
  const outside = (col: Float64Array) => known.some((i) => Math.abs(col[i]) > 90);
  if (outside(lat) && !outside(lon)) [lat, lon] = [lon, lat];
  if (outside(lat)) throw new Error('neither column is a latitude (both leave -90..90)');
  const lat0 = known.reduce((s, i) => s + lat[i], 0) / known.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  for (const i of known) { xy[2 * i] = lon[i] * k; xy[2 * i + 1] = -lat[i]; }
}

function spreadOf(xy: Float64Array, known: number[]): number {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const i of known) {
    x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]);
    y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]);
  }
  return Math.max(x1 - x0, y1 - y0);
}

/** Buses without coordinates go to the mean of their placed neighbours, nearest first; unreachable ones beside the map. */
function fillFromNeighbours(c: Case, row: Map<number, number>, xy: Float64Array): void {
  const n = c.bus.length;
  const nbrs: number[][] = Array.from({ length: n }, () => []);
  for (const br of c.branch) {
    const f = row.get(br[0]), t = row.get(br[1]);
    if (f === undefined || t === undefined || f === t) continue;
    nbrs[f].push(t); nbrs[t].push(f);
  }
  const placed = (i: number) => !Number.isNaN(xy[2 * i]);
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n; i++) {
      if (placed(i)) continue;
      const ps = nbrs[i].filter(placed);
      if (ps.length === 0) continue;
      xy[2 * i] = ps.reduce((s, j) => s + xy[2 * j], 0) / ps.length;
      xy[2 * i + 1] = ps.reduce((s, j) => s + xy[2 * j + 1], 0) / ps.length;
      changed = true;
    }
  }
  let x1 = -Infinity, y0 = Infinity;
  for (let i = 0; i < n; i++) if (placed(i)) { x1 = Math.max(x1, xy[2 * i]); y0 = Math.min(y0, xy[2 * i + 1]); }
  for (let i = 0, k = 0; i < n; i++) if (!placed(i)) { xy[2 * i] = x1; xy[2 * i + 1] = y0 + k++; }
}

/** Buses sharing one point (within a millionth of the map's extent) go on a small circle around it. */
function spreadCoincident(xy: Float64Array, n: number): void {
  const all = Array.from({ length: n }, (_, i) => i);
  const tol = spreadOf(xy, all) * 1e-6;
  const at = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = `${Math.round(xy[2 * i] / (tol || 1))},${Math.round(xy[2 * i + 1] / (tol || 1))}`;
    const list = at.get(key);
    if (list) list.push(i); else at.set(key, [i]);
  }
  // The circle's radius: a fraction of a branch, less where distinct points are closer.
  const points = [...at.values()].map((l) => l[0]);
  const r = Math.min(0.4 * EDGE_LENGTH, 0.3 * typicalNearest(xy, points));
  for (const list of at.values()) {
    if (list.length < 2) continue;
    // Larger groups get a larger circle, their buses a third of a branch apart.
    const radius = Math.max(r, (list.length * EDGE_LENGTH) / 3 / (2 * Math.PI));
    list.forEach((i, k) => {
      const angle = (2 * Math.PI * k) / list.length;
      xy[2 * i] += radius * Math.cos(angle);
      xy[2 * i + 1] += radius * Math.sin(angle);
    });
  }
}

/** Median distance to the nearest other point, over a sample of at most 500 points (grid buckets would be faster; this runs once per case). */
function typicalNearest(xy: Float64Array, points: number[]): number {
  if (points.length < 2) return 1;
  const step = Math.max(1, Math.floor(points.length / 500));
  const d: number[] = [];
  for (let s = 0; s < points.length; s += step) {
    const i = points[s];
    let best = Infinity;
    for (const j of points) if (j !== i) best = Math.min(best, Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]));
    d.push(best);
  }
  d.sort((x, y) => x - y);
  return d[d.length >> 1] || 1;
}

/** Scales about the centre so that the median branch is about EDGE_LENGTH long, as computed layouts are. */
function scaleToEdges(c: Case, row: Map<number, number>, xy: Float64Array): void {
  const d: number[] = [];
  for (const br of c.branch) {
    const f = row.get(br[0]), t = row.get(br[1]);
    if (f === undefined || t === undefined || f === t) continue;
    const len = Math.hypot(xy[2 * f] - xy[2 * t], xy[2 * f + 1] - xy[2 * t + 1]);
    if (len > 0) d.push(len);
  }
  d.sort((x, y) => x - y);
  const median = d.length ? d[d.length >> 1] : spreadOf(xy, Array.from({ length: xy.length / 2 }, (_, i) => i)) / 10;
  const k = EDGE_LENGTH / (median || 1);
  const n = xy.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xy[2 * i]; my += xy[2 * i + 1]; }
  mx /= n; my /= n;
  for (let i = 0; i < n; i++) { xy[2 * i] = (xy[2 * i] - mx) * k; xy[2 * i + 1] = (xy[2 * i + 1] - my) * k; }
}
