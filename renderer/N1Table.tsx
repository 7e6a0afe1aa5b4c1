// Every N-1 record of a run (16,049 on case9241pegase): sortable by any
// column, filtered by verdict and by text, virtualised so that only the rows
// in view are drawn (TanStack Table for sorting and filtering, TanStack
// Virtual for the rows).

import { useMemo, useRef, useState } from 'react';
import {
  flexRender, getCoreRowModel, getFilteredRowModel, getSortedRowModel, useReactTable,
  type ColumnDef, type FilterFn, type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ContingencyView, Verdict } from '../main/api';
import { VERDICT_COLORS, VERDICT_ORDER, VerdictBadge } from './verdicts';

export interface N1Row extends ContingencyView {
  /** Place in the run's severity order (1 = worst). */
  rank: number;
}

const pct = (x: number) => (x ? `${(x * 100).toFixed(0)}%` : '—');

/** The worst thing an outage did, in words: the most loaded counted overload, the voltage extremes, what was cut off. */
export function worstViolation(r: ContingencyView): string {
  if (r.verdict === 'diverged') return 'no solution';
  const parts: string[] = [];
  if (r.cutBuses > 0) parts.push(`${r.cutBuses} bus${r.cutBuses > 1 ? 'es' : ''} cut off`);
  // worstBranch is the most loaded counted overload; maxLoading (its own column) may be a branch already overloaded in the base case.
  if (r.nOverloads > 0 && r.worstBranch !== null) parts.push(`branch ${r.worstBranch} overloaded${r.nOverloads > 1 ? ` (+${r.nOverloads - 1})` : ''}`);
  if (r.nVoltageViolations > 0) parts.push(`|V| ${r.minVm.toFixed(3)}–${r.maxVm.toFixed(3)} (${r.nVoltageViolations} bus${r.nVoltageViolations > 1 ? 'es' : ''})`);
  return parts.join('; ') || '—';
}

/** Text filter: the branch row, its end buses, the verdict or the violation's words. */
const textFilter: FilterFn<N1Row> = (row, _id, value: string) => {
  const q = value.trim().toLowerCase();
  if (!q) return true;
  const r = row.original;
  return [`${r.branch}`, `${r.from}`, `${r.to}`, `${r.from}-${r.to}`, r.verdict, worstViolation(r).toLowerCase()].some((s) => s.includes(q));
};

const columns: ColumnDef<N1Row>[] = [
  { accessorKey: 'rank', header: '#', size: 44 },
  { accessorKey: 'branch', header: 'branch', size: 100, cell: (c) => <>{c.row.original.branch} <small>{c.row.original.from}–{c.row.original.to}</small></> },
  {
    // Wide enough for the longest badge (overload+voltage) and a screen's mark beside it.
    accessorKey: 'verdict', header: 'verdict', size: 150,
    // A verified screen's kept verdicts are the surrogate's, not solved: marked, with its probability; islanded ones decided by topology are marked too.
    cell: (c) => (
      <>
        <VerdictBadge v={c.row.original.verdict} />
        {c.row.original.judgedBy === 'surrogate' && (
          <span className="judged-surrogate" data-testid="judged-surrogate" title={`the surrogate's verdict, not solved: P(insecure) ${(c.row.original.probability ?? NaN).toPrecision(2)}`}> ≈</span>
        )}
        {c.row.original.judgedBy === 'topology' && (
          <span className="judged-topology" data-testid="judged-topology" title="decided by topology: the outage cuts off load or generation; the main island was not solved (no loadings or voltages)"> topology</span>
        )}
      </>
    ),
    sortingFn: (a, b) => VERDICT_ORDER.indexOf(a.original.verdict) - VERDICT_ORDER.indexOf(b.original.verdict),
    filterFn: (row, _id, value: Verdict[]) => value.length === 0 || value.includes(row.original.verdict),
  },
  { accessorKey: 'maxLoading', header: 'max load', size: 66, cell: (c) => (c.row.original.judgedBy === 'surrogate' ? `≈${pct(c.row.original.maxLoading)}` : pct(c.row.original.maxLoading)) },
  { accessorKey: 'minVm', header: 'min |V|', size: 54, cell: (c) => (c.row.original.minVm ? c.row.original.minVm.toFixed(3) : '—') },
  { id: 'worst', header: 'worst violation', size: 150, accessorFn: (r) => worstViolation(r), enableSorting: false },
];

