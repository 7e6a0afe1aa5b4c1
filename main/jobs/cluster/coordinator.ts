// The coordinator's side of a cluster run: the job's init is stored once
// under its content hash, every chunk becomes a BullMQ job with a
// deterministic id (adding it again is a no-op, so a resumed run picks up a
// chunk that is still queued or already done instead of computing it twice),
// and results stream back through queue events as workers finish them. The
// same contract as the local pool (jobs/pool.ts): onResult per chunk, cancel
// keeps what came back, the first failure ends the run.

import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobCancelled } from '../pool';
import type { JobChunk, JobInit, JobResult } from '../types';
import { ClusterError } from './errors';
import { chunkJobId, decodeResult, INIT_TTL_SECONDS, initKey, jobData, packInit, PREFIX, QUEUE, type ClusterJob } from './protocol';
import { blockingClient, parseRedisUrl, probeRedis, type RedisTarget } from './redis-url';

export interface ClusterChunk<K extends ClusterJob> {
  /** Where the chunk sits in its run (e.g. '0-255', 's12'): with the run key, its job id. */
  place: string;
  chunk: JobChunk<K>;
}

export interface ClusterStatus {
  /** Workers connected to the queue (BullMQ's client list). */
  workers: number;
  /** Chunks of this run finished so far, and in all. */
  done: number;
  total: number;
  /** The run's chunks waiting for a worker. */
  waiting: number;
}

export interface ClusterRunOptions<K extends ClusterJob> {
  url: string;
  job: K;
  init: JobInit<K>;
  /** Names the run's jobs: the same key and place give the same job id. */
  runKey: string;
  chunks: ClusterChunk<K>[];
  onResult(result: JobResult<K>, chunk: ClusterChunk<K>): void;
  signal?: AbortSignal;
  /** Called on every health check (every `healthMs`) and when a chunk finishes. */
  onStatus?(s: ClusterStatus): void;
  /** Health check period (default 5 s); Redis silent for `lostAfterMs` (default 30 s) ends the run. */
  healthMs?: number;
  lostAfterMs?: number;
}

/** Runs every chunk on the cluster's workers; resolves when all came back, rejects on a failure, a cancel or a lost Redis. */
export async function runOnCluster<K extends ClusterJob>(opts: ClusterRunOptions<K>): Promise<void> {
  const target = parseRedisUrl(opts.url);
  if (opts.chunks.length === 0) return;
  if (opts.signal?.aborted) throw new JobCancelled();
  await probeRedis(target);
  const run = new ClusterRun(target, opts);
  try {
    await run.start();
    await run.finished;
  } finally {
    await run.close();
  }
}

class ClusterRun<K extends ClusterJob> {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly byId = new Map<string, ClusterChunk<K>>();
  private readonly pending = new Set<string>();
  private done = 0;
  private settled = false;
  private resolve: () => void = () => {};
  private reject: (e: Error) => void = () => {};
  readonly finished: Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private lastOk = Date.now();
  private workers = 0;
  private checking = false;
  /** The queue's and the queue events' connections: ours to close (BullMQ leaves a connection it was given open). */
  private readonly client: Redis;
  private readonly eventsClient: Redis;

  constructor(private readonly target: RedisTarget, private readonly opts: ClusterRunOptions<K>) {
    this.finished = new Promise<void>((res, rej) => { this.resolve = res; this.reject = rej; });
    this.finished.catch(() => {});
    this.client = blockingClient(target);
    this.client.on('error', () => {}); // reconnects; the health check reports a Redis that stays away
    this.queue = new Queue(QUEUE, { connection: this.client, prefix: PREFIX });
    this.queue.on('error', () => {});
    this.eventsClient = blockingClient(target);
    this.eventsClient.on('error', () => {});
    this.events = new QueueEvents(QUEUE, { connection: this.eventsClient, prefix: PREFIX });
    this.events.on('error', () => {});
    for (const c of opts.chunks) this.byId.set(chunkJobId(opts.runKey, c.place), c);
  }

