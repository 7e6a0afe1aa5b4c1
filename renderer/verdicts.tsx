// Verdict colours and badges, shared by the N-1 table, the outage card and the map legend.

import type { Verdict } from '../main/api';

/** The spec's verdicts in its order of rules: a copy (the renderer imports only types from main), held equal to main's VERDICTS by test/unit/renderer-constants.test.ts. */
export const VERDICT_ORDER: readonly Verdict[] = ['islanded', 'diverged', 'overload+voltage', 'overload', 'voltage', 'secure'];

export const VERDICT_COLORS: Record<Verdict, string> = {
  islanded: '#7a5af8', diverged: '#101828', 'overload+voltage': '#b42318', overload: '#d92d20', voltage: '#f79009', secure: '#12b76a',
};

/** A surrogate that predicts insecure but no violation kind: its own colour, not one of a kind it did not predict. */
export const INSECURE_COLOR = '#475467';

export function VerdictBadge({ v, label }: { v: Verdict | 'insecure'; label?: string }) {
  return <span className="badge" style={{ background: v === 'insecure' ? INSECURE_COLOR : VERDICT_COLORS[v] ?? INSECURE_COLOR }}>{label ?? v}</span>;
}
