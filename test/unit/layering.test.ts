// The house's layering, checked on the real tree: imports go down only
// (adapters -> services -> store/jobs/core), core has no Node, jobs never
// import services, the renderer imports only types from main/api.ts, and
// only main/store runs SQL. The checker itself is shown to fail on a small
// house that breaks each rule once. And the compiler settings: main without
// DOM types, the renderer without Node's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { checkLayering, houseSources, importsOf, layerOf, RULES, type Rule, type Source } from '../helpers/layering';

const ROOT = join(__dirname, '..', '..');

test('the tree keeps the house rules', () => {
  const sources = houseSources(ROOT);
  assert.ok(sources.some((s) => s.path === 'main/core/grid/contingency.ts') && sources.some((s) => s.path === 'renderer/App.tsx'));
  assert.ok(sources.length > 100, `${sources.length} files read`);
  const found = checkLayering(sources);
  assert.deepEqual(found.map((v) => `${v.rule}: ${v.file}:${v.line} ${v.message}`), []);
});

/** A small house: one clean file per layer, plus one file per broken rule. */
const CLEAN: Source[] = [
  { path: 'main/core/grid/case.ts', text: "import { z } from 'zod';\nimport type { Bus } from './bus';\nexport const x = z.number();" },
  { path: 'main/core/grid/bus.ts', text: 'export interface Bus { id: number }' },
  { path: 'main/store/index.ts', text: "import Database from 'better-sqlite3';\nimport { join } from 'node:path';\nimport type { Bus } from '../core/grid/bus';\nexport const q = (db: Database.Database) => db.prepare('SELECT 1').get();" },
  { path: 'main/jobs/pool.ts', text: "import { Worker } from 'node:worker_threads';\nimport type { Bus } from '../core/grid/bus';\nimport { openStore } from '../store';" },
  { path: 'main/services/n1.ts', text: "import { runPool } from '../jobs/pool';\nimport { openStore } from '../store';\nconst m = /a(b)/.exec('ab');" },
  { path: 'main/api.ts', text: "import { z } from 'zod';\nimport type { Bus } from './core/grid/bus';\nexport const API_METHODS = ['a'];" },
  { path: 'main/cli.ts', text: "import { run } from './services/n1';\nimport { readFileSync } from 'fs';" },
  { path: 'preload/index.ts', text: "import { contextBridge } from 'electron';\nimport { API_METHODS } from '../main/api';" },
  { path: 'renderer/App.tsx', text: "import { useState } from 'react';\nimport type { Api } from '../main/api';\nimport { api } from './api';\ntype T = import('../main/api').Api;" },
  { path: 'renderer/api.ts', text: "export const api = {};" },
];

const BROKEN: { rule: Rule; file: Source }[] = [
  { rule: 'core-imports-up', file: { path: 'main/core/learn/a.ts', text: "import type { Store } from '../../store';" } },
  { rule: 'core-imports-up', file: { path: 'main/core/learn/b.ts', text: "export { runPool } from '../../jobs/pool';" } },
  { rule: 'core-imports-up', file: { path: 'main/core/learn/c.ts', text: "const s = require('../../services/n1');" } },
  { rule: 'core-imports-up', file: { path: 'main/core/learn/d.ts', text: "export async function f() { return import('../../cli'); }" } },
  { rule: 'core-imports-node', file: { path: 'main/core/grid/e.ts', text: "import { readFileSync } from 'node:fs';" } },
  { rule: 'core-imports-node', file: { path: 'main/core/grid/f.ts', text: "import * as path from 'path';" } },
  { rule: 'core-imports-node', file: { path: 'main/core/grid/g.ts', text: "import type { Worker } from 'worker_threads';" } },
  { rule: 'jobs-imports-services', file: { path: 'main/jobs/h.ts', text: "import { CasePredictor } from '../services/n1';" } },
  { rule: 'jobs-imports-services', file: { path: 'main/worker.ts', text: "import type { X } from './services/n1';" } },
  { rule: 'store-imports-up', file: { path: 'main/store/i.ts', text: "import { runPool } from '../jobs/pool';" } },
  { rule: 'store-imports-up', file: { path: 'main/store/j.ts', text: "import type { N1 } from '../services/n1';" } },
  { rule: 'services-import-adapters', file: { path: 'main/services/k.ts', text: "import { startServer } from '../server';" } },
  { rule: 'renderer-imports-main', file: { path: 'renderer/l.tsx', text: "import { API_METHODS } from '../main/api';" } },
  { rule: 'renderer-imports-main', file: { path: 'renderer/m.tsx', text: "import { type Api } from '../main/api';" } },
  { rule: 'renderer-imports-main', file: { path: 'renderer/n.tsx', text: "import type { Bus } from '../main/core/grid/bus';" } },
  { rule: 'renderer-imports-main', file: { path: 'renderer/o.ts', text: "import { readFileSync } from 'node:fs';" } },
  { rule: 'renderer-imports-main', file: { path: 'renderer/p.ts', text: "import { ipcRenderer } from 'electron';" } },
  { rule: 'preload-imports-main', file: { path: 'preload/q.ts', text: "import { openStore } from '../main/store';" } },
  { rule: 'sql-outside-store', file: { path: 'main/services/r.ts', text: "import Database from 'better-sqlite3';" } },
  { rule: 'sql-outside-store', file: { path: 'main/services/s.ts', text: "export const f = (db: any) => db.prepare('SELECT * FROM models').all();" } },
  { rule: 'sql-outside-store', file: { path: 'main/cli/t.ts', text: 'export const f = (db: any, t: string) => db.exec(`DELETE FROM ${t}`);' } },
  { rule: 'sql-outside-store', file: { path: 'main/jobs/u.ts', text: "export const f = (db: any) => db.pragma('journal_mode = WAL');" } },
];

