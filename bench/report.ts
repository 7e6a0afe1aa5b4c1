// Bench section 'report' (npm run bench -- report): the contingency report of
// a real stored AC N-1 run of case9241pegase (16049 records), in each format,
// from the store to the bytes (gathering the run, solving the base case and
// the worst outages again, the map, rendering). The run is computed once
// (minutes) into bench/.cache/pegase-report.db, or taken from
// GRIDREWIRE_REPORT_DB (a database whose run 1 is such a run), and kept.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../main/store';
import { runStoredN1 } from '../main/services/n1-stored';
import { buildReport } from '../main/services/report';
import { renderReport } from '../main/services/report-render';
import { REPORT_FORMATS } from '../main/core/report/types';
import type { Row } from './run';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');

async function storedRun(): Promise<{ db: string; runId: number; made: boolean }> {
  const given = process.env.GRIDREWIRE_REPORT_DB;
  if (given) return { db: given, runId: 1, made: false };
  const dir = join(ROOT, 'bench', '.cache');
  const db = join(dir, 'pegase-report.db');
  if (existsSync(db)) {
    const s = openStore(db, { readonly: true });
    try {
      const r = s.n1.getRun(1);
      if (r && r.status === 'done') return { db, runId: 1, made: false };
    } finally {
      s.close();
    }
  }
  mkdirSync(dir, { recursive: true });
  const store = openStore(db);
  try {
    const caseText = readFileSync(join(ROOT, 'resources', 'cases', 'case9241pegase.m'), 'utf8');
    process.stdout.write('  report: computing the case9241pegase N-1 run once (a few minutes; kept in bench/.cache)\n');
    const { runId } = await runStoredN1(store, { caseText, fileName: 'case9241pegase.m', mode: 'ac', kind: 'branch' });
    return { db, runId, made: true };
  } finally {
    store.close();
  }
}

export async function runReportBench(record: (r: Row) => void): Promise<void> {
  const { db, runId, made } = await storedRun();
  const store = openStore(db);
  try {
    const n = store.n1.countRecords(runId);
    for (const format of REPORT_FORMATS) {
      const t0 = performance.now();
      const data = buildReport(store, runId, { generator: 'bench' });
      const files = await renderReport(data, format, `bench.${format}`);
      const s = (performance.now() - t0) / 1000;
      const bytes = files.reduce((a, f) => a + f.bytes.length, 0);
      record({
        section: 'report', what: `${format.toUpperCase()} report of a case9241pegase run (${n} records)`, value: s, unit: 's',
        target: format === 'pdf' ? '<= 20 s' : '<= 5 s', note: `${(bytes / 1e6).toFixed(1)} MB${made ? '; run computed first' : ''}`,
      });
    }
  } finally {
    store.close();
  }
}
