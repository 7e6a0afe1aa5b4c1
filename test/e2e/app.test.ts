// The renderer in browser mode against the loopback server: open a case,
// solve it, click a branch, read the answers off the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../main/server';
import { haveChromium, launch } from '../helpers/browser';

const shots = join(__dirname, '..', '..', 'test-results');
let server: RunningServer;
let browser: Browser;
let page: Page;
const skip = haveChromium() ? false : 'Debian chromium is not installed (/usr/bin/chromium)';

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

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
  assert.match(await page.getByTestId('backend').innerText(), /learning backend: cpu/);
  await page.screenshot({ path: join(shots, 'app-case30.png') });
});
