// What travels through Redis between a coordinator and the workers: one queue;
// a job per chunk whose data names the job type (only ours: a worker runs
// nothing else), the content hash of the job's init (stored once per run
// under its own key, so the case text does not travel with every chunk) and
// the chunk, both msgpack-encoded (typed arrays, NaN and -0 survive, which
// JSON would not).

import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { z } from 'zod';
import type { JobChunk, JobInit, JobResult } from '../types';
import { ClusterError } from './errors';

/** The jobs a cluster runs. */
export const CLUSTER_JOBS = ['n1', 'dataset'] as const;
export type ClusterJob = (typeof CLUSTER_JOBS)[number];

/** BullMQ's queue and key prefix. */
export const QUEUE = 'gridrewire';
export const PREFIX = 'gridrewire';
/** How long an init payload stays in Redis after the last run that used it. */
export const INIT_TTL_SECONDS = 7 * 24 * 3600;

export const initKey = (hash: string) => `${PREFIX}:init:${hash}`;

const packr = new Packr({ moreTypes: true });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

export function decode<T>(bytes: Buffer | Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** The encoded init and its content hash (the key it is stored under). */
export function packInit<K extends ClusterJob>(init: JobInit<K>): { hash: string; bytes: Buffer } {
  const bytes = encode(init);
  return { hash: createHash('sha256').update(bytes).digest('hex'), bytes };
}

const JobData = z.object({
  v: z.literal(1),
  job: z.enum(CLUSTER_JOBS),
  init: z.string().regex(/^[0-9a-f]{64}$/),
  chunk: z.string(),
});
export type JobData = z.infer<typeof JobData>;

export function jobData<K extends ClusterJob>(job: K, initHash: string, chunk: JobChunk<K>): JobData {
  return { v: 1, job, init: initHash, chunk: encode(chunk).toString('base64') };
}

/** The job's data, checked: anything but our job types is refused. */
export function readJobData(data: unknown): JobData {
  const r = JobData.safeParse(data);
  if (!r.success) throw new ClusterError('bad-job', `not a GridRewire job (${r.error.issues[0]?.path.join('.') || 'data'}: ${r.error.issues[0]?.message})`);
  return r.data;
}

export const decodeChunk = <K extends ClusterJob>(d: JobData): JobChunk<K> => decode(Buffer.from(d.chunk, 'base64'));
export const encodeResult = <K extends ClusterJob>(r: JobResult<K>): string => encode(r).toString('base64');
export const decodeResult = <K extends ClusterJob>(s: unknown): JobResult<K> => {
  if (typeof s !== 'string') throw new ClusterError('bad-job', `a chunk's result is not what a GridRewire worker returns (${typeof s})`);
  return decode(Buffer.from(s, 'base64'));
};

/** BullMQ job ids may not contain ':'; ours are run key, then the chunk's place. */
export function chunkJobId(runKey: string, place: string): string {
  const id = `${runKey}_${place}`;
  if (id.includes(':')) throw new ClusterError('bad-job', `job id '${id}' may not contain ':'`);
  return id;
}
