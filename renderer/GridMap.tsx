// The grid on the map: buses and in-service branches where the main process
// laid them out (or the case file put them). It draws what it is given:
// colours, sizes and rings per element come in a MapColouring
// (renderer/map/colouring.ts), so any view can colour the map (the map panel
// by loading and voltage, an explanation by its attribution). An engine draws
// (render-mode.ts): Cytoscape for small grids, the canvas engine for large ones.

import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type { GridGraph } from '../main/api';
import type { MapColouring } from './map/colouring';
import { CanvasEngine } from './map/canvas-engine';
import { CytoscapeEngine } from './map/cytoscape-engine';
import type { MapEngine, MapEvents, MapView, Position } from './map/engine';
import { renderModeFor } from './map/render-mode';

export { loadingColor } from './map/colouring';
export type { MapHover, Position } from './map/engine';

/** What the map panel can ask the map to do. */
export interface GridMapHandle {
  /** Selects these buses (by number), and fits the view to them and their neighbours. */
  selectBuses(buses: number[]): void;
  /** Fits the view to what is selected (all of the grid when nothing is). */
  fitSelection(): void;
  fitAll(): void;
}

export interface GridMapProps extends MapEvents {
  graph: GridGraph;
  /** Where each bus goes; better positions (a final layout after a draft) move the buses. */
  positions: Position[];
  colouring?: MapColouring;
  /** Branch row drawn as taken out (dashed). */
  outaged?: number | null;
  /** Branch row highlighted. */
  selectedBranch?: number | null;
  ref?: Ref<GridMapHandle>;
}

function hasWebgl2(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
}

declare global {
  interface HTMLElement {
    /** On the map's element: what is drawn, for the end-to-end tests and the map benchmark. */
    gridMap?: MapView;
  }
}

export function GridMap(props: GridMapProps) {
  const { graph, positions, colouring, outaged = null, selectedBranch = null } = props;
  const el = useRef<HTMLDivElement>(null);
  const engine = useRef<MapEngine | null>(null);
  const touched = useRef(false);
  const latest = useRef(props);
  latest.current = props;

  // One engine per grid, made with the first positions.
  useEffect(() => {
    const container = el.current;
    if (!container) return;
    const t0 = performance.now();
    const elements = graph.buses.length + graph.branches.filter((b) => b.inService).length;
    const mode = renderModeFor(elements, location.search, hasWebgl2);
    const events = (): MapEvents => ({
      ...latest.current,
      onDrawn: () => {
        // For the map benchmark and the tests: drawn, by what, and how long it took to the first frame.
        container.dataset.drawMs = (performance.now() - t0).toFixed(0);
        container.dataset.drawn = 'true';
        latest.current.onDrawn?.();
      },
    });
    const e = mode === 'canvas2d'
      ? new CanvasEngine(container, graph, latest.current.positions, events)
      : new CytoscapeEngine(container, graph, latest.current.positions, events, mode);
    engine.current = e;
    container.dataset.mode = mode;
    container.gridMap = e;
    touched.current = false;
    const touch = () => { touched.current = true; };
    container.addEventListener('wheel', touch, { passive: true });
    container.addEventListener('pointerdown', touch);
    // The panel changes size (a wider side panel, a resized window): the whole grid stays in view until the user moves it.
    let frame = 0;
    const resized = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => { if (!touched.current) e.fitAll(); });
    });
    resized.observe(container);
    return () => {
      resized.disconnect();
      cancelAnimationFrame(frame);
      container.removeEventListener('wheel', touch);
      container.removeEventListener('pointerdown', touch);
      delete container.dataset.drawn;
      delete container.gridMap;
      engine.current = null;
      e.destroy();
    };
  }, [graph]);

  // Better positions: move the buses; refit unless the user has moved the view meanwhile.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    engine.current?.setPositions(positions, !touched.current);
  }, [positions]);

  useEffect(() => {
    engine.current?.setColouring(colouring ?? {}, outaged, selectedBranch);
  }, [colouring, outaged, selectedBranch, graph]);

  useImperativeHandle(props.ref, () => ({
    selectBuses: (buses) => { touched.current = true; engine.current?.selectBuses(buses); },
    fitSelection: () => { touched.current = true; engine.current?.fitSelection(); },
    fitAll: () => { touched.current = false; engine.current?.fitAll(); },
  }), []);

  return <div id="map" ref={el} data-testid="grid-map" />;
}
