// The map's layout job end to end: in a real worker thread (the same layout
// as in this thread, from the same seed; progress; cancel), and through the
// Api on a real SQLite store (a draft then the final layout, stored and read
// back; the case file's coordinates used; without a store, on a read-only
// one, a failing run, at most so many runs at once).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Api, MapLayoutView } from '../../main/api';
import { parseMatpower } from '../../main/core/grid/matpower';
import { caseCoordinates } from '../../main/core/map/coordinates';
import { layoutGraph, layoutGraphOf, type LayoutStatus } from '../../main/core/map/layout';
import type { LayoutInit } from '../../main/jobs/layout-job';
import { runLayout, type LayoutRunOptions } from '../../main/jobs/layout-run';
import { JobCancelled } from '../../main/jobs/pool';
import { createServices, handlersOf, type AppServices } from '../../main/services/app';
import { CaseMaps } from '../../main/services/case-maps';
import { casesDir } from '../../main/paths';
import { openStore, type Store } from '../../main/store';

const caseText = (name: string) => readFileSync(join(casesDir(), `${name}.m`), 'utf8');

function withStore(fn: (store: Store, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridrewire-map-'));
    const store = openStore(join(dir, 'app.db'));
    try { await fn(store, dir); } finally { store.close(); rmSync(dir, { recursive: true, force: true }); }
  };
}

/** Asks for the layout as the map does (then with `since`) until it is done or failed; every view seen. */
async function untilDone(api: Api, name: string): Promise<MapLayoutView[]> {
  const seen = [await api.mapLayout({ name })];
  let since = seen[0].version;
  for (let i = 0; i < 2000 && !['done', 'failed'].includes(seen[seen.length - 1].status); i++) {
    await new Promise((r) => setTimeout(r, 20));
    const v = await api.mapLayout({ name, since });
    seen.push(v);
    since = v.version;
  }
  return seen;
}

test('in a worker thread: the same layout as in this thread from the same seed, a draft first, progress to 1', async () => {
  const c = parseMatpower(caseText('case300'), 'case300.m');
  const init: LayoutInit = { ...layoutGraphOf(c), seed: 11, draftIterations: 20 };
  const statuses: LayoutStatus[] = [];
  let draft: Float64Array | null = null;
  const xy = await runLayout(init, { sliceWork: 50_000, onStatus: (s) => statuses.push(s), onDraft: (d) => { assert.equal(draft, null, 'one draft'); draft = d; } });
  assert.deepEqual(xy, layoutGraph(init, init));
  assert.ok(draft, 'a draft came');
  assert.notDeepEqual(draft, xy, 'the final layout refines the draft');
  assert.ok(statuses.length > 2);
  for (let i = 1; i < statuses.length; i++) assert.ok(statuses[i].progress >= statuses[i - 1].progress);
  assert.equal(statuses[statuses.length - 1].progress, 1);
  assert.ok(statuses.findIndex((s) => s.draftReady) < statuses.length - 1, 'the draft before the end');
});

test('a cancelled layout stops its worker and rejects with JobCancelled', async () => {
  const c = parseMatpower(caseText('case_ACTIVSg2000'), 'case_ACTIVSg2000.m');
  const abort = new AbortController();
  let slices = 0;
  const run = runLayout({ ...layoutGraphOf(c), seed: 1 }, { signal: abort.signal, sliceWork: 20_000, onStatus: () => { if (++slices === 2) abort.abort(); } });
  await assert.rejects(run, (e) => e instanceof JobCancelled);
  assert.equal(slices, 2, 'no slice after the cancel');
  // A bad graph fails in the worker with the core's message.
  await assert.rejects(runLayout({ n: 2, edges: Int32Array.from([0, 5]), root: 0, seed: 1 }), /edge end 5 is not a bus index below 2/);
});

