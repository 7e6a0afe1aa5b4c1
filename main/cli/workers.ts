// --workers: a whole number, at most the cores this process may use. More
// threads than cores only share the same cores (and the memory of each), so a
// larger number is capped with a note rather than obeyed or refused.

import { defaultWorkers } from '../jobs/pool';
import type { Parsed } from './args';
import { intFlag } from './learn-flags';

export function workersFlag(flags: Parsed['flags'], command: string, err: (s: string) => void, min = 1, cores = defaultWorkers()): number | undefined {
  const n = intFlag(flags, 'workers', min);
  if (n === undefined || n <= cores) return n;
  err(`gridrewire ${command}: --workers ${n} is more than the ${cores} core${cores === 1 ? '' : 's'} of this machine; using ${cores}`);
  return cores;
}
