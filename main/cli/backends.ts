// gridrewire backends [--json]: each learning backend with whether it loads
// in this process, the device it found and why not. Loading is tried for
// each TensorFlow.js package (a failure is a row, not an error).

import { parseArgs, UsageError } from './args';
import { chooseBackend, listBackends } from '../services/backend';

export const BACKENDS_USAGE = 'usage: gridrewire backends [--json]';

export function backendsCommand(argv: string[], out: (s: string) => void): number {
  const { positional, flags } = parseArgs(argv, { json: 'boolean' });
  if (positional.length) throw new UsageError(BACKENDS_USAGE);
  const rows = listBackends();
  const auto = chooseBackend('auto');
  if (flags.json) {
    out(JSON.stringify({ backends: rows, auto: { name: auto.name, device: auto.device, note: auto.note } }));
    return 0;
  }
  const head = ['backend', 'loaded', 'device', 'note'];
  const cells = rows.map((r) => [r.name, r.loaded ? 'yes' : 'no', r.device ?? '-', r.note]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  out(head.map((h, i) => h.padEnd(w[i])).join('  ').trimEnd());
  for (const c of cells) out(c.map((x, i) => x.padEnd(w[i])).join('  ').trimEnd());
  out(`train --backend auto uses: ${auto.name} (${auto.device})`);
  return 0;
}
