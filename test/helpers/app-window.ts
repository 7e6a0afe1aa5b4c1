// One app in a browser window for an end-to-end test: a real SQLite store
// (in a temp folder unless the test brings its own), the app's services
// behind the loopback server with its push events, and Debian's Chromium on a
// page of the size analysts use. An e2e file opens one in `before` and closes
// it in `after`; tests skip where Chromium is missing.

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../main/server';
import { createApp } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { openStore, type Store } from '../../main/store';
import { haveChromium, launch } from './browser';

/** Where every e2e test puts its screenshots. */
export const SHOTS = join(__dirname, '..', '..', 'test-results');
export const skipWithoutChromium: string | false = haveChromium() ? false : 'Debian chromium is not installed (/usr/bin/chromium)';

export interface AppWindow {
  store: Store;
  app: ReturnType<typeof createApp>;
  server: RunningServer;
  browser: Browser;
  page: Page;
}

/** Starts the app on `store` (default: a new database in a temp folder named by `prefix`) and opens a 1400x900 page. */
export async function openAppWindow(opts: { prefix: string; store?: Store; page?: BrowserContextOptions; cluster?: string }): Promise<AppWindow> {
  mkdirSync(SHOTS, { recursive: true });
  const store = opts.store ?? openStore(join(mkdtempSync(join(tmpdir(), opts.prefix)), 'e2e.db'));
  const app = createApp({ casesDir: casesDir(), store, cluster: opts.cluster });
  const server = await startServer({ api: app.api, events: app.events });
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, ...opts.page });
  return { store, app, server, browser, page };
}

export async function closeAppWindow(w: AppWindow | undefined): Promise<void> {
  await w?.browser.close();
  await w?.server.close();
  w?.store.close();
}

/** A screenshot at 1920x1080 (the other size analysts use), the page's own size back afterwards. */
export async function screenshotWide(page: Page, file: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, file) });
  await page.setViewportSize(size);
}

/** Opens a case in the window and runs its AC N-1 from the N-1 tab, up to its table. */
export async function runN1InWindow(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId(`case-${key}`).click();
  await page.getByTestId('grid-map').waitFor();
  await page.getByTestId('tab-n1').click();
  await page.getByTestId('run-n1').click();
  await page.getByTestId('n1-table').waitFor({ timeout: 30_000 });
}
