// The report as PDF, drawn with pdfkit (no browser needed): A4 landscape, the
// same tables as the HTML (rows never split, the header repeated on every
// page a table continues on), the map drawn with vector paths from the same
// picture as the SVG, and every page numbered "page n of N".

import PDFDocument from 'pdfkit';
import { loadingColor, LOADING_BANDS, OUTAGED_COLOR, BUS_COLOR, UNJUDGED_COLOR, VIOLATED_BUS_COLOR, outageMark, strokeScale } from './map-picture';
import { allTables, formatValue, headerOf, type Table } from './tables';
import type { MapPicture, ReportData } from './types';

const PAGE = { width: 841.89, height: 595.28 }; // A4 landscape, points
const M = 36;
const FOOT = 22;
const FONT = 'Helvetica', BOLD = 'Helvetica-Bold';
const CELL = 7.2, PAD = 2.2;

type Doc = InstanceType<typeof PDFDocument>;

export function reportPdf(d: ReportData): Promise<Uint8Array> {
  const doc: Doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: M, bufferPages: true, info: { Title: d.title, Creator: d.generator, Subject: `N-1 run ${d.run.id} of ${d.case.name}` } });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (c: Uint8Array) => chunks.push(c));
    doc.on('end', () => resolve(concat(chunks)));
    doc.on('error', reject);
  });
  const w = PAGE.width - 2 * M;
  doc.font(BOLD).fontSize(16).fillColor('#101828').text(d.title, M, M, { width: w });
  doc.font(FONT).fontSize(9).fillColor('#475467')
    .text(`${d.case.name}: ${d.run.engine}, ${d.run.done} of ${d.run.total} ${d.run.kind} outages; ${d.summary.insecure} insecure, ${d.summary.secure} secure. Made ${d.generatedAt}.`, { width: w });
  for (const n of d.notes) doc.fillColor('#93370d').text(n, { width: w });
  doc.moveDown(0.5);
  const tables = allTables(d);
  // The map goes after the summary and the base case, as in the HTML.
  const mapAt = Math.max(...tables.map((t, i) => (t.id.startsWith('base-') || t.id === 'types' ? i : -1)));
  tables.forEach((t, i) => {
    drawTable(doc, t);
    if (d.map && i === mapAt) drawMap(doc, d.map);
  });
  // Page numbers, now that the count is known.
  const range = doc.bufferedPageRange();
  for (let p = range.start; p < range.start + range.count; p++) {
    doc.switchToPage(p);
    doc.font(FONT).fontSize(7.5).fillColor('#667085');
    const y = PAGE.height - M + 8;
    doc.text(`${d.case.name} - N-1 run ${d.run.id}`, M, y, { width: w / 2, lineBreak: false, height: 10 });
    doc.text(`page ${p - range.start + 1} of ${range.count}`, M + w / 2, y, { width: w / 2, align: 'right', lineBreak: false, height: 10 });
  }
  doc.end();
  return done;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

const bottom = () => PAGE.height - M - FOOT;

function ensure(doc: Doc, h: number): boolean {
  if (doc.y + h <= bottom()) return false;
  doc.addPage();
  doc.y = M;
  return true;
}

function widths(t: Table, total: number): number[] {
  const rel = t.columns.map((c) => c.width ?? 1);
  const sum = rel.reduce((a, b) => a + b, 0);
  return rel.map((r) => (r / sum) * total);
}

function rowHeight(doc: Doc, cells: string[], ws: number[], font: string): number {
  doc.font(font).fontSize(CELL);
  let h = 0;
  cells.forEach((c, i) => { h = Math.max(h, doc.heightOfString(c, { width: ws[i] - 2 * PAD })); });
  return h + 2 * PAD;
}

function drawRow(doc: Doc, cells: string[], ws: number[], right: boolean[], font: string, fill: string | null, h: number): void {
  const y = doc.y;
  if (fill) doc.rect(M, y, ws.reduce((a, b) => a + b, 0), h).fill(fill);
  doc.font(font).fontSize(CELL).fillColor('#101828');
  let x = M;
  cells.forEach((c, i) => {
    doc.text(c, x + PAD, y + PAD, { width: ws[i] - 2 * PAD, align: right[i] ? 'right' : 'left' });
    x += ws[i];
  });
  doc.moveTo(M, y + h).lineTo(x, y + h).lineWidth(0.3).strokeColor('#d0d5dd').stroke();
  doc.y = y + h;
  doc.x = M;
}

