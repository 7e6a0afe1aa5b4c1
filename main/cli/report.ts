// gridrewire report --db <file> --run <id> --format html|pdf|csv|xlsx|json --out <path>
//                   [--compare-to <run>] [--detail N] [--model <id>|none]
// The contingency report of one stored N-1 run. Everything a user can get
// wrong is refused in one line before any work: the format, the output path
// (claimed writable first; CSV claims its second file too), the database,
// the run. A run still in progress is reported as partial.

import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { REPORT_FORMATS, type ReportFormat } from '../core/report/types';
import { renderReport } from '../services/report-render';
import { violationsPath } from '../core/report/csv-report';
import { openStore, defaultDbPath } from '../store';
import { buildReport, ReportError } from '../services/report';
import { VERSION } from '../services/app';
import { parseArgs, UsageError } from './args';
import { claimOutputFile, type OutputFile } from './output-file';

export const REPORT_USAGE = 'usage: gridrewire report --db <file> --run <id> --format html|pdf|csv|xlsx|json --out <path> [--compare-to <run>] [--detail N] [--model <id>|none]';

export async function reportCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, flags } = parseArgs(argv, { db: 'string', run: 'number', format: 'string', out: 'string', 'compare-to': 'number', detail: 'number', model: 'string', quiet: 'boolean' });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'; ${REPORT_USAGE}`);
  if (flags.format === undefined) throw new UsageError(`--format is needed (${REPORT_FORMATS.join(', ')}); ${REPORT_USAGE}`);
  const format = String(flags.format).toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format '${flags.format}': use one of ${REPORT_FORMATS.join(', ')}`);
  if (flags.run === undefined) throw new UsageError(`--run <id> is needed (see gridrewire runs); ${REPORT_USAGE}`);
  const runId = flags.run as number;
  if (!Number.isInteger(runId) || runId < 1) throw new UsageError(`--run needs a run id (a whole number from 1), got ${runId}`);
  const compareTo = flags['compare-to'] as number | undefined;
  if (compareTo !== undefined && (!Number.isInteger(compareTo) || compareTo < 1)) throw new UsageError(`--compare-to needs a run id, got ${compareTo}`);
  const detail = flags.detail as number | undefined;
  if (detail !== undefined && (!Number.isInteger(detail) || detail < 0)) throw new UsageError(`--detail needs a whole number of contingencies (0 or more), got ${detail}`);
  const model = flags.model === undefined ? undefined : flags.model === 'none' ? null : Number(flags.model);
  if (typeof model === 'number' && !(Number.isInteger(model) && model >= 1)) throw new UsageError(`--model needs a model id or 'none', got '${flags.model}'`);
  if (flags.out === undefined) throw new UsageError(`--out <path> is needed; ${REPORT_USAGE}`);
  const db = (flags.db as string | undefined) ?? defaultDbPath();
  if (!existsSync(db)) throw new ReportError(`there is no database at ${db} (give --db the file N-1 runs were stored in with gridrewire n1 --db)`);

  // Claimed before any work: a path that cannot be written fails now.
  const path = flags.out as string;
  const claimed: OutputFile[] = [claimOutputFile(path, 'out', [{ what: 'database', path: db }])];
  try {
    if (format === 'csv') claimed.push(claimOutputFile(violationsPath(path), 'out', [{ what: 'database', path: db }]));
    const store = openStore(db);
    try {
      const t0 = performance.now();
      const data = buildReport(store, runId, { compareTo, detail, model, generator: `GridRewire ${VERSION} (gridrewire report)` });
      const files = await renderReport(data, format as ReportFormat, path);
      files.forEach((f, i) => claimed[i].write(f.bytes));
      const seconds = (performance.now() - t0) / 1000;
      let recorded = '';
      if (!store.readonly) {
        for (const f of files) store.reports.add({ kind: format as ReportFormat, fileName: basename(f.path), path: f.path, runId, source: { runId, format, ...(compareTo ? { compareTo } : {}), via: 'cli' } });
        recorded = `; listed in ${store.path}`;
      }
      if (data.run.partial) err(`gridrewire report: run ${runId} is ${data.run.status}: ${data.run.done} of ${data.run.total} contingencies computed; the report says it is partial`);
      if (!flags.quiet) {
        out(`${format.toUpperCase()} report of run ${runId} (${data.case.name}, ${data.contingencies.length} contingencies, ${data.summary.insecure} insecure) in ${seconds.toFixed(2)} s: ${files.map((f) => `${f.path} (${f.bytes.length} bytes)`).join(', ')}${recorded}`);
      }
      return 0;
    } finally {
      store.close();
    }
  } finally {
    for (const c of claimed) c.discard();
  }
}
