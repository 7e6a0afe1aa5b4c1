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

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-'));
try {
  const path = join(dir, 'bench.db');
  const store = openStore(path);
  const c = makeCase('case_bench', 200);
  const caseId = store.cases.import({ text: caseText(c), parsed: c }).id;
  store.checkpoint();
  const before = fileBytes(path);

  const elements = range1(N);
  const records = elements.map((e) => makeRecord('branch', e)); // computed before timing: we time the store only

  const t0 = process.hrtime.bigint();
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements, options: { enforceQLimits: false } }, N);
  for (let i = 0; i < N; i += BATCH) store.n1.appendRecords(runId, records.slice(i, i + BATCH));
  store.n1.finishRun(runId, 'done', 0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  store.checkpoint();
  const after = fileBytes(path);
  const t1 = process.hrtime.bigint();
  const top = store.n1.getRecords(runId, { orderBy: 'severity', limit: 100 });
  const queryMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const t2 = process.hrtime.bigint();
  const all = store.n1.getRecords(runId);
  const readAllMs = Number(process.hrtime.bigint() - t2) / 1e6;
  store.close();
  if (all.length !== N || top.length !== 100) throw new Error('bench: wrong record count read back');

  console.log(`store: ${N} N-1 records in batches of ${BATCH}: ${(seconds * 1000).toFixed(0)} ms (target <= 1000 ms) ${seconds <= 1 ? 'OK' : 'SLOW'}`);
  console.log(`store: file grew ${((after - before) / 1024).toFixed(0)} KiB = ${((after - before) / N).toFixed(1)} bytes per record`);
  console.log(`store: top 100 by severity ${queryMs.toFixed(1)} ms; read all ${N} records ${readAllMs.toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
