// Worker thread entry: sets up the job named in workerData once, then
// answers each { chunk } message with { result }.

import { parentPort, workerData } from 'node:worker_threads';
import { jobHandlers } from './jobs/handlers';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const { job, init } = workerData as { job: string; init: unknown };
try {
  const factory = jobHandlers[job];
  if (!factory) throw new Error(`unknown job '${job}'`);
  const handle = factory(init);
  port.on('message', (msg: { chunk: unknown }) => {
    try {
      port.postMessage({ result: handle(msg.chunk) });
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e), errorName: e instanceof Error ? e.name : 'Error' });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e), errorName: e instanceof Error ? e.name : 'Error' });
}
