// The app's view of its cluster: the Redis URL it was started with
// (GRIDREWIRE_REDIS) and the workers connected to the queue now. An
// unreachable Redis is shown, not thrown: the window keeps working locally.

import type { ClusterInfo } from '../api';
import { clusterWorkers } from '../jobs/cluster/coordinator';
import { parseRedisUrl } from '../jobs/cluster/redis-url';

export class ClusterView {
  /** `url`: the cluster's Redis, or null when none is configured. */
  constructor(private readonly url: string | null) {}

  async info(): Promise<ClusterInfo> {
    if (!this.url) return { configured: false, url: null, redisVersion: null, workers: [], error: null };
    let safe: string | null = null;
    try {
      safe = parseRedisUrl(this.url).safe;
      const { redisVersion, workers } = await clusterWorkers(this.url);
      return { configured: true, url: safe, redisVersion, workers, error: null };
    } catch (e) {
      return { configured: true, url: safe, redisVersion: null, workers: [], error: e instanceof Error ? e.message : String(e) };
    }
  }
}
