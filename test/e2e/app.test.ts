// The renderer in browser mode against the loopback server: open a case,
// solve it, click a branch, read the answers off the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../main/server';
import type { Store } from '../../main/store';
import { closeAppWindow, openAppWindow, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';

const shots = SHOTS;
let server: RunningServer;
let page: Page;
let store: Store;
const skip = skipWithoutChromium;

let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-' });
  ({ server, page, store } = w);
});
after(() => closeAppWindow(w));

test('the API refuses calls without the token', { skip }, async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/listCases`, { method: 'POST', body: 'null' });
  assert.equal(res.status, 403);
  const bad = await fetch(`http://127.0.0.1:${server.port}/api/caseGraph`, { method: 'POST', headers: { 'x-gridrewire-token': server.token }, body: JSON.stringify({ name: 42 }) });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /field 'name'/);
});

test('open a case, solve it and inspect a branch', { skip }, async () => {
  await page.goto(server.url);
  await page.getByTestId('case-case30').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('run-ac').click();
  const summary = page.getByTestId('pf-summary');
  await summary.waitFor();
  const text = await summary.innerText();
  assert.match(text, /converged/);
  assert.match(text, /iterations\s+3/);
  assert.match(await page.getByTestId('backend').innerText(), /learning backend: cpu · inference: wasm-simd/);
  await page.screenshot({ path: join(shots, 'app-case30.png') });
  // The computed map layout is kept in the database, and served back next time.
  const id = store.cases.list().find((c) => c.name === 'case30')!.id;
  for (let i = 0; i < 50 && store.layouts.get(id).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  const saved = store.layouts.get(id);
  assert.equal(saved.length, 30);
  const res = await fetch(`http://127.0.0.1:${server.port}/api/caseGraph`, { method: 'POST', headers: { 'x-gridrewire-token': server.token }, body: JSON.stringify({ name: 'case30' }) });
  const graph = (await res.json()).result;
  assert.equal(graph.layout.length, 30);
  assert.deepEqual(graph.layout.find((p: { bus: number }) => p.bus === 7), saved.find((p) => p.bus === 7));
});

test('run N-1, read the ranked verdicts, inspect the worst outage', { skip }, async () => {
  await page.goto(server.url);
  await page.getByTestId('case-case30').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-n1').click();
  await page.getByTestId('run-n1').click();
  const table = page.getByTestId('n1-table');
  await table.waitFor({ timeout: 30_000 });
  const rows = table.getByTestId('n1-row');
  assert.equal(await page.getByTestId('n1-shown').innerText(), '41 rows');
  assert.match(await page.getByTestId('n1-summary').innerText(), /41 outages · AC/);
  // Stored in the database as a finished run.
  const runs = store.n1.listRuns();
  assert.equal(runs.length, 1);
  assert.equal(runs[0].done, 41);
  await rows.first().click();
  const detail = page.getByTestId('outage-detail');
  await detail.getByText('physics').waitFor();
  const text = await detail.innerText();
  assert.match(text, /outage of branch 16/i);  // the worst outage of case30 (islands bus 13)
  assert.match(text, /islanded/);
  assert.match(text, /cut off\s+1 buses/);
  await page.screenshot({ path: join(shots, 'app-case30-n1.png') });
});

test('an N-1 run waits in the queue while another holds the cores, and can be cancelled there', { skip }, async () => {
  const call = async (method: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, { method: 'POST', headers: { 'x-gridrewire-token': server.token }, body: JSON.stringify(body) });
    return (await res.json()).result;
  };
  // A large run started first takes every thread of the job queue.
  const big = await call('startN1', { name: 'case2383wp' });
  await page.goto(server.url);
  await page.getByTestId('case-case30').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-n1').click();
  await page.getByTestId('run-n1').click();
  const queued = page.getByTestId('n1-queued');
  await queued.waitFor();
  assert.match(await queued.innerText(), /queued: next to start/);
  assert.equal(await page.getByTestId('run-n1').isDisabled(), true);
  await page.screenshot({ path: join(shots, 'app-n1-queued.png') });
  await page.getByTestId('cancel-n1').click();
  await page.getByTestId('n1-cancelled').waitFor();
  assert.equal(await page.getByTestId('run-n1').isDisabled(), false);
  assert.equal((await call('cancelJob', big)).cancelled, true);
  for (let i = 0; i < 400 && ['queued', 'running'].includes((await call('job', big)).status); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await call('job', big)).status, 'cancelled');
  // With the cores free, the same button runs it at once.
  await page.getByTestId('run-n1').click();
  await page.getByTestId('n1-table').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('n1-shown').innerText(), '41 rows');
});
