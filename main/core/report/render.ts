// One report, any format: every renderer draws from the same ReportData.

import { reportCsv, violationsPath } from './csv-report';
import { reportHtml } from './html';
import { reportPdf } from './pdf';
import type { ReportData, ReportFormat } from './types';
import { reportXlsx } from './xlsx';

export interface RenderedFile {
  /** Relative to the path asked for: '' is that path itself. */
  path: string;
  bytes: Uint8Array;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The files of a report in `format`: one, or two for CSV (contingencies, violations). */
export async function renderReport(d: ReportData, format: ReportFormat, path: string): Promise<RenderedFile[]> {
  switch (format) {
    case 'html': return [{ path, bytes: utf8(reportHtml(d)) }];
    case 'json': return [{ path, bytes: utf8(JSON.stringify(d, null, 1) + '\n') }];
    case 'pdf': return [{ path, bytes: await reportPdf(d) }];
    case 'xlsx': return [{ path, bytes: await reportXlsx(d) }];
    case 'csv': {
      const c = reportCsv(d);
      return [{ path, bytes: utf8(c.contingencies) }, { path: violationsPath(path), bytes: utf8(c.violations) }];
    }
  }
}
