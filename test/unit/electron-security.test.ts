// The Electron adapter's security rules, without the Electron binary (it
// cannot be downloaded here): main/electron/security.ts against small fakes of
// the objects it configures, main/index.ts run against a fake 'electron'
// module (its real wiring: single instance, session, window, IPC, a store that
// cannot open), the fuses in electron-builder.yml, the preload bundle, and the
// one Content-Security-Policy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import {
  claimSingleInstance, fromOwnWindow, hardenContents, hardenSession, openStoreOrQuit, windowOptions,
  type GuardedContents, type GuardedSession, type Preventable,
} from '../../main/electron/security';
import { CONTENT_SECURITY_POLICY } from '../../main/csp';
import { API_METHODS } from '../../main/api';
import { openStore, SCHEMA_VERSION } from '../../main/store';
import { ROOT } from '../helpers/cli';

type Listener = (...args: any[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

class FakeEvent implements Preventable {
  prevented = false;
  preventDefault(): void { this.prevented = true; }
}

class FakeContents extends Emitter implements GuardedContents {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  readonly mainFrame = { name: 'top frame' };
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }): void { this.openHandler = handler; }
}

const NAVIGATIONS = ['will-navigate', 'will-redirect', 'will-frame-navigate', 'will-attach-webview'] as const;

function assertGuarded(c: FakeContents, opened: string[]): void {
  for (const ev of NAVIGATIONS) {
    assert.ok(c.count(ev) > 0, `${ev} has a listener`);
    const e = new FakeEvent();
    c.emit(ev, e, 'https://evil.example/');
    assert.equal(e.prevented, true, `${ev} is prevented`);
  }
  assert.ok(c.openHandler, 'a window-open handler');
  const before = opened.length;
  for (const url of ['https://matpower.org/', 'http://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)']) {
    assert.deepEqual(c.openHandler!({ url }), { action: 'deny' }, `no new window for ${url}`);
  }
  assert.deepEqual(opened.slice(before), ['https://matpower.org/'], 'only an https link opens, in the browser');
}

test('every navigation, redirect, frame navigation, webview and new window is denied', () => {
  const c = new FakeContents();
  const opened: string[] = [];
  hardenContents(c, { openExternal: async (url: string) => { opened.push(url); } });
  assertGuarded(c, opened);
});

class FakeSession implements GuardedSession {
  request: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  check: ((wc: unknown, permission: string) => boolean) | null = null;
  headers: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string | string[]> }) => void) => void) | null = null;
  setPermissionRequestHandler(h: NonNullable<FakeSession['request']>): void { this.request = h; }
  setPermissionCheckHandler(h: NonNullable<FakeSession['check']>): void { this.check = h; }
  webRequest = { onHeadersReceived: (h: NonNullable<FakeSession['headers']>) => { this.headers = h; } };
}

const PERMISSIONS = ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'fileSystem'];

function assertSessionHardened(s: FakeSession): void {
  assert.ok(s.request && s.check && s.headers, 'all three handlers are set');
  for (const p of PERMISSIONS) {
    let granted: boolean | null = null;
    s.request!(null, p, (g) => { granted = g; });
    assert.equal(granted, false, `request ${p} denied`);
    assert.equal(s.check!(null, p), false, `check ${p} denied`);
  }
  let out: Record<string, string | string[]> | undefined;
  s.headers!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => { out = r.responseHeaders; });
  assert.deepEqual(out, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
}

test('the session refuses every permission request and check, and sets the CSP on every response', () => {
  const s = new FakeSession();
  hardenSession(s);
  assertSessionHardened(s);
});

test('the window is isolated and sandboxed; DevTools only when not packaged', () => {
  for (const packaged of [true, false]) {
    const o = windowOptions('/app/preload.js', packaged);
    assert.deepEqual(o.webPreferences, { preload: '/app/preload.js', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: !packaged });
  }
});

class FakeWindow {
  minimized = true;
  focused = 0;
  restored = 0;
  isMinimized(): boolean { return this.minimized; }
  restore(): void { this.restored++; this.minimized = false; }
  focus(): void { this.focused++; }
}

test('one instance at a time: a second one quits; the first restores and focuses its window', () => {
  const second = Object.assign(new Emitter(), { quits: 0, requestSingleInstanceLock: () => false, quit() { this.quits++; } });
  assert.equal(claimSingleInstance(second, () => null), false);
  assert.equal(second.quits, 1);
  assert.equal(second.count('second-instance'), 0);
  const first = Object.assign(new Emitter(), { quits: 0, requestSingleInstanceLock: () => true, quit() { this.quits++; } });
  const w = new FakeWindow();
  let win: FakeWindow | null = null;
  assert.equal(claimSingleInstance(first, () => win), true);
  first.emit('second-instance'); // before the window exists: nothing to focus, no crash
  win = w;
  first.emit('second-instance');
  assert.deepEqual([first.quits, w.restored, w.focused], [0, 1, 1]);
  first.emit('second-instance');
  assert.deepEqual([w.restored, w.focused], [1, 2], 'not minimized: focused only');
});

