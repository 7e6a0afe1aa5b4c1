// How the Train tab writes figures: a dash for what was not measured.

export const pct = (x: number | null | undefined, digits = 1): string =>
  x !== null && x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '—';

export const num = (x: number | null | undefined, digits = 3): string =>
  x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '—';

export const seconds = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x < 60 ? `${x.toFixed(1)} s` : `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`;

export const bytes = (b: number): string => (b < 1e6 ? `${(b / 1e3).toFixed(0)} kB` : `${(b / 1e6).toFixed(1)} MB`);

export const when = (iso: string): string =>
  new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Colours of the chart series (also the models compared), distinguishable on white. */
export const PALETTE = ['#1f6feb', '#d92d20', '#12b76a', '#f79009', '#7a5af8', '#0e9384', '#c11574', '#667085'];
