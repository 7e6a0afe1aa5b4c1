// --cluster <redis-url> [--chunk N]: a run's outages (or scenarios) go to the
// workers of a BullMQ queue on that Redis instead of this machine's threads.
// The URL is checked before any work; the status lines say how many workers
// are connected, and say so loudly when none is.

import type { Parsed } from './args';
import { UsageError } from './args';
import { intFlag } from './learn-flags';
import { parseRedisUrl } from '../jobs/cluster/redis-url';
import type { ClusterStatus } from '../jobs/cluster/coordinator';

export interface ClusterFlags {
  url: string;
  chunk?: number;
  onStatus(s: ClusterStatus): void;
}

export function clusterFlags(flags: Parsed['flags'], err: (s: string) => void): ClusterFlags | undefined {
  const chunk = intFlag(flags, 'chunk', 1);
  if (flags.cluster === undefined) {
    if (chunk !== undefined) throw new UsageError('--chunk sizes the chunks of a --cluster run; give --cluster <redis-url> too');
    return undefined;
  }
  if (flags.workers !== undefined) throw new UsageError("--workers sets this machine's threads; on a cluster each worker's --concurrency does (give one or the other)");
  const target = parseRedisUrl(String(flags.cluster));
  return { url: target.url, chunk, onStatus: statusLines(target.safe, err) };
}

/** One line when the connected workers change, and a reminder every 30 s while none is connected. */
function statusLines(safe: string, err: (s: string) => void): (s: ClusterStatus) => void {
  let last = -1, quietSince = Date.now();
  return (s) => {
    if (s.workers !== last) {
      err(s.workers === 0 ? `cluster ${safe}: no worker connected; start one with: gridrewire worker --redis <url>` : `cluster ${safe}: ${s.workers} worker${s.workers === 1 ? '' : 's'} connected`);
      last = s.workers;
      quietSince = Date.now();
    } else if (s.workers === 0 && Date.now() - quietSince > 30_000) {
      err(`cluster ${safe}: still no worker connected; ${s.waiting} of ${s.total} chunks wait`);
      quietSince = Date.now();
    }
  };
}
