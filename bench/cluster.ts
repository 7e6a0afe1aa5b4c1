// Cluster figures (issue 18), on a real redis-server started for the bench:
// case9241pegase's first branches on the local pool against 1 and 2
// `gridrewire worker` processes, a chunk-size sweep with each chunk's queue
// wait against its compute (from an in-process worker's own timings), and a
// paper estimate of a year of hourly case_ACTIVSg2000 N-1 on N machines from
// the measured per-solve cost on a worker.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Row } from './run';
import { runN1 } from '../main/services/n1';
import { startClusterWorker } from '../main/jobs/cluster/worker';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..', '..');
const CASES = join(ROOT, '..', 'shared', 'cases');
const BIN = join(ROOT, 'bin', 'gridrewire.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

async function startRedis(): Promise<{ url: string; stop(): void } | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', mkdtempSync(join(tmpdir(), 'gr-bench-redis-'))], { stdio: 'ignore' });
  for (let i = 0; i < 200 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGKILL') };
}

function startWorkerProcess(url: string, concurrency: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--concurrency', String(concurrency), '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let said = '';
    p.stderr!.on('data', (d: Buffer) => { said += d; if (/on redis/.test(said)) resolve(p); });
    p.once('exit', (c) => reject(new Error(`worker exited ${c}: ${said}`)));
  });
}

const stopAll = (ps: ChildProcess[]) => Promise.all(ps.map((p) => new Promise<void>((r) => { if (p.exitCode !== null) return r(); p.once('exit', () => r()); p.kill('SIGTERM'); })));

export async function runClusterBench(record: (r: Row) => void, median: (xs: number[]) => number): Promise<void> {
  const redis = await startRedis();
  if (!redis) {
    record({ section: 'cluster', what: 'cluster rows skipped: redis-server is not installed', value: 0, unit: '' });
    return;
  }
  try {
    const caseText = readFileSync(join(CASES, 'case9241pegase.m'), 'utf8');
    const cores = availableParallelism();
    const first = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const N = 2000;
    const elements = first(N);
    const base = { caseText, fileName: 'case9241pegase.m', elements };
    const local = await runN1({ ...base, workers: cores });
    const localRate = N / local.seconds;
    record({ section: 'cluster', what: `case9241pegase first ${N} branches, local pool (${cores} threads)`, value: localRate, unit: 'outages/s', note: `${local.seconds.toFixed(1)} s` });
    for (const [procs, each] of [[1, cores], [2, Math.max(1, cores / 2)]] as const) {
      const ws = await Promise.all(Array.from({ length: procs }, () => startWorkerProcess(redis.url, each)));
      try {
        const r = await runN1({ ...base, cluster: { url: redis.url, runKey: randomUUID(), chunk: 100 } });
        record({ section: 'cluster', what: `same on ${procs} worker process${procs > 1 ? 'es' : ''} x ${each} thread${each > 1 ? 's' : ''} via Redis, chunks of 100`, value: N / r.seconds, unit: 'outages/s', note: `${r.seconds.toFixed(1)} s; ${(localRate / (N / r.seconds)).toFixed(2)}x the local pool's time` });
      } finally {
        await stopAll(ws);
      }
    }
    // Chunk-size sweep on one in-process worker: per chunk, the worker's compute and the chunk's wait in the queue.
    const M = 800;
    for (const chunk of [25, 100, 400]) {
      const seen: { seconds: number; waited: number }[] = [];
      const w = await startClusterWorker({ url: redis.url, concurrency: cores, onChunk: (e) => seen.push({ seconds: e.seconds, waited: e.waitedSeconds }) });
      try {
        const r = await runN1({ caseText, fileName: 'case9241pegase.m', elements: first(M), cluster: { url: redis.url, runKey: randomUUID(), chunk } });
        const compute = seen.reduce((a, s) => a + s.seconds, 0);
        // What the queue adds: wall time beyond the compute spread over the threads, per chunk.
        const overheadMs = (1000 * Math.max(0, r.seconds - compute / cores)) / seen.length;
        record({ section: 'cluster', what: `chunks of ${chunk} (${seen.length} chunks of ${M} case9241pegase outages), ${cores} threads`, value: M / r.seconds, unit: 'outages/s', note: `compute ${(1000 * median(seen.map((s) => s.seconds))).toFixed(0)} ms/chunk, queue wait ${(1000 * median(seen.map((s) => s.waited))).toFixed(0)} ms median, overhead ${overheadMs.toFixed(0)} ms/chunk` });
      } finally {
        await w.close();
      }
    }
    // A year of hourly case_ACTIVSg2000 N-1 (8760 x 3206 solves), from the measured cost of a solve on a worker thread.
    const a2000 = readFileSync(join(CASES, 'case_ACTIVSg2000.m'), 'utf8');
    const seen: number[] = [];
    const w = await startClusterWorker({ url: redis.url, concurrency: cores, onChunk: (e) => seen.push(e.seconds) });
    let perSolve: number;
    try {
      const K = 900, C = 150;
      const r = await runN1({ caseText: a2000, fileName: 'case_ACTIVSg2000.m', elements: first(K), cluster: { url: redis.url, runKey: randomUUID(), chunk: C } });
      // Each thread's first chunk also parses the case and solves its base case: the steady cost is the later chunks'.
      const steady = seen.slice(cores);
      perSolve = median(steady) / C;
      record({ section: 'cluster', what: `case_ACTIVSg2000 AC outage on a worker thread (chunks of ${C}, after set-up)`, value: perSolve * 1000, unit: 'ms/solve', note: `median of ${steady.length} chunks; ${K} outages in ${r.seconds.toFixed(1)} s on ${cores} threads with set-up` });
    } finally {
      await w.close();
    }
    const solves = 8760 * 3206;
    for (const machines of [1, 10, 100]) {
      const hours = (solves * perSolve) / (machines * cores) / 3600;
      record({ section: 'cluster', what: `estimate: a year of hourly case_ACTIVSg2000 N-1 (${(solves / 1e6).toFixed(1)} M solves) on ${machines} machine${machines > 1 ? 's' : ''} of ${cores} cores`, value: hours, unit: 'hours', note: 'paper estimate from the measured ms/solve; queue overhead excluded' });
    }
  } finally {
    redis.stop();
  }
}
