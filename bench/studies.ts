// Bench section 'studies' (npm run bench -- studies): the speed
// targets on a case_ACTIVSg200 model: the graphon of every sparse layer
// (<= 1 s), a full robustness study (5 perturbations x 20 fractions, 5 draws
// of the random ones, the default 500 test outages: <= 2 min) and the
// compression table without fine-tuning (<= 1 min), and the robustness study
// of a dense model. The models are trained here first (a 25-scenario
// proportional-dispatch dataset, SET at 90% sparsity and dense, 6 epochs;
// about a minute each), which is not timed.
// Standalone: `node --import tsx bench/studies.ts`.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../main/store';
import { buildDataset } from '../main/services/dataset';
import { trainSurrogate } from '../main/services/train';
import { Studies } from '../main/services/studies';
import { compressionStudy } from '../main/services/compress';
import { casesDir } from '../main/paths';
import type { Row } from './run';

export async function runStudiesBench(record: (r: Row) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-studies-'));
  const store = openStore(join(dir, 'bench.db'));
  try {
    const text = readFileSync(join(casesDir(), 'case_ACTIVSg200.m'), 'utf8');
    const ds = await buildDataset({ store, caseText: text, fileName: 'case_ACTIVSg200.m', random: 25, seed: 1, dispatch: 'proportional', randomLoad: { levelMin: 1.1, levelMax: 1.55 } });
    const model = (await trainSurrogate({ store, datasetId: ds.datasetId, method: 'set', regrow: 'random', epochs: 6, seed: 1 })).modelId!;
    const studies = new Studies(store);
    const g = [0, 1, 2].map(() => studies.graphon({ model }).seconds);
    g.sort((a, b) => a - b);
    record({ section: 'studies', what: 'graphon of every sparse layer (32 x 32 blocks, 16 random masks each for the null), case_ACTIVSg200 model', value: g[1] * 1000, unit: 'ms', target: '<= 1000 ms', note: 'median of 3' });
    const r = await studies.robustness({ model });
    record({ section: 'studies', what: `full robustness study (5 perturbations x 20 fractions, 5 draws; ${r.evaluations} evaluations of ${r.config.evaluated} test outages, ${r.config.workers} threads), case_ACTIVSg200 SET model`, value: r.seconds, unit: 's', target: '<= 120 s' });
    // The dense model: 12x the connections; removals go through the compacted layers.
    const dense = (await trainSurrogate({ store, datasetId: ds.datasetId, method: 'dense', epochs: 6, seed: 1 })).modelId!;
    const rd = await studies.robustness({ model: dense });
    record({ section: 'studies', what: `full robustness study of the dense model (${rd.connections} connections, ${rd.evaluations} evaluations, ${rd.config.workers} threads), case_ACTIVSg200`, value: rd.seconds, unit: 's', target: '<= 120 s' });
    const c = await compressionStudy(store, { model });
    record({ section: 'studies', what: `compression table without fine-tuning (${c.rows.length} rows, each stored, read back, evaluated on ${c.config.testOutages} test outages and timed), case_ACTIVSg200`, value: c.seconds, unit: 's', target: '<= 60 s' });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

