// Electron adapter: one window, the Api over ipcMain.handle, the security
// checklist of DESIGN.md. Everything else lives behind services/.

import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { ApiError, API_METHODS, validators, type Api } from './api';
import { createHandlers } from './services/app';
import { casesDir, rendererDir } from './paths';
import { openStore } from './store';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400, height: 900, title: 'GridRewire',
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  void win.loadFile(join(rendererDir(), 'index.html'));
  return win;
}

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  // The user's work lives in one SQLite file in Electron's per-user folder.
  const store = openStore(join(app.getPath('userData'), 'gridrewire.db'));
  app.on('will-quit', () => store.close());
  const api: Api = createHandlers({ casesDir: casesDir(), store });
  const win = createWindow();
  for (const method of API_METHODS) {
    ipcMain.handle(`api:${method}`, async (event, req: unknown) => {
      // Only our own window's top frame may call the Api.
      if (event.sender !== win.webContents || event.senderFrame !== win.webContents.mainFrame) throw new Error('unknown sender');
      try {
        const fn = api[method] as (r: unknown) => Promise<unknown>;
        return { result: await fn.call(api, validators[method](req)) };
      } catch (e) {
        if (e instanceof ApiError) return { error: e.message, field: e.field };
        return { error: e instanceof Error ? e.message : String(e) };
      }
    });
  }
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.on('window-all-closed', () => app.quit());
