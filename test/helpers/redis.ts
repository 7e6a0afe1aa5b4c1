// A real redis-server for the cluster tests, on a free loopback port, with no
// persistence, in a directory of its own; stopped (SIGKILL) at the end. Tests
// skip with a message where Debian's redis-server is not installed.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './cli';

const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
/** Why the cluster tests cannot run here (false when they can). */
export const skipWithoutRedis: string | false = found.error || found.status !== 0 ? 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)' : false;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (r.stdout?.trim() === 'PONG') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => kill(proc) };
}

/** A `gridrewire worker` process; resolves once it says it is connected. */
export async function startWorker(url: string, args: string[] = []): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--quiet', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start in 30 s: ${said}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      said += d.toString();
      if (/thread.* on redis/.test(said)) { clearTimeout(t); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`worker exited with ${code}: ${said}`)); });
  });
  return proc;
}

export function kill(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}
