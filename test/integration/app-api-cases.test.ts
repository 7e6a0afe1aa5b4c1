// The case catalogue, the outage service's bounded engine cache and the
// power-flow summary, through the services createHandlers composes, on a
// real store file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { createServices, handlersOf } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { N1Engine } from '../../main/core/grid/contingency';
import { parseMatpower } from '../../main/core/grid/matpower';
import { caseText, loadReference } from '../helpers/shared';

function withStore(fn: (store: Store, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridrewire-cases-'));
    const store = openStore(join(dir, 'app.db'));
    try { await fn(store, dir); } finally { store.close(); rmSync(dir, { recursive: true, force: true }); }
  };
}

const open = (s: string) => s === 'running' || s === 'queued';

test('bundled cases by name and imported cases by stored id, each listed once', withStore(async (store) => {
  const services = createServices({ casesDir: casesDir(), store });
  const api = handlersOf(services);
  const before = await api.listCases();
  assert.ok(before.every((c) => c.source === 'bundled' && c.key === c.file.slice(0, -2) && c.storedId === null));
  assert.deepEqual(before.find((c) => c.key === 'case30'), { key: 'case30', name: 'case30', source: 'bundled', storedId: null, file: 'case30.m', buses: 30, branches: 41, gens: 6, importedAt: null });

  // A case the user imported (here: case9's text with one more comment line, so another file to the store).
  const text = `${caseText('case9')}\n% a copy kept by the user\n`;
  const { id } = store.cases.import({ text, parsed: parseMatpower(text, 'mine.m'), sourceFile: 'mine.m' });
  // Saving a bundled case's layout puts it in the store: it stays listed once, as bundled.
  await api.saveLayout({ name: 'case30', positions: [{ bus: 1, x: 0, y: 0 }] });
  const after = await api.listCases();
  assert.equal(after.length, before.length + 1);
  assert.equal(after.filter((c) => c.name === 'case30').length, 1);
  const case30 = after.find((c) => c.key === 'case30')!;
  assert.equal(case30.source, 'bundled');
  assert.equal(case30.storedId, store.cases.list().find((c) => c.sourceFile === 'case30.m')!.id);
  const mine = after.find((c) => c.source === 'stored')!;
  assert.deepEqual(mine, { key: `stored:${id}`, name: 'case9', source: 'stored', storedId: id, file: 'mine.m', buses: 9, branches: 9, gens: 3, importedAt: store.cases.get(id)!.importedAt });

  // The stored case answers like the bundled one it copies.
  const [pfStored, pfBundled] = [await api.powerFlow({ name: mine.key }), await api.powerFlow({ name: 'case9' })];
  assert.deepEqual(pfStored.vm, pfBundled.vm);
  assert.deepEqual((await api.outage({ name: mine.key, branch: 4 })).record, (await api.outage({ name: 'case9', branch: 4 })).record);
  assert.equal((await api.caseGraph({ name: mine.key })).layout, null);
  await api.saveLayout({ name: mine.key, positions: [{ bus: 5, x: 1, y: 2 }] });
  assert.deepEqual(store.layouts.get(id), [{ bus: 5, x: 1, y: 2 }]);
  assert.deepEqual((await api.caseGraph({ name: mine.key })).layout, [{ bus: 5, x: 1, y: 2 }]);

  // An N-1 run of the stored case is stored against that case.
  const { jobId } = await api.startN1({ name: mine.key });
  let j = await api.job({ jobId });
  for (let i = 0; i < 400 && open(j.status); i++) { await new Promise((r) => setTimeout(r, 25)); j = await api.job({ jobId }); }
  assert.equal(j.status, 'done');
  assert.equal(store.n1.getRun(j.result!.runId!)!.caseId, id);

  await assert.rejects(api.caseGraph({ name: 'stored:999' }), /no case with id 999 in the store/);
  await assert.rejects(api.outage({ name: 'case0', branch: 1 }), /no bundled case named 'case0'/);
}));

test('viewing a case writes nothing to the store', withStore(async (store) => {
  const api = handlersOf(createServices({ casesDir: casesDir(), store }));
  await api.listCases();
  await api.caseGraph({ name: 'case14' });
  await api.powerFlow({ name: 'case14' });
  await api.outage({ name: 'case14', branch: 2 });
  assert.deepEqual(store.cases.list(), []);
}));

