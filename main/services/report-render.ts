// One report, any format: every renderer (core/report) draws from the same
// ReportData; this gives the XLSX writer its stream and collects the bytes.

import { PassThrough } from 'node:stream';
import { reportCsv, violationsPath } from '../core/report/csv-report';
import { reportHtml } from '../core/report/html';
import { reportPdf } from '../core/report/pdf';
import type { ReportData, ReportFormat } from '../core/report/types';
import { writeReportXlsx } from '../core/report/xlsx';

export interface RenderedFile {
  /** The path asked for, or the second file's beside it (CSV). */
  path: string;
  bytes: Uint8Array;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

async function xlsxBytes(d: ReportData): Promise<Uint8Array> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => { sink.on('end', resolve); sink.on('error', reject); });
  await writeReportXlsx(d, sink);
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

/** The files of a report in `format`: one, or two for CSV (contingencies, violations). */
export async function renderReport(d: ReportData, format: ReportFormat, path: string): Promise<RenderedFile[]> {
  switch (format) {
    case 'html': return [{ path, bytes: utf8(reportHtml(d)) }];
    case 'json': return [{ path, bytes: utf8(JSON.stringify(d, null, 1) + '\n') }];
    case 'pdf': return [{ path, bytes: await reportPdf(d) }];
    case 'xlsx': return [{ path, bytes: await xlsxBytes(d) }];
    case 'csv': {
      const c = reportCsv(d);
      return [{ path, bytes: utf8(c.contingencies) }, { path: violationsPath(path), bytes: utf8(c.violations) }];
    }
  }
}
