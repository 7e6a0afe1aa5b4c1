// gridrewire worker --redis <url> [--concurrency N] [--lock-seconds S] [--name X] [--quiet]
// A cluster worker: computes chunks of N-1 runs and dataset labelling from
// the queue until stopped (Ctrl+C or SIGTERM finish the running chunks first).

import { parseArgs, UsageError } from './args';
import { intFlag } from './learn-flags';
import { defaultWorkers } from '../jobs/pool';
import { parseRedisUrl } from '../jobs/cluster/redis-url';
import { startClusterWorker } from '../jobs/cluster/worker';

export const WORKER_USAGE = 'usage: gridrewire worker --redis <redis-url> [--concurrency N] [--lock-seconds S] [--name X] [--quiet]';

export async function workerCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { redis: 'string', concurrency: 'number', 'lock-seconds': 'number', name: 'string', quiet: 'boolean' });
  if (positional.length !== 0 || flags.redis === undefined) throw new UsageError(WORKER_USAGE);
  const target = parseRedisUrl(String(flags.redis));
  const concurrency = intFlag(flags, 'concurrency', 1) ?? defaultWorkers();
  const lock = flags['lock-seconds'];
  if (lock !== undefined && !(typeof lock === 'number' && lock >= 1 && lock <= 3600)) throw new UsageError(`--lock-seconds must be between 1 and 3600, got ${String(lock)}`);
  const w = await startClusterWorker({
    url: target.url, concurrency, lockMs: lock === undefined ? undefined : Math.round(lock * 1000), name: flags.name as string | undefined,
    onChunk: flags.quiet ? undefined : (e) => out(`${e.job} chunk ${e.id}: ${e.seconds.toFixed(2)} s (queued ${e.waitedSeconds.toFixed(2)} s)`),
    onError: (e) => err(`gridrewire worker: ${e.message}`),
  });
  err(`worker ${w.name}: ${concurrency} thread${concurrency === 1 ? '' : 's'} on ${target.safe} (Redis ${w.redisVersion}); Ctrl+C stops it`);
  await new Promise<void>((resolve) => {
    const stop = () => { err(`worker ${w.name}: stopping after the running chunks`); resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await w.close();
  return 0;
}
