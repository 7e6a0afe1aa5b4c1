// Cases: the original MATPOWER text (gzipped), its SHA-256, and the parsed
// Case. Import is idempotent on content: the same text twice gives one case.
// Parsing is the caller's job (core/grid/matpower); the store only keeps.

import { createHash } from 'node:crypto';
import type { Case } from '../core/grid/case';
import type { Db } from './db';
import { nowIso } from './db';
import { StoreError } from './errors';
import { decodeCase, encodeCase } from './case-codec';
import { gunzipText, gzipText } from './json';
import type { CaseSummary, ImportResult } from './types';
import { nonEmpty, notFound, positiveInt } from './validate';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface CaseRow {
  id: number;
  hash: string;
  name: string;
  source_file: string | null;
  nbus: number;
  nbranch: number;
  ngen: number;
  imported_at: string;
}

const SUMMARY = 'id, hash, name, source_file, nbus, nbranch, ngen, imported_at';

const toSummary = (r: CaseRow): CaseSummary => ({
  id: r.id,
  hash: r.hash,
  name: r.name,
  sourceFile: r.source_file,
  nbus: r.nbus,
  nbranch: r.nbranch,
  ngen: r.ngen,
  importedAt: r.imported_at,
});

/** Rows that depend on a case. Models are not deleted with it: they only lose the link to their dataset. */
export interface CaseDependents {
  n1Runs: number;
  datasets: number;
  changeSets: number;
  layoutBuses: number;
  models: number;
}

export interface CaseImport {
  /** The file's text exactly as read. */
  text: string;
  /** The Case parsed from that text. */
  parsed: Case;
  sourceFile?: string | null;
  /** Defaults to parsed.name. */
  name?: string;
}

export class CaseRepo {
  constructor(private readonly db: Db) {}

  /** Stores a case, or returns the existing id when the same text is already stored. */
  import(input: CaseImport): ImportResult {
    if (typeof input.text !== 'string') throw new StoreError('INVALID', 'case text must be a string');
    const c = input.parsed;
    if (!c || !Array.isArray(c.bus) || !Array.isArray(c.branch) || !Array.isArray(c.gen)) {
      throw new StoreError('INVALID', 'parsed case must have bus, branch and gen rows');
    }
    const name = nonEmpty(input.name ?? c.name, 'case name');
    const hash = sha256(input.text);
    const existing = this.findByHash(hash);
    if (existing) return { id: existing.id, created: false };
    // Compress outside the transaction: the write lock is held only for the insert.
    const textGz = gzipText(input.text);
    const parsedGz = encodeCase(c);
    return this.db.write('importing a case', () => {
      const info = this.db
        .stmt(
          `INSERT INTO cases (hash, name, source_file, text_gz, parsed_gz, nbus, nbranch, ngen, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
        )
        .run(hash, name, input.sourceFile ?? null, textGz, parsedGz, c.bus.length, c.branch.length, c.gen.length, nowIso());
      if (info.changes === 1) return { id: Number(info.lastInsertRowid), created: true };
      // Another process imported the same text between our check and our insert.
      return { id: (this.db.stmt('SELECT id FROM cases WHERE hash = ?').get(hash) as { id: number }).id, created: false };
    });
  }

  findByHash(hash: string): CaseSummary | undefined {
    const r = this.db.guard('finding a case', () => this.db.stmt(`SELECT ${SUMMARY} FROM cases WHERE hash = ?`).get(hash) as CaseRow | undefined);
    return r && toSummary(r);
  }

  get(id: number): CaseSummary | undefined {
    const r = this.db.guard('reading a case', () => this.db.stmt(`SELECT ${SUMMARY} FROM cases WHERE id = ?`).get(id) as CaseRow | undefined);
    return r && toSummary(r);
  }

  list(): CaseSummary[] {
    return this.db.guard('listing cases', () => (this.db.stmt(`SELECT ${SUMMARY} FROM cases ORDER BY id`).all() as CaseRow[]).map(toSummary));
  }

  /** The original file text, byte for byte as imported. */
  getText(id: number): string {
    const r = this.db.guard('reading a case text', () => this.db.stmt('SELECT text_gz FROM cases WHERE id = ?').get(id) as { text_gz: Buffer } | undefined);
    if (!r) throw notFound('case', id);
    return gunzipText(r.text_gz, `case ${id} text`);
  }

  getParsed(id: number): Case {
    const r = this.db.guard('reading a parsed case', () => this.db.stmt('SELECT parsed_gz FROM cases WHERE id = ?').get(id) as { parsed_gz: Buffer } | undefined);
    if (!r) throw notFound('case', id);
    return decodeCase(r.parsed_gz, `case ${id}`);
  }

  rename(id: number, name: string): void {
    nonEmpty(name, 'case name');
    const info = this.db.write('renaming a case', () => this.db.stmt('UPDATE cases SET name = ? WHERE id = ?').run(name, id));
    if (info.changes === 0) throw notFound('case', id);
  }

  /** What goes with the case when it is deleted (foreign-key cascade), and the models that lose their dataset. */
  dependents(id: number): CaseDependents {
    positiveInt(id, 'case id');
    return this.db.read('counting what depends on a case', () => {
      if (!this.db.stmt('SELECT 1 FROM cases WHERE id = ?').get(id)) throw notFound('case', id);
      const count = (sql: string) => (this.db.stmt(sql).get(id) as { n: number }).n;
      return {
        n1Runs: count('SELECT count(*) AS n FROM n1_runs WHERE case_id = ?'),
        datasets: count('SELECT count(*) AS n FROM datasets WHERE case_id = ?'),
        changeSets: count('SELECT count(*) AS n FROM change_sets WHERE case_id = ?'),
        layoutBuses: count('SELECT count(*) AS n FROM layouts WHERE case_id = ?'),
        models: count('SELECT count(*) AS n FROM models WHERE dataset_id IN (SELECT id FROM datasets WHERE case_id = ?)'),
      };
    });
  }

  /** Deletes the case with its layouts, runs and datasets (foreign-key cascade). */
  delete(id: number): boolean {
    positiveInt(id, 'case id');
    return this.db.write('deleting a case', () => this.db.stmt('DELETE FROM cases WHERE id = ?').run(id).changes === 1);
  }
}
