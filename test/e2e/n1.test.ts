// The N-1 tab as an analyst uses it: progress pushed from the main process
// (no polling), every row of the run in a table that sorts and filters, an
// earlier run reopened from the store.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../main/server';
import type { Store } from '../../main/store';
import { closeAppWindow, openAppWindow, runN1InWindow, screenshotWide, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';

const shots = SHOTS;
let server: RunningServer;
let page: Page;
let store: Store;
const skip = skipWithoutChromium;
const apiCalls: string[] = [];

let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-n1-' });
  ({ server, page, store } = w);
  page.on('request', (r) => { const m = /\/api\/(\w+)$/.exec(r.url()); if (m) apiCalls.push(m[1]); });
});
after(() => closeAppWindow(w));

const rowBranches = async () => Promise.all((await page.getByTestId('n1-row').all()).map(async (r) => Number(await r.getAttribute('data-branch'))));

test('a large run shows pushed progress (no polling) and ends with every row in the table', { skip }, async () => {
  await page.goto(server.url);
  await page.getByTestId('case-case2383wp').click();
  await page.getByTestId('grid-map').waitFor({ timeout: 30_000 });
  await page.getByTestId('tab-n1').click();
  apiCalls.length = 0;
  await page.getByTestId('run-n1').click();
  await page.getByTestId('n1-progress').waitFor({ timeout: 30_000 });
  // The status bar names the running job.
  await page.getByTestId('status-jobs').filter({ hasText: /case2383wp AC: \d+%/ }).waitFor();
  await page.screenshot({ path: join(shots, 'app-n1-progress.png') });
  await page.getByTestId('n1-table').waitFor({ timeout: 120_000 });
  assert.equal(await page.getByTestId('n1-shown').innerText(), '2896 rows');
  assert.equal(await page.getByTestId('status-jobs').innerText(), '', 'no job runs any more');
  // startN1, one read when it started listening, one read of the result, the list of runs: no polling.
  const jobReads = apiCalls.filter((m) => m === 'job').length;
  assert.ok(jobReads <= 2, `job was read ${jobReads} times: ${apiCalls.join(' ')}`);
  // Virtualised: only the rows in view are in the page.
  const drawn = await page.getByTestId('n1-row').count();
  assert.ok(drawn > 10 && drawn < 200, `${drawn} rows drawn`);
  await page.getByTestId('n1-rows').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.locator('[data-testid=n1-row][data-rank="2896"]').waitFor();
});

test('the table sorts by any column and filters by verdict and by text; a row shows its outage', { skip }, async () => {
  // Sort by max load, highest first (numbers sort descending on the first click).
  const header = page.getByTestId('sort-maxLoading');
  await header.click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  await page.getByTestId('n1-rows').evaluate((el) => { el.scrollTop = 0; });
  await page.locator('[data-testid=n1-row][data-rank]').first().waitFor();
  const top = async () => {
    // One evaluation reads every drawn row at once: the table is virtualized, so a row
    // queried piecemeal can be recycled between two queries while it scrolls or re-sorts.
    const cells = await page.getByTestId('n1-row').evaluateAll((rows) => rows.map((r) => ({
      y: r.getBoundingClientRect().y, load: Number(/(\d+)%/.exec((r as HTMLElement).innerText)?.[1] ?? 0),
    })));
    return cells.sort((a, b) => a.y - b.y).slice(0, 10).map((c) => c.load);
  };
  let loads = await top();
  for (let i = 0; i < 20 && loads[0] < 100; i++) { await new Promise((r) => setTimeout(r, 100)); loads = await top(); }
  assert.deepEqual(loads, [...loads].sort((a, b) => b - a), `sorted by load: ${loads}`);
  const worst = Math.max(...store.n1.getRecords(store.n1.listRuns()[0].id).map((r) => r.maxLoading));
  assert.equal(loads[0], Math.round(worst * 100), 'the most loaded outage first');
  // Only the overloads.
  await page.getByTestId('filter-overload').click();
  const shown = await page.getByTestId('n1-shown').innerText();
  const m = /^(\d+) of 2896$/.exec(shown);
  assert.ok(m, shown);
  const runId = store.n1.listRuns()[0].id;
  assert.equal(Number(m![1]), store.n1.countRecords(runId, ['overload']));
  for (const t of await page.getByTestId('n1-row').allInnerTexts()) assert.match(t, /\boverload\b/);
  await page.getByTestId('filter-overload').click();
  // Text: a branch row.
  await page.getByTestId('n1-filter').fill('1500');
  assert.ok((await rowBranches()).includes(1500));
  await page.screenshot({ path: join(shots, 'app-n1-table.png') });
  await page.locator('[data-testid=n1-row][data-branch="1500"]').click();
  await page.getByTestId('outage-detail').getByText('physics').waitFor();
  assert.match(await page.getByTestId('outage-detail').innerText(), /outage of branch 1500/i);
  // The map goes to the picked branch: its two ends selected (and the view fitted to them).
  const ends = (await page.locator('[data-testid=n1-row][data-branch="1500"]').innerText()).match(/1500\s+(\d+)\D(\d+)/)!.slice(1).map(Number);
  const selectedOnMap = () => page.evaluate(() => (document.getElementById('map') as unknown as { gridMap: { selected(): number[] } }).gridMap.selected());
  await page.waitForFunction((want) => {
    const got = (document.getElementById('map') as unknown as { gridMap?: { selected(): number[] } }).gridMap?.selected() ?? [];
    return want.every((b) => got.includes(b));
  }, ends);
  assert.deepEqual([...(await selectedOnMap())].sort((a, b) => a - b), [...ends].sort((a, b) => a - b));
  await screenshotWide(page, 'app-n1-table-1920.png');
});

test('an earlier run of the case is reopened from the store', { skip }, async () => {
  await runN1InWindow(page, server.url, 'case30');
  const runId = store.n1.listRuns().find((r) => r.caseName === 'case30')!.id;
  // Another case, then back: the run is in the list of earlier runs.
  await page.getByTestId('case-case14').click();
  await page.getByTestId('case-case30').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-n1').click();
  await page.getByTestId('reopen-run').selectOption(String(runId));
  await page.getByTestId('n1-table').waitFor();
  assert.match(await page.getByTestId('n1-summary').innerText(), new RegExp(`41 outages · AC · [\\d.]+ s · run ${runId}`));
  assert.equal(await page.getByTestId('n1-shown').innerText(), '41 rows');
});
