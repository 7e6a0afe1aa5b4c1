// The map panel: the grid drawn where the main process laid it out (asking
// for the layout and showing its progress when it is not stored yet), the
// panel's colouring of the operating state shown (branches by loading, buses
// by voltage, sizes by load or generation) with its legend, search by bus
// number or name, details under the pointer, fit to the selection. Another
// view can hand in its own colouring and legends (an explanation's
// attribution), drawn instead of the panel's, and a legend slot of its own.

import { useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { GridGraph, MapLayoutView, OutageView, PowerFlowSummary } from '../main/api';
import { api } from './api';
import { GridMap, type GridMapHandle, type MapHover, type Position } from './GridMap';
import { panelColouring, type MapColouring, type MapLegend, type SizeBy } from './map/colouring';
import { branchDetails, busDetails, findBuses, generationByBus, rowOfBus, type DetailState } from './map/details';
import { Legends } from './map/Legend';

export interface ExternalColouring {
  colouring: MapColouring;
  legends: MapLegend[];
}

export interface MapPanelProps {
  /** The case's key in requests (mapLayout, saveLayout). */
  caseKey: string;
  graph: GridGraph;
  /** The base-case power flow shown, if any. */
  pf: PowerFlowSummary | null;
  /** The outage shown (its branch is `outagedBranch`), drawn instead of the power flow. */
  outage: OutageView | null;
  outagedBranch: number | null;
  selectedBranch: number | null;
  onBranch: (row: number) => void;
  /** A colouring given from outside, drawn instead of the panel's own. */
  colouring?: ExternalColouring | null;
  /** More legend content, below the legends. */
  legendSlot?: ReactNode;
  /** Drawn over the whole map (the explanation's network view). */
  overlay?: ReactNode;
  /** A branch to go to (picked elsewhere, e.g. in the N-1 table): its ends selected and the view fitted to them; `at` tells two picks of one branch apart. */
  focus?: { branch: number; at: number } | null;
}

export function MapPanel(props: MapPanelProps) {
  const { caseKey, graph, pf, outage, outagedBranch } = props;
  const map = useRef<GridMapHandle>(null);
  const panel = useRef<HTMLElement>(null);
  // Positions with the grid they are for: a new grid is never drawn with the last one's.
  const [placed, setPlaced] = useState<{ graph: GridGraph; positions: Position[] } | null>(null);
  const [layout, setLayout] = useState<MapLayoutView | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  // Buses the analyst dragged that the store refused: said, not lost in silence.
  const [saveError, setSaveError] = useState<string | null>(null);
  const [hover, setHover] = useState<MapHover | null>(null);
  const [selected, setSelected] = useState<number[]>([]);
  const [colourBuses, setColourBuses] = useState<'voltage' | 'none'>('voltage');
  const [sizeBy, setSizeBy] = useState<SizeBy>('none');

  // Where the buses go: at once when stored or in the case file, else asked of the main process until final.
  useEffect(() => {
    setSelected([]); setHover(null); setLayoutError(null); setSaveError(null);
    if ((graph.layoutSource === 'stored' || graph.layoutSource === 'case') && graph.layout) {
      setPlaced({ graph, positions: graph.layout });
      setLayout(null);
      return;
    }
    setPlaced(null);
    setLayout(null);
    let stopped = false, timer = 0;
    let since: number | undefined;
    const tick = async () => {
      try {
        const v = await api.mapLayout(since === undefined ? { name: caseKey } : { name: caseKey, since });
        if (stopped) return;
        setLayout(v);
        if (v.positions) setPlaced({ graph, positions: v.positions });
        since = v.version;
        if (v.status === 'done' || v.status === 'failed') return;
        timer = window.setTimeout(() => void tick(), 300);
      } catch (e) {
        if (!stopped) setLayoutError((e as Error).message);
      }
    };
    void tick();
    return () => { stopped = true; window.clearTimeout(timer); };
  }, [graph, caseKey]);

  const state = useMemo<DetailState>(() => {
    if (outage) return { vm: outage.vm, loading: outage.loading, outaged: outagedBranch, label: `after outage of branch ${outagedBranch}` };
    if (pf?.converged) return { vm: pf.vm, va: pf.va, pf: pf.pf, qf: pf.qf, loading: pf.loading, label: `(${pf.mode.toUpperCase()} power flow)` };
    return {};
  }, [pf, outage, outagedBranch]);

  // Go to a branch picked elsewhere, once the map is drawn.
  const drawnPositions = placed?.graph === graph ? placed.positions : null;
  useEffect(() => {
    const f = props.focus, br = f ? graph.branches[f.branch - 1] : undefined;
    if (!br || !drawnPositions) return;
    map.current?.selectBuses([br.from, br.to]);
    setSelected([br.from, br.to]);
  }, [props.focus, graph, drawnPositions]);

  const own = useMemo(
    () => panelColouring(graph, { loading: state.loading ?? null, vm: state.vm ?? null, label: state.label ?? null }, { colourBuses, sizeBy }),
    [graph, state, colourBuses, sizeBy],
  );
  const shown = props.colouring ?? own;
  const gen = useMemo(() => generationByBus(graph), [graph]);
  const hits = useHits(graph);
  const rows = useMemo(() => rowOfBus(graph), [graph]);

  const tip = hover && (hover.kind === 'bus' ? busDetails(graph, hover.row, state, gen) : branchDetails(graph, hover.row, state));
  const one = selected.length === 1 ? rows.get(selected[0]) : undefined;
  const pinned = one !== undefined ? busDetails(graph, one, state, gen) : null;
  const positions = placed?.graph === graph ? placed.positions : null;
  const computing = layout && (layout.status === 'computing' || layout.status === 'draft');

  return (
    <section className="panel map-panel" ref={panel}>
      <div className="map-tools">
        <BusSearch hits={hits} onPick={(bus) => { map.current?.selectBuses([bus]); setSelected([bus]); }} />
        <label>buses <select value={colourBuses} onChange={(e) => setColourBuses(e.target.value as 'voltage' | 'none')} data-testid="map-colour-buses">
          <option value="voltage">by voltage</option><option value="none">plain</option>
        </select></label>
        <label>size <select value={sizeBy} onChange={(e) => setSizeBy(e.target.value as SizeBy)} data-testid="map-size-by">
          <option value="none">same</option><option value="load">by load</option><option value="generation">by generation</option>
        </select></label>
        <button onClick={() => map.current?.fitSelection()} disabled={selected.length === 0} data-testid="map-fit-selection">Fit selection</button>
        <button onClick={() => map.current?.fitAll()}>Fit all</button>
      </div>
      {positions && (
        <GridMap ref={map} graph={graph} positions={positions} colouring={shown.colouring} outaged={outagedBranch} selectedBranch={props.selectedBranch}
          onBranch={props.onBranch} onSelect={setSelected} onHover={setHover}
          onMoved={(moved) => { api.saveLayout({ name: caseKey, positions: moved }).then(() => setSaveError(null), (e: Error) => setSaveError(e.message)); }} />
      )}
      {!positions && <div id="map" data-testid="grid-map-pending" />}
      <LayoutStatus layout={layout} error={layoutError} computing={!!computing} buses={graph.buses.length} />
      {saveError && <div className="layout-status bad" role="alert" data-testid="layout-save-error">the moved buses were not saved: {saveError}</div>}
      {tip && (
        <div className="map-tip" style={tipPlace(hover!, panel.current)} data-testid="map-hover">
          <strong>{tip.title}</strong>
          <dl>{tip.rows.map(([k, v]) => <Row key={k} k={k} v={v} />)}</dl>
        </div>
      )}
      {pinned && (
        <div className="map-pinned" data-testid="map-selection">
          <strong>{pinned.title}</strong>
          <dl>{pinned.rows.map(([k, v]) => <Row key={k} k={k} v={v} />)}</dl>
        </div>
      )}
      <div className="legend-stack">
        <Legends legends={shown.legends} />
        {props.legendSlot}
      </div>
      {props.overlay}
    </section>
  );
}

/** Beside the pointer, on the side with room (the right and lower halves of the map put it left and up). */
function tipPlace(h: MapHover, panel: HTMLElement | null): CSSProperties {
  const w = panel?.clientWidth ?? 0, ht = panel?.clientHeight ?? 0;
  return {
    ...(h.x > w / 2 ? { right: w - h.x + 14 } : { left: h.x + 14 }),
    ...(h.y > ht / 2 ? { bottom: ht - h.y + 14 } : { top: h.y + 14 }),
  };
}

function Row({ k, v }: { k: string; v: string }) {
  return <><dt>{k}</dt><dd>{v}</dd></>;
}

function LayoutStatus({ layout, error, computing, buses }: { layout: MapLayoutView | null; error: string | null; computing: boolean; buses: number }) {
  if (error || layout?.status === 'failed') return <div className="layout-status bad" role="alert" data-testid="layout-status">layout failed: {error ?? layout?.error}</div>;
  if (!layout) return null;
  if (computing) {
    return (
      <div className={`layout-status${layout.status === 'computing' ? ' centre' : ''}`} data-testid="layout-status">
        <span>{layout.status === 'draft' ? `first layout of ${buses} buses shown` : `computing the layout of ${buses} buses`} · {layout.stage} · {Math.round(layout.progress * 100)}%</span>
        <span className="bar"><span style={{ width: `${Math.round(layout.progress * 100)}%` }} /></span>
      </div>
    );
  }
  return layout.note ? <div className="layout-status" data-testid="layout-status">{layout.note}</div> : null;
}

/** Search hits by bus number or name. */
function useHits(graph: GridGraph) {
  return useMemo(() => (q: string) => findBuses(graph, q, 8), [graph]);
}

function BusSearch({ hits, onPick }: { hits: (q: string) => ReturnType<typeof findBuses>; onPick: (bus: number) => void }) {
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const found = useMemo(() => hits(q), [hits, q]);
  const pick = (bus: number) => { onPick(bus); setOpen(false); };
  return (
    <div className="bus-search">
      <input value={q} placeholder="find bus: number or name" data-testid="map-search"
        onChange={(e) => { setQ(e.target.value); setOpen(true); }}
        onKeyDown={(e) => { if (e.key === 'Enter' && found[0]) pick(found[0].id); if (e.key === 'Escape') setOpen(false); }}
        onFocus={() => setOpen(true)} onBlur={() => window.setTimeout(() => setOpen(false), 150)} />
      {open && q.trim() && (
        <ul className="hits" data-testid="map-search-hits">
          {found.length === 0 && <li className="muted">no bus matches</li>}
          {found.map((h) => <li key={h.row}><button onMouseDown={(e) => e.preventDefault()} onClick={() => pick(h.id)}>{h.id}{h.name ? ` · ${h.name}` : ''}</button></li>)}
        </ul>
      )}
    </div>
  );
}