test('a bundled text is read once and its parsed case is kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bundled-'));
  try {
    cpSync(join(casesDir(), 'case14.m'), join(dir, 'case14.m'));
    const { catalogue } = createServices({ casesDir: dir });
    const c = catalogue.get('case14');
    assert.equal(catalogue.get('case14'), c, 'the same parsed case');
    unlinkSync(join(dir, 'case14.m'));
    assert.equal(catalogue.text('case14'), caseText('case14'), 'the text came from memory');
    assert.equal(catalogue.get('case14'), c);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('solved engines are kept for a bounded number of cases, least recently used out first', async () => {
  const services = createServices({ casesDir: casesDir(), limits: { engineCases: 2 } });
  const api = handlersOf(services);
  await api.outage({ name: 'case5', branch: 1 });
  await api.outage({ name: 'case30', branch: 1 });
  assert.deepEqual(services.outages.cachedCases(), ['case5', 'case30']);
  await api.outage({ name: 'case5', branch: 2 });
  assert.deepEqual(services.outages.cachedCases(), ['case30', 'case5']);
  await api.outage({ name: 'case14', branch: 1 });
  assert.deepEqual(services.outages.cachedCases(), ['case5', 'case14']);
  // An evicted case is solved again, with the same answer as the reference.
  const again = await api.outage({ name: 'case30', branch: 10 });
  const ref = loadReference('case30').contingencies.find((c) => c.branch === 10)!;
  assert.equal(again.record.verdict, ref.verdict);
  assert.ok(Math.abs(again.record.maxLoading - ref.maxLoading) < 1e-4);
  assert.deepEqual(services.outages.cachedCases(), ['case14', 'case30']);
});

test("the power-flow summary's loading follows the spec: rated in-service branches only, the engine's maximum", async () => {
  const api = handlersOf(createServices({ casesDir: casesDir() }));
  for (const name of ['case5', 'case89pegase', 'case30']) {
    const pf = await api.powerFlow({ name });
    const engine = N1Engine.forCase(parseMatpower(caseText(name), `${name}.m`));
    const rated = engine.c.branch.map((r) => r[5] > 0 && r[5] < 1e10);
    assert.deepEqual(pf.loading.map((l) => l !== null), rated, `${name}: null exactly for unrated branches`);
    const max = Math.max(...pf.loading.filter((l): l is number => l !== null));
    assert.ok(Math.abs(max - engine.base.maxLoading) < 1e-9, `${name}: ${max} vs the engine's ${engine.base.maxLoading}`);
  }
});

test('a power flow that does not converge shows its status and no voltages, flows or loadings', withStore(async (store) => {
  const api = handlersOf(createServices({ casesDir: casesDir(), store }));
  const c = parseMatpower(caseText('case14'), 'case14.m');
  const heavy = { ...c, name: 'heavy14', bus: c.bus.map((row) => row.map((v, j) => (j === 2 || j === 3 ? v * 8 : v))) };
  const { writeMatpower } = await import('../../main/core/grid/matpower');
  const text = writeMatpower(heavy);
  const { id } = store.cases.import({ text, parsed: parseMatpower(text, 'heavy14.m'), sourceFile: 'heavy14.m' });
  const pf = await api.powerFlow({ name: `stored:${id}` });
  assert.equal(pf.converged, false);
  assert.ok(pf.iterations > 0 && pf.status !== 'converged');
  assert.deepEqual([pf.vm, pf.va, pf.loading, pf.pf, pf.qf], [[], [], [], [], []]);
}));

test('a distribution feeder whose file converts its units (case33bw, bundled) opens, solves and runs N-1 in the app', withStore(async (store) => {
  const api = handlersOf(createServices({ casesDir: casesDir(), store }));
  const info = (await api.listCases()).find((c) => c.key === 'case33bw');
  assert.deepEqual(info && [info.buses, info.branches, info.gens], [33, 37, 1]);
  const pf = await api.powerFlow({ name: 'case33bw' });
  assert.equal(pf.converged, true);
  assert.equal(pf.iterations, 3);
  assert.ok(Math.min(...pf.vm) > 0.9 && Math.min(...pf.vm) < 0.92, `min |V| ${Math.min(...pf.vm)}`); // the feeder's end sags to about 0.913 p.u.
  const o = await api.outage({ name: 'case33bw', branch: 5 });
  assert.ok(['islanded', 'secure', 'voltage', 'overload', 'overload+voltage', 'diverged'].includes(o.record.verdict));
}));