export function N1Table({ records, selected, onPick }: { records: ContingencyView[]; selected: number | null; onPick(branch: number): void }) {
  const data = useMemo<N1Row[]>(() => records.map((r, i) => ({ ...r, rank: i + 1 })), [records]);
  const [sorting, setSorting] = useState<SortingState>([]);
  const [text, setText] = useState('');
  const [verdicts, setVerdicts] = useState<Verdict[]>([]);
  // A stable filter array: a new one each render would recompute the filtered rows and loop through the table's own resets.
  const columnFilters = useMemo(() => [{ id: 'verdict', value: verdicts }], [verdicts]);
  const table = useReactTable({
    data, columns, state: { sorting, globalFilter: text, columnFilters },
    onSortingChange: setSorting, globalFilterFn: textFilter, autoResetPageIndex: false,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getFilteredRowModel: getFilteredRowModel(),
  });
  const rows = table.getRowModel().rows;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 24, overscan: 12 });
  const present = VERDICT_ORDER.filter((v) => records.some((r) => r.verdict === v));
  const toggle = (v: Verdict) => setVerdicts((vs) => (vs.includes(v) ? vs.filter((x) => x !== v) : [...vs, v]));

  return (
    <div className="n1-table" data-testid="n1-table">
      <div className="filters">
        <input type="search" placeholder="filter: branch, bus, verdict…" value={text} onChange={(e) => setText(e.target.value)} data-testid="n1-filter" />
        {present.map((v) => (
          <button key={v} className={`chip${verdicts.includes(v) ? ' on' : ''}`} style={verdicts.includes(v) ? { background: VERDICT_COLORS[v], borderColor: VERDICT_COLORS[v] } : undefined}
            onClick={() => toggle(v)} data-testid={`filter-${v}`}>{v}</button>
        ))}
        <small className="muted" data-testid="n1-shown">{rows.length === records.length ? `${rows.length} rows` : `${rows.length} of ${records.length}`}</small>
      </div>
      <div className="thead" role="row">
        {table.getHeaderGroups()[0].headers.map((h) => (
          <div key={h.id} role="columnheader" style={{ width: h.getSize() }} className={h.column.getCanSort() ? 'sortable' : ''}
            onClick={h.column.getToggleSortingHandler()} data-testid={`sort-${h.id}`}
            aria-sort={h.column.getIsSorted() === 'asc' ? 'ascending' : h.column.getIsSorted() === 'desc' ? 'descending' : 'none'}>
            {flexRender(h.column.columnDef.header, h.getContext())}{{ asc: ' ▲', desc: ' ▼' }[h.column.getIsSorted() as string] ?? ''}
          </div>
        ))}
      </div>
      <div className="tbody" ref={scroller} data-testid="n1-rows">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((vi) => {
            const row = rows[vi.index];
            return (
              <div key={row.id} role="row" className={`tr${row.original.branch === selected ? ' sel' : ''}${row.original.judgedBy === 'surrogate' ? ' surrogate' : row.original.judgedBy === 'topology' ? ' topology' : ''}`} data-testid="n1-row" data-rank={row.original.rank} data-branch={row.original.branch}
                data-judged={row.original.judgedBy ?? 'exact'}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: vi.size, transform: `translateY(${vi.start}px)` }}
                onClick={() => onPick(row.original.branch!)}>
                {row.getVisibleCells().map((c) => <div key={c.id} style={{ width: c.column.getSize() }}>{flexRender(c.column.columnDef.cell, c.getContext())}</div>)}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
