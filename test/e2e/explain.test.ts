// The outage card with a trained surrogate: the physics and surrogate
// verdicts side by side, why the surrogate judged so (branches and buses,
// beside the physics' flow changes), and the sparse network drawn with the
// connections that drove it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../main/server';
import { openStore, type Store } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { closeAppWindow, openAppWindow, runN1InWindow, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';
import { caseText } from '../helpers/shared';
import type { Api } from '../../main/api';
import type { MapColouring } from '../../renderer/map/colouring';
import { attributionColouring, physicsColouring } from '../../renderer/map/explanation-colouring';

const shots = SHOTS;
let server: RunningServer;
let page: Page;
let store: Store;
let modelId: number;
let api: Api;
const skip = skipWithoutChromium;

let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  store = openStore(join(mkdtempSync(join(tmpdir(), 'gridrewire-e2e-explain-')), 'e2e.db'));
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 4, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
  modelId = (await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 2, batchSize: 16, seed: 1 })).modelId!;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-explain-', store });
  api = w.app.api;
  ({ server, page } = w);
});
after(() => closeAppWindow(w));

test('a branch shows both verdicts, why the surrogate judged so beside the physics, and the network behind it', { skip }, async () => {
  await runN1InWindow(page, server.url, 'case30');
  await page.getByTestId('n1-filter').fill('10');
  const t0 = Date.now();
  await page.locator('[data-testid=n1-row][data-branch="10"]').click();
  const card = page.getByTestId('outage-detail');
  await card.getByTestId('surrogate-verdict').waitFor();
  await card.getByTestId('explanation').waitFor({ timeout: 30_000 });
  const firstMs = Date.now() - t0;
  assert.match(await card.innerText(), /physics/);
  assert.match(await card.getByTestId('surrogate-verdict').innerText(), new RegExp(`model ${modelId}`));
  const why = await card.getByTestId('why-branches').innerText();
  assert.match(why, /branch \d+/);
  const physics = await card.getByTestId('physics-branches').innerText();
  assert.match(physics, /branch \d+ .* MW/);
  assert.match(await card.getByTestId('explanation').innerText(), /computed in \d+ ms/);
  // It is kept: the same outage again is read back from the store.
  assert.equal(store.results.list(modelId, 'explanation').length, 1);
  await page.screenshot({ path: join(shots, 'app-explain-card.png') });
  await page.locator('[data-testid=n1-row][data-branch="10"]').click();
  await card.getByTestId('explanation').filter({ hasText: 'read back from the store' }).waitFor();
  // The network behind the verdict.
  await page.getByTestId('show-network').click();
  const view = page.getByTestId('network-view');
  await view.waitFor();
  const lines = view.getByTestId('network-connection');
  assert.ok(await lines.count() > 5, `${await lines.count()} connections drawn`);
  await lines.first().hover();
  assert.match(await page.getByTestId('network-hover').innerText(), /weight .* attribution/);
  await page.screenshot({ path: join(shots, 'app-explain-network.png') });
  await page.getByTestId('show-loading').click();
  await view.waitFor({ state: 'detached' });
  // The map coloured by where the verdict comes from, then by what the physics did, each with its legend.
  const [graph, x] = await Promise.all([api.caseGraph({ name: 'case30' }), api.explain({ name: 'case30', branch: 10, model: modelId })]);
  const drawn = () => page.evaluate(() => (document.getElementById('map') as unknown as { gridMap: { colouring(): MapColouring } }).gridMap.colouring());
  await page.getByTestId('show-attribution').click();
  await page.getByTestId('map-legend').filter({ hasText: 'attribution to the insecure logit' }).waitFor();
  const want = attributionColouring(graph, x.explanation.grid!).colouring;
  const got = await drawn();
  assert.deepEqual(got.branchColor, want.branchColor);
  assert.deepEqual(got.busColor, want.busColor);
  const top = x.explanation.grid!.branches[0];
  assert.notEqual(got.branchColor![top.branch - 1], '#d0d5dd', `the most attributed branch ${top.branch} is coloured`);
  await page.screenshot({ path: join(shots, 'app-explain-attribution.png') });
  await page.getByTestId('show-physics').click();
  await page.getByTestId('map-legend').filter({ hasText: 'change of |flow| after the outage' }).waitFor();
  assert.deepEqual((await drawn()).branchColor, physicsColouring(graph, x.explanation.physics).colouring.branchColor);
  await page.screenshot({ path: join(shots, 'app-explain-physics.png') });
  await page.getByTestId('show-loading').click();
  await page.getByTestId('map-legend').filter({ hasText: 'branch loading' }).waitFor();
  process.stderr.write(`first explanation of branch 10 on case30 answered in ${firstMs} ms (including the outage)\n`);
});
