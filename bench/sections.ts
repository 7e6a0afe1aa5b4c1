// Bench sections owned by other modules (store, learn), registered here so
// bench/run.ts stays one table.
import type { Row } from './run';

export function sections(_record: (r: Row) => void, _median: (xs: number[]) => number): Record<string, () => Promise<void>> {
  return {};
}
