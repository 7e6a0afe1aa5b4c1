// Exported reports: the file's bytes kept in the database, or the path it was
// written to, with its kind, name and what it reports on.

import { statSync } from 'node:fs';
import type { Db } from './db';
import { nowIso } from './db';
import { StoreError } from './errors';
import { fromJson, toJson } from './json';
import type { JsonObject, ReportInput, ReportKind, ReportSummary } from './types';
import { nonEmpty, notFound, oneOf, positiveInt } from './validate';

const KINDS: readonly ReportKind[] = ['html', 'pdf', 'csv', 'xlsx', 'json'];

interface Row {
  id: number;
  kind: ReportKind;
  file_name: string;
  path: string | null;
  size: number;
  has_bytes: number;
  source: string | null;
  run_id: number | null;
  created_at: string;
}

const SELECT = 'SELECT id, kind, file_name, path, size, bytes IS NOT NULL AS has_bytes, source, run_id, created_at FROM reports';

const toSummary = (r: Row): ReportSummary => ({
  id: r.id,
  kind: r.kind,
  fileName: r.file_name,
  path: r.path,
  size: r.size,
  hasBytes: r.has_bytes === 1,
  source: r.source === null ? null : fromJson<JsonObject>(r.source, `report ${r.id} source`),
  runId: r.run_id,
  createdAt: r.created_at,
});

/** Size of a report written to disk: it was just written, so a file that is not there is an error, not a report of 0 bytes. */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw new StoreError('INVALID', `a report at ${path} was to be listed, but the file is not there (${e instanceof Error ? e.message : String(e)})`);
  }
}

export class ReportRepo {
  constructor(private readonly db: Db) {}

  add(input: ReportInput): number {
    oneOf(input.kind, KINDS, 'report kind');
    nonEmpty(input.fileName, 'report file name');
    if (input.bytes === undefined && input.path === undefined) throw new StoreError('INVALID', 'a report needs its bytes or the path it was written to');
    const bytes = input.bytes === undefined ? null : Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    const size = bytes !== null ? bytes.length : fileSize(input.path!);
    if (input.runId !== undefined && input.runId !== null) positiveInt(input.runId, 'report run id');
    return this.db.write('storing a report', () => {
      const runId = input.runId ?? null;
      if (runId !== null && !this.db.stmt('SELECT 1 FROM n1_runs WHERE id = ?').get(runId)) throw notFound('N-1 run', runId);
      return Number(
        this.db
          .stmt('INSERT INTO reports (kind, file_name, bytes, path, size, source, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(input.kind, input.fileName, bytes, input.path ?? null, size, input.source === undefined ? null : toJson(input.source), runId, nowIso())
          .lastInsertRowid,
      );
    });
  }

  /** Reports in id order; with runId, only those of that N-1 run. */
  list(filter: { runId?: number } = {}): ReportSummary[] {
    return this.db.guard('listing reports', () =>
      (this.db.stmt(`${SELECT} WHERE (@runId IS NULL OR run_id = @runId) ORDER BY id`).all({ runId: filter.runId ?? null }) as Row[]).map(toSummary));
  }

  get(id: number): ReportSummary | undefined {
    const r = this.db.guard('reading a report', () => this.db.stmt(`${SELECT} WHERE id = ?`).get(id) as Row | undefined);
    return r && toSummary(r);
  }

  /** The stored file, or null when only its path was recorded. */
  getBytes(id: number): Uint8Array | null {
    const r = this.db.guard('reading a report', () => this.db.stmt('SELECT bytes FROM reports WHERE id = ?').get(id) as { bytes: Buffer | null } | undefined);
    if (!r) throw notFound('report', id);
    return r.bytes === null ? null : new Uint8Array(r.bytes);
  }

  delete(id: number): boolean {
    return this.db.write('deleting a report', () => this.db.stmt('DELETE FROM reports WHERE id = ?').run(id).changes === 1);
  }
}
