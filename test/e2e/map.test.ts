// The map in the window (Debian's Chromium against the loopback server):
// case_ACTIVSg2000 is laid out in the main process and drawn as a real
// layout, not a lattice (neighbouring buses close, positions on no grid),
// kept in the store; a bus found by name or number is selected and the view
// fits it; the pointer over a bus or a branch shows its details; a power flow
// colours branches by loading and buses by voltage (read back from the
// canvas' pixels); clicking a line still solves its outage; a case file's own
// coordinates are its map. Screenshots at 1400x900 and 1920x1080.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { GridGraph, PowerFlowSummary } from '../../main/api';
import { startServer, type RunningServer } from '../../main/server';
import { createHandlers } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { openStore, type Store } from '../../main/store';
import { loadingColor, scaleColor, VOLTAGE_STOPS } from '../../renderer/map/colouring';
import { haveChromium, launch } from '../helpers/browser';

const shots = join(__dirname, '..', '..', 'test-results');
const tmp = mkdtempSync(join(tmpdir(), 'gridrewire-e2e-map-'));
let server: RunningServer;
let browser: Browser;
let page: Page;
let store: Store;
const skip = haveChromium() ? false : 'Debian chromium is not installed (/usr/bin/chromium)';
const BIG = 'case_ACTIVSg2000';

type P = { bus: number; x: number; y: number };
interface MapHook { mode: string; positions(): P[]; selected(): number[]; zoom(): number; screenOf(bus: number): { x: number; y: number } | null }

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  store = openStore(join(tmp, 'e2e.db'));
  server = await startServer({ api: createHandlers({ casesDir: casesDir(), store }) });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
});

async function call<T>(method: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, { method: 'POST', headers: { 'x-gridrewire-token': server.token }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error);
  return json.result as T;
}

const hook = (p: Page) => ({
  positions: () => p.evaluate(() => (document.getElementById('map') as unknown as { gridMap: MapHook }).gridMap.positions()),
  selected: () => p.evaluate(() => (document.getElementById('map') as unknown as { gridMap: MapHook }).gridMap.selected()),
  zoom: () => p.evaluate(() => (document.getElementById('map') as unknown as { gridMap: MapHook }).gridMap.zoom()),
  screenOf: (bus: number) => p.evaluate((b) => (document.getElementById('map') as unknown as { gridMap: MapHook }).gridMap.screenOf(b), bus),
});

