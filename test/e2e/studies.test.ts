// The Studies tab as an analyst uses it on case30: each study of a stored
// model started from the window as a background job with the options chosen
// in the form (perturbations, draws, outages; prunings, quantizations,
// fine-tune epochs), its result drawn (robustness charts with a second model
// overlaid, the compression table and scatter, the graphon heat maps with
// degree histograms at each kept rewiring epoch) and read back from the
// store after a reload; screenshots at 1400x900 and 1920x1080.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../main/server';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { Studies, type RobustnessStudy } from '../../main/services/studies';
import { caseText } from '../helpers/shared';
import { closeAppWindow, openAppWindow, screenshotWide, SHOTS, skipWithoutChromium, type AppWindow } from '../helpers/app-window';

const skip = skipWithoutChromium;
let w: AppWindow | undefined;
let server: RunningServer;
let page: Page;
const ids = { set: 0, ch3: 0 };

before(async () => {
  if (skip) return;
  w = await openAppWindow({ prefix: 'gridrewire-e2e-studies-' });
  ({ server, page } = w);
  const store = w.store;
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
  const o = { store, datasetId: ds.datasetId, epochs: 2, workers: 1, hidden: 8, layers: 1, batchSize: 16, seed: 1 };
  ids.set = (await trainSurrogate({ ...o, method: 'set', regrow: 'random' })).modelId!;
  ids.ch3 = (await trainSurrogate({ ...o, method: 'adaptive', regrow: 'ch3l3' })).modelId!;
});
after(() => closeAppWindow(w));

async function runStudy(name: string): Promise<void> {
  await page.getByTestId(`study-${name}`).click();
  await page.getByTestId('study-none').waitFor();
  await page.getByTestId('study-run').click();
  await page.getByTestId(`${name}-view`).waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('study-job').innerText(), new RegExp(`${name} of model \\d+: done`));
}

test('robustness, compression and graphon run from the Studies tab, are drawn and read back from the store', { skip }, async () => {
  await page.goto(server.url);
  await page.getByTestId('case-case30').click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-studies').click();
  await page.getByTestId('studies-panel').waitFor();
  // The newest model first: run its robustness, then the other model's, and overlay it.
  await page.getByTestId('studies-model').selectOption(String(ids.set));
  await runStudy('robustness');
  for (const f of ['balancedAccuracy', 'recall', 'accuracy', 'loadingMae']) await page.getByTestId(`robustness-${f}`).locator('canvas').first().waitFor();
  await page.getByTestId('studies-model').selectOption(String(ids.ch3));
  // This one with chosen options: no shuffle, 2 draws, every test outage; none chosen cannot run.
  await page.getByTestId('study-robustness').click();
  for (const p of ['random', 'weight', 'reverse', 'shuffle', 'noise']) await page.getByTestId(`opt-perturbation-${p}`).uncheck();
  assert.equal(await page.getByTestId('study-run').isDisabled(), true);
  assert.match(await page.getByTestId('study-problem').innerText(), /choose at least one perturbation/);
  for (const p of ['random', 'weight', 'reverse', 'noise']) await page.getByTestId(`opt-perturbation-${p}`).check();
  await page.getByTestId('opt-draws').fill('2');
  await page.getByTestId('opt-outages').fill('0');
  await runStudy('robustness');
  assert.deepEqual((await page.getByTestId('robustness-legend').innerText()).split(/\s+/).filter(Boolean), ['random', 'weight', 'reverse', 'noise']);
  await page.getByTestId('robustness-view').filter({ hasText: '2 draws per random point' }).waitFor();
  const kept = new Studies(w!.store).stored<RobustnessStudy>(ids.ch3, 'robustness')!;
  assert.deepEqual([kept.config.perturbations, kept.config.draws, kept.config.outages], [['random', 'weight', 'reverse', 'noise'], 2, 0], 'the study ran with the chosen options');
  await page.getByTestId('studies-other').selectOption(String(ids.set));
  await page.getByTestId('robustness-view').filter({ hasText: `dashed: model ${ids.set}` }).waitFor();
  await page.screenshot({ path: join(SHOTS, 'studies-robustness.png') });

  // Compression of the prunings at 50% only, int8 only, each pruning also fine-tuned 1 epoch.
  await page.getByTestId('study-compression').click();
  for (const scope of ['layer', 'global']) for (const f of [25, 75]) await page.getByTestId(`opt-prune-${scope}-${f}`).uncheck();
  for (const q of ['int8-affine', 'fp16']) await page.getByTestId(`opt-quantize-${q}`).uncheck();
  await page.getByTestId('opt-finetune').fill('1');
  await runStudy('compression');
  const rows = await page.getByTestId('compression-table').locator('tbody tr').count();
  // none, int8, then 2 prunings x (as is, fine-tuned) x (alone, +int8).
  assert.equal(rows, 10);
  assert.match(await page.getByTestId('compression-table').innerText(), /prune-global-50\+ft1\+int8/);
  assert.equal(await page.getByTestId('compression-scatter').locator('circle').count(), rows);
  await page.screenshot({ path: join(SHOTS, 'studies-compression.png') });

  await runStudy('graphon');
  const layers = await page.getByTestId('graphon-layer').count();
  assert.ok(layers >= 5, `${layers} sparse layers`);
  // The heat map is drawn: some cell is not white.
  const inked = await page.getByTestId('graphon-heat').first().evaluate((c) => {
    const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200) return true;
    return false;
  });
  assert.ok(inked, 'the heat map shows the mask');
  // Two epochs: the store kept the start and the masks after epoch 1's rewiring; the slider goes back to it.
  assert.equal(await page.getByTestId('graphon-stage').innerText(), 'as stored');
  await page.getByTestId('graphon-epoch').fill('0');
  assert.equal(await page.getByTestId('graphon-stage').innerText(), 'after epoch 1');
  assert.equal(await page.getByTestId('graphon-trend').locator('circle').count(), 3);
  await page.screenshot({ path: join(SHOTS, 'studies-graphon.png') });
  await screenshotWide(page, 'studies-graphon-wide.png');

  // After a reload every study is read back from the store: nothing runs.
  await page.reload();
  await page.getByTestId('case-case30').click();
  await page.getByTestId('tab-studies').click();
  await page.getByTestId('studies-model').selectOption(String(ids.ch3));
  for (const s of ['robustness', 'compression', 'graphon']) {
    await page.getByTestId(`study-${s}`).click();
    await page.getByTestId(`${s}-view`).waitFor();
  }
  assert.equal(await page.getByTestId('study-job').count(), 0, 'no job was started');
  await screenshotWide(page, 'studies-wide.png');
});
