// Migration 6 on a version-5 file with a training run in it: the run and its
// epochs are kept, and its sparse masks can be stored per epoch from then on
// (read back in layer order, dropped with the epochs a resume redoes and
// with the run); a bad mask is refused with one sentence and stores nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseAtVersion } from '../helpers/old-schema';
import { openStore, StoreError } from '../../main/store';

const mask = (layer: string, nIn: number, nOut: number, positions: number[]) => ({ layer, nIn, nOut, positions: Int32Array.from(positions) });

test('a version-5 database gets training masks per epoch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig6-'));
  try {
    const path = join(dir, 'v5.db');
    const raw = databaseAtVersion(path, 5);
    raw.prepare("INSERT INTO training_runs (id, config, status, epochs, started_at, updated_at) VALUES (7, '{}', 'done', 3, 't', 't')").run();
    raw.prepare("INSERT INTO training_epochs (run_id, epoch, val_metrics, pruned, regrown) VALUES (7, 1, '{}', 2, 2)").run();
    assert.throws(() => raw.prepare('SELECT * FROM training_masks').all(), /no such table/);
    raw.close();

    const store = openStore(path);
    assert.ok(store.schemaVersion >= 6);
    assert.equal(store.training.getEpochs(7).length, 1, 'the old run keeps its epochs');
    assert.deepEqual(store.training.getMasks(7), [], 'a run trained before masks were kept has none');

    store.training.saveMasks(7, 0, [mask('b', 4, 3, [0, 5, 11]), mask('a', 2, 2, [1, 2])]);
    store.training.saveMasks(7, 2, [mask('b', 4, 3, [1, 5, 10]), mask('a', 2, 2, [0, 3])]);
    store.training.saveMasks(7, 3, [mask('b', 4, 3, [2]), mask('a', 2, 2, [3])]);
    const got = store.training.getMasks(7);
    assert.deepEqual(got.map((e) => e.epoch), [0, 2, 3]);
    assert.deepEqual(got[1].layers.map((l) => [l.layer, l.nIn, l.nOut, [...l.positions]]), [['b', 4, 3, [1, 5, 10]], ['a', 2, 2, [0, 3]]], 'layers in the order given');

    const refused = (f: () => void, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof StoreError && e.code === 'INVALID' && re.test(e.message) && !e.message.includes('\n'));
    refused(() => store.training.saveMasks(7, 2, [mask('b', 4, 3, [5, 1])]), /sorted and distinct/);
    refused(() => store.training.saveMasks(7, 2, [mask('b', 4, 3, [12])]), /position 12 outside a 3x4 layer/);
    refused(() => store.training.saveMasks(7, 2, [mask('b', 4, 3, [1]), mask('b', 4, 3, [2])]), /given twice/);
    refused(() => store.training.saveMasks(7, -1, [mask('b', 4, 3, [1])]), /epoch/);
    assert.deepEqual(store.training.getMasks(7), got, 'a refused mask changes nothing');
    assert.throws(() => store.training.saveMasks(99, 0, [mask('b', 4, 3, [1])]), (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND');

    store.training.truncateEpochsAfter(7, 2);
    assert.deepEqual(store.training.getMasks(7).map((e) => e.epoch), [0, 2], 'a resume from epoch 2 drops the masks after it');
    store.training.delete(7);
    assert.deepEqual(store.training.getMasks(7), [], 'deleting the run deletes its masks');
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
