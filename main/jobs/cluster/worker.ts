// A cluster worker: takes chunks of GridRewire jobs from the queue and
// computes each on a thread of its own, set up once per job init (the case
// is parsed and its base case solved once per run, as in a local run), with
// the same handlers as the local pool. It runs only our job types on case
// data: the queue carries data, never code. A worker that dies holds its
// chunk only until its lock expires; BullMQ then hands the chunk to another.

import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { JobWorker } from '../job-worker';
import type { JobInit, JobName } from '../types';
import { ClusterError } from './errors';
import { decode, decodeChunk, encodeResult, initKey, PREFIX, QUEUE, readJobData, type ClusterJob } from './protocol';
import { blockingClient, parseRedisUrl, probeRedis } from './redis-url';

export interface ClusterWorkerOptions {
  url: string;
  /** Chunks computed at once, one thread each (default: the cores). */
  concurrency: number;
  /** How long a chunk stays locked to a silent worker (default 30 s): a killed worker's chunk is redone after about this. */
  lockMs?: number;
  /** Shown in the list of connected workers (default host:pid). */
  name?: string;
  onChunk?(e: { id: string; job: ClusterJob; seconds: number; waitedSeconds: number }): void;
  onError?(e: Error): void;
}

export interface RunningClusterWorker {
  name: string;
  redisVersion: string;
  /** Stops taking chunks, lets the running ones finish, ends the threads. */
  close(): Promise<void>;
}

/** A thread set up for one init; `busy` while it computes a chunk. */
interface Lane {
  job: JobName;
  hash: string;
  worker: JobWorker<JobName>;
  busy: boolean;
}

export async function startClusterWorker(opts: ClusterWorkerOptions): Promise<RunningClusterWorker> {
  const target = parseRedisUrl(opts.url);
  const { version } = await probeRedis(target);
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const lanes: Lane[] = [];
  const inits = new Map<string, Promise<unknown>>();
  const conn = blockingClient(target);
  conn.on('error', () => {});

  /** The init of a run, read once from Redis by its content hash. */
  const initOf = (hash: string): Promise<unknown> => {
    let p = inits.get(hash);
    if (!p) {
      p = conn.getBuffer(initKey(hash)).then((b) => {
        if (!b) throw new UnrecoverableError(`the run's case is no longer in Redis (init ${hash.slice(0, 12)}…): resubmit the run`);
        return decode(b);
      });
      p.catch(() => inits.delete(hash));
      inits.set(hash, p);
      // A few runs' inits at most: the oldest goes.
      if (inits.size > 4) inits.delete(inits.keys().next().value!);
    }
    return p;
  };

  /** An idle thread set up for (job, init): reused, else started, replacing an idle one of another run when all are taken. */
  const laneFor = async (job: ClusterJob, hash: string): Promise<Lane> => {
    let lane = lanes.find((l) => !l.busy && l.hash === hash && l.job === job && !l.worker.failed);
    if (!lane) {
      const init = (await initOf(hash)) as JobInit<ClusterJob>;
      const idle = lanes.findIndex((l) => !l.busy);
      if (lanes.length >= opts.concurrency && idle >= 0) void lanes.splice(idle, 1)[0].worker.terminate();
      lane = { job, hash, worker: new JobWorker(job, init) as JobWorker<JobName>, busy: false };
      lanes.push(lane);
    }
    lane.busy = true;
    return lane;
  };

  const processor = async (j: Job): Promise<string> => {
    const t0 = Date.now();
    let data;
    try {
      data = readJobData(j.data);
    } catch (e) {
      throw new UnrecoverableError((e as Error).message);
    }
    const lane = await laneFor(data.job, data.init);
    try {
      await lane.worker.ready;
      const result = await lane.worker.run(decodeChunk(data) as never);
      opts.onChunk?.({ id: String(j.id), job: data.job, seconds: (Date.now() - t0) / 1000, waitedSeconds: (t0 - j.timestamp) / 1000 });
      return encodeResult(result as never);
    } catch (e) {
      // The engine's errors are deterministic: another attempt would fail the same way.
      throw new UnrecoverableError(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    } finally {
      lane.busy = false;
      if (lane.worker.failed) lanes.splice(lanes.indexOf(lane), 1);
    }
  };

  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker(QUEUE, processor, {
    connection: conn,
    prefix: PREFIX,
    concurrency: Math.max(1, opts.concurrency),
    name,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A chunk may be redelivered several times if workers keep dying under it.
    maxStalledCount: 10,
    autorun: true,
  });
  worker.on('error', (e) => opts.onError?.(e));
  await worker.waitUntilReady();
  if (!(worker.isRunning())) throw new ClusterError('unreachable', `the worker could not start on ${target.safe}`);
  return {
    name,
    redisVersion: version,
    close: async () => {
      await worker.close();
      await Promise.allSettled(lanes.map((l) => l.worker.terminate()));
      conn.disconnect();
    },
  };
}