test('through the Api: computed (a draft, then the final layout), stored for the case, read back the next time', withStore(async (store) => {
  const services = createServices({ casesDir: casesDir(), store });
  const api = handlersOf(services);
  assert.equal((await api.caseGraph({ name: 'case118' })).layoutSource, null);
  const seen = await untilDone(api, 'case118');
  assert.equal(seen[0].status, 'computing');
  assert.equal(seen[0].source, 'computed');
  assert.equal(seen[0].positions, null);
  const draft = seen.find((v) => v.status === 'draft' && v.positions);
  const last = seen[seen.length - 1];
  assert.equal(last.status, 'done');
  assert.ok(seen.some((v) => v.positions && v.status !== 'draft' && v.version === 2), 'the final positions came');
  assert.ok(seen.every((v, i) => i === 0 || v.progress >= seen[i - 1].progress || v.source === 'stored'));
  // Positions are sent only when newer than what the map has.
  assert.ok(seen.filter((v) => v.positions).length <= 2);
  if (draft) assert.equal(draft.version, 1);
  // Stored: the bundled case went into the store with its layout.
  const id = services.catalogue.storedId('case118')!;
  const stored = store.layouts.get(id);
  assert.equal(stored.length, 118);
  const graph = await api.caseGraph({ name: 'case118' });
  assert.equal(graph.layoutSource, 'stored');
  assert.deepEqual(graph.layout, stored);
  // The next request answers from the store without a new run.
  const again = await api.mapLayout({ name: 'case118' });
  assert.equal(again.source, 'stored');
  assert.deepEqual(again.positions, stored);
  assert.deepEqual(services.maps.computing(), []);
  // The same seed on another store gives the same map.
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-map-'));
  const other = openStore(join(dir, 'other.db'));
  try {
    const api2 = handlersOf(createServices({ casesDir: casesDir(), store: other }));
    await untilDone(api2, 'case118');
    assert.deepEqual((await api2.caseGraph({ name: 'case118' })).layout, stored);
  } finally { other.close(); rmSync(dir, { recursive: true, force: true }); }
}));

test("a bus dragged while the layout is computed keeps the user's place in the stored layout", withStore(async (store) => {
  const services = createServices({ casesDir: casesDir(), store });
  const api = handlersOf(services);
  const first = await api.mapLayout({ name: 'case57' });
  assert.equal(first.status, 'computing');
  await api.saveLayout({ name: 'case57', positions: [{ bus: 7, x: 1234.5, y: -99 }] });
  await untilDone(api, 'case57');
  const stored = store.layouts.get(services.catalogue.storedId('case57')!);
  assert.equal(stored.length, 57);
  assert.deepEqual(stored.find((p) => p.bus === 7), { bus: 7, x: 1234.5, y: -99 });
}));

/** case9 with bus coordinates (lat, lon per bus) added, as an imported case file. */
const CASE9_GEO = `${caseText('case9')}\n%% bus coordinates\nmpc.bus_geo = [\n${Array.from({ length: 9 }, (_, i) => `\t${i + 1}\t${30 + (i + 1) / 10}\t${-97 + ((i + 1) % 3) / 5};`).join('\n')}\n];\n`;

test("a case file's bus coordinates are its map: no layout is computed, a dragged bus still moves", withStore(async (store) => {
  const services = createServices({ casesDir: casesDir(), store });
  const api = handlersOf(services);
  const imported = await api.importFile({ fileName: 'case9geo.m', text: CASE9_GEO });
  const key = imported.case.key;
  const expected = caseCoordinates(parseMatpower(CASE9_GEO, 'case9geo.m')).coordinates!.xy;
  const graph = await api.caseGraph({ name: key });
  assert.equal(graph.layoutSource, 'case');
  assert.equal(graph.layout!.length, 9);
  graph.layout!.forEach((p, i) => {
    assert.equal(p.bus, i + 1);
    assert.ok(Math.abs(p.x - expected[2 * i]) < 0.006 && Math.abs(p.y - expected[2 * i + 1]) < 0.006);
  });
  const view = await api.mapLayout({ name: key });
  assert.deepEqual({ source: view.source, status: view.status, note: view.note }, { source: 'case', status: 'done', note: null });
  assert.deepEqual(view.positions, graph.layout);
  assert.deepEqual(services.maps.computing(), []);
  await api.saveLayout({ name: key, positions: [{ bus: 3, x: 5, y: 6 }] });
  assert.deepEqual((await api.caseGraph({ name: key })).layout!.find((p) => p.bus === 3), { bus: 3, x: 5, y: 6 });
}));

