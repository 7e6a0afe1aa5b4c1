// Compact labels and records through real SQLite: a dataset built with them
// reads back as the one built with full f32 labels (head and NaN exact, the
// rest within the tolerance; features bit for bit), from every page boundary
// and split; a
// dataset written by main's code before compact labels still loads bit for
// bit; bad label blobs are refused (on write) or named (on read) and nothing
// of the batch is stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError, type Store } from '../../main/store';
import { buildDataset, loadDataset } from '../../main/services/dataset';
import { LH, labelLength, staticLength } from '../../main/core/learn/grid-data';
import { LABEL_TOLERANCE, encodeLabels, labelBase } from '../../main/core/learn/label-codec';
import { encodeRecord } from '../../main/core/learn/record-codec';
import { caseText } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-compact-'));
const FIXTURES = join(__dirname, '..', 'fixtures', 'datasets');
let store: Store;
let compactId = 0, f32Id = 0;
const TOL = Math.fround(LABEL_TOLERANCE);

test.before(async () => {
  store = openStore(join(dir, 'test.db'));
  const req = { store, caseText: caseText('case_ACTIVSg200'), fileName: 'case_ACTIVSg200.m', random: 5, seed: 4, workers: 2 };
  compactId = (await buildDataset(req)).datasetId;
  f32Id = (await buildDataset({ ...req, labelEncoding: 'f32', workers: 0 })).datasetId;
});
test.after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = (e: unknown) => (e instanceof StoreError ? e.code : undefined);

function assertSameLabels(compact: Float32Array, full: Float32Array, what: string): void {
  assert.equal(compact.length, full.length, what);
  for (let i = 0; i < full.length; i++) {
    const a = full[i], b = compact[i];
    assert.equal(Number.isNaN(b), Number.isNaN(a), `${what}: ${i}`);
    if (!Number.isNaN(a)) assert.ok(Math.abs(a - b) <= TOL + 2 ** -24 * Math.max(1, Math.abs(a)), `${what}: ${i}: ${a} -> ${b}`);
  }
}

test('a compact dataset reads back as the f32 one: head and NaN exact, loadings and Vm within the tolerance, features bit for bit', () => {
  const a = loadDataset(store, compactId), b = loadDataset(store, f32Id);
  assert.deepEqual(a.config.scenarios, b.config.scenarios, 'same seed, same scenarios');
  assert.deepEqual(a.config.labels, { encoding: 'compact', tolerance: LABEL_TOLERANCE });
  assert.deepEqual(b.config.labels, { encoding: 'f32' });
  // The compact one was labelled on worker threads: its scenarios arrive in another order. Compare by (scenario, branch).
  const pa = a.packed, pb = b.packed, LL = labelLength(pa.nb, pa.nl), SL = staticLength(pa.nb, pa.nl);
  assert.equal(pa.labels.length, pb.labels.length);
  const scenarioOf = (p: typeof pa, id: number) => p.scenarioIds.indexOf(id);
  for (const id of pb.scenarioIds) {
    const sa = scenarioOf(pa, id), sb = scenarioOf(pb, id);
    assert.deepEqual(pa.statics.subarray(sa * SL, (sa + 1) * SL), pb.statics.subarray(sb * SL, (sb + 1) * SL), `scenario ${id} statics`);
  }
  const index = (d: typeof a) => new Map(Array.from(d.sampleRow, (row, i) => [`${d.packed.scenarioIds[d.packed.sampleScenario[i]]}/${row}`, i]));
  const ia = index(a), ib = index(b);
  assert.deepEqual([...ia.keys()].sort(), [...ib.keys()].sort());
  let changed = 0;
  for (const [key, i] of ib) {
    const j = ia.get(key)!;
    assert.deepEqual(pa.rec.subarray(pa.recPtr[j], pa.recPtr[j + 1]), pb.rec.subarray(pb.recPtr[i], pb.recPtr[i + 1]), `${key} record`);
    const la = pa.labels.subarray(j * LL, (j + 1) * LL), lb = pb.labels.subarray(i * LL, (i + 1) * LL);
    for (let h = 0; h < LH; h++) assert.ok(Object.is(la[h], lb[h]), `${key} head ${h}`);
    assertSameLabels(la, lb, key);
    for (let k = LH; k < LL; k++) if (la[k] !== lb[k] && !Number.isNaN(la[k])) changed++;
  }
  assert.ok(changed > 0, 'the compact labels are not the f32 ones bit for bit (else this test proves nothing)');
  // And they are far smaller; the records (read back bit for bit above) smaller too.
  const ca = store.datasets.storedBytes(compactId), cb = store.datasets.storedBytes(f32Id);
  assert.ok(ca.features < cb.features, `features: ${ca.features} bytes compact, ${cb.features} f32`);
  assert.ok(ca.labels * 5 < cb.labels, `labels: ${ca.labels} bytes compact, ${cb.labels} f32`);
});

