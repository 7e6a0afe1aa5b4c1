// Reports from the window: run N-1 on case30, Export the results (HTML, then
// PDF), the Reports tab lists both with their run, and a kept report is saved
// again through a download whose bytes are the stored ones.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAppWindow, openAppWindow, runN1InWindow, screenshotWide, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';

const skip = skipWithoutChromium;
let w: AppWindow | undefined;

before(async () => {
  if (skip) return;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-reports-', page: { acceptDownloads: true } });
});
after(() => closeAppWindow(w));

test('Export on the N-1 results keeps the report; the Reports tab lists it and saves it again', { skip }, async () => {
  const { page, server, store } = w!;
  await runN1InWindow(page, server.url, 'case30');
  const runId = store.n1.listRuns().at(-1)!.id;
  await page.getByTestId('export-button').click();
  await page.getByTestId('export-done').filter({ hasText: `case30-run${runId}.html` }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(SHOTS, 'app-report-export.png') });
  await page.getByTestId('export-format').selectOption('pdf');
  await page.getByTestId('export-button').click();
  await page.getByTestId('export-done').filter({ hasText: `case30-run${runId}.pdf` }).waitFor({ timeout: 30_000 });

  const kept = store.reports.list({ runId });
  assert.deepEqual(kept.map((r) => r.kind), ['html', 'pdf']);
  const html = Buffer.from(store.reports.getBytes(kept[0].id)!).toString('utf8');
  assert.match(html, /N-1 contingency report: case30/);
  assert.doesNotMatch(html, /https?:|<link\b|\bsrc=/i);
  assert.equal(Buffer.from(store.reports.getBytes(kept[1].id)!).subarray(0, 5).toString(), '%PDF-');

  await page.getByTestId('tab-reports').click();
  await page.getByTestId('reports-table').waitFor();
  const rows = await page.getByTestId('report-row').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], new RegExp(`case30\\s+${runId}\\s+PDF\\s+case30-run${runId}\\.pdf`));
  assert.match(rows[1], /HTML/);
  await page.screenshot({ path: join(SHOTS, 'app-reports.png') });
  await screenshotWide(page, 'app-reports-1920.png');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-row').nth(1).getByRole('button', { name: 'Save…' }).click()]);
  assert.equal(download.suggestedFilename(), `case30-run${runId}.html`);
  assert.equal(readFileSync((await download.path())!, 'utf8'), html);
});