test('coordinates that cannot be used: the layout is computed, and the view says why', withStore(async (store) => {
  const api = handlersOf(createServices({ casesDir: casesDir(), store }));
  const bad = `${caseText('case9')}\nmpc.bus_geo = [\n\t1\t30\t-97;\n\t42\t31\t-97;\n];\n`;
  const { case: c } = await api.importFile({ fileName: 'case9badgeo.m', text: bad });
  assert.equal((await api.caseGraph({ name: c.key })).layoutSource, null);
  const seen = await untilDone(api, c.key);
  assert.equal(seen[seen.length - 1].status, 'done');
  assert.match(seen[0].note ?? '', /mpc\.bus_geo is not used: row 2 names bus 42, which is not in the case/);
}));

test('without a store, or on a read-only one, the layout is kept in memory and the view says so', async () => {
  const api = handlersOf(createServices({ casesDir: casesDir() }));
  const seen = await untilDone(api, 'case14');
  const last = seen[seen.length - 1];
  assert.equal(last.status, 'done');
  assert.match(last.note ?? '', /kept in memory only \(no database\)/);
  const again = await api.mapLayout({ name: 'case14' });
  assert.equal(again.source, 'computed');
  assert.equal(again.positions!.length, 14);

  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-map-'));
  openStore(join(dir, 'ro.db')).close();
  const ro = openStore(join(dir, 'ro.db'), { readonly: true });
  try {
    const roApi = handlersOf(createServices({ casesDir: casesDir(), store: ro }));
    const views = await untilDone(roApi, 'case14');
    assert.equal(views[views.length - 1].status, 'done');
    assert.match(views[views.length - 1].note ?? '', /the layout could not be stored: .*read-only/);
    assert.deepEqual((await roApi.mapLayout({ name: 'case14' })).positions, again.positions, 'the same seed, the same layout');
  } finally { ro.close(); rmSync(dir, { recursive: true, force: true }); }
});

function services(runLayout: (init: LayoutInit, opts: LayoutRunOptions) => Promise<Float64Array>, runningLayouts = 2): AppServices {
  const s = createServices({ casesDir: casesDir() });
  return { ...s, maps: new CaseMaps(s.catalogue, { runLayout, runningLayouts }) };
}

test('a failed layout says why; the map asking afresh starts it again', async () => {
  let calls = 0;
  const s = services(async () => { calls++; throw new Error('the worker ran out of memory'); });
  const api = handlersOf(s);
  const seen = await untilDone(api, 'case9');
  assert.equal(seen[seen.length - 1].status, 'failed');
  assert.equal(seen[seen.length - 1].error, 'the worker ran out of memory');
  assert.equal(calls, 1);
  // Polling (with since) does not restart it; a fresh request does.
  await api.mapLayout({ name: 'case9', since: 0 });
  assert.equal(calls, 1);
  await api.mapLayout({ name: 'case9' });
  assert.equal(calls, 2);
});

test('at most `runningLayouts` at once: the one asked for least recently is cancelled, and restarts when asked again', async () => {
  const started: { key: number; signal: AbortSignal }[] = [];
  const s = services((init, opts) => new Promise<Float64Array>((_, reject) => {
    started.push({ key: init.n, signal: opts.signal! });
    opts.signal!.addEventListener('abort', () => reject(new JobCancelled()));
  }), 1);
  const api = handlersOf(s);
  await api.mapLayout({ name: 'case9' });
  await api.mapLayout({ name: 'case14' });
  assert.deepEqual(started.map((r) => [r.key, r.signal.aborted]), [[9, true], [14, false]]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.maps.computing(), ['case14']);
  assert.equal((await api.mapLayout({ name: 'case9', since: 0 })).status, 'computing');
  assert.deepEqual(started.map((r) => [r.key, r.signal.aborted]), [[9, true], [14, true], [9, false]]);
});