test('only our own window\'s top frame may call the Api', () => {
  const contents = new FakeContents();
  const win = { webContents: contents } as never;
  assert.equal(fromOwnWindow({ sender: contents, senderFrame: contents.mainFrame } as never, win), true);
  assert.equal(fromOwnWindow({ sender: new FakeContents(), senderFrame: contents.mainFrame } as never, win), false);
  assert.equal(fromOwnWindow({ sender: contents, senderFrame: { name: 'an iframe' } } as never, win), false);
});

/** A real database file a newer GridRewire wrote, and another application's SQLite file. */
function unopenable(dir: string): { newer: string; foreign: string } {
  const newer = join(dir, 'newer.db');
  openStore(newer).close();
  const raw = new Database(newer);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  const foreign = join(dir, 'foreign.db');
  const f = new Database(foreign);
  f.exec('CREATE TABLE notes (body TEXT)');
  f.close();
  return { newer, foreign };
}

test('a store that cannot open shows a dialog naming the file and why, then exits 1; the file is unchanged', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-electron-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = unopenable(dir);
  for (const [path, why] of [[files.newer, /was written by a newer GridRewire/], [files.foreign, /not a GridRewire database/]] as const) {
    const before = readFileSync(path);
    const boxes: [string, string][] = [];
    const exits: (number | undefined)[] = [];
    const s = openStoreOrQuit(() => openStore(path), { showErrorBox: (a, b) => { boxes.push([a, b]); } }, { exit: (code) => { exits.push(code); } });
    assert.equal(s, null);
    assert.equal(boxes.length, 1);
    assert.equal(boxes[0][0], 'GridRewire cannot open its database');
    assert.match(boxes[0][1], why);
    assert.ok(boxes[0][1].includes(path));
    assert.deepEqual(exits, [1]);
    assert.deepEqual(readFileSync(path), before);
  }
  const ok = openStoreOrQuit(() => openStore(join(dir, 'fine.db')), { showErrorBox: () => assert.fail('no dialog') }, { exit: () => assert.fail('no exit') });
  assert.ok(ok);
  ok.close();
});

// --- main/index.ts itself, against a fake 'electron' module -------------------

interface FakeElectron {
  app: Emitter & { isPackaged: boolean; lock: boolean; quits: number; exits: (number | undefined)[]; userData: string; requestSingleInstanceLock(): boolean; quit(): void; exit(code?: number): void; getPath(name: string): string; whenReady(): Promise<void> };
  windows: { options: any; loaded: string[]; webContents: FakeContents; window: FakeWindow & Emitter }[];
  handlers: Map<string, Listener>;
  boxes: [string, string][];
  opened: string[];
  session: FakeSession;
  module: Record<string, unknown>;
}

function fakeElectron(userData: string, o: { packaged?: boolean; lock?: boolean } = {}): FakeElectron {
  const fake = {} as FakeElectron;
  const app = Object.assign(new Emitter(), {
    isPackaged: o.packaged ?? true, lock: o.lock ?? true, quits: 0, exits: [] as (number | undefined)[], userData,
    requestSingleInstanceLock() { return this.lock; },
    quit() { this.quits++; },
    exit(code?: number) { this.exits.push(code); },
    getPath(name: string) { assert.equal(name, 'userData'); return this.userData; },
    whenReady: () => Promise.resolve(),
  });
  fake.app = app;
  fake.windows = [];
  fake.handlers = new Map();
  fake.boxes = [];
  fake.opened = [];
  fake.session = new FakeSession();
  class BrowserWindow extends FakeWindow {
    readonly webContents = new FakeContents();
    readonly events = new Emitter();
    constructor(options: unknown) {
      super();
      const loaded: string[] = [];
      fake.windows.push({ options, loaded, webContents: this.webContents, window: Object.assign(this, { on: (e: string, l: Listener) => this.events.on(e, l) }) as never });
      app.emit('web-contents-created', {}, this.webContents); // as Electron does for every new WebContents
      (this as unknown as { loadFile: (p: string) => Promise<void> }).loadFile = async (p: string) => { loaded.push(p); };
    }
  }
  fake.module = {
    app, BrowserWindow,
    dialog: { showErrorBox: (title: string, content: string) => { fake.boxes.push([title, content]); } },
    ipcMain: { handle: (channel: string, fn: Listener) => { assert.ok(!fake.handlers.has(channel), `${channel} once`); fake.handlers.set(channel, fn); } },
    session: { defaultSession: fake.session },
    shell: { openExternal: async (url: string) => { fake.opened.push(url); } },
  };
  return fake;
}

