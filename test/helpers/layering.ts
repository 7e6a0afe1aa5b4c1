// The house's import rules (HOUSE.md, DESIGN.md "Imports go down only"),
// checked on the TypeScript syntax tree of every file of main/, preload/ and
// renderer/: every import declaration, re-export, require() and import()
// with its module, and whether it is type-only. test/unit/layering.test.ts
// runs it on the tree and on fixtures that break each rule.

import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export interface Source {
  /** Repository-relative, with forward slashes (main/core/grid/case.ts). */
  path: string;
  text: string;
}

export type Rule =
  | 'core-imports-up'
  | 'core-imports-node'
  | 'jobs-imports-services'
  | 'store-imports-up'
  | 'services-import-adapters'
  | 'renderer-imports-main'
  | 'renderer-sees-node'
  | 'preload-imports-main'
  | 'sql-outside-store';

export const RULES: Record<Rule, string> = {
  'core-imports-up': 'main/core imports nothing of main/ outside main/core (store, services, jobs, adapters, ...)',
  'core-imports-node': 'main/core imports no Node built-in and no Electron',
  'jobs-imports-services': 'main/jobs (and main/worker.ts) imports nothing of main/services or the adapters',
  'store-imports-up': 'main/store imports nothing of main/services, main/jobs or the adapters',
  'services-import-adapters': 'main/services imports no adapter (main/index.ts, main/server.ts, main/cli*)',
  'renderer-imports-main': 'renderer imports only types (import type) from main/api.ts, nothing else of main/ or preload/, no Node built-in, no Electron',
  'renderer-sees-node': 'main/api.ts and what it imports (the types the renderer sees) use no Node built-in and nothing of store, services, jobs or adapters',
  'preload-imports-main': 'preload imports nothing of main/ but the Api contract (main/api.ts, main/api-methods.ts)',
  'sql-outside-store': 'nothing outside main/store imports better-sqlite3 or runs SQL (.prepare/.exec/.pragma)',
};

export interface Violation {
  rule: Rule;
  file: string;
  line: number;
  message: string;
}

export type Layer = 'core' | 'store' | 'services' | 'jobs' | 'adapter' | 'api' | 'main' | 'preload' | 'renderer' | 'other';

/** The layer of a repository path (with or without its extension). */
export function layerOf(path: string): Layer {
  const p = path.replace(/\.(tsx?|m?js)$/, '');
  const under = (dir: string) => p === dir || p.startsWith(dir + '/');
  if (under('main/core')) return 'core';
  if (under('main/store')) return 'store';
  if (under('main/services')) return 'services';
  if (under('main/jobs') || p === 'main/worker') return 'jobs';
  if (p === 'main/index' || p === 'main/server' || under('main/cli') || under('main/electron')) return 'adapter';
  // The contract: the schemas, their error wording, and the bare method names preload needs.
  if (p === 'main/api' || p === 'main/api-methods' || p === 'main/schema-errors') return 'api';
  if (under('main')) return 'main';
  if (under('preload')) return 'preload';
  if (under('renderer')) return 'renderer';
  return 'other';
}

export interface ImportRef {
  /** The module as written. */
  specifier: string;
  /** Repository path it points to (relative specifiers), without extension; null for packages and built-ins. */
  target: string | null;
  builtin: boolean;
  /** Erased at compile time: `import type`, `export type ... from`, `import('x').T` in a type. */
  typeOnly: boolean;
  line: number;
}

const BUILTINS = new Set(builtinModules);

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);
}

