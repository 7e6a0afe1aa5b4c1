import { openStore } from '../main/store';
import { buildReport } from '../main/services/report';
import { renderReport } from '../main/core/report/render';
const s = openStore(process.argv[2]);
let t = performance.now();
const lap = (w: string) => { const n = performance.now(); console.log(w, ((n - t) / 1000).toFixed(2)); t = n; };
const recs = s.n1.getRecords(1, { orderBy: 'severity' }); lap('records');
const c = s.cases.getParsed(s.n1.getRun(1)!.caseId); lap('parsed');
const d = buildReport(s, 1, {}); lap('build');
(async () => {
  for (const f of ['json', 'html', 'csv', 'xlsx', 'pdf'] as const) { await renderReport(d, f, '/tmp/x.' + f); lap(f); }
})();
