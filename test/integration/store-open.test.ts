// Opening real files: fresh databases, and every kind of bad input. A refused
// file must be left byte for byte as it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, SCHEMA_VERSION, StoreError } from '../../main/store';
import type { StoreErrorCode } from '../../main/store';
import { APPLICATION_ID } from '../../main/store/migrations';
import { caseText, makeCase } from '../fixtures/store/fixtures';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gr-store-open-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fileHash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function refuses(fn: () => unknown, code: StoreErrorCode, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('a new file is created in a new folder, migrated, in WAL mode with foreign keys on', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'deep', 'er', 'g.db');
  const store = openStore(path);
  assert.equal(store.path, path);
  assert.deepEqual(store.integrityCheck(), ['ok']);
  store.close();
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(raw.pragma('application_id', { simple: true }), APPLICATION_ID);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
  for (const t of ['cases', 'n1_runs', 'n1_records', 'datasets', 'dataset_samples', 'models', 'model_tensors', 'training_runs', 'training_epochs', 'training_checkpoints', 'model_results', 'reports', 'layouts', 'change_sets']) {
    assert.ok(tables.includes(t), `table ${t}`);
  }
  raw.close();
  // Reopening keeps the data and does not migrate twice.
  const c = makeCase('c', 4);
  const s2 = openStore(path);
  const id = s2.cases.import({ text: caseText(c), parsed: c }).id;
  s2.close();
  const s3 = openStore(path);
  assert.equal(s3.cases.get(id)?.name, 'c');
  // foreign_keys is on: deleting the case removes its runs.
  const runId = s3.n1.createRun({ caseId: id, mode: 'dc', kind: 'branch', elements: [1], options: {} }, 1);
  s3.cases.delete(id);
  assert.equal(s3.n1.getRun(runId), undefined);
  s3.close();
});

test('an empty (0-byte) file is initialised as a new database', (t) => {
  const path = join(tempDir(t), 'empty.db');
  writeFileSync(path, '');
  const s = openStore(path);
  assert.deepEqual(s.n1.listRuns(), []);
  s.close();
});

test('a text file or random bytes: NOT_A_DATABASE naming the path, file unchanged', (t) => {
  const dir = tempDir(t);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'function mpc = case9\nmpc.baseMVA = 100;\n'.repeat(20));
  const rnd = join(dir, 'random.db');
  writeFileSync(rnd, randomBytes(8192));
  // Random bytes that start like SQLite but are garbage after the magic.
  const fake = join(dir, 'fake.db');
  writeFileSync(fake, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(4096)]));
  const short = join(dir, 'short.db');
  writeFileSync(short, 'SQLite');
  for (const p of [text, rnd, short]) {
    const before = fileHash(p);
    refuses(() => openStore(p), 'NOT_A_DATABASE', new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /not a GridRewire database/);
    refuses(() => openStore(p, { readonly: true }), 'NOT_A_DATABASE');
    assert.equal(fileHash(p), before, `${p} unchanged`);
    assert.equal(existsSync(p + '-wal'), false);
  }
  const before = fileHash(fake);
  assert.throws(() => openStore(fake), (e: unknown) => e instanceof StoreError && ['NOT_A_DATABASE', 'CORRUPT'].includes(e.code));
  assert.equal(fileHash(fake), before);
  refuses(() => openStore(dir), 'NOT_A_DATABASE', /is a folder/);
});

test("another application's SQLite file is refused and left unchanged", (t) => {
  const path = join(tempDir(t), 'other.sqlite');
  const raw = new Database(path);
  raw.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hello\')');
  raw.close();
  const before = fileHash(path);
  refuses(() => openStore(path), 'NOT_A_DATABASE', /SQLite file but not a GridRewire database/);
  assert.equal(fileHash(path), before);
  // Same with a foreign application_id and no tables.
  const p2 = join(tempDir(t), 'other2.sqlite');
  const r2 = new Database(p2);
  r2.pragma('application_id = 1234');
  r2.close();
  const b2 = fileHash(p2);
  refuses(() => openStore(p2), 'NOT_A_DATABASE');
  assert.equal(fileHash(p2), b2);
});

test('a database from a newer schema version is refused, file unchanged', (t) => {
  const path = join(tempDir(t), 'future.db');
  const s = openStore(path);
  s.close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  raw.exec('CREATE TABLE from_the_future (x)');
  raw.close();
  const before = fileHash(path);
  refuses(() => openStore(path), 'NEWER_SCHEMA', /newer GridRewire/, new RegExp(`schema version ${SCHEMA_VERSION + 5}`), /not changed/);
  refuses(() => openStore(path, { readonly: true }), 'NEWER_SCHEMA');
  assert.equal(fileHash(path), before);
});

test('a folder that cannot be created gives CANNOT_CREATE (even as root)', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'file.txt');
  writeFileSync(file, 'I am a file');
  refuses(() => openStore(join(file, 'db', 'g.db')), 'CANNOT_CREATE', /file\.txt/, /not a folder/);
  refuses(() => openStore('/proc/gridrewire/g.db'), 'CANNOT_CREATE', /\/proc\/gridrewire/);
  assert.equal(readFileSync(file, 'utf8'), 'I am a file');
});

test('read-only: a missing file is NOT_FOUND (and not created); writes are READ_ONLY', (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'missing.db');
  refuses(() => openStore(missing, { readonly: true }), 'NOT_FOUND', /does not exist/);
  assert.equal(existsSync(missing), false);
  const path = join(dir, 'g.db');
  const w = openStore(path);
  const c = makeCase('ro', 3);
  const id = w.cases.import({ text: caseText(c), parsed: c }).id;
  const r = openStore(path, { readonly: true });
  assert.equal(r.readonly, true);
  assert.equal(r.cases.get(id)?.nbus, 3);
  refuses(() => r.layouts.upsert(id, [{ bus: 1, x: 0, y: 0 }]), 'READ_ONLY');
  refuses(() => r.n1.createRun({ caseId: id, mode: 'ac', kind: 'branch', elements: [1], options: {} }, 1), 'READ_ONLY');
  r.close();
  w.close();
});

test('use after close is a clear CLOSED error', (t) => {
  const s = openStore(join(tempDir(t), 'c.db'));
  s.close();
  refuses(() => s.cases.list(), 'CLOSED');
});
