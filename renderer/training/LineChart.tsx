// A line chart of per-epoch figures drawn by uPlot (canvas; redrawn in
// place as points arrive, so a live chart does not flicker). The x axis is
// the epoch; a series' missing points (null) leave gaps.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x; null where not measured. */
  values: (number | null)[];
  dash?: boolean;
}

export interface LineChartProps {
  /** Epoch numbers. */
  x: number[];
  series: ChartSeries[];
  /** Fixed y range (e.g. [0, 1] for shares); otherwise fitted to the data. */
  range?: [number, number];
  height?: number;
  testId?: string;
  /** Y axis value format. */
  format?: (v: number) => string;
}

export function LineChart({ x, series, range, height = 160, testId, format }: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  /** The series' shape the plot was made for: a new shape makes a new plot, new points only redraw. */
  const shape = series.map((s) => `${s.label}|${s.color}|${s.dash ? 1 : 0}`).join(';') + `|${range?.join(',') ?? ''}|${height}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth), height,
      scales: { x: { time: false }, y: range ? { range: () => range } : {} },
      axes: [
        { label: 'epoch', size: 34, labelSize: 14, font: '11px system-ui', labelFont: '11px system-ui', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        { size: 46, font: '11px system-ui', values: (_u, vals) => vals.map((v) => (format ? format(v) : String(+v.toPrecision(3)))) },
      ],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [{ label: 'epoch' }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash ? [5, 4] : undefined, spanGaps: false, points: { size: 5 } }))],
    };
    const u = new uPlot(opts, data(x, series), el);
    plot.current = u;
    const fit = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    fit.observe(el);
    return () => { fit.disconnect(); u.destroy(); plot.current = null; };
    // Points are fed by the effect below; only a new shape rebuilds the plot.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => { plot.current?.setData(data(x, series)); }, [x, series]);

  return <div className="train-chart" ref={box} data-testid={testId} data-points={x.length} />;
}

function data(x: number[], series: ChartSeries[]): uPlot.AlignedData {
  return [x, ...series.map((s) => s.values.map((v) => (v === null || !Number.isFinite(v) ? null : v)))];
}
