// The loopback server's edges, with real HTTP requests (node:http, custom Host
// headers, raw sockets): DNS rebinding, the token, the security headers on
// every response, oversized bodies, malformed paths, and no source maps.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BODY, SECURITY_HEADERS, requestPath, startServer, type RunningServer } from '../../main/server';
import { CONTENT_SECURITY_POLICY } from '../../main/csp';
import { createHandlers } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { ROOT } from '../helpers/cli';

let server: RunningServer;
let staticDir: string;

before(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'gr-server-edges-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map\n');
  writeFileSync(join(staticDir, 'app.js.map'), '{"version":3,"sources":["../../renderer/secret.ts"]}');
  writeFileSync(join(staticDir, 'notes.txt'), 'not a page');
  server = await startServer({ api: createHandlers({ casesDir: casesDir() }), staticDir });
});
after(async () => {
  await server.close();
  rmSync(staticDir, { recursive: true, force: true });
});

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

function http(path: string, o: { method?: string; host?: string; token?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: o.host ?? `127.0.0.1:${server.port}`, ...o.headers };
    if (o.token !== undefined) headers['x-gridrewire-token'] = o.token;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port: server.port, path, method: o.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const api = (method: string, body: unknown, o: { host?: string; token?: string } = {}) => http(`/api/${method}`, { method: 'POST', token: server.token, body: JSON.stringify(body), ...o });

function hasSecurityHeaders(r: Reply, what: string): void {
  assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, what);
  assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', what);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(r.headers[k], v, `${what}: ${k}`);
}

test('answers only for Host 127.0.0.1:<port> or localhost:<port> (DNS rebinding): others get 421', async () => {
  const p = server.port;
  for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LocalHost:${p}`]) {
    assert.equal((await http('/', { host })).status, 200, host);
    assert.equal((await api('info', null, { host })).status, 200, host);
  }
  for (const host of ['evil.example', `evil.example:${p}`, `127.0.0.1:${p + 1}`, '127.0.0.1', 'localhost', `127.0.0.1.evil.example:${p}`, `[::1]:${p}`, `0.0.0.0:${p}`]) {
    const page = await http('/', { host });
    assert.equal(page.status, 421, host);
    assert.doesNotMatch(page.body, /<title>/, `${host}: no page`);
    hasSecurityHeaders(page, `421 for ${host}`);
    assert.equal((await api('info', null, { host })).status, 421, `${host}, with the right token`);
  }
});

test('a request without any Host header (HTTP/1.0) is refused too', async () => {
  const text = await new Promise<string>((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => s.end('GET / HTTP/1.0\r\n\r\n'));
    let out = '';
    s.on('data', (c) => { out += c; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(text, /^HTTP\/1\.[01] 421 /);
});

test('the token: right one answers; wrong ones of the same length, a prefix, a longer one or none get 403', async () => {
  assert.equal((await api('info', null)).status, 200);
  const wrong = server.token.slice(0, -1) + (server.token.endsWith('0') ? '1' : '0');
  for (const token of [wrong, server.token.slice(0, 8), server.token + '0', '', 'é'.repeat(16)]) {
    const r = await api('info', null, { token });
    assert.equal(r.status, 403, JSON.stringify(token));
    hasSecurityHeaders(r, '403');
  }
  const none = await http('/api/info', { method: 'POST', body: 'null' });
  assert.equal(none.status, 403);
});

test('every response carries CSP (frame-ancestors none), nosniff and no-referrer', async () => {
  const replies: [string, Reply][] = [
    ['page', await http('/')], ['script', await http('/app.js')], ['missing file', await http('/nope.js')], ['api ok', await api('info', null)],
    ['api bad field', await api('caseGraph', { name: 42 })], ['api unknown', await api('nope', null)], ['wrong method', await http('/api/info')],
    ['put', await http('/', { method: 'PUT' })], ['malformed path', await http('/%E0%A4%A')], ['traversal', await http('/..%2f..%2fpackage.json')],
  ];
  for (const [what, r] of replies) hasSecurityHeaders(r, `${what} (${r.status})`);
  assert.deepEqual(replies.map(([, r]) => r.status), [200, 200, 404, 200, 400, 404, 405, 405, 400, 403]);
  assert.match(String(replies[0][1].headers['content-type']), /^text\/html/);
});

test('a malformed path is 400, for pages and API alike, not a 500', async () => {
  for (const path of ['/%E0%A4%A', '/%', '/%zz', '/api/%E0%A4%A', '/a%00b.js']) {
    for (const method of ['GET', 'POST']) {
      const r = await http(path, { method, token: server.token });
      assert.equal(r.status, 400, `${method} ${path}: ${r.body}`);
      assert.match(r.body, /malformed request path/);
    }
  }
  assert.equal((await http('http://evil.example/')).status, 400, 'absolute-form target');
  assert.equal(requestPath('/a%20b?x=%zz'), '/a b', 'only the path is decoded');
  assert.equal(requestPath('/%E0%A4%A'), null);
});

test('an oversized body gets 413 without the server reading it: declared, or streamed', async () => {
  // Declared larger than the limit, then only a little sent: the answer comes without the rest.
  const declared = await new Promise<string>((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => {
      s.write(`POST /api/info HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-gridrewire-token: ${server.token}\r\ncontent-type: application/json\r\ncontent-length: ${50 * MAX_BODY}\r\n\r\n`);
      s.write('{"a":"' + 'x'.repeat(1000));
    });
    let out = '';
    s.on('data', (c) => { out += c; });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(declared, /^HTTP\/1\.1 413 /);
  assert.match(declared, /\r\nconnection: close\r\n/i);
  assert.match(declared, /\r\ncontent-security-policy: /i);
  // Chunked (no length): the server stops at the limit, answers 413 and closes; it never reads 8 MB.
  const streamed = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
    let sent = 0;
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/info', method: 'POST', headers: { host: `127.0.0.1:${server.port}`, 'x-gridrewire-token': server.token } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sent }));
    });
    req.on('error', (e) => (sent > MAX_BODY ? resolve({ status: -1, sent }) : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (sent < 8 * MAX_BODY) {
        sent += chunk.length;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  });
  assert.equal(streamed.status, 413);
  assert.ok(streamed.sent < 8 * MAX_BODY, `stopped before the whole body (${streamed.sent} bytes sent)`);
  // A body just under the limit is read and parsed.
  const ok = await api('caseGraph', { name: 'case14', pad: 'x'.repeat(MAX_BODY - 100) });
  assert.equal(ok.status, 200, ok.body);
});

test('no source maps: the server refuses .map files, and the shipped build writes none for the renderer', async () => {
  const map = await http('/app.js.map');
  assert.equal(map.status, 404);
  assert.doesNotMatch(map.body, /sources/);
  assert.equal((await http('/notes.txt')).status, 404, 'only the page types are served');
  // The real build (npm test runs scripts/build.mjs first).
  const out = join(ROOT, 'out', 'renderer');
  assert.ok(existsSync(join(out, 'app.js')), 'build first: node scripts/build.mjs');
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.map')), []);
  assert.doesNotMatch(readFileSync(join(out, 'app.js'), 'utf8'), /sourceMappingURL/);
  const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
  assert.match(yml, /^\s+- "!\*\*\/\*\.map"$/m, 'electron-builder leaves every .map out of the package');
});