function scriptKind(path: string): ts.ScriptKind {
  return path.endsWith('.tsx') ? ts.ScriptKind.TSX : path.endsWith('.js') || path.endsWith('.mjs') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

function parse(src: Source): ts.SourceFile {
  return ts.createSourceFile(src.path, src.text, ts.ScriptTarget.ES2022, true, scriptKind(src.path));
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** Every module a file refers to, from its syntax tree. */
export function importsOf(src: Source, sf = parse(src)): ImportRef[] {
  const out: ImportRef[] = [];
  const add = (spec: string, typeOnly: boolean, node: ts.Node) => {
    const relativeSpec = spec.startsWith('./') || spec.startsWith('../');
    const target = relativeSpec ? posix.normalize(posix.join(posix.dirname(src.path), spec)).replace(/\.(tsx?|m?js)$/, '') : null;
    out.push({ specifier: spec, target, builtin: !relativeSpec && isBuiltin(spec), typeOnly, line: lineOf(sf, node) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, node.isTypeOnly, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, node);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const dynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const req = ts.isIdentifier(callee) && callee.text === 'require';
      if (dynamicImport || req) add(node.arguments[0].text, false, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const SQL = /^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|WITH|VACUUM|ATTACH|DETACH|ANALYZE|REINDEX)\b/i;

/** Calls that hand SQL text to a database: x.prepare('SELECT ...'), x.exec(`CREATE ...`), x.pragma('...'). */
export function sqlCallsOf(src: Source, sf = parse(src)): { method: string; sql: string; line: number }[] {
  const out: { method: string; sql: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.arguments.length >= 1) {
      const method = node.expression.name.text;
      const arg = node.arguments[0];
      const text = ts.isStringLiteralLike(arg) ? arg.text : ts.isTemplateExpression(arg) ? arg.head.text : null;
      if (text !== null && (method === 'pragma' || ((method === 'prepare' || method === 'exec') && SQL.test(text)))) {
        out.push({ method, sql: text.trim().slice(0, 40), line: lineOf(sf, node) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The file a repository path without extension stands for, among the sources. */
function resolveIn(byPath: Map<string, Source>, target: string): Source | undefined {
  for (const cand of [`${target}.ts`, `${target}.tsx`, `${target}/index.ts`, `${target}/index.tsx`, target]) {
    const s = byPath.get(cand);
    if (s) return s;
  }
  return undefined;
}

const ABOVE_CORE: readonly Layer[] = ['store', 'services', 'jobs', 'adapter'];

export function checkLayering(sources: readonly Source[]): Violation[] {
  const out: Violation[] = [];
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const refs = new Map<string, ImportRef[]>();
  for (const src of sources) {
    const sf = parse(src);
    refs.set(src.path, importsOf(src, sf));
    const from = layerOf(src.path);
    const v = (rule: Rule, r: { line: number }, message: string) => out.push({ rule, file: src.path, line: r.line, message });
    for (const r of refs.get(src.path) ?? []) {
      const to = r.target ? layerOf(r.target) : null;
      const what = r.target ?? r.specifier;
      if (from === 'core') {
        if (to && to !== 'core') v('core-imports-up', r, `imports ${what} (${to})`);
        if (r.builtin || r.specifier === 'electron') v('core-imports-node', r, `imports ${r.specifier}`);
      }
      if (from === 'jobs' && (to === 'services' || to === 'adapter')) v('jobs-imports-services', r, `imports ${what} (${to})`);
      if (from === 'store' && (to === 'services' || to === 'jobs' || to === 'adapter')) v('store-imports-up', r, `imports ${what} (${to})`);
      if (from === 'services' && to === 'adapter') v('services-import-adapters', r, `imports ${what} (adapter)`);
      if (from === 'renderer') {
        const ofMain = to !== null && to !== 'renderer';
        if (ofMain && !(to === 'api' && r.typeOnly)) v('renderer-imports-main', r, `imports ${what}${to === 'api' ? ' as a value (use import type)' : ` (${to})`}`);
        if (r.builtin || r.specifier === 'electron') v('renderer-imports-main', r, `imports ${r.specifier}`);
      }
      if (from === 'preload' && to !== null && to !== 'preload' && to !== 'api') v('preload-imports-main', r, `imports ${what} (${to})`);
      if (from !== 'store' && r.specifier === 'better-sqlite3') v('sql-outside-store', r, 'imports better-sqlite3');
    }
    if (from !== 'store') for (const c of sqlCallsOf(src, sf)) v('sql-outside-store', c, `runs SQL: .${c.method}('${c.sql}')`);
  }
  // What the renderer's type imports pull into its compilation: main/api.ts and everything it reaches.
  const api = resolveIn(byPath, 'main/api');
  const seen = new Set<string>();
  const walk = (src: Source, via: string[]) => {
    if (seen.has(src.path)) return;
    seen.add(src.path);
    for (const r of refs.get(src.path) ?? []) {
      const chain = [...via, src.path].join(' -> ');
      const to = r.target ? layerOf(r.target) : null;
      if (r.builtin) out.push({ rule: 'renderer-sees-node', file: src.path, line: r.line, message: `imports ${r.specifier} (reached from the renderer by ${chain})` });
      else if (to && ABOVE_CORE.includes(to)) out.push({ rule: 'renderer-sees-node', file: src.path, line: r.line, message: `imports ${r.target} (${to}; reached from the renderer by ${chain})` });
      else if (r.target) {
        const next = resolveIn(byPath, r.target);
        if (next) walk(next, [...via, src.path]);
      }
    }
  };
  if (api) walk(api, ['renderer']);
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** The TypeScript sources of main/, preload/ and renderer/ under root. */
export function houseSources(root: string): Source[] {
  const out: Source[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(f) && !f.endsWith('.d.ts')) out.push({ path: relative(root, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  for (const d of ['main', 'preload', 'renderer']) walk(join(root, d));
  return out;
}
