// Loopback adapter: the same Api over HTTP, for browser mode and end-to-end
// tests. Bound to 127.0.0.1 only; answers only for Host 127.0.0.1:<port> or
// localhost:<port> (DNS rebinding); every API call needs the per-run token;
// every response carries the security headers below.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Api, ApiEvents } from './api';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, isApiMethod, validators } from './api';
import { createApp, createHandlers } from './services/app';
import { casesDir, rendererDir } from './paths';
import { openStore, defaultDbPath, type Store } from './store';
import { CONTENT_SECURITY_POLICY } from './csp';
import { LARGE_REQUESTS, LARGE_REQUEST_BYTES } from './api-methods';

// No '.map': source maps are never served (scripts/build.mjs writes none for the renderer).
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml',
};
export const MAX_BODY = 1 << 20;

/** On every response, errors included. frame-ancestors 'none' is part of the policy. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** The path of the event stream (a WebSocket: /events?token=...). */
export const EVENTS_PATH = '/events';

export async function startServer(opts: { port?: number; token?: string; api?: Api; events?: ApiEvents; staticDir?: string } = {}): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  const tokenBytes = Buffer.from(token, 'utf8');
  const api = opts.api ?? createHandlers({ casesDir: casesDir() });
  const staticDir = opts.staticDir ?? rendererDir();
  // Known once listening; until then no Host matches.
  let hosts = new Set<string>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { error: e instanceof Error ? e.message : String(e) }));
  });
  // Events pushed to every connected window: progress without polling.
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const unsubscribe = opts.events?.subscribe((e) => {
    const msg = JSON.stringify(e);
    for (const ws of sockets) ws.send(msg);
  });
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    // The same gate as the Api: our Host, our token, only the event path.
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) return refuse(421, 'Misdirected Request');
    const target = req.url ?? '';
    const q = target.indexOf('?');
    if (requestPath(target) !== EVENTS_PATH || !opts.events) return refuse(404, 'Not Found');
    if (!tokenOk(new URLSearchParams(q >= 0 ? target.slice(q + 1) : '').get('token') ?? undefined)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => ws.close(1008, 'this stream only sends')); // nothing is read from the window
    });
  });

  /** Constant time in the token's content (its length is public: 32 hex digits). */
  function tokenOk(given: string | string[] | undefined): boolean {
    if (typeof given !== 'string') return false;
    const g = Buffer.from(given, 'utf8');
    return g.length === tokenBytes.length && timingSafeEqual(g, tokenBytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends Host: evil.example.
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, { error: `this server answers only for ${[...hosts].join(' or ')}` });
    const path = requestPath(req.url);
    if (path === null) return send(res, 400, { error: 'malformed request path' });
    if (path.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      if (!tokenOk(req.headers['x-gridrewire-token'])) return send(res, 403, { error: 'missing or wrong token' });
      const method = path.slice(5);
      if (!isApiMethod(method)) return send(res, 404, { error: `no API method '${method}'` });
      const limit = (LARGE_REQUESTS as readonly string[]).includes(method) ? LARGE_REQUEST_BYTES : MAX_BODY;
      const text = await readBody(req, limit);
      if (text === null) return tooLarge(req, res, limit);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch (e) {
        return send(res, 400, { error: e instanceof Error ? e.message : 'bad request body' });
      }
      try {
        const request = validators[method](body);
        const fn = api[method] as (r: unknown) => Promise<unknown>;
        return send(res, 200, { result: await fn.call(api, request) });
      } catch (e) {
        if (e instanceof ApiError) return send(res, 400, { error: e.message, field: e.field });
        const err = e as Error;
        if (err && err.name && err.name !== 'Error' && err.name !== 'TypeError') return send(res, 422, { error: err.message, kind: err.name });
        throw e;
      }
    }
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    const rel = path === '/' ? 'index.html' : path.slice(1);
    const file = normalize(join(staticDir, rel));
    if (!file.startsWith(staticDir + sep)) return send(res, 403, { error: 'forbidden' });
    const type = TYPES[extname(file)];
    if (type === undefined) return send(res, 404, { error: 'not found' });
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return send(res, 404, { error: 'not found' });
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type });
    res.end(data);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`, token, port,
    close: () => new Promise<void>((resolve) => {
      unsubscribe?.();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.close(() => resolve());
    }),
  };
}

/** The decoded path of an origin-form request target ("/a%20b?x" -> "/a b"), or null if malformed. */
export function requestPath(target: string | undefined): string | null {
  if (!target || target[0] !== '/') return null; // absolute-form ("http://other/") or garbage
  const q = target.indexOf('?');
  try {
    const path = decodeURIComponent(q >= 0 ? target.slice(0, q) : target);
    return path.includes('\0') ? null : path;
  } catch {
    return null; // "/%E0%A4%A": not UTF-8 percent-encoding
  }
}

/** The body as text, or null once it passes `limit` bytes (declared or sent): then we stop reading. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** 413, then the connection is closed instead of draining a body we will not read. */
function tooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.shouldKeepAlive = false;
  res.on('finish', () => req.socket.destroy());
  send(res, 413, { error: `request body larger than ${limit} bytes` }, { connection: 'close' });
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

if (require.main === module) {
  const port = Number(process.env.GRIDREWIRE_PORT ?? 0) || undefined;
  const dbArg = process.argv.indexOf('--db');
  const dbPath = dbArg >= 0 ? process.argv[dbArg + 1] : process.env.GRIDREWIRE_DB ?? defaultDbPath();
  if (!dbPath) {
    process.stderr.write(`gridrewire server: ${dbArg >= 0 ? '--db' : 'GRIDREWIRE_DB'} needs a file name, got ${dbPath === undefined ? 'none' : 'an empty one'}\n`);
    process.exit(2);
  }
  let store: Store;
  try {
    store = openStore(dbPath);
  } catch (e) {
    process.stderr.write(`gridrewire server: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  // Ctrl+C closes the store (a read-only one may be a private copy in the temp folder).
  const stop = () => { store.close(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const app = createApp({ casesDir: casesDir(), store, cluster: process.env.GRIDREWIRE_REDIS || undefined });
  startServer({ port, api: app.api, events: app.events }).then((s) => {
    const ro = store.readonlyReason === null ? '' : ` (read-only: ${store.readonlyReason}; new work cannot be saved)`;
    process.stdout.write(`GridRewire is serving on ${s.url}\nwork is kept in ${store.path}${ro}\n(open the address in a browser; Ctrl+C stops)\n`);
  }, (e) => {
    process.stderr.write(`gridrewire server: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
