// The trainer's checkpoint as a typed, versioned object: a checkpoint stored
// by the version before the parser (commit 1b020d0) still resumes exactly;
// every field, damaged one at a time, is refused with a LearnError naming
// it; configs are compared by value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LearnError } from '../../main/core/learn/errors';
import type { Blob } from '../../main/core/learn/serialize';
import { serializeModel } from '../../main/core/learn/serialize';
import { parseCheckpoint, sameConfig } from '../../main/core/learn/trainer-checkpoint';
import { type EpochRecord, Trainer, type TrainerState } from '../../main/core/learn/trainer';
import { V1_CONFIG, V1_DATA, V1_STOP_AFTER } from '../fixtures/trainer/v1-setup';

const FIXTURES = join(__dirname, '..', 'fixtures', 'trainer');

interface StoredFixture {
  writtenBy: string;
  meta: Record<string, unknown>;
  blobs: { name: string; type: 'f32' | 'i32'; base64: string }[];
}

function readV1(): TrainerState {
  const f: StoredFixture = JSON.parse(readFileSync(join(FIXTURES, 'v1-checkpoint.json'), 'utf8'));
  const blobs: Blob[] = f.blobs.map((b) => {
    const bytes = Buffer.from(b.base64, 'base64');
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return { name: b.name, data: b.type === 'f32' ? new Float32Array(buf) : new Int32Array(buf) };
  });
  return { meta: f.meta, blobs };
}

/** Without the wall-clock seconds and the capped validation loss (added after version 1: absent from its stored epochs). */
const strip = (h: EpochRecord[]) => h.map(({ seconds: _s, val, ...rest }) => ({ ...rest, val: val && (({ cappedLoss: _c, ...v }) => v)(val) }));

test('a checkpoint stored by version 1 (commit 1b020d0) resumes to the uninterrupted run', () => {
  const clean = new Trainer(V1_CONFIG, V1_DATA);
  const rc = clean.fit();
  const stored = readV1();
  const resumed = Trainer.fromState(stored, V1_DATA);
  assert.equal(resumed.step, V1_STOP_AFTER);
  assert.ok(resumed.batchInEpoch > 0, 'the stored checkpoint is mid-epoch');
  const rr = resumed.fit();
  assert.equal(rr.stopped, rc.stopped);
  assert.deepEqual(strip(rr.history), strip(rc.history));
  // NaN (precision of a class never predicted) came back as a number.
  assert.ok(rr.history.some((h) => h.val && Number.isNaN(h.val.precision)));
  const a = serializeModel(clean.model), b = serializeModel(resumed.model);
  assert.deepEqual(b.config, a.config);
  a.blobs.forEach((bl, i) => assert.deepEqual(Array.from(b.blobs[i].data), Array.from(bl.data), bl.name));
  // And a trainer built from the same config takes it too.
  const again = new Trainer(V1_CONFIG, V1_DATA);
  again.loadState(stored);
  again.fit();
  serializeModel(again.model).blobs.forEach((bl, i) => assert.deepEqual(Array.from(bl.data), Array.from(a.blobs[i].data), bl.name));
});