const electronPath = require.resolve('electron');
const indexPath = require.resolve('../../main/index');

/** Evaluates main/index.ts afresh against `fake`, then lets app.whenReady() resolve. */
async function launch(fake: FakeElectron): Promise<void> {
  require.cache[electronPath] = { id: electronPath, filename: electronPath, loaded: true, exports: fake.module } as unknown as NodeJS.Module;
  delete require.cache[indexPath];
  require(indexPath);
  await new Promise((r) => setImmediate(r));
}

test('main/index.ts: one hardened, sandboxed window on a working store, the Api for it alone', async (t) => {
  const userData = mkdtempSync(join(tmpdir(), 'gr-electron-userdata-'));
  t.after(() => rmSync(userData, { recursive: true, force: true }));
  const fake = fakeElectron(userData);
  await launch(fake);
  t.after(() => fake.app.emit('will-quit'));
  assert.deepEqual([fake.app.quits, fake.app.exits, fake.boxes], [0, [], []]);
  assertSessionHardened(fake.session);
  assert.equal(fake.windows.length, 1);
  const w = fake.windows[0];
  assert.equal(w.options.webPreferences.devTools, false, 'packaged: no DevTools');
  assert.equal(w.options.webPreferences.sandbox, true);
  assert.equal(w.options.webPreferences.contextIsolation, true);
  assert.equal(w.options.webPreferences.nodeIntegration, false);
  assert.match(w.options.webPreferences.preload, /preload[\\/]index\.js$/);
  assert.deepEqual(w.loaded.map((p) => p.split(/[\\/]/).slice(-2).join('/')), ['renderer/index.html']);
  assertGuarded(w.webContents, fake.opened);
  // Any other WebContents (a webview, a devtools host) is guarded the same way.
  const other = new FakeContents();
  fake.app.emit('web-contents-created', {}, other);
  assertGuarded(other, fake.opened);
  // The Api: one handler per method; a stranger is refused; our window is answered.
  assert.deepEqual([...fake.handlers.keys()].sort(), API_METHODS.map((m) => `api:${m}`).sort());
  const info = fake.handlers.get('api:info')!;
  await assert.rejects(async () => info({ sender: other, senderFrame: other.mainFrame }, null), /unknown sender/);
  const r = (await info({ sender: w.webContents, senderFrame: w.webContents.mainFrame }, null)) as { result?: unknown };
  assert.ok(r.result, JSON.stringify(r));
  const bad = (await fake.handlers.get('api:caseGraph')!({ sender: w.webContents, senderFrame: w.webContents.mainFrame }, { name: 42 })) as { error?: string; field?: string };
  assert.equal(bad.field, 'name');
  // A second launch focuses this window.
  w.window.minimized = true;
  fake.app.emit('second-instance');
  assert.deepEqual([w.window.restored, w.window.focused], [1, 1]);
  assert.ok(existsSync(join(userData, 'gridrewire.db')));
});

test('main/index.ts: DevTools stay available in a development (unpackaged) run', async (t) => {
  const userData = mkdtempSync(join(tmpdir(), 'gr-electron-userdata-'));
  t.after(() => rmSync(userData, { recursive: true, force: true }));
  const fake = fakeElectron(userData, { packaged: false });
  await launch(fake);
  t.after(() => fake.app.emit('will-quit'));
  assert.equal(fake.windows[0].options.webPreferences.devTools, true);
});

test('main/index.ts: a newer or foreign database shows a dialog and exits, with no window left behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-electron-userdata-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = unopenable(dir);
  for (const [file, why] of [[files.newer, /newer GridRewire/], [files.foreign, /not a GridRewire database/]] as const) {
    const userData = mkdtempSync(join(dir, 'ud-'));
    writeFileSync(join(userData, 'gridrewire.db'), readFileSync(file));
    const before = readFileSync(join(userData, 'gridrewire.db'));
    const fake = fakeElectron(userData);
    await launch(fake);
    assert.equal(fake.boxes.length, 1);
    assert.match(fake.boxes[0][1], why);
    assert.deepEqual(fake.app.exits, [1]);
    assert.equal(fake.windows.length, 0, 'no window');
    assert.equal(fake.handlers.size, 0, 'no Api');
    assert.deepEqual(readFileSync(join(userData, 'gridrewire.db')), before);
    assert.deepEqual(readdirSync(userData), ['gridrewire.db'], 'no -wal or -shm created');
  }
});

