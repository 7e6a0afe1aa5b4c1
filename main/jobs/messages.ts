// The tagged protocol between the main thread and a job's worker thread (as
// Signal Desktop talks to its SQL worker): the worker says 'ready' once set
// up, answers each 'chunk' with a 'result' of the same id, and reports a
// failure as 'error' with the error's name kept, so that a BaseCaseError
// thrown in a worker is still a BaseCaseError to the CLI (exit 2).

import { isJobName, type JobChunk, type JobInit, type JobName, type JobResult } from './types';

/** What a worker thread starts with (worker_threads' workerData). */
export interface WorkerData<K extends JobName> {
  job: K;
  init: JobInit<K>;
}

/** Checks what a worker thread was started with: a known job and an init payload. */
export function isWorkerData(d: unknown): d is WorkerData<JobName> {
  return typeof d === 'object' && d !== null && 'init' in d && 'job' in d && isJobName(d.job);
}

export interface ChunkMessage<K extends JobName> {
  type: 'chunk';
  id: number;
  chunk: JobChunk<K>;
}

export interface ReadyMessage {
  type: 'ready';
}

export interface ResultMessage<K extends JobName> {
  type: 'result';
  id: number;
  result: JobResult<K>;
}

/** A failure: of the chunk `id`, or of the set-up when id is absent. */
export interface ErrorMessage {
  type: 'error';
  id?: number;
  name: string;
  message: string;
  stack?: string;
}

export type ToWorker<K extends JobName> = ChunkMessage<K>;
export type FromWorker<K extends JobName> = ReadyMessage | ResultMessage<K> | ErrorMessage;

export function errorMessage(e: unknown, id?: number): ErrorMessage {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'error', ...(id !== undefined ? { id } : {}), name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

/** The worker's error on this side: same name, message and stack. */
export function errorFromMessage(m: ErrorMessage): Error {
  const e = new Error(m.message);
  e.name = m.name;
  if (m.stack) e.stack = m.stack;
  return e;
}
