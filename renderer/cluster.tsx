// The cluster the app may send N-1 runs to: read from the main process now
// and every 10 s while wanted (its workers come and go), and a status-bar
// badge with the connected workers.

import { useEffect, useState } from 'react';
import type { ClusterInfo } from '../main/api';
import { api } from './api';

export function useCluster(watch: boolean): ClusterInfo | null {
  const [info, setInfo] = useState<ClusterInfo | null>(null);
  useEffect(() => {
    let live = true;
    const read = () => api.cluster().then((i) => { if (live) setInfo(i); }, () => {});
    void read();
    const t = watch ? setInterval(read, 10_000) : null;
    return () => { live = false; if (t) clearInterval(t); };
  }, [watch]);
  return info;
}

export function ClusterBadge({ info }: { info: ClusterInfo }) {
  const n = info.workers.length;
  const text = info.error ? 'cluster unreachable' : `cluster: ${n} worker${n === 1 ? '' : 's'}`;
  const title = info.error ?? `${info.url} (Redis ${info.redisVersion})${n ? `\n${info.workers.map((w) => `${w.name} ${w.addr}`).join('\n')}` : '\nno worker connected: gridrewire worker --redis <url>'}`;
  return <span className={`cluster-badge${info.error || n === 0 ? ' cluster-badge-warn' : ''}`} data-testid="cluster-badge" title={title}>{text}</span>;
}
