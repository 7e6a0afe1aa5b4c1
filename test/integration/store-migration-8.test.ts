// Migration 8 on a version-7 file: the reproduction tables arrive empty, the
// rest is untouched; a study row, a run keyed by its full name and a
// checkpoint round-trip (bytes exact); an unknown dataset is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseAtVersion } from '../helpers/old-schema';
import { openStore } from '../../main/store';

test('a version-7 database gets the reproduction tables; studies, runs and checkpoints round-trip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig8-'));
  try {
    const path = join(dir, 'v7.db');
    const raw = databaseAtVersion(path, 7);
    raw.prepare("INSERT INTO cases (id, hash, name, text_gz, parsed_gz, nbus, nbranch, ngen, imported_at) VALUES (1, 'h', 'c', x'00', x'00', 1, 1, 1, 't')").run();
    raw.close();

    const store = openStore(path);
    assert.ok(store.schemaVersion >= 8);
    assert.equal(store.cases.list().length, 1, 'the cases are kept');
    assert.deepEqual(store.reproductions.list(), []);
    const id = store.reproductions.start('fashion-mnist', { epochs: 3 });
    assert.equal(store.reproductions.get(id)!.status, 'running');
    store.reproductions.finish(id, 'done', { rows: [{ method: 'set', accuracy: 0.5 }] });
    const r = store.reproductions.get(id)!;
    assert.equal(r.status, 'done');
    assert.deepEqual(r.result, { rows: [{ method: 'set', accuracy: 0.5 }] });
    assert.ok(r.finishedAt);
    const key = 'fashion-mnist:set:sparsity=0.99:seed=1:cfg=abc';
    assert.equal(store.reproductions.getRun(key), undefined);
    store.reproductions.putRun(key, 'fashion-mnist', { accuracy: 0.8, curve: [0.7, 0.8] });
    assert.deepEqual(store.reproductions.getRun(key), { accuracy: 0.8, curve: [0.7, 0.8] });
    assert.equal(store.reproductions.runCount('fashion-mnist'), 1);
    assert.equal(store.reproductions.runCount('mnist'), 0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 255);
    store.reproductions.putCheckpoint(key, 1, bytes);
    store.reproductions.putCheckpoint(key, 2, bytes.subarray(10));
    const ck = store.reproductions.getCheckpoint(key)!;
    assert.equal(ck.epoch, 2, 'the latest epoch replaces the one before');
    assert.deepEqual(Array.from(ck.state), Array.from(bytes.subarray(10)));
    assert.throws(() => store.reproductions.start('cifar', {}), /dataset must be one of/);
    assert.equal(store.reproductions.list().length, 1, 'nothing stored by the refused one');
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
