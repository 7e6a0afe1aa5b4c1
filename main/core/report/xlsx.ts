// The report as an XLSX workbook (exceljs): one sheet per table, numbers kept
// as numbers (loadings as fractions formatted as %), plus the sheet of every
// stored contingency and the sheet of every violation, as the CSV files have them.

import ExcelJS from 'exceljs';
import { allTables, contingencyRows, headerOf, violationRows, type Column, type Table, type Value } from './tables';
import type { ReportData } from './types';

const NUMBER_FORMAT: Partial<Record<Column['kind'], string>> = { pct: '0.0%', pp: '+0.0%;-0.0%', pu: '0.0000', mw: '0.0', num3: '0.000', int: '0' };

/** Sheet names: at most 31 characters, unique, none of []:*?/\ . */
function sheetName(title: string, used: Set<string>): string {
  const base = title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28).trim();
  let name = base, i = 2;
  while (used.has(name.toLowerCase())) name = `${base.slice(0, 26)} ${i++}`;
  used.add(name.toLowerCase());
  return name;
}

function addSheet(wb: ExcelJS.Workbook, used: Set<string>, title: string, header: string[], rows: Value[][], formats: (string | undefined)[], note?: string): void {
  const ws = wb.addWorksheet(sheetName(title, used));
  let r = 1;
  if (note) { ws.getCell(r, 1).value = note; ws.getCell(r, 1).font = { italic: true }; r++; }
  const head = ws.getRow(r);
  header.forEach((h, i) => { head.getCell(i + 1).value = h; });
  head.font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: r }];
  for (const row of rows) ws.addRow(row.map((v) => (v === null ? null : v)));
  formats.forEach((f, i) => { if (f) ws.getColumn(i + 1).numFmt = f; });
  header.forEach((h, i) => { ws.getColumn(i + 1).width = Math.min(60, Math.max(10, h.length + 2)); });
}

export async function reportXlsx(d: ReportData): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = d.generator;
  wb.title = d.title;
  const used = new Set<string>();
  for (const t of allTables(d) as Table[]) {
    addSheet(wb, used, t.title, t.columns.map(headerOf), t.rows, t.columns.map((c) => NUMBER_FORMAT[c.kind]), t.note);
  }
  const all = contingencyRows(d.contingencies);
  addSheet(wb, used, 'All contingencies', all.header, all.rows, all.header.map((h) => (h === 'max_loading' ? '0.0%' : undefined)));
  const v = violationRows(d.details, d.contingencies);
  addSheet(wb, used, 'All violations', v.header, v.rows, v.header.map((h) => (h === 'loading' || h === 'base_loading' ? '0.0%' : undefined)));
  const buf = await wb.xlsx.writeBuffer();
  return new Uint8Array(buf as ArrayBuffer);
}
