// The Api contract: one zod schema per method, the method list the preload
// bridge uses is exactly the schemas' keys, and every bad request is refused
// with one sentence naming its field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { API_METHODS, ApiError, isApiMethod, requestSchemas, validators } from '../../main/api';
import { API_METHODS as NAMES_ONLY } from '../../main/api-methods';
import { ROOT } from '../helpers/cli';

test('the method list is exactly the keys of the request schemas (and of the validators)', () => {
  assert.deepEqual([...API_METHODS].sort(), Object.keys(requestSchemas).sort());
  assert.deepEqual([...API_METHODS].sort(), Object.keys(validators).sort());
  assert.equal(API_METHODS, NAMES_ONLY, 'api.ts re-exports the one list');
  assert.ok(isApiMethod('outage') && isApiMethod('listModels'));
  assert.ok(!isApiMethod('toString') && !isApiMethod('constructor') && !isApiMethod('__proto__'));
});

test('a bad request is refused with the field and what it must be', () => {
  const refused = (method: keyof typeof validators, req: unknown, message: string, field?: string) => {
    assert.throws(() => validators[method](req), (e: unknown) => {
      assert.ok(e instanceof ApiError, `${method}: ApiError`);
      assert.equal(e.message, message);
      assert.equal(e.field, field);
      return true;
    });
  };
  refused('outage', { name: 'case30', branch: 0 }, "field 'branch': must be a whole number of at least 1", 'branch');
  refused('outage', { name: 'case30', branch: 2.5 }, "field 'branch': must be a whole number of at least 1", 'branch');
  refused('outage', { name: 'case30', branch: '3' }, "field 'branch': must be a whole number of at least 1", 'branch');
  refused('outage', { name: 'case30' }, "field 'branch': must be a whole number of at least 1", 'branch');
  refused('caseGraph', { name: 42 }, "field 'name': must be a non-empty string of at most 200 characters", 'name');
  refused('caseGraph', { name: '' }, "field 'name': must be a non-empty string of at most 200 characters", 'name');
  refused('caseGraph', { name: 'x'.repeat(201) }, "field 'name': must be a non-empty string of at most 200 characters", 'name');
  refused('caseGraph', null, "field 'name': must be a non-empty string of at most 200 characters", 'name');
  refused('caseGraph', 'case30', 'request must be an object');
  refused('caseGraph', ['case30'], 'request must be an object');
  refused('startN1', { name: 'case30', mode: 'xx' }, "field 'mode': must be 'ac', 'dc' or 'screen'", 'mode');
  refused('startN1', { name: 'case30', mode: 'screen', model: 1, band: 1.5 }, "field 'band': must be a number from 0 to 1", 'band');
  refused('startN1', { name: 'case30', mode: 'screen', model: 0 }, "field 'model': must be a whole number of at least 1", 'model');
  refused('powerFlow', { name: 'case30', dc: 'yes' }, "field 'dc': must be true or false", 'dc');
  refused('job', { jobId: -1 }, "field 'jobId': must be a whole number of at least 1", 'jobId');
  refused('cancelJob', {}, "field 'jobId': must be a whole number of at least 1", 'jobId');
  refused('saveLayout', { name: 'case30', positions: [{ bus: 1, x: 0, y: 0 }, { bus: 1, x: 'a', y: 2 }] }, "field 'positions[1].x': must be a finite number", 'positions');
  refused('saveLayout', { name: 'case30', positions: [{ bus: 1, x: 0 }] }, "field 'positions[0].y': must be a finite number", 'positions');
  refused('saveLayout', { name: 'case30', positions: [3] }, "field 'positions[0]': must be {bus, x, y}", 'positions');
  refused('saveLayout', { name: 'case30', positions: 'all' }, "field 'positions': must be a list of at most 200000 {bus, x, y}", 'positions');
});

test('a good request comes back typed, without unknown fields', () => {
  assert.deepEqual(validators.outage({ name: 'case30', branch: 3, extra: true }), { name: 'case30', branch: 3 });
  assert.deepEqual(validators.startN1({ name: 'case30' }), { name: 'case30' });
  assert.deepEqual(validators.saveLayout({ name: 'case30', positions: [{ bus: 7, x: 1.5, y: -2, z: 0 }] }), { name: 'case30', positions: [{ bus: 7, x: 1.5, y: -2 }] });
  assert.equal(validators.info(undefined), undefined);
  assert.equal(validators.listModels({ anything: 1 }), undefined);
});

test('the method names bundle without zod (what the preload bridge needs)', async () => {
  const out = await build({ entryPoints: [join(ROOT, 'main', 'api-methods.ts')], bundle: true, write: false, platform: 'node', logLevel: 'silent' });
  const js = out.outputFiles[0].text;
  assert.ok(js.includes('listModels'));
  assert.ok(!/zod|ZodError/.test(js), 'no zod in the method list');
});

test('the preload bundle has no zod', async () => {
  const out = await build({ entryPoints: [join(ROOT, 'preload', 'index.ts')], bundle: true, write: false, platform: 'node', external: ['electron'], logLevel: 'silent' });
  assert.ok(!/ZodError/.test(out.outputFiles[0].text));
});

test('the renderer imports only types from main/api.ts', () => {
  for (const f of ['App.tsx', 'N1Panel.tsx', 'api.ts', 'GridMap.tsx', 'main.tsx']) {
    const src = readFileSync(join(ROOT, 'renderer', f), 'utf8');
    for (const m of src.matchAll(/^import\s+(type\s+)?[^;]*from\s+'\.\.\/main\/([^']+)'/gm)) {
      assert.ok(m[1], `renderer/${f} imports values from main/${m[2]}`);
    }
  }
});
