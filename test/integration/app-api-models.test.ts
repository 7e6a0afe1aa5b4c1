// A model row that cannot be read (damaged JSON, a config with a field
// missing or wrong) written with real SQLite into a real store: the outage
// still answers with the physics and the next good model, each bad row is
// warned about once and listed as unreadable, `gridrewire predict` says one
// line and exits 2, and nothing in the store changes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../main/store';
import { createServices, handlersOf } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { loadSurrogate, PredictError } from '../../main/services/predict';
import { cli } from '../helpers/cli';
import { CASES, caseText, loadReference } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-models-'));
const file = join(dir, 'models.db');
let store: Store;
let good = 0;
const bad = { damaged: 0, missing: 0, wrong: 0 };

/** Copies model `id` as a new row (tensors too) whose config is `config`, with SQL as a damaged file would have it. */
function insertCopy(db: Database.Database, id: number, name: string, config: string): number {
  const info = db.prepare(`INSERT INTO models (name, dataset_id, training_run_id, config, metrics, created_at, updated_at)
    SELECT ?, dataset_id, training_run_id, ?, metrics, created_at, updated_at FROM models WHERE id = ?`).run(name, config, id);
  const copy = Number(info.lastInsertRowid);
  db.prepare('INSERT INTO model_tensors (model_id, name, data) SELECT ?, name, data FROM model_tensors WHERE model_id = ?').run(copy, id);
  return copy;
}

/** Everything the store keeps about models and runs, to compare before and after. */
function snapshot(): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return {
      models: db.prepare('SELECT * FROM models ORDER BY id').all(),
      tensors: db.prepare('SELECT model_id, name, hex(data) AS data FROM model_tensors ORDER BY model_id, name').all(),
      cases: db.prepare('SELECT id, hash FROM cases ORDER BY id').all(),
      runs: db.prepare('SELECT count(*) AS n FROM n1_runs').get(),
    };
  } finally {
    db.close();
  }
}

before(async () => {
  store = openStore(file);
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 4, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
  good = (await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 2, batchSize: 16, seed: 1 })).modelId!;
  const db = new Database(file);
  try {
    const config = JSON.parse((db.prepare('SELECT config FROM models WHERE id = ?').get(good) as { config: string }).config);
    bad.damaged = insertCopy(db, good, 'damaged', '{"format": "gridrewire-n1-surrogate", "model": {');
    const { model: _dropped, ...withoutModel } = config;
    bad.missing = insertCopy(db, good, 'no model', JSON.stringify(withoutModel));
    bad.wrong = insertCopy(db, good, 'bad threshold', JSON.stringify({ ...config, threshold: 'high' }));
  } finally {
    db.close();
  }
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the store returns a row whose JSON does not parse, marked unreadable, instead of throwing', () => {
  const list = store.models.list();
  assert.deepEqual(list.map((m) => m.id), [good, bad.damaged, bad.missing, bad.wrong]);
  const damaged = store.models.get(bad.damaged)!;
  assert.match(damaged.unreadable!.config!, new RegExp(`^model ${bad.damaged} config: stored JSON does not parse`));
  assert.deepEqual(damaged.config, {});
  assert.equal(damaged.name, 'damaged');
  assert.equal(store.models.get(good)!.unreadable, null);
  assert.equal(store.models.get(bad.missing)!.unreadable, null, 'valid JSON: the store reads it; the surrogate parser refuses it');
});

test('loadSurrogate refuses each bad row with one sentence', () => {
  const refused = (id: number, message: string) =>
    assert.throws(() => loadSurrogate(store, id), (e: unknown) => e instanceof PredictError && e.message === message);
  refused(bad.missing, `model ${bad.missing} has an invalid config: field 'config.model': must be an object`);
  refused(bad.wrong, `model ${bad.wrong} has an invalid config: field 'config.threshold': must be a number from 0 to 1`);
  assert.throws(() => loadSurrogate(store, bad.damaged), (e: unknown) => e instanceof PredictError && /^model \d+ cannot be read: model \d+ config: stored JSON does not parse/.test(e.message));
  assert.equal(loadSurrogate(store, good).id, good);
});

test('an outage still answers: physics, and the surrogate of the next good model; each bad row warned about once', async () => {
  const before = snapshot();
  const warnings: string[] = [];
  const api = handlersOf(createServices({ casesDir: casesDir(), store, logger: { warn: (m) => warnings.push(m) } }));
  const o = await api.outage({ name: 'case30', branch: 10 });
  const ref = loadReference('case30').contingencies.find((c) => c.branch === 10)!;
  assert.equal(o.record.verdict, ref.verdict);
  assert.equal(o.surrogate?.modelId, good, 'the newest model that reads well');
  await api.outage({ name: 'case30', branch: 16 });
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.match(warnings.find((w) => w.includes(`model ${bad.missing} `))!, new RegExp(`^skipping model ${bad.missing} \\('no model'\\): it has an invalid config: field 'config.model': must be an object$`));
  assert.match(warnings.find((w) => w.includes(`model ${bad.damaged} `))!, /it cannot be read: model \d+ config: stored JSON does not parse/);

  const models = await api.listModels();
  assert.deepEqual(models.map((m) => [m.id, m.status]), [[bad.wrong, 'unreadable'], [bad.missing, 'unreadable'], [bad.damaged, 'unreadable'], [good, 'usable']]);
  assert.deepEqual(models.at(-1), {
    id: good, name: models.at(-1)!.name, createdAt: models.at(-1)!.createdAt, status: 'usable', problem: null,
    caseName: 'case30', method: 'adaptive', regrow: 'ch3l3', sparsity: 0.9,
  });
  assert.equal(models[0].problem, "has an invalid config: field 'config.threshold': must be a number from 0 to 1");
  assert.equal(models[0].caseName, null);
  assert.equal(warnings.length, 3, 'listing warns no more');
  assert.deepEqual(snapshot(), before, 'nothing in the store changed');
});

test('gridrewire predict --model <bad id> prints one line and exits 2; the good model still predicts', () => {
  const before = snapshot();
  const caseFile = join(CASES, 'case30.m');
  for (const [id, message] of [
    [bad.missing, `gridrewire predict: model ${bad.missing} has an invalid config: field 'config.model': must be an object`],
    [bad.wrong, `gridrewire predict: model ${bad.wrong} has an invalid config: field 'config.threshold': must be a number from 0 to 1`],
  ] as const) {
    const r = cli(['predict', '--db', file, '--model', String(id), caseFile]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `${message}\n`);
    assert.equal(r.stdout, '');
  }
  const damaged = cli(['predict', '--db', file, '--model', String(bad.damaged), caseFile]);
  assert.equal(damaged.code, 2, damaged.stderr);
  assert.match(damaged.stderr, /^gridrewire predict: model \d+ cannot be read: model \d+ config: stored JSON does not parse \([^\n]*\)\n$/);
  const ok = cli(['predict', '--db', file, '--model', String(good), caseFile, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).model, good);
  assert.deepEqual(snapshot(), before, 'nothing in the store changed');
});
