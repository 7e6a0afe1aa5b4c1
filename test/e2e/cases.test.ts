// The analyst's own cases in the window: the first start opens a bundled
// case; a case file imported from disk (file dialog, and dropped on the
// window) is listed with its import date and opens; a bad file shows its
// file:line:column; rename, delete (saying what goes) and export.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../main/server';
import { openStore, type Store } from '../../main/store';
import { closeAppWindow, openAppWindow, screenshotWide, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';
import { caseText } from '../helpers/shared';

const shots = SHOTS;
const tmp = mkdtempSync(join(tmpdir(), 'gridrewire-e2e-cases-'));
let server: RunningServer;
let page: Page;
let store: Store;
const skip = skipWithoutChromium;

let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-cases-', store: openStore(join(tmp, 'e2e.db')), page: { acceptDownloads: true } });
  ({ server, page, store } = w);
});
after(() => closeAppWindow(w));

test('the first start opens a bundled case, ready to run', { skip }, async () => {
  await page.goto(server.url);
  await page.getByTestId('grid-map').waitFor();
  assert.match(await page.locator('header').innerText(), /case30/);
  await page.getByTestId('run-ac').click();
  assert.match(await page.getByTestId('pf-summary').innerText(), /converged/);
});

test('a case file imported from disk is listed with its import date and opens; the same file again is the same case', { skip }, async () => {
  const file = join(tmp, 'feeder9.m');
  writeFileSync(file, `${caseText('case9')}\n% the analyst's copy\n`);
  const before = store.cases.list().length; // case30 is there already: its map layout was saved when it was drawn
  await page.getByTestId('import-input').setInputFiles(file);
  await page.getByTestId('notice').waitFor();
  assert.match(await page.getByTestId('notice').innerText(), /feeder9\.m: case case9/);
  const stored = store.cases.list();
  assert.equal(stored.length, before + 1);
  const key = `stored:${stored.find((c) => c.sourceFile === 'feeder9.m')!.id}`;
  const item = page.getByTestId(`case-${key}`);
  assert.match(await item.innerText(), /9 buses · 9 branches · 3 gens · imported /);
  // The imported case is open: the header names it and the map shows its 9 buses.
  assert.match(await page.locator('header').innerText(), /case9/);
  await page.getByTestId('run-ac').click();
  assert.match(await page.getByTestId('pf-summary').innerText(), /iterations\s+4/);
  await page.locator('[data-testid=layout-status] .bar').waitFor({ state: 'detached', timeout: 60_000 });
  const drawn = await page.evaluate(() => (document.getElementById('map') as unknown as { gridMap: { positions(): { bus: number }[] } }).gridMap.positions());
  assert.deepEqual(drawn.map((p) => p.bus).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // The side panel's tabs stay on one line at the narrow width the power-flow tab has.
  const tabs = await page.locator('.tabs button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
  assert.ok(new Set(tabs.map(Math.round)).size === 1 && tabs[0] < 40, `tab heights ${tabs.join(', ')}`);
  await page.screenshot({ path: join(shots, 'app-cases-imported.png') });
  await screenshotWide(page, 'app-cases-imported-1920.png');
  await page.getByTestId('import-input').setInputFiles(file);
  await page.getByTestId('notice').filter({ hasText: 'already there' }).waitFor();
  assert.equal(store.cases.list().length, before + 1);
});

test('a file dropped on the window is imported; a bad one shows its file:line:column and nothing is stored', { skip }, async () => {
  const drop = async (name: string, text: string) => {
    const dt = await page.evaluateHandle(({ name, text }) => {
      const d = new DataTransfer();
      d.items.add(new File([text], name, { type: 'text/plain' }));
      return d;
    }, { name, text });
    await page.dispatchEvent('[data-testid=app]', 'dragover', { dataTransfer: dt });
    await page.dispatchEvent('[data-testid=app]', 'drop', { dataTransfer: dt });
  };
  const before = store.cases.list().length;
  await drop('five.m', `${caseText('case5')}\n% dropped\n`);
  await page.getByTestId('notice').filter({ hasText: 'five.m' }).waitFor();
  assert.equal(store.cases.list().length, before + 1);
  await drop('broken.m', 'function mpc = broken\nmpc.baseMVA = 100;\nmpc.bus = [1 3 0 0 0 0 1 1 0 135 1 1.05 0.95;\n 2 1 0 0 0 0 1 1 0 135 1 1.05 0.95\n');
  const err = page.getByTestId('error');
  await err.waitFor();
  assert.match(await err.innerText(), /^broken\.m:\d+:\d+: /);
  assert.equal(store.cases.list().length, before + 1);
  await page.screenshot({ path: join(shots, 'app-cases-import-error.png') });
});

test('an imported case is renamed, exported and deleted after saying what goes with it', { skip }, async () => {
  const id = store.cases.list().find((c) => c.sourceFile === 'feeder9.m')!.id;
  const key = `stored:${id}`;
  await page.getByTestId(`case-${key}`).hover();
  await page.getByTestId(`rename-${key}`).click();
  await page.getByTestId('rename-input').fill('Feeder nine');
  await page.getByTestId('rename-input').press('Enter');
  await page.getByTestId(`case-${key}`).filter({ hasText: 'Feeder nine' }).waitFor();
  assert.equal(store.cases.get(id)!.name, 'Feeder nine');
  // Export: a MATPOWER file the reader takes back.
  await page.getByTestId(`case-${key}`).hover();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${key}`).click()]);
  assert.equal(download.suggestedFilename(), 'case9.m');
  // Delete: the confirmation names what goes (its map layout was saved when it was drawn).
  for (let i = 0; i < 50 && store.layouts.get(id).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await page.getByTestId(`case-${key}`).hover();
  await page.getByTestId(`delete-${key}`).click();
  const confirm = page.getByTestId('delete-confirm');
  assert.match(await confirm.innerText(), /Delete Feeder nine with its map layout\?/);
  await page.screenshot({ path: join(shots, 'app-cases-delete.png') });
  await page.getByTestId('delete-yes').click();
  await page.getByTestId(`case-${key}`).waitFor({ state: 'detached' });
  assert.equal(store.cases.get(id), undefined);
  // Bundled cases offer no rename or delete.
  await page.getByTestId('case-case30').hover();
  assert.equal(await page.getByTestId('rename-case30').count(), 0);
  assert.equal(await page.getByTestId('delete-case30').count(), 0);
});
