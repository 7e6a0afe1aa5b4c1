// Worker thread entry: sets up the job named in workerData once, then
// answers each 'chunk' message with a 'result' (jobs/messages.ts).

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { jobHandlers } from './jobs/handlers';
import { errorMessage, isWorkerData, type FromWorker, type ToWorker, type WorkerData } from './jobs/messages';
import type { JobName } from './jobs/types';

function serve<K extends JobName>(port: MessagePort, data: WorkerData<K>): void {
  const post = (m: FromWorker<K>) => port.postMessage(m);
  const handle = jobHandlers[data.job](data.init);
  port.on('message', (m: ToWorker<K>) => {
    try {
      post({ type: 'result', id: m.id, result: handle(m.chunk) });
    } catch (e) {
      post(errorMessage(e, m.id));
    }
  });
  post({ type: 'ready' });
}

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
try {
  const data: unknown = workerData;
  if (!isWorkerData(data)) throw new Error(`a worker needs a known job and its init, got ${JSON.stringify(data)?.slice(0, 80)}`);
  serve(port, data);
} catch (e) {
  port.postMessage(errorMessage(e));
}
