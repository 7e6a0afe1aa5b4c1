// Store benchmark: write the 16049 contingency records of a case9241pegase
// N-1 run in batches of 500 (as the engine does) and report the time and the
// file size per record. Target: at most 1 s.
//   node --import tsx bench/store.ts

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../main/store';
import { caseText, makeCase, makeRecord, range1 } from '../test/fixtures/store/fixtures';

const N = 16049; // in-service branches of case9241pegase
const BATCH = 500;

function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      /* absent */
    }
  }
  return n;
}

export interface StoreBenchResult {
  records: number;
  batch: number;
  /** Time to create the run, append every batch and finish it. */
  writeMs: number;
  /** Growth of the file (after a WAL checkpoint) per stored record. */
  bytesPerRecord: number;
  topBySeverityMs: number;
  readAllMs: number;
}

/** Runs the benchmark in a temporary folder and removes it. */
export function runStoreBench(n = N, batch = BATCH): StoreBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-'));
  try {
    const path = join(dir, 'bench.db');
    const store = openStore(path);
    const c = makeCase('case_bench', 200);
    const caseId = store.cases.import({ text: caseText(c), parsed: c }).id;
    store.checkpoint();
    const before = fileBytes(path);

    const elements = range1(n);
    const records = elements.map((e) => makeRecord('branch', e)); // computed before timing: we time the store only

    const t0 = process.hrtime.bigint();
    const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements, options: { enforceQLimits: false } }, n);
    for (let i = 0; i < n; i += batch) store.n1.appendRecords(runId, records.slice(i, i + batch));
    store.n1.finishRun(runId, 'done', 0);
    const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;

    store.checkpoint();
    const after = fileBytes(path);
    const t1 = process.hrtime.bigint();
    const top = store.n1.getRecords(runId, { orderBy: 'severity', limit: 100 });
    const topBySeverityMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const t2 = process.hrtime.bigint();
    const all = store.n1.getRecords(runId);
    const readAllMs = Number(process.hrtime.bigint() - t2) / 1e6;
    store.close();
    if (all.length !== n || top.length !== Math.min(100, n)) throw new Error('bench: wrong record count read back');
    return { records: n, batch, writeMs, bytesPerRecord: (after - before) / n, topBySeverityMs, readAllMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('bench/store.ts')) {
  const r = runStoreBench();
  console.log(`store: ${r.records} N-1 records in batches of ${r.batch}: ${r.writeMs.toFixed(0)} ms (target <= 1000 ms) ${r.writeMs <= 1000 ? 'OK' : 'SLOW'}`);
  console.log(`store: ${r.bytesPerRecord.toFixed(1)} bytes of database file per record`);
  console.log(`store: top 100 by severity ${r.topBySeverityMs.toFixed(1)} ms; read all ${r.records} records ${r.readAllMs.toFixed(0)} ms`);
}
