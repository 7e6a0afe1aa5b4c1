// The Api's reports: exportReport makes the report of a stored run and keeps
// it in the database, reports lists it, reportFile gives its bytes back; bad
// requests name their field and change nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ApiError, validators, type Api, type ApiMethod } from '../../main/api';
import { openStore, type Store } from '../../main/store';
import { createHandlers } from '../../main/services/app';
import { runStoredN1 } from '../../main/services/n1-stored';
import { casesDir } from '../../main/paths';
import { caseText } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-api-reports-'));
let store: Store;
let api: Api;
let runId = 0;

/** A request through the validators, as the adapters send it. */
const call = async <M extends ApiMethod>(m: M, req: unknown) => (api[m] as (r: unknown) => Promise<unknown>)(validators[m](req));

before(async () => {
  store = openStore(join(dir, 'app.db'));
  api = createHandlers({ casesDir: casesDir(), store });
  ({ runId } = await runStoredN1(store, { caseText: caseText('case14'), fileName: 'case14.m', mode: 'ac', kind: 'branch' }));
});

after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('exportReport keeps the report in the database; reports lists it newest first; reportFile reads it back', async () => {
  const [x] = await api.exportReport({ runId, format: 'xlsx' });
  assert.equal(x.kind, 'xlsx');
  assert.equal(x.runId, runId);
  assert.equal(x.caseName, 'case14');
  assert.equal(x.kept, true);
  assert.equal(x.partial, false);
  assert.match(x.fileName, new RegExp(`^case14-run${runId}\\.xlsx$`));
  const csv = await api.exportReport({ runId, format: 'csv' });
  assert.deepEqual(csv.map((r) => r.fileName), [`case14-run${runId}.csv`, `case14-run${runId}.violations.csv`]);
  const list = await api.reports({});
  assert.deepEqual(list.map((r) => r.id), [csv[1].id, csv[0].id, x.id]);
  assert.deepEqual((await api.reports({ runId: runId + 100 })), []);
  const f = await api.reportFile({ id: x.id });
  assert.equal(f.mimeType, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const bytes = Buffer.from(f.base64, 'base64');
  assert.equal(bytes.length, x.size);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  assert.equal(wb.getWorksheet('All contingencies')!.actualRowCount, store.n1.countRecords(runId) + 1);
  const rows = (Buffer.from((await api.reportFile({ id: csv[0].id })).base64, 'base64').toString('utf8')).trim().split('\r\n');
  assert.equal(rows.length, store.n1.countRecords(runId) + 1);
});

test('bad requests name their field, one line, and keep nothing', async () => {
  const before = store.reports.list().length;
  await assert.rejects(call('exportReport', { runId: 999, format: 'html' }), (e: unknown) => e instanceof ApiError && e.field === 'runId' && /there is no N-1 run 999/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(call('exportReport', { runId, format: 'docx' }), (e: unknown) => e instanceof ApiError && e.field === 'format' && /must be one of html, pdf, csv, xlsx, json/.test(e.message));
  await assert.rejects(call('exportReport', { runId, format: 'html', compareTo: runId }), (e: unknown) => e instanceof ApiError && e.field === 'compareTo');
  await assert.rejects(call('reportFile', { id: 12345 }), (e: unknown) => e instanceof ApiError && e.field === 'id');
  assert.equal(store.reports.list().length, before);
});

test('without a database the window is told why', async () => {
  const bare = createHandlers({ casesDir: casesDir() });
  assert.deepEqual(await bare.reports({}), []);
  await assert.rejects(bare.exportReport({ runId: 1, format: 'html' }), /reports need a database/);
});