test('every page boundary and split decodes the same (a page may start inside a scenario)', () => {
  const full = store.datasets.getSamples(compactId);
  const byId = new Map(full.map((s) => [s.id, s]));
  for (const limit of [1, 7, 245, 300]) {
    for (const split of [undefined, 'train', 'val', 'test'] as const) {
      let n = 0;
      for (let after = 0; ; ) {
        const page = store.datasets.getSamples(compactId, { afterId: after, limit, ...(split ? { split } : {}) });
        if (page.length === 0) break;
        for (const s of page) {
          assert.deepEqual(s.labels, byId.get(s.id)!.labels, `limit ${limit} split ${split} sample ${s.id}`);
          n++;
        }
        after = page[page.length - 1].id;
      }
      assert.equal(n, split ? full.filter((s) => s.split === split).length : full.length);
    }
  }
});

test("a dataset written by main's code (f32 labels, before compact labels) still loads, bit for bit as main read it", async () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'v1-case14.json'), 'utf8'));
  const path = join(dir, 'v1-case14.db');
  writeFileSync(path, gunzipSync(readFileSync(join(FIXTURES, 'v1-case14.db.gz'))));
  const old = openStore(path);
  try {
    const d = loadDataset(old, expected.datasetId);
    const h = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
    const p = d.packed;
    assert.deepEqual(
      { nb: p.nb, nl: p.nl, samples: p.sampleBranch.length, scenarios: p.scenarioIds.length, sha256: { labels: h(p.labels), statics: h(p.statics), rec: h(p.rec), sampleRow: h(d.sampleRow) } },
      expected.packed,
    );
    assert.equal(d.config.labels, undefined, 'no label encoding in its config: f32');
    // Today's code with the rule before redispatch and regions (proportional generation, bus noise 0.1, levels 1-1.5,
    // main's defaults) builds the same dataset bit for bit, and with compact labels the same within the tolerance.
    const legacy = { caseText: caseText('case14'), fileName: 'case14.m', random: 5, seed: 3, workers: 0, dispatch: 'proportional', randomLoad: { levelMin: 1, levelMax: 1.5, regionNoise: 0, noise: 0.1 } } as const;
    const again = loadDataset(store, (await buildDataset({ store, ...legacy, labelEncoding: 'f32' })).datasetId);
    assert.deepEqual([again.packed.labels, again.packed.statics, again.packed.rec, again.sampleRow], [p.labels, p.statics, p.rec, d.sampleRow]);
    const compact = loadDataset(store, (await buildDataset({ store, ...legacy })).datasetId);
    assertSameLabels(compact.packed.labels, p.labels, 'case14 compact');
  } finally {
    old.close();
  }
});

test('bad label and record blobs: refused on write with nothing of the batch stored; named on read', () => {
  const c = store.cases.list()[0];
  const nb = 2, nl = 3;
  const id = store.datasets.create({ caseId: c.id, name: 'bad labels', config: {}, seed: 1, sizes: { train: 1, val: 0, test: 0 } });
  const stat = new Float32Array(staticLength(nb, nl));
  const labels = new Float32Array(labelLength(nb, nl)).fill(0.5);
  const blob = encodeLabels(labels, labelBase(stat, nb, nl));
  const row = (branch: number, l: Float32Array | Uint8Array, scenario = 1) => ({ scenario, branch, split: 'train' as const, features: stat, labels: l });
  assert.throws(() => store.datasets.appendSamples(id, [row(0, new Float32Array(4)), row(1, blob), row(2, Uint8Array.of(1, 2, 3))]), (e) => code(e) === 'INVALID' && /sample \(1, 2\): labels must be a Float32Array or a compact label blob/.test((e as Error).message));
  const v9 = blob.slice(); v9[2] = 9;
  assert.throws(() => store.datasets.appendSamples(id, [row(1, v9)]), (e) => code(e) === 'INVALID' && /label blob version 9/.test((e as Error).message));
  assert.throws(() => store.datasets.appendSamples(id, [row(1, blob), { ...row(2, blob), features: Uint8Array.of(0x47, 0x52, 1, 0, 1, 0, 0, 0, 5, 0, 0, 0) }]), (e) => code(e) === 'INVALID' && /sample \(1, 2\): .*truncated or malformed/.test((e as Error).message));
  assert.throws(() => store.datasets.appendSamples(id, [{ ...row(0, new Float32Array(4)), features: encodeRecord(Float32Array.of(1, 0))! }]), (e) => code(e) === 'INVALID' && /sample \(1, 0\): features must be a Float32Array$/.test((e as Error).message), 'a static row is always f32');
  assert.equal(store.datasets.countSamples(id), 0, 'nothing of a refused batch is stored');
  // A compact label whose scenario has no static row, and one whose static row has the wrong size.
  store.datasets.appendSamples(id, [row(1, blob, 2)]);
  assert.throws(() => store.datasets.getSamples(id), (e) => code(e) === 'CORRUPT' && /need scenario 2's static row, which is missing/.test((e as Error).message));
  store.datasets.delete(id);
  const id2 = store.datasets.create({ caseId: c.id, name: 'bad static', config: {}, seed: 1, sizes: { train: 1, val: 0, test: 0 } });
  store.datasets.appendSamples(id2, [row(0, new Float32Array(4)), row(1, encodeLabels(new Float32Array(labelLength(1, 3)), labelBase(new Float32Array(staticLength(1, 3)), 1, 3)))]);
  assert.throws(() => store.datasets.getSamples(id2), (e) => code(e) === 'CORRUPT' && new RegExp(`dataset ${id2}: static features have ${staticLength(nb, nl)} values, expected ${staticLength(1, 3)}`).test((e as Error).message));
  store.datasets.delete(id2);
});
