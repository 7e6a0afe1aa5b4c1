// Electron adapter: one window, the Api over ipcMain.handle. The security
// rules live in electron/security.ts (unit-tested); this file only wires them
// to the real objects. Everything else lives behind services/.

import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { ApiError, API_METHODS, validators } from './api';
import { API_EVENT_CHANNEL } from './api-methods';
import { createApp } from './services/app';
import { casesDir, rendererDir } from './paths';
import { openStore } from './store';
import { claimSingleInstance, fromOwnWindow, hardenContents, hardenSession, openStoreOrQuit, windowOptions } from './electron/security';

let win: BrowserWindow | null = null;

// Every WebContents, the window's included, from the moment it exists.
app.on('web-contents-created', (_e, contents) => hardenContents(contents, shell));
app.on('window-all-closed', () => app.quit());

if (claimSingleInstance(app, () => win)) {
  app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    // The user's work lives in one SQLite file in Electron's per-user folder.
    const store = openStoreOrQuit(() => openStore(join(app.getPath('userData'), 'gridrewire.db')), dialog, app);
    if (!store) return;
    app.on('will-quit', () => store.close());
    const { api, events } = createApp({ casesDir: casesDir(), store, cluster: process.env.GRIDREWIRE_REDIS || undefined });
    const w = new BrowserWindow(windowOptions(join(__dirname, '..', 'preload', 'index.js'), app.isPackaged));
    win = w;
    // Job progress pushed to the window while it is open.
    const unsubscribe = events.subscribe((e) => { if (win) win.webContents.send(API_EVENT_CHANNEL, e); });
    w.on('closed', () => { win = null; unsubscribe(); });
    for (const method of API_METHODS) {
      ipcMain.handle(`api:${method}`, async (event, req: unknown) => {
        if (!fromOwnWindow(event, w)) throw new Error('unknown sender');
        try {
          const fn = api[method] as (r: unknown) => Promise<unknown>;
          return { result: await fn.call(api, validators[method](req)) };
        } catch (e) {
          if (e instanceof ApiError) return { error: e.message, field: e.field };
          return { error: e instanceof Error ? e.message : String(e) };
        }
      });
    }
    void w.loadFile(join(rendererDir(), 'index.html'));
  });
}