  async start(): Promise<void> {
    const { job, init, signal } = this.opts;
    signal?.addEventListener('abort', this.onAbort);
    this.events.on('completed', ({ jobId, returnvalue }) => this.complete(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => this.fail(jobId, failedReason));
    await this.events.waitUntilReady();
    // The init once, under its content hash (the case text does not travel per chunk).
    const packed = packInit(init);
    await this.client.set(initKey(packed.hash), packed.bytes, 'EX', INIT_TTL_SECONDS);
    // A failed job of the same id (an earlier session's) would only report its failure again: clear it.
    for (const id of this.byId.keys()) {
      const old = await this.queue.getJob(id);
      if (old && (await old.isFailed())) await old.remove();
    }
    for (const id of this.byId.keys()) this.pending.add(id);
    const ids = [...this.byId.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      await this.queue.addBulk(ids.slice(i, i + 500).map((id) => ({
        name: job,
        data: jobData(job, packed.hash, this.byId.get(id)!.chunk),
        // A chunk's error is deterministic (same engine, same data): no retry. A worker that
        // dies is another matter: its chunk stalls and BullMQ hands it to another worker.
        opts: { jobId: id, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } },
      })));
    }
    this.workers = await this.queue.getWorkersCount();
    // Chunks that finished before this session listened (a resumed run's): collect them now.
    await this.sweep();
    this.status();
    this.timer = setInterval(() => void this.check(), this.opts.healthMs ?? 5000);
  }

  private readonly onAbort = () => {
    void this.cancelWaiting().finally(() => this.settle(new JobCancelled()));
  };

  private complete(jobId: string, returnvalue: unknown): void {
    if (!this.pending.delete(jobId)) return; // not ours, or already counted (BullMQ completes a job once; a sweep may see it too)
    const chunk = this.byId.get(jobId)!;
    let result: JobResult<K>;
    try {
      result = decodeResult<K>(returnvalue);
    } catch (e) {
      this.settle(e as Error);
      return;
    }
    try {
      this.opts.onResult(result, chunk);
    } catch (e) {
      this.settle(e as Error);
      return;
    }
    this.done++;
    this.status();
    // Stored by the caller: Redis need not keep it.
    void this.queue.remove(jobId).catch(() => {});
    if (this.pending.size === 0) this.settle(null);
  }

  private fail(jobId: string, reason: string): void {
    if (!this.pending.has(jobId)) return;
    this.settle(new ClusterError('failed', `chunk ${jobId.slice(this.opts.runKey.length + 1)} failed on a worker: ${reason}`));
  }

  /** Health: Redis answers (else, after lostAfterMs, the run ends) and which workers are connected; collects results whose event was missed. */
  private async check(): Promise<void> {
    if (this.checking || this.settled) return;
    this.checking = true;
    try {
      this.workers = await withTimeout(this.queue.getWorkersCount(), 4000);
      this.lastOk = Date.now();
      await this.sweep();
      this.status();
    } catch {
      const lost = Date.now() - this.lastOk;
      if (lost >= (this.opts.lostAfterMs ?? 30_000)) this.settle(new ClusterError('lost', `lost Redis at ${this.target.safe}: no answer for ${Math.round(lost / 1000)} s`));
    } finally {
      this.checking = false;
    }
  }

  /** Looks up the pending chunks' jobs: finished ones are taken, vanished ones re-added. */
  private async sweep(): Promise<void> {
    for (const id of [...this.pending]) {
      if (this.settled) return;
      const j: Job | undefined = await this.queue.getJob(id);
      if (!j) continue;
      const state = await j.getState();
      if (state === 'completed') this.complete(id, j.returnvalue);
      else if (state === 'failed') this.fail(id, j.failedReason);
    }
  }

  private status(): void {
    this.opts.onStatus?.({ workers: this.workers, done: this.done, total: this.byId.size, waiting: this.pending.size });
  }

  /** Removes the run's chunks no worker has taken (an active one finishes; its result is dropped). */
  private async cancelWaiting(): Promise<void> {
    for (const id of this.pending) await this.queue.remove(id).catch(() => 0);
  }

  private settle(e: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (e) this.reject(e);
    else this.resolve();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.settle(new JobCancelled());
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await Promise.allSettled([this.events.disconnect(), this.queue.disconnect()]);
    this.client.disconnect();
    this.eventsClient.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); res(v); }, (e) => { clearTimeout(t); rej(e); });
  });
}

/** Workers connected to the cluster's queue, as BullMQ lists them (name, address, age). */
export async function clusterWorkers(url: string): Promise<{ redisVersion: string; workers: { name: string; addr: string; ageSeconds: number }[] }> {
  const target = parseRedisUrl(url);
  const { version } = await probeRedis(target);
  const client = blockingClient(target, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const queue = new Queue(QUEUE, { connection: client, prefix: PREFIX });
  queue.on('error', () => {});
  try {
    const list = await withTimeout(queue.getWorkers(), 4000);
    return { redisVersion: version, workers: list.map((w) => ({ name: String(w.rawname ?? w.name ?? ''), addr: String(w.addr ?? ''), ageSeconds: Number(w.age ?? 0) })) };
  } finally {
    await queue.close().catch(() => {});
    client.disconnect();
  }
}
