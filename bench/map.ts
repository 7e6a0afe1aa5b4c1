// Map benchmark: the first view of a large grid in the app, in Debian's
// Chromium (playwright-core) against the loopback server, from the click on
// the case to the first frame of the map: without a stored layout (a fresh
// database: the layout is computed in a worker thread, and the time to the
// final stored layout is reported too) and with one (the app started again on
// that database). Then pan and zoom on the stored layout, per render mode
// (the canvas engine the app uses for large grids; Cytoscape's canvas as is,
// with level-of-detail settings, and its WebGL renderer): frames per second
// while zooming and dragging, the longest frame, and the first view. A
// benchmark, never a test.
//   npm run bench -- map

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { appRoot } from '../main/paths';
import { CHROMIUM, haveChromium } from '../test/helpers/browser';
import type { Row } from './run';

const CASES = ['case_ACTIVSg2000', 'case9241pegase'];
const RUNS = Number(process.env.GRIDREWIRE_BENCH_MAP_RUNS ?? 3);
const VIEWPORT = { width: 1400, height: 900 };
/** What the section is doing, on stderr: it runs for minutes. */
const say = (s: string) => process.stderr.write(`  map: ${s}\n`);

interface App {
  url: string;
  process: ChildProcess;
}

/** The shipped loopback server (out/main/server.js, `npm run serve`) on a database of its own, as its own process. */
function startApp(dbFile: string): Promise<App> {
  const child = spawn(process.execPath, [join(appRoot(), 'out', 'main', 'server.js'), '--db', dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], process: child });
    });
    child.once('exit', (code) => reject(new Error(`the server stopped (code ${code}) before serving: ${out}`)));
  });
}

/** SIGTERM: the server closes its database and exits. */
function stopApp(app: App): Promise<void> {
  return new Promise((resolve) => {
    if (app.process.exitCode !== null) return resolve();
    app.process.once('exit', () => resolve());
    app.process.kill('SIGTERM');
  });
}

/** Debian's Chromium; WebGL 2 comes from SwiftShader (software) on a machine without a GPU. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
  });
}

/** Opens the app, clicks the case; ms to the first frame of the map, and to the final layout. */
async function openCase(browser: Browser, url: string, name: string, mode?: string): Promise<{ page: Page; firstView: number; final: number; drawnMode: string; drawMs: string }> {
  say(`${name}${mode ? ` (${mode})` : ''}: opening`);
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(mode ? `${url}&map=${mode}` : url);
  const item = page.getByTestId(`case-${name}`);
  await item.waitFor();
  // The app opens a bundled case on its first start: wait until that one is drawn, so that it does not share the clock.
  await page.waitForSelector('#map[data-drawn="true"]', { timeout: 120_000 });
  const t0 = Date.now();
  await item.click();
  await page.locator('header span', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.waitForSelector('#map[data-drawn="true"]', { timeout: 300_000 });
  const firstView = Date.now() - t0;
  say(`${name}: first view after ${firstView} ms`);
  await page.locator('[data-testid=layout-status] .bar').waitFor({ state: 'detached', timeout: 600_000 });
  const final = Date.now() - t0;
  const drawnMode = await page.getAttribute('#map', 'data-mode') ?? '?';
  const drawMs = await page.getAttribute('#map', 'data-draw-ms') ?? '?';
  return { page, firstView, final, drawnMode, drawMs };
}

/** Zooms in and out with the wheel and drags the map for a few seconds, counting animation frames. */
async function panZoom(page: Page): Promise<{ fps: number; longestMs: number }> {
  const box = (await page.locator('#map').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.evaluate(`(() => {
    window.__frames = []; window.__counting = true;
    const tick = (t) => { if (!window.__counting) return; window.__frames.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  const t0 = Date.now();
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, -120); await page.waitForTimeout(40); }
  for (let d = 0; d < 4; d++) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let s = 1; s <= 10; s++) await page.mouse.move(cx + (d % 2 ? -1 : 1) * s * 18, cy + s * 6);
    await page.mouse.up();
  }
  for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, 120); await page.waitForTimeout(40); }
  const seconds = (Date.now() - t0) / 1000;
  const frames = (await page.evaluate('(() => { window.__counting = false; return window.__frames; })()')) as number[];
  let longest = 0;
  for (let i = 1; i < frames.length; i++) longest = Math.max(longest, frames[i] - frames[i - 1]);
  return { fps: frames.length / seconds, longestMs: longest };
}

export async function runMapBench(record: (r: Row) => void, median: (xs: number[]) => number): Promise<void> {
  if (!haveChromium()) {
    process.stdout.write(`  map: skipped, no Chromium at ${CHROMIUM}\n`);
    return;
  }
  const browser = await launch();
  try {
    for (const name of CASES) {
      const fresh: number[] = [], final: number[] = [], stored: number[] = [];
      let lastDir: string | null = null;
      for (let run = 0; run < RUNS; run++) {
        // Without a stored layout: a fresh database, the app just started.
        if (lastDir) rmSync(lastDir, { recursive: true, force: true });
        lastDir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-map-'));
        const db = join(lastDir, 'bench.db');
        let app = await startApp(db);
        const first = await openCase(browser, app.url, name);
        await first.page.close();
        fresh.push(first.firstView);
        final.push(first.final);
        await stopApp(app);
        // With it: the app started again on that database.
        app = await startApp(db);
        const again = await openCase(browser, app.url, name);
        await again.page.close();
        stored.push(again.firstView);
        await stopApp(app);
      }
      const target = name === 'case9241pegase';
      record({ section: 'map', what: `${name} first view, layout computed (fresh database)`, value: median(fresh) / 1000, unit: 's', target: target ? '<= 20 s' : undefined, note: `median of ${RUNS}: ${fresh.map((x) => (x / 1000).toFixed(1)).join(', ')} s` });
      record({ section: 'map', what: `${name} final layout drawn and stored`, value: median(final) / 1000, unit: 's', note: `from the click; median of ${RUNS}` });
      record({ section: 'map', what: `${name} first view, layout stored (app restarted)`, value: median(stored) / 1000, unit: 's', target: target ? '<= 3 s' : undefined, note: `median of ${RUNS}: ${stored.map((x) => (x / 1000).toFixed(2)).join(', ')} s` });

      // Pan and zoom on the stored layout, per render mode.
      const app = await startApp(join(lastDir!, 'bench.db'));
      for (const mode of ['canvas', 'cytoscape', 'lod', 'webgl']) {
        const open = await openCase(browser, app.url, name, mode);
        const fps: number[] = [], longest: number[] = [];
        for (let k = 0; k < 2; k++) {
          const r = await panZoom(open.page);
          fps.push(r.fps); longest.push(r.longestMs);
        }
        await open.page.close();
        record({ section: 'map', what: `${name} pan and zoom, ${open.drawnMode}`, value: median(fps), unit: 'frames/s', note: `longest frame ${Math.max(...longest).toFixed(0)} ms; first view ${(open.firstView / 1000).toFixed(2)} s (drawing ${open.drawMs} ms); median of 2` });
      }
      await stopApp(app);
      if (lastDir) rmSync(lastDir, { recursive: true, force: true });
    }
  } finally {
    await browser.close();
  }
}