/** The colour of the map's canvas at container pixel (x, y), as #rrggbb. */
async function pixel(p: Page, x: number, y: number): Promise<string> {
  return p.evaluate(([px, py]) => {
    const c = document.querySelector('#map canvas') as HTMLCanvasElement;
    const k = c.width / c.getBoundingClientRect().width;
    const d = c.getContext('2d')!.getImageData(Math.round(px * k), Math.round(py * k), 1, 1).data;
    return `#${[d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  }, [x, y]);
}

async function openCase(p: Page, key: string): Promise<void> {
  await p.getByTestId(`case-${key}`).click();
  await p.locator('header span', { hasText: key }).first().waitFor();
  await p.locator('#map[data-drawn="true"]').waitFor({ timeout: 120_000 });
}

async function mapBox(p: Page) {
  return (await p.locator('#map').boundingBox())!;
}

/** The longest on screen of a bus's in-service branches, with its ends on screen. */
async function longestBranchOf(p: Page, graph: GridGraph, bus: number) {
  let best: { branch: GridGraph['branches'][number]; s: { x: number; y: number }; t: { x: number; y: number } } | null = null;
  for (const branch of graph.branches.filter((b) => b.inService && (b.from === bus || b.to === bus))) {
    const [s, t] = [(await hook(p).screenOf(branch.from))!, (await hook(p).screenOf(branch.to))!];
    if (!best || Math.hypot(s.x - t.x, s.y - t.y) > Math.hypot(best.s.x - best.t.x, best.s.y - best.t.y)) best = { branch, s, t };
  }
  return best!;
}

function distance(a: P, b: P): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

test(`${BIG} is laid out in the main process and drawn as a real layout, not a lattice, and kept`, { skip }, async () => {
  await page.goto(server.url);
  await page.locator('#map[data-drawn="true"]').waitFor({ timeout: 60_000 }); // the first start's case
  await page.getByTestId(`case-${BIG}`).click();
  // While it is computed, the panel says so, with its progress.
  const status = page.getByTestId('layout-status');
  await status.waitFor({ timeout: 30_000 });
  assert.match(await status.innerText(), /computing the layout of 2000 buses|first layout of 2000 buses shown/);
  await page.screenshot({ path: join(shots, 'map-layout-progress-1400.png') });
  await page.locator('#map[data-drawn="true"]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid=layout-status] .bar').waitFor({ state: 'detached', timeout: 120_000 });
  assert.equal(await page.getAttribute('#map', 'data-mode'), 'canvas2d');

  const graph = await call<GridGraph>('caseGraph', { name: BIG });
  const drawn = await hook(page).positions();
  assert.equal(drawn.length, 2000);
  const at = new Map(drawn.map((p) => [p.bus, p]));
  // Neighbours are close: the mean drawn branch is far shorter than the mean distance of random pairs of buses.
  const branches = graph.branches.filter((b) => b.inService);
  const meanBranch = branches.reduce((s, b) => s + distance(at.get(b.from)!, at.get(b.to)!), 0) / branches.length;
  let pairs = 0;
  for (let k = 0; k < 4000; k++) pairs += distance(drawn[(k * 7919) % 2000], drawn[(k * 104729 + 17) % 2000]);
  const ratio = meanBranch / (pairs / 4000);
  assert.ok(ratio < 0.1, `mean branch ${meanBranch.toFixed(1)} is ${ratio.toFixed(3)} of the mean pair distance`);
  // On no grid: a lattice of 2000 buses puts them on some 45 x and 45 y values.
  const distinct = (v: number[]) => new Set(v.map((x) => Math.round(x * 10))).size;
  const [dx, dy] = [distinct(drawn.map((p) => p.x)), distinct(drawn.map((p) => p.y))];
  assert.ok(dx > 1500 && dy > 1500, `${dx} distinct x, ${dy} distinct y values`);
  // Kept: what is drawn is the layout stored for the case (bundled cases go into the store with it).
  const id = store.cases.list().find((c) => c.name === BIG)!.id;
  const stored = new Map(store.layouts.get(id).map((p) => [p.bus, p]));
  assert.equal(stored.size, 2000);
  for (const p of drawn) assert.ok(Math.abs(p.x - stored.get(p.bus)!.x) < 1e-9 && Math.abs(p.y - stored.get(p.bus)!.y) < 1e-9);
  await page.screenshot({ path: join(shots, 'map-activsg2000-1400.png') });

  // Opened again, it comes from the store at once: no progress shown.
  await openCase(page, 'case30');
  await openCase(page, BIG);
  assert.equal(await page.getByTestId('layout-status').count(), 0);
  assert.deepEqual((await hook(page).positions()).find((p) => p.bus === 5174), drawn.find((p) => p.bus === 5174));
});

test('search finds a bus by name or number; it is selected, its details pinned, the view fitted to it', { skip }, async () => {
  const overview = await hook(page).zoom();
  const search = page.getByTestId('map-search');
  await search.fill('malone');
  const hits = page.getByTestId('map-search-hits');
  await hits.waitFor();
  assert.deepEqual(await hits.locator('li').allInnerTexts(), ['5174 · MALONE 0']);
  await hits.getByText('5174 · MALONE 0').click();
  assert.deepEqual(await hook(page).selected(), [5174]);
  const pinned = page.getByTestId('map-selection');
  assert.match(await pinned.innerText(), /Bus 5174[\s\S]*MALONE 0[\s\S]*base kV\s+161 kV[\s\S]*PQ \(load\)[\s\S]*4\.3 MW, 1\.2 MVAr/);
  assert.ok((await hook(page).zoom()) > 3 * overview, 'zoomed in on the bus and its neighbours');
  // Its place is in the view.
  const box = await mapBox(page);
  const p = (await hook(page).screenOf(5174))!;
  assert.ok(p.x > 0 && p.x < box.width && p.y > 0 && p.y < box.height);
  // By number, with Enter.
  await search.fill('1001');
  await search.press('Enter');
  assert.deepEqual(await hook(page).selected(), [1001]);
  // Fit to the selection after moving away.
  await page.getByRole('button', { name: 'Fit all' }).click();
  assert.ok(Math.abs((await hook(page).zoom()) - overview) < 1e-9 * overview + 1e-12);
  await page.getByTestId('map-fit-selection').click();
  assert.ok((await hook(page).zoom()) > 3 * overview);
});

test('the pointer over a bus or a branch shows its details', { skip }, async () => {
  await page.getByTestId('map-search').fill('5174');
  await page.getByTestId('map-search').press('Enter');
  const box = await mapBox(page);
  const graph = await call<GridGraph>('caseGraph', { name: BIG });
  const p = (await hook(page).screenOf(5174))!;
  await page.mouse.move(box.x + p.x, box.y + p.y);
  const tip = page.getByTestId('map-hover');
  await tip.waitFor();
  const text = await tip.innerText();
  for (const part of [/Bus 5174/, /MALONE 0/, /base kV\s+161 kV/, /type\s+PQ \(load\)/, /load\s+4\.3 MW, 1\.2 MVAr/, /generation\s+none/, /Vm \(case file\)\s+0\.9947 p\.u\./]) assert.match(text, part);
  // Its longest branch on screen, at the middle.
  const { branch, s, t } = await longestBranchOf(page, graph, 5174);
  await page.mouse.move(box.x + (s.x + t.x) / 2, box.y + (s.y + t.y) / 2);
  await tip.getByText(`Branch ${branch.row}`).waitFor();
  const btext = await tip.innerText();
  assert.match(btext, new RegExp(`ends\\s+${branch.from}.*– ${branch.to}`));
  assert.match(btext, /r \/ x\s+\d+\.\d{5} \/ \d+\.\d{5} p\.u\./);
  assert.match(btext, /rating\s+(\d+ MVA|unlimited)/);
  await page.screenshot({ path: join(shots, 'map-hover-branch-1400.png') });
});

test('after a power flow, branches are coloured by loading and buses by voltage, with a legend', { skip }, async () => {
  await page.getByTestId('run-ac').click();
  await page.getByTestId('pf-summary').waitFor();
  const pf = await call<PowerFlowSummary>('powerFlow', { name: BIG });
  const graph = await call<GridGraph>('caseGraph', { name: BIG });
  const legend = page.getByTestId('map-legend');
  await legend.waitFor();
  assert.match(await legend.innerText(), /branch loading \(AC power flow\)[\s\S]*bus voltage \(p\.u\.\) \(AC power flow\)/);
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  // Read the colours back at bus 5174 and at the middle of its longest branch (zoomed in on it by the last test).
  const row = graph.buses.findIndex((b) => b.id === 5174);
  const p = (await hook(page).screenOf(5174))!;
  assert.equal(await pixel(page, p.x, p.y), scaleColor(VOLTAGE_STOPS, pf.vm[row]));
  // Along the middle of its longest branch (another line may cross it somewhere): most points have the loading's colour.
  const { branch, s, t } = await longestBranchOf(page, graph, 5174);
  const along = await Promise.all([0.35, 0.42, 0.5, 0.58, 0.65].map((f) => pixel(page, s.x + (t.x - s.x) * f, s.y + (t.y - s.y) * f)));
  const want = loadingColor(pf.loading[branch.row - 1]);
  assert.ok(along.filter((c) => c === want).length >= 3, `${along.join(' ')} along branch ${branch.row}, loading ${pf.loading[branch.row - 1]} (${want})`);
  await page.screenshot({ path: join(shots, 'map-activsg2000-pf-1400.png') });
  // Sizes by generation, and the overview with the colours.
  await page.getByTestId('map-size-by').selectOption('generation');
  await page.getByRole('button', { name: 'Fit all' }).click();
  assert.match(await legend.innerText(), /bus size: generation/);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, 'map-activsg2000-pf-sizes-1400.png') });
  await page.getByTestId('map-size-by').selectOption('none');
});

test('clicking a line still solves its outage at once and shows both verdicts', { skip }, async () => {
  await page.getByTestId('map-search').fill('5174');
  await page.getByTestId('map-search').press('Enter');
  await page.mouse.move(0, 0);
  const graph = await call<GridGraph>('caseGraph', { name: BIG });
  const box = await mapBox(page);
  const { branch: br, s, t } = await longestBranchOf(page, graph, 5174);
  // Half way along, clear of both buses.
  await page.mouse.click(box.x + (s.x + t.x) / 2, box.y + (s.y + t.y) / 2);
  const detail = page.getByTestId('outage-detail');
  await detail.getByText('physics').waitFor();
  const text = await detail.innerText();
  assert.match(text, new RegExp(`Outage of branch ${br.row}`, 'i'));
  assert.match(text, /physics\s+(secure|overload|voltage|overload\+voltage|islanded|diverged)/);
  assert.match(text, /surrogate\s+no trained model for this grid yet/);
  assert.match(await page.getByTestId('map-legend').innerText(), new RegExp(`after outage of branch ${br.row}`));
  await page.screenshot({ path: join(shots, 'map-activsg2000-outage-1400.png') });
  await page.getByText('Back to base case').click();
});

test("a case file's own bus coordinates are its map", { skip }, async () => {
  const text = `${readFileSync(join(casesDir(), 'case9.m'), 'utf8')}\nmpc.bus_geo = [\n${Array.from({ length: 9 }, (_, i) => `\t${i + 1}\t${30 + (i + 1) / 10}\t${-97 + ((i + 1) % 3) / 5};`).join('\n')}\n];\n`;
  const file = join(tmp, 'case9geo.m');
  writeFileSync(file, text);
  await page.getByTestId('import-input').setInputFiles(file);
  await page.getByTestId('notice').waitFor();
  await page.locator('#map[data-drawn="true"]').waitFor();
  const key = `stored:${store.cases.list().find((c) => c.sourceFile === 'case9geo.m')!.id}`;
  const graph = await call<GridGraph>('caseGraph', { name: key });
  assert.equal(graph.layoutSource, 'case');
  const drawn = new Map((await hook(page).positions()).map((p) => [p.bus, p]));
  for (const p of graph.layout!) assert.deepEqual(drawn.get(p.bus), p);
  // Bus 9 is the northernmost: drawn highest.
  assert.equal([...drawn.values()].sort((a, b) => a.y - b.y)[0].bus, 9);
  await page.screenshot({ path: join(shots, 'map-case-coordinates-1400.png') });
});

test('screenshots at 1920x1080: the large grid after a power flow, and a small one drawn by Cytoscape', { skip }, async () => {
  const wide = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  try {
    await wide.goto(server.url);
    await wide.locator('#map[data-drawn="true"]').waitFor({ timeout: 60_000 });
    await openCase(wide, BIG);
    await wide.getByTestId('run-ac').click();
    await wide.getByTestId('map-legend').waitFor();
    await wide.waitForTimeout(300);
    await wide.screenshot({ path: join(shots, 'map-activsg2000-pf-1920.png') });
    await openCase(wide, 'case118');
    assert.equal(await wide.getAttribute('#map', 'data-mode'), 'cytoscape');
    await wide.getByTestId('run-ac').click();
    await wide.getByTestId('map-legend').waitFor();
    await wide.waitForTimeout(500);
    await wide.screenshot({ path: join(shots, 'map-case118-pf-1920.png') });
    await page.setViewportSize({ width: 1400, height: 900 });
    await openCase(page, 'case118');
    await page.getByTestId('run-ac').click();
    await page.getByTestId('map-legend').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(shots, 'map-case118-pf-1400.png') });
  } finally {
    await wide.close();
  }
});
