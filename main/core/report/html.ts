// The report as one self-contained HTML page: styles inline, the map as
// inline SVG, no script, no link, no reference to any file or address, so it
// opens anywhere offline and prints well (tables break between rows, their
// headers repeat on every page).

import { esc, mapSvg } from './map-picture';
import { allTables, formatValue, headerOf, type Table } from './tables';
import type { ReportData } from './types';

const CSS = `
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#101828;margin:24px auto;max-width:1200px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #eaecf0;padding-bottom:3px}
.sub{color:#475467;margin:0 0 12px}.note{color:#475467;font-size:12px;margin:2px 0 6px}
.notes{background:#fffaeb;border:1px solid #fedf89;padding:8px 12px;margin:12px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 24px}
table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:12px}
th,td{border-bottom:1px solid #eaecf0;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f4f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.v-islanded,td.v-diverged{color:#912018;font-weight:600}
.map{border:1px solid #eaecf0;margin:6px 0;max-width:980px}
thead{display:table-header-group}tr{break-inside:avoid}
@media print{body{margin:0;max-width:none;font-size:10px}table{font-size:9px}h2{break-after:avoid}.map{break-inside:avoid}@page{size:A4 landscape;margin:12mm}}
`;

function tableHtml(t: Table): string {
  const out = [`<section id="t-${t.id}"><h2>${esc(t.title)}</h2>`];
  if (t.note) out.push(`<p class="note">${esc(t.note)}</p>`);
  if (t.rows.length) {
    out.push('<table><thead><tr>', ...t.columns.map((c) => `<th>${esc(headerOf(c))}</th>`), '</tr></thead><tbody>');
    const verdictCol = t.columns.findIndex((c) => c.header === 'verdict');
    for (const r of t.rows) {
      out.push('<tr>');
      t.columns.forEach((c, i) => {
        const cls = c.kind !== 'text' ? ' class="n"' : i === verdictCol && typeof r[i] === 'string' ? ` class="v-${String(r[i]).replace(/[^a-z]/g, '')}"` : '';
        out.push(`<td${cls}>${esc(formatValue(c, r[i]))}</td>`);
      });
      out.push('</tr>');
    }
    out.push('</tbody></table>');
  }
  out.push('</section>');
  return out.join('');
}

export function reportHtml(d: ReportData): string {
  const tables = allTables(d);
  const byId = new Map(tables.map((t) => [t.id, t]));
  const take = (id: string) => { const t = byId.get(id); byId.delete(id); return t ? tableHtml(t) : ''; };
  const body: string[] = [];
  body.push(`<h1>${esc(d.title)}</h1>`);
  body.push(`<p class="sub">${esc(`${d.case.name}: ${d.run.engine}, ${d.run.done} of ${d.run.total} ${d.run.kind} outages; ${d.summary.insecure} insecure, ${d.summary.secure} secure. Made ${d.generatedAt}.`)}</p>`);
  if (d.notes.length) body.push(`<div class="notes">${d.notes.map((n) => `<p>${esc(n)}</p>`).join('')}</div>`);
  body.push(`<div class="grid">${take('case')}${take('run')}</div>`, take('rules'));
  body.push(`<div class="grid">${take('verdicts')}${take('types')}</div>`);
  body.push(`<div class="grid">${take('base-overloads')}${take('base-voltages')}</div>`);
  if (d.map) {
    body.push(`<section id="map"><h2>${esc(`Map after the outage of ${d.map.outage.label} (${d.map.outage.verdict})`)}</h2>`);
    body.push(`<p class="note">${esc(`Post-outage loading of every branch, the outaged line dashed; positions: ${d.map.source}.`)}</p>`);
    body.push(`<div class="map">${mapSvg(d.map)}</div></section>`);
  }
  for (const id of [...byId.keys()]) body.push(take(id));
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${esc(d.title)}</title><style>${CSS}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}
