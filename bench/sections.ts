// Bench sections owned by other modules (store, learn), registered here so
// bench/run.ts stays one table.
import type { Row } from './run';
import { runStoreBench } from './store';
import { runLearnBench } from './learn';
import { runClickBench, runExplainBench } from './explain';
import { runMapBench } from './map';
import { runClusterBench } from './cluster';
import { runScreenBench } from './screen';
import { runStudiesBench } from './studies';
import { runReportBench } from './report';
import { runTfjsBench } from './tfjs';
import { runReproduceTuBench } from './reproduce-tu-section';
import { runFeaturesBench } from './features';
import { runReproduceBench } from './reproduce';

export function sections(record: (r: Row) => void, median: (xs: number[]) => number): Record<string, () => Promise<void>> {
  return {
    async store() {
      const runs = [runStoreBench(), runStoreBench(), runStoreBench()];
      const ms = median(runs.map((r) => r.writeMs));
      record({ section: 'store', what: `store ${runs[0].records} N-1 records (case9241pegase size), batches of ${runs[0].batch}`, value: ms, unit: 'ms', target: '<= 1000 ms', note: 'median of 3' });
      record({ section: 'store', what: 'database file size per record', value: median(runs.map((r) => r.bytesPerRecord)), unit: 'bytes' });
    },
    async learn() {
      await runLearnBench(record);
    },
    explain: async () => { await runExplainBench(record); await runClickBench(record); },
    map: () => runMapBench(record, median),
    cluster: () => runClusterBench(record, median),
    screen: () => runScreenBench(record),
    studies: () => runStudiesBench(record),
    report: () => runReportBench(record),
    tfjs: () => runTfjsBench(record),
    'reproduce-tu': () => runReproduceTuBench(record),
    features: async () => runFeaturesBench(record),
    reproduce: () => runReproduceBench(record),
  };
}
