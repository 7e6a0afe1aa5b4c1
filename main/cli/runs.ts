// gridrewire runs [--db <file>] [--json]: the stored N-1 runs, their status and counts.

import { parseArgs, UsageError } from './args';
import { openStore, defaultDbPath } from '../store';
import { VERDICTS } from '../core/grid/contingency-types';

export function runsCommand(argv: string[], out: (s: string) => void): number {
  const { positional, flags } = parseArgs(argv, { db: 'string', json: 'boolean' });
  if (positional.length) throw new UsageError('usage: gridrewire runs [--db <file>] [--json]');
  const path = (flags.db as string | undefined) ?? defaultDbPath();
  const store = openStore(path, { readonly: true });
  try {
    const runs = store.n1.listRuns();
    // A verified screen's split: solved exactly, kept from the surrogate, islanded decided by topology.
    const screens = new Map(runs.filter((r) => r.mode === 'screen').map((r) => [r.id, store.n1.getRun(r.id)?.config.screen ?? null]));
    if (flags.json) {
      out(JSON.stringify({ db: store.path, runs: runs.map((r) => (screens.get(r.id) ? { ...r, screen: screens.get(r.id) } : r)) }));
      return 0;
    }
    if (runs.length === 0) { out(`no N-1 runs in ${store.path}`); return 0; }
    out(`N-1 runs in ${store.path}`);
    const head = ['id', 'case', 'mode', 'kind', 'status', 'done/total', ...VERDICTS, 'seconds', 'started', ...(screens.size ? ['judged'] : [])];
    const judged = (id: number) => {
      const s = screens.get(id);
      return s ? `${s.exact} exact, ${s.surrogate} surrogate${s.topology ? `, ${s.topology} topology` : ''}` : '-';
    };
    const rows = runs.map((r) => [
      String(r.id), r.caseName, r.mode, r.kind, r.stale ? 'killed?' : r.status, `${r.done}/${r.total}`,
      ...VERDICTS.map((v) => String(r.counts[v])), r.seconds === null ? '-' : r.seconds.toFixed(1), r.startedAt.replace('T', ' ').slice(0, 19),
      ...(screens.size ? [judged(r.id)] : []),
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    out(head.map((h, i) => h.padEnd(w[i])).join('  '));
    for (const r of rows) out(r.map((c, i) => c.padEnd(w[i])).join('  '));
    if (runs.some((r) => r.stale || r.status === 'interrupted' || r.status === 'cancelled' || r.status === 'failed')) out('finish an incomplete run with: gridrewire n1 --resume <id> --db <file>');
    return 0;
  } finally {
    store.close();
  }
}