test('the checker passes the clean house and names each broken rule, file and line', () => {
  assert.deepEqual(checkLayering(CLEAN), []);
  for (const { rule, file } of BROKEN) {
    const found = checkLayering([...CLEAN, file]);
    assert.equal(found.length, 1, `${file.path}: ${JSON.stringify(found)}`);
    assert.equal(found[0].rule, rule, file.path);
    assert.equal(found[0].file, file.path);
    assert.equal(found[0].line, 1);
  }
  // Every rule has a fixture that breaks it (the renderer's view of main/api.ts below).
  const broken = new Set<Rule>([...BROKEN.map((b) => b.rule), 'renderer-sees-node']);
  assert.deepEqual([...broken].sort(), Object.keys(RULES).sort());
});

test("what main/api.ts imports is what the renderer's compiler sees: no Node, nothing above core", () => {
  const api = (text: string): Source => ({ path: 'main/api.ts', text });
  const withApi = (...files: Source[]) => checkLayering([...CLEAN.filter((s) => s.path !== 'main/api.ts'), ...files]);
  assert.deepEqual(withApi(api("import type { X } from './api-types';"), { path: 'main/api-types.ts', text: "import type { Bus } from './core/grid/bus';" }), []);
  const direct = withApi(api("import type { N1Outcome } from './services/n1';"));
  assert.deepEqual(direct.map((v) => [v.rule, v.file]), [['renderer-sees-node', 'main/api.ts']]);
  const deep = withApi(api("import { schema } from './api-schema';"), { path: 'main/api-schema.ts', text: "import { readFileSync } from 'node:fs';" });
  assert.deepEqual(deep.map((v) => [v.rule, v.file, v.line]), [['renderer-sees-node', 'main/api-schema.ts', 1]]);
  assert.match(deep[0].message, /renderer -> main\/api\.ts -> main\/api-schema\.ts/);
});

test('imports come from the syntax tree, not from text that looks like one', () => {
  const src: Source = {
    path: 'main/core/x.ts',
    text: [
      "// import { a } from '../store';",
      "const s = \"import { b } from '../services/n1'\";",
      '/* require("../jobs/pool") */',
      "import type { C } from './c';",
      "export type { D } from './d';",
      "import e = require('./e');",
      "type F = typeof import('./f');",
      "import './g';",
    ].join('\n'),
  };
  assert.deepEqual(importsOf(src).map((r) => [r.specifier, r.typeOnly, r.line]), [['./c', true, 4], ['./d', true, 5], ['./e', false, 6], ['./f', true, 7], ['./g', false, 8]]);
  assert.equal(layerOf('main/store'), 'store');
  assert.equal(layerOf('main/cli/n1.ts'), 'adapter');
  assert.equal(layerOf('main/worker.ts'), 'jobs');
  assert.equal(layerOf('main/paths.ts'), 'main');
});

/** The compiler options a tsconfig resolves to, extends included. */
function options(config: string): ts.CompilerOptions {
  const file = join(ROOT, config);
  const read = ts.readConfigFile(file, ts.sys.readFile);
  assert.equal(read.error, undefined, config);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file)).options;
}

test('compiler settings: main and the tests without DOM, the renderer without Node', () => {
  const main = options('tsconfig.json'), renderer = options('renderer/tsconfig.json'), e2e = options('test/e2e/tsconfig.json');
  const dom = (o: ts.CompilerOptions) => (o.lib ?? []).some((l) => /dom/i.test(l));
  assert.equal(dom(main), false, 'main sees no DOM');
  assert.deepEqual(main.types, ['node']);
  assert.equal(dom(renderer), true);
  assert.deepEqual(renderer.types, [], 'the renderer sees no Node types');
  assert.equal(dom(e2e), true, 'page.evaluate callbacks run in the page');
  const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
  for (const c of ['tsconfig.json', 'renderer/tsconfig.json', 'test/e2e/tsconfig.json']) assert.ok(scripts.typecheck.includes(`-p ${c}`), `typecheck checks ${c}`);
  assert.match(scripts.test, /npm run typecheck/);
});
