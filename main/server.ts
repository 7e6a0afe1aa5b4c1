// Loopback adapter: the same Api over HTTP, for browser mode and end-to-end
// tests. Bound to 127.0.0.1 only; every API call needs the per-run token.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Api } from './api';
import { ApiError, isApiMethod, validators } from './api';
import { createHandlers } from './services/app';
import { casesDir, rendererDir } from './paths';
import { openStore, defaultDbPath, type Store } from './store';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};
const MAX_BODY = 1 << 20;

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(opts: { port?: number; token?: string; api?: Api; staticDir?: string } = {}): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  const api = opts.api ?? createHandlers({ casesDir: casesDir() });
  const staticDir = opts.staticDir ?? rendererDir();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { error: e instanceof Error ? e.message : String(e) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      if (req.headers['x-gridrewire-token'] !== token) return send(res, 403, { error: 'missing or wrong token' });
      const method = url.pathname.slice(5);
      if (!isApiMethod(method)) return send(res, 404, { error: `no API method '${method}'` });
      let body: unknown;
      try {
        const text = await readBody(req);
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
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(staticDir, rel));
    if (!file.startsWith(staticDir + sep)) return send(res, 403, { error: 'forbidden' });
    try {
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    } catch {
      send(res, 404, { error: 'not found' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`, token, port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error('request body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

if (require.main === module) {
  const port = Number(process.env.GRIDREWIRE_PORT ?? 0) || undefined;
  const dbArg = process.argv.indexOf('--db');
  const dbPath = dbArg >= 0 ? process.argv[dbArg + 1] : process.env.GRIDREWIRE_DB ?? defaultDbPath();
  let store: Store;
  try {
    store = openStore(dbPath);
  } catch (e) {
    process.stderr.write(`gridrewire server: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  startServer({ port, api: createHandlers({ casesDir: casesDir(), store }) }).then((s) => {
    process.stdout.write(`GridRewire is serving on ${s.url}\nwork is kept in ${store.path}\n(open the address in a browser; Ctrl+C stops)\n`);
  }, (e) => {
    process.stderr.write(`gridrewire server: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