function drawTable(doc: Doc, t: Table): void {
  const w = PAGE.width - 2 * M;
  // Narrow tables stay narrow: a relative width unit is about 80 pt; key-value tables get 520 pt.
  const rel = t.columns.reduce((a, c) => a + (c.width ?? 1), 0);
  const ws = widths(t, t.columns.length === 2 && t.columns[0].header === 'item' ? Math.min(w, 520) : Math.min(w, rel * 80));
  const head = t.columns.map(headerOf);
  const right = t.columns.map((c) => c.kind !== 'text');
  const hh = rowHeight(doc, head, ws, BOLD);
  const cells = t.rows.map((r) => r.map((v, i) => formatValue(t.columns[i], v)));
  const heights = cells.map((c) => rowHeight(doc, c, ws, FONT));
  const titleH = 20 + (t.note ? 10 : 0);
  const whole = titleH + hh + heights.reduce((a, b) => a + b, 0);
  // A table that fits on one page is never split; a longer one starts where at least its first row fits.
  ensure(doc, whole <= bottom() - M ? whole : titleH + hh + (heights[0] ?? 0));
  doc.moveDown(0.6);
  doc.font(BOLD).fontSize(10.5).fillColor('#101828').text(t.title, M, doc.y, { width: w });
  if (t.note) doc.font(FONT).fontSize(7.5).fillColor('#475467').text(t.note, M, doc.y, { width: w });
  doc.y += 3;
  if (!t.rows.length) return;
  drawRow(doc, head, ws, right, BOLD, '#f2f4f7', hh);
  cells.forEach((c, i) => {
    if (ensure(doc, heights[i])) {
      doc.font(FONT).fontSize(7).fillColor('#667085').text(`${t.title} (continued)`, M, doc.y, { width: w });
      doc.y += 2;
      drawRow(doc, head, ws, right, BOLD, '#f2f4f7', hh);
    }
    drawRow(doc, c, ws, right, FONT, null, heights[i]);
  });
}

function drawMap(doc: Doc, p: MapPicture): void {
  const w = PAGE.width - 2 * M;
  const maxH = bottom() - M - 40;
  const s = Math.min(w / p.width, maxH / p.height);
  if (doc.y + p.height * s + 40 > bottom()) { doc.addPage(); doc.y = M; }
  doc.moveDown(0.6);
  doc.font(BOLD).fontSize(10.5).fillColor('#101828').text(`Map after the outage of ${p.outage.label} (${p.outage.verdict})`, M, doc.y, { width: w });
  doc.font(FONT).fontSize(7.5).fillColor('#475467').text(`Post-outage loading of every branch, the outaged line dashed; positions: ${p.source}.`, M, doc.y, { width: w });
  const x0 = M + (w - p.width * s) / 2, y0 = doc.y + 4;
  const { line, bus, marked } = strokeScale(p);
  doc.save();
  doc.rect(x0, y0, p.width * s, p.height * s).lineWidth(0.5).strokeColor('#eaecf0').stroke();
  for (const b of p.branches) {
    const width = (b.outaged || b.overloaded ? marked : line) * s;
    doc.moveTo(x0 + b.x1 * s, y0 + b.y1 * s).lineTo(x0 + b.x2 * s, y0 + b.y2 * s).lineWidth(width).strokeColor(b.outaged ? OUTAGED_COLOR : loadingColor(b.loading));
    if (b.outaged) doc.dash(line * 4 * s, { space: line * 3 * s }); else doc.undash();
    doc.stroke();
  }
  doc.undash();
  if (bus > 0) for (const b of p.buses) if (!b.violated) doc.circle(x0 + b.x * s, y0 + b.y * s, bus * s).fill(BUS_COLOR);
  for (const b of p.buses) if (b.violated) doc.circle(x0 + b.x * s, y0 + b.y * s, Math.max(bus, 1.5) * 1.8 * s).lineWidth(Math.max(line, 0.8) * s).strokeColor(VIOLATED_BUS_COLOR).stroke();
  const mark = outageMark(p);
  if (mark) doc.circle(x0 + mark.x * s, y0 + mark.y * s, mark.r * s).lineWidth(1.2 * s).strokeColor(OUTAGED_COLOR).dash(3 * s, { space: 2 * s }).stroke().undash();
  doc.restore();
  // Legend.
  let lx = x0;
  const ly = y0 + p.height * s + 10;
  const legend = (color: string, label: string, dashed = false) => {
    doc.moveTo(lx, ly).lineTo(lx + 14, ly).lineWidth(2.5).strokeColor(color);
    if (dashed) doc.dash(3, { space: 2 }); else doc.undash();
    doc.stroke().undash();
    doc.font(FONT).fontSize(7.5).fillColor('#344054').text(label, lx + 18, ly - 3.5, { lineBreak: false });
    lx += 26 + doc.widthOfString(label);
  };
  for (const band of [...LOADING_BANDS].reverse()) legend(band.color, `loading ${band.label}`);
  legend(UNJUDGED_COLOR, 'unrated / cut off');
  legend(OUTAGED_COLOR, 'outaged (ringed)', true);
  doc.circle(lx + 5, ly, 3.5).lineWidth(0.8).strokeColor(VIOLATED_BUS_COLOR).stroke();
  doc.font(FONT).fontSize(7.5).fillColor('#344054').text('voltage violation', lx + 14, ly - 3.5, { lineBreak: false });
  doc.x = M;
  doc.y = ly + 12;
}