test('main/index.ts: a second instance quits before opening the store or a window', async (t) => {
  const userData = mkdtempSync(join(tmpdir(), 'gr-electron-userdata-'));
  t.after(() => rmSync(userData, { recursive: true, force: true }));
  const fake = fakeElectron(userData, { lock: false });
  await launch(fake);
  assert.equal(fake.app.quits, 1);
  assert.equal(fake.windows.length, 0);
  assert.deepEqual(readdirSync(userData), [], 'the store was not opened');
  assert.equal(fake.app.count('web-contents-created'), 1, 'contents are guarded from the start anyway');
});

// --- packaging ----------------------------------------------------------------

test('electron-builder.yml sets the fuses (names checked against app-builder-lib\'s schema) and ships no source maps', () => {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  const cfg = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, unknown>; files?: string[]; asar?: unknown };
  assert.deepEqual(cfg.electronFuses, {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  });
  const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'));
  const known = Object.keys(schema.definitions.FuseOptionsV1.properties);
  for (const k of Object.keys(cfg.electronFuses!)) assert.ok(known.includes(k), `${k} is an electronFuses option of this electron-builder`);
  assert.notEqual(cfg.asar, false, 'onlyLoadAppFromAsar needs the app packed in an asar');
  assert.ok(cfg.files?.includes('!**/*.map'));
});

test('the preload bundle is small, requires only electron (a sandboxed preload may not require more) and exposes exactly the Api', async () => {
  const file = join(ROOT, 'out', 'preload', 'index.js');
  assert.ok(existsSync(file), 'build first: node scripts/build.mjs');
  const code = readFileSync(file, 'utf8');
  assert.ok(statSync(file).size < 16 * 1024, `out/preload/index.js is ${statSync(file).size} bytes`);
  assert.doesNotMatch(code, /zod|ZodError|better-sqlite3/, 'no validators or store in the preload');
  const exposed: Record<string, Record<string, (req?: unknown) => Promise<unknown>>> = {};
  const invoked: [string, unknown][] = [];
  const listeners: [string, (e: unknown, p: unknown) => void][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (req?: unknown) => Promise<unknown>>) => { exposed[key] = api; } },
    ipcRenderer: {
      invoke: async (channel: string, req: unknown) => { invoked.push([channel, req]); return { result: 'ok' }; },
      on: (channel: string, l: (e: unknown, p: unknown) => void) => { listeners.push([channel, l]); },
      removeListener: (channel: string, l: (e: unknown, p: unknown) => void) => { const i = listeners.findIndex((x) => x[0] === channel && x[1] === l); if (i >= 0) listeners.splice(i, 1); },
    },
  };
  const module = { exports: {} };
  runInNewContext(code, {
    require: (m: string) => { if (m !== 'electron') throw new Error(`the preload requires '${m}'`); return electron; },
    module, exports: module.exports,
  });
  assert.deepEqual(Object.keys(exposed), ['gridrewire', 'gridrewireEvents']);
  assert.deepEqual(Object.keys(exposed.gridrewire).sort(), [...API_METHODS].sort());
  assert.deepEqual(await exposed.gridrewire.caseGraph({ name: 'case14' }), { result: 'ok' });
  assert.deepEqual(invoked, [['api:caseGraph', { name: 'case14' }]]);
  // The event stream: one channel, subscribed and unsubscribed, nothing else.
  assert.deepEqual(Object.keys(exposed.gridrewireEvents), ['subscribe']);
  const got: unknown[] = [];
  const unsubscribe = (exposed.gridrewireEvents.subscribe as unknown as (l: (e: unknown) => void) => () => void)((e) => got.push(e));
  assert.deepEqual(listeners.map((l) => l[0]), ['api:event']);
  listeners[0][1]({}, { type: 'job', job: { id: 1 } });
  assert.deepEqual(got, [{ type: 'job', job: { id: 1 } }]);
  unsubscribe();
  assert.equal(listeners.length, 0);
});

test('one Content-Security-Policy: the constant, in renderer/index.html (less frame-ancestors), nowhere retyped', () => {
  const html = readFileSync(join(ROOT, 'renderer', 'index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(`${meta}; frame-ancestors 'none'`, CONTENT_SECURITY_POLICY, 'a <meta> policy cannot carry frame-ancestors; the rest is the same');
  const retyped: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(f.name) && !p.endsWith(join('main', 'csp.ts')) && /default-src/.test(readFileSync(p, 'utf8'))) retyped.push(p);
    }
  };
  for (const d of ['main', 'preload', 'renderer']) walk(join(ROOT, d));
  assert.deepEqual(retyped, []);
});
