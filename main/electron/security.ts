// The Electron security checklist (DESIGN.md) as small functions of the
// objects they configure, so each rule is unit-tested with fakes while the
// Electron binary is absent. main/index.ts passes the real objects; the shapes
// below are checked against Electron's own types at the end of this file.
// The fuses (RunAsNode, NODE_OPTIONS, --inspect, asar integrity, asar only)
// are flipped at packaging time: electron-builder.yml, electronFuses.

import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, IpcMainInvokeEvent, Session, Shell, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../csp';

export interface Preventable {
  preventDefault(): void;
}

/** What hardenContents configures on every WebContents (windows, and any frame or webview one creates). */
export interface GuardedContents {
  on(event: 'will-navigate', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: Preventable) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The app loads one local page and never leaves it: no navigation, no redirect, no webview, no new window.
 *  An https link the user clicks opens in their browser instead. */
export function hardenContents(contents: GuardedContents, shell: Pick<Shell, 'openExternal'>): void {
  const deny = (e: Preventable) => e.preventDefault();
  contents.on('will-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-frame-navigate', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

type Headers = Record<string, string | string[]>;

export interface GuardedSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  webRequest: {
    onHeadersReceived(listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Headers }) => void) => void): void;
  };
}

/** Every permission asked or checked is refused (the app needs none); every response gets the CSP. */
export function hardenSession(session: GuardedSession): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/** The one window's options: isolated, sandboxed, no Node; DevTools only in a development build. */
export function windowOptions(preload: string, packaged: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1400, height: 900, title: 'GridRewire',
    webPreferences: {
      preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: !packaged,
    },
  };
}

export interface InstanceApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
}

export interface FocusableWindow {
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
}

/** One instance at a time (two would share one database and one window's worth of jobs): a second
 *  launch focuses the first one's window and quits. Returns false in the instance that must quit. */
export function claimSingleInstance(app: InstanceApp, window: () => FocusableWindow | null): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => {
    const w = window();
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  });
  return true;
}

/** Opens the store, or tells the user why not (a newer GridRewire's file, a foreign file, a folder
 *  that cannot be created) and exits with status 1: without a store there is no window to show,
 *  and a process with no window would be left running unseen. */
export function openStoreOrQuit<S>(open: () => S, dialog: Pick<Dialog, 'showErrorBox'>, app: Pick<App, 'exit'>): S | null {
  try {
    return open();
  } catch (e) {
    dialog.showErrorBox('GridRewire cannot open its database', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return null;
  }
}

/** Only our own window's top frame may call the Api. */
export function fromOwnWindow(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, win: Pick<BrowserWindow, 'webContents'>): boolean {
  return event.sender === win.webContents && event.senderFrame === win.webContents.mainFrame;
}

// Compile-time: Electron's own objects fit the shapes above (tsc fails here if Electron changes them).
type Fits<T extends U, U> = [T, U];
export type ElectronFits = [Fits<WebContents, GuardedContents>, Fits<Session, GuardedSession>, Fits<App, InstanceApp>, Fits<BrowserWindow, FocusableWindow>];
