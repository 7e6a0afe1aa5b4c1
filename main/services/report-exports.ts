// Reports exported from the window: made from a stored N-1 run, kept in the
// database (the file's bytes), listed on the Reports screen and read back to
// save. The CLI writes its reports to a path and lists them here too.

import { ApiError, type ReportFileView, type ReportInfo } from '../api';
import { renderReport } from './report-render';
import type { ReportFormat } from '../core/report/types';
import type { Store } from '../store';
import type { ReportSummary } from '../store/types';
import { buildReport, ReportError } from './report';

const MIME: Record<ReportFormat, string> = {
  html: 'text/html', pdf: 'application/pdf', csv: 'text/csv', json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export class ReportExports {
  constructor(private readonly store: Store | undefined, private readonly generator: string) {}

  /** Makes the report of a run in one format and keeps it (CSV: two files). */
  async export(req: { runId: number; format: ReportFormat; compareTo?: number }): Promise<ReportInfo[]> {
    const store = this.requireStore();
    if (store.readonly) throw new ApiError(`reports cannot be kept: the database ${store.path} is read-only${store.readonlyReason ? ` (${store.readonlyReason})` : ''}`);
    let data;
    try {
      data = buildReport(store, req.runId, { compareTo: req.compareTo, generator: this.generator });
    } catch (e) {
      if (e instanceof ReportError) throw new ApiError(e.message, /compare/.test(e.message) ? 'compareTo' : 'runId');
      throw e;
    }
    const stem = `${data.case.name}-run${req.runId}${req.compareTo ? `-vs${req.compareTo}` : ''}.${req.format}`;
    const files = await renderReport(data, req.format, stem);
    const ids = store.transaction(() => files.map((f) => store.reports.add({
      kind: req.format, fileName: f.path, bytes: f.bytes, runId: req.runId,
      source: { runId: req.runId, format: req.format, caseName: data.case.name, ...(req.compareTo ? { compareTo: req.compareTo } : {}), partial: data.run.partial, via: 'app' },
    })));
    return ids.map((id) => info(store.reports.get(id)!));
  }

  /** The reports kept, newest first (of one run with runId). */
  list(runId?: number): ReportInfo[] {
    if (!this.store) return [];
    return this.store.reports.list({ runId }).reverse().map(info);
  }

  /** A kept report's file, to save it. */
  file(id: number): ReportFileView {
    const store = this.requireStore();
    const r = store.reports.get(id);
    if (!r) throw new ApiError(`there is no report ${id} in the store`, 'id');
    const bytes = store.reports.getBytes(id);
    if (!bytes) throw new ApiError(`report ${id} was written to ${r.path} and is not kept in the database`, 'id');
    return { id, fileName: r.fileName, mimeType: MIME[r.kind], base64: Buffer.from(bytes).toString('base64') };
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('reports need a database (the app runs without one)');
    return this.store;
  }
}

function info(r: ReportSummary): ReportInfo {
  const src = (r.source ?? {}) as Record<string, unknown>;
  return {
    id: r.id, kind: r.kind, fileName: r.fileName, size: r.size, runId: r.runId, caseName: typeof src.caseName === 'string' ? src.caseName : null,
    compareTo: typeof src.compareTo === 'number' ? src.compareTo : null, partial: src.partial === true, kept: r.hasBytes, path: r.path, createdAt: r.createdAt,
  };
}
