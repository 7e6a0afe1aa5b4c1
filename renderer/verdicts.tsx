// Verdict colours and badges, shared by the N-1 table, the outage card and the map legend.

import type { Verdict } from '../main/api';

export const VERDICT_COLORS: Record<Verdict, string> = {
  islanded: '#7a5af8', diverged: '#101828', 'overload+voltage': '#b42318', overload: '#d92d20', voltage: '#f79009', secure: '#12b76a',
};

export function VerdictBadge({ v, label }: { v: Verdict; label?: string }) {
  return <span className="badge" style={{ background: VERDICT_COLORS[v] ?? '#475467' }}>{label ?? v}</span>;
}