test('state() writes what parseCheckpoint reads, the same shape as version 1', () => {
  const t = new Trainer(V1_CONFIG, V1_DATA);
  let calls = 0;
  t.fit({ shouldStop: () => ++calls > V1_STOP_AFTER });
  const meta = t.state().meta;
  const v1 = readV1().meta;
  assert.deepEqual(Object.keys(meta), Object.keys(v1));
  // Same run, same checkpoint, except the wall-clock seconds and the capped validation loss version 1 did not have.
  const noSeconds = (m: Record<string, unknown>) => JSON.parse(JSON.stringify(m, (k, v) => (k === 'seconds' ? 0 : k === 'cappedLoss' ? undefined : v)));
  assert.ok(JSON.stringify(meta).includes('"cappedLoss"'), 'the capped loss is kept with each epoch now');
  assert.deepEqual(noSeconds(meta), noSeconds(v1));
  const cp = parseCheckpoint(meta);
  assert.equal(cp.format, 'gridrewire-trainer');
  assert.equal(cp.version, 1);
  assert.equal(cp.step, V1_STOP_AFTER);
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every leaf of a JSON value with its dotted path. */
function leaves(v: Json, path: string[] = []): { path: string[]; value: Json }[] {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) return [{ path, value: v }];
    return entries.flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [{ path, value: v }];
}

function withValue(meta: Json, path: string[], value: Json | undefined): Json {
  const copy: Json = JSON.parse(JSON.stringify(meta));
  let o = copy as { [k: string]: Json };
  for (const k of path.slice(0, -1)) o = o[k] as { [k: string]: Json };
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

/** A value of another type than v. */
function wrongType(v: Json): Json {
  if (typeof v === 'number') return 'many';
  // "NaN" stands for a number: a number would be right there.
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return true;
  if (typeof v === 'string') return 7;
  if (typeof v === 'boolean') return 'yes';
  if (v === null) return 'nothing';
  return 'not a list or object';
}

function refuses(meta: Json, field: string, what: string): void {
  assert.throws(() => parseCheckpoint(meta), (e: Error) => {
    assert.ok(e instanceof LearnError, `${what}: ${e}`);
    assert.equal(e.code, 'bad-state');
    assert.ok(e.message.includes(`'${field}'`), `${what}: '${e.message}' should name ${field}`);
    return true;
  }, what);
}

test('each field of a checkpoint, damaged in turn, is refused with a LearnError naming it', () => {
  const stored = readV1();
  const meta: Json = JSON.parse(JSON.stringify(stored.meta));
  const all = leaves(meta);
  assert.ok(all.length > 150, `${all.length} fields`);
  for (const { path, value } of all) {
    const field = path.join('.');
    if (field === 'format') continue; // its own message, below
    if (field === 'version') continue;
    refuses(withValue(meta, path, wrongType(value)), field, `${field} = ${JSON.stringify(wrongType(value))}`);
  }
  // Every field of the top level and of the config is required or typed; removing one names it.
  const top = Object.keys(meta as object).filter((k) => k !== 'format' && k !== 'version');
  assert.deepEqual(top, ['config', 'model', 'epoch', 'step', 'optimizerT', 'rng', 'policy', 'cursor', 'best', 'badEpochs', 'history', 'finished', 'stopReason']);
  for (const k of top) refuses(withValue(meta, [k], undefined), k, `without ${k}`);
  for (const k of ['model', 'topology', 'optimizer', 'loss', 'epochs', 'batchSize', 'patience', 'monitor', 'minDelta', 'seed']) {
    refuses(withValue(meta, ['config', k], undefined), `config.${k}`, `without config.${k}`);
  }
  // Values of the right type but outside their range.
  refuses(withValue(meta, ['epoch'], -1), 'epoch', 'negative epoch');
  refuses(withValue(meta, ['step'], 2.5), 'step', 'fractional step');
  refuses(withValue(meta, ['rng', '2'], 2 ** 32), 'rng.2', 'rng word above 32 bits');
  refuses(withValue(meta, ['stopReason'], 'bored'), 'stopReason', 'unknown stop reason');
  refuses(withValue(meta, ['config', 'topology', 'method'], 'magic'), 'config.topology.method', 'unknown method');
  refuses(withValue(meta, ['cursor', 'lossSum'], 'lots'), 'cursor.lossSum', 'a number as a word');
  // Fields that must agree.
  refuses(withValue(meta, ['epoch'], 2), 'history', 'history shorter than the epochs');
  refuses(withValue(meta, ['history', '0', 'epoch'], 3), 'history.0.epoch', 'history out of order');
  // A field no version 1 checkpoint has, at the top or inside.
  refuses(withValue(meta, ['extra'], 1), 'extra', 'unknown top-level field');
  refuses(withValue(meta, ['config', 'optimizer', 'lrr'], 0.1), 'config.optimizer.lrr', 'misspelt optimizer field');
  // Format and version: not a trainer checkpoint at all, or one this build cannot read.
  assert.throws(() => parseCheckpoint(withValue(meta, ['format'], 'gridrewire-gnn')), /not a gridrewire-trainer checkpoint/);
  assert.throws(() => parseCheckpoint(withValue(meta, ['version'], 2)), (e: Error) => e instanceof LearnError && /version 2, this build reads 1/.test(e.message));
  assert.throws(() => parseCheckpoint(null), /not a gridrewire-trainer checkpoint/);
  // Through the trainer too, and nothing of the trainer changed.
  const t = new Trainer(V1_CONFIG, V1_DATA);
  const before = serializeModel(t.model);
  assert.throws(() => t.loadState({ meta: withValue(meta, ['policy', 'zeta'], 'half') as Record<string, unknown>, blobs: stored.blobs }), /'policy.zeta'/);
  assert.equal(t.step, 0);
  serializeModel(t.model).blobs.forEach((b, i) => assert.deepEqual(Array.from(b.data), Array.from(before.blobs[i].data)));
  assert.throws(() => Trainer.fromState({ meta: withValue(meta, ['model', 'layers', '3', 'kind'], 'fuzzy') as Record<string, unknown>, blobs: stored.blobs }, V1_DATA), /'model.layers.3.kind'/);
});

test('configs are compared by value, not by their JSON text', () => {
  const stored = readV1();
  const cp = parseCheckpoint(stored.meta);
  // Same values, keys in another order and an explicit undefined: the same config.
  const { seed, model, ...rest } = cp.config;
  const reordered = { seed, ...rest, model: { ...model }, gradientBatch: undefined, topology: { ...cp.config.topology, regrow: undefined } };
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(cp.config));
  assert.ok(sameConfig(reordered, cp.config));
  const t = new Trainer(reordered, V1_DATA);
  t.loadState(stored);
  assert.equal(t.step, V1_STOP_AFTER);
  // One value different (deep inside): another config.
  assert.ok(!sameConfig({ ...cp.config, optimizer: { ...cp.config.optimizer, lr: 0.02 } }, cp.config));
  assert.ok(!sameConfig({ ...cp.config, model: { ...cp.config.model, heads: { edge: true, node: true, graph: false } } }, cp.config));
  assert.ok(!sameConfig({ ...cp.config, gradientBatch: 4 }, cp.config));
  assert.throws(() => new Trainer({ ...V1_CONFIG, optimizer: { kind: 'adam', lr: 0.02, clipNorm: 1 } }, V1_DATA).loadState(stored), /different trainer config/);
});
