// Change tables (MATPOWER chgtab) used as scenarios or as contingency lists:
// the original text, its hash, and optionally the caller's parsed form.

import type { Db } from './db';
import { nowIso } from './db';
import { StoreError } from './errors';
import { sha256 } from './cases';
import { fromJson, gunzipText, gzipText, toJson } from './json';
import type { ChangeSetKind, ChangeSetSummary, ImportResult } from './types';
import { nonEmpty, notFound, oneOf } from './validate';

const KINDS: readonly ChangeSetKind[] = ['scenarios', 'contingencies'];

export interface ChangeSetImport {
  text: string;
  name: string;
  kind: ChangeSetKind;
  caseId?: number | null;
  sourceFile?: string | null;
  /** The parsed table (e.g. a ChangeTable), kept as JSON if given. */
  parsed?: unknown;
}

interface Row {
  id: number;
  hash: string;
  kind: ChangeSetKind;
  name: string;
  case_id: number | null;
  source_file: string | null;
  imported_at: string;
}

const SUMMARY = 'id, hash, kind, name, case_id, source_file, imported_at';
const toSummary = (r: Row): ChangeSetSummary => ({
  id: r.id,
  hash: r.hash,
  kind: r.kind,
  name: r.name,
  caseId: r.case_id,
  sourceFile: r.source_file,
  importedAt: r.imported_at,
});

export class ChangeSetRepo {
  constructor(private readonly db: Db) {}

  /** Stores a change set; the same text, kind and case twice returns the existing id. */
  import(input: ChangeSetImport): ImportResult {
    if (typeof input.text !== 'string') throw new StoreError('INVALID', 'change set text must be a string');
    const kind = oneOf(input.kind, KINDS, 'change set kind');
    const name = nonEmpty(input.name, 'change set name');
    const caseId = input.caseId ?? null;
    const hash = sha256(input.text);
    const textGz = gzipText(input.text);
    const parsedGz = input.parsed === undefined ? null : gzipText(toJson(input.parsed));
    return this.db.write('importing a change set', () => {
      if (caseId !== null && !this.db.stmt('SELECT 1 FROM cases WHERE id = ?').get(caseId)) throw notFound('case', caseId);
      const info = this.db
        .stmt(
          `INSERT INTO change_sets (hash, kind, name, case_id, source_file, text_gz, parsed_gz, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(hash, kind, name, caseId, input.sourceFile ?? null, textGz, parsedGz, nowIso());
      if (info.changes === 1) return { id: Number(info.lastInsertRowid), created: true };
      const r = this.db.stmt('SELECT id FROM change_sets WHERE hash = ? AND kind = ? AND IFNULL(case_id, 0) = ?').get(hash, kind, caseId ?? 0) as { id: number };
      return { id: r.id, created: false };
    });
  }

  get(id: number): ChangeSetSummary | undefined {
    const r = this.db.guard('reading a change set', () => this.db.stmt(`SELECT ${SUMMARY} FROM change_sets WHERE id = ?`).get(id) as Row | undefined);
    return r && toSummary(r);
  }

  /** All change sets, or those of one kind and/or linked to one case. */
  list(filter: { kind?: ChangeSetKind; caseId?: number } = {}): ChangeSetSummary[] {
    return this.db.guard('listing change sets', () =>
      (
        this.db
          .stmt(`SELECT ${SUMMARY} FROM change_sets WHERE (@kind IS NULL OR kind = @kind) AND (@caseId IS NULL OR case_id = @caseId) ORDER BY id`)
          .all({ kind: filter.kind ?? null, caseId: filter.caseId ?? null }) as Row[]
      ).map(toSummary),
    );
  }

  getText(id: number): string {
    const r = this.db.guard('reading a change set', () => this.db.stmt('SELECT text_gz FROM change_sets WHERE id = ?').get(id) as { text_gz: Buffer } | undefined);
    if (!r) throw notFound('change set', id);
    return gunzipText(r.text_gz, `change set ${id}`);
  }

  /** The parsed form given at import, or undefined when none was given. */
  getParsed<T = unknown>(id: number): T | undefined {
    const r = this.db.guard('reading a change set', () => this.db.stmt('SELECT parsed_gz FROM change_sets WHERE id = ?').get(id) as { parsed_gz: Buffer | null } | undefined);
    if (!r) throw notFound('change set', id);
    return r.parsed_gz === null ? undefined : fromJson<T>(gunzipText(r.parsed_gz, `change set ${id}`), `change set ${id}`);
  }

  delete(id: number): boolean {
    return this.db.write('deleting a change set', () => this.db.stmt('DELETE FROM change_sets WHERE id = ?').run(id).changes === 1);
  }
}
