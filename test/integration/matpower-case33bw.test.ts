// case33bw and the other distribution cases as a user meets them: `gridrewire pf`
// and `gridrewire n1` run on the file as MATPOWER ships it (conversions and all),
// and the store keeps the text and the converted Case exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, REFERENCE } from '../helpers/shared';
import { parseMatpower, writeMatpower } from '../../main/core/grid/matpower';
import { openStore } from '../../main/store';
import { BR_STATUS } from '../../main/core/grid/idx';

const FILE = join(CASES, 'case33bw.m');
const ref = JSON.parse(readFileSync(join(REFERENCE, 'case33bw.pf.json'), 'utf8')) as { iterations: number; vm: number[]; pf: number[] };

test('gridrewire pf case33bw.m: MATPOWER\'s voltages and flows, text and JSON', () => {
  const text = cli(['pf', FILE]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^case33bw: 33 buses, 37 branches, 1 generators/);
  assert.match(text.stdout, new RegExp(`converged in ${ref.iterations} iterations`));
  const r = cli(['pf', FILE, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.converged, true);
  assert.equal(j.iterations, ref.iterations);
  j.bus.forEach((b: { vm: number }, i: number) => assert.ok(Math.abs(b.vm - ref.vm[i]) < 1e-6, `bus ${i + 1}`));
  j.branch.forEach((b: { pf: number }, i: number) => assert.ok(Math.abs(b.pf - ref.pf[i]) < 1e-4, `branch ${i + 1}`));
});

test('gridrewire n1 case33bw.m: every in-service branch is an outage of the converted feeder', () => {
  const r = cli(['n1', FILE, '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const c = parseMatpower(readFileSync(FILE, 'utf8'), 'case33bw.m');
  const inService = c.branch.filter((b) => b[BR_STATUS] > 0).length;
  assert.equal(j.case, 'case33bw');
  assert.equal(j.base.iterations, ref.iterations);
  assert.equal(j.contingencies.length, inService);
  // A radial feeder: opening any of its in-service lines cuts buses off.
  for (const x of j.contingencies) assert.equal(x.verdict, 'islanded', `branch ${x.branch}`);
});

test('gridrewire pf reads an exported distribution case and a converted one the same way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-case33bw-'));
  try {
    const exported = join(dir, 'case33bw.m');
    writeFileSync(exported, writeMatpower(parseMatpower(readFileSync(FILE, 'utf8'), 'case33bw.m')));
    const a = JSON.parse(cli(['pf', FILE, '--json']).stdout);
    const b = JSON.parse(cli(['pf', exported, '--json']).stdout);
    assert.deepEqual(b.bus, a.bus);
    const mt = cli(['pf', join(__dirname, '..', 'fixtures', 'matpower', 'distribution', 'case533mt_hi.m')]);
    assert.equal(mt.code, 0, mt.stderr);
    assert.match(mt.stdout, /converged in \d+ iterations/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the store keeps a distribution case: its text byte for byte, the converted Case exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-case33bw-store-'));
  const store = openStore(join(dir, 'cases.db'));
  try {
    for (const path of [FILE, join(__dirname, '..', 'fixtures', 'matpower', 'distribution', 'case141.m')]) {
      const text = readFileSync(path, 'utf8');
      const parsed = parseMatpower(text, path.slice(path.lastIndexOf('/') + 1));
      assert.ok(parsed.statements && parsed.statements.length > 0);
      const r = store.cases.import({ text, parsed, sourceFile: path });
      assert.equal(r.created, true);
      assert.equal(store.cases.getText(r.id), text);
      assert.deepStrictEqual(store.cases.getParsed(r.id), parsed);
      assert.equal(store.cases.get(r.id)?.nbus, parsed.bus.length);
      // The exported form is another text of the same Case.
      const exported = writeMatpower(parsed);
      const again = store.cases.import({ text: exported, parsed: parseMatpower(exported, 'x.m') });
      assert.notEqual(again.id, r.id);
      assert.deepStrictEqual(store.cases.getParsed(again.id), parsed);
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
