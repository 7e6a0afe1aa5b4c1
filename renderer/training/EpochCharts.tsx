// The live view of a training job: loss, and validation balanced accuracy,
// recall and density per epoch, with the latest epoch's rewiring figures.

import { useMemo } from 'react';
import type { EpochView } from '../../main/api';
import { LineChart } from './LineChart';
import { num, pct, PALETTE } from './format';

export function EpochCharts({ epochs, planned }: { epochs: EpochView[]; planned: number }) {
  const x = useMemo(() => epochs.map((e) => e.epoch), [epochs]);
  const loss = useMemo(() => [
    { label: 'train loss', color: PALETTE[0], values: epochs.map((e) => e.loss) },
    // What picks the best epoch (each verdict term capped: one confidently wrong sample cannot dominate it);
    // solid under the dashed plain one, so both show where they coincide.
    ...(epochs.some((e) => e.valCappedLoss !== null) ? [{ label: 'val loss, capped (selects the best epoch)', color: PALETTE[5], values: epochs.map((e) => e.valCappedLoss) }] : []),
    { label: 'val loss', color: PALETTE[1], values: epochs.map((e) => e.valLoss), dash: true },
  ], [epochs]);
  const shares = useMemo(() => [
    { label: 'bal. accuracy', color: PALETTE[2], values: epochs.map((e) => e.balancedAccuracy) },
    { label: 'recall', color: PALETTE[3], values: epochs.map((e) => e.recall) },
    { label: 'density', color: PALETTE[4], values: epochs.map((e) => e.density), dash: true },
  ], [epochs]);
  const last = epochs.at(-1);
  if (!last) return <p className="muted train-waiting" data-testid="train-waiting">the first epoch's figures come when it ends…</p>;
  return (
    <div className="train-charts">
      <p className="train-latest" data-testid="train-latest">
        epoch {last.epoch}/{planned} · loss {num(last.loss, 4)} · bal. acc {pct(last.balancedAccuracy)} · recall {pct(last.recall)} ·
        density {pct(last.density)} · rewiring rate {num(last.zeta, 3)} · pruned {last.pruned} · regrown {last.regrown}
      </p>
      <LineChart x={x} series={loss} testId="train-chart-loss" height={150} />
      <LineChart x={x} series={shares} range={[0, 1]} testId="train-chart-val" height={150} format={(v) => `${Math.round(v * 100)}%`} />
    </div>
  );
}
