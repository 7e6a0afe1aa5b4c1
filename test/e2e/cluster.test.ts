// The window with a cluster configured (as GRIDREWIRE_REDIS does): the status
// bar shows the connected workers, the N-1 tab offers the cluster, and a run
// sent there ends in the same table as a local run; a cluster that cannot be
// reached is shown as such and the local run still works.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { closeAppWindow, openAppWindow, SHOTS, screenshotWide, skipWithoutChromium, type AppWindow } from '../helpers/app-window';
import { freePort, kill, skipWithoutRedis, startRedis, startWorker, type RedisServer } from '../helpers/redis';

const skip = skipWithoutChromium || skipWithoutRedis;
let redis: RedisServer | undefined;
let worker: ChildProcess | undefined;
let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  redis = await startRedis();
  worker = await startWorker(redis.url, ['--concurrency', '2', '--name', 'e2e-worker']);
  w = await openAppWindow({ prefix: 'gridrewire-e2e-cluster-', cluster: redis.url });
});
after(async () => {
  await closeAppWindow(w);
  if (worker) await kill(worker);
  await redis?.stop();
});

async function tableText(): Promise<string[]> {
  const page = w!.page;
  await page.getByTestId('n1-table').waitFor({ timeout: 60_000 });
  return page.getByTestId('n1-summary').innerText().then((s) => [s.replace(/ · [\d.]+ s/, '').replace(/ · run \d+/, '')]);
}

test('the N-1 tab sends the run to the cluster; the status bar names the workers; the table equals a local run', { skip }, async () => {
  const { page, server } = w!;
  await page.goto(server.url);
  await page.getByTestId('case-case118').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-n1').click();
  const badge = page.getByTestId('cluster-badge');
  await badge.filter({ hasText: 'cluster: 1 worker' }).waitFor({ timeout: 15_000 });
  assert.match(await badge.getAttribute('title') ?? '', /e2e-worker/);
  await page.getByTestId('n1-on-cluster').check();
  await page.getByTestId('run-n1').click();
  const remote = await tableText();
  const counts = await page.locator('.counts').innerText();
  const label = (await page.getByTestId('n1-summary').innerText());
  await page.screenshot({ path: join(SHOTS, 'app-n1-cluster-1400.png') });
  await screenshotWide(page, 'app-n1-cluster-1920.png');
  // The same case run here.
  await page.getByTestId('n1-on-cluster').uncheck();
  await page.getByTestId('run-n1').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=n1-summary]')?.textContent?.includes('run 2'), undefined, { timeout: 60_000 });
  const here = await tableText();
  assert.deepEqual(remote, here, label);
  assert.equal(await page.locator('.counts').innerText(), counts);
  // The stored runs hold the same records.
  const a = w!.store.n1.getRecords(1, { orderBy: 'element' }), b = w!.store.n1.getRecords(2, { orderBy: 'element' });
  assert.equal(a.length, 186);
  assert.deepEqual(a, b);
  // The Train tab offers the cluster for a dataset build too.
  await page.getByTestId('tab-train').click();
  await page.locator('label', { has: page.getByTestId('dataset-on-cluster') }).filter({ hasText: 'on the cluster (1 worker)' }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(SHOTS, 'app-train-cluster-1400.png') });
});

test('a cluster that cannot be reached is shown, and the local run still works', { skip }, async () => {
  const port = await freePort();
  const dead = await openAppWindow({ prefix: 'gridrewire-e2e-cluster-dead-', cluster: `redis://:hidden@127.0.0.1:${port}` });
  try {
    await dead.page.goto(dead.server.url);
    await dead.page.getByTestId('case-case30').click();
    await dead.page.getByTestId('tab-n1').click();
    const badge = dead.page.getByTestId('cluster-badge');
    await badge.filter({ hasText: 'cluster unreachable' }).waitFor({ timeout: 15_000 });
    const title = await badge.getAttribute('title') ?? '';
    assert.match(title, /is unreachable/);
    assert.doesNotMatch(title, /hidden/);
    assert.equal(await dead.page.getByTestId('n1-on-cluster').isDisabled(), true);
    await dead.page.getByTestId('run-n1').click();
    await dead.page.getByTestId('n1-table').waitFor({ timeout: 30_000 });
  } finally {
    await closeAppWindow(dead);
  }
});
