// What the map component asks of a drawing engine, whichever draws: Cytoscape
// (small grids: shapes, labels, all its niceties) or the canvas engine
// (large grids: a first frame in a fraction of a second, fluid pan and zoom
// at 10,000 buses). GridMap.tsx picks one (render-mode.ts) and talks to it
// only through this.

import type { GridGraph } from '../../main/api';
import type { MapColouring } from './colouring';
import type { RenderMode } from './render-mode';

export type Position = { bus: number; x: number; y: number };

/** What is under the pointer: a bus (its case row) or a branch (its 1-based row), at container pixels x, y. */
export interface MapHover {
  kind: 'bus' | 'branch';
  row: number;
  x: number;
  y: number;
}

export interface MapEvents {
  onBranch?(row: number): void;
  /** The buses selected on the map changed (click, box, search). */
  onSelect?(buses: number[]): void;
  onHover?(hover: MapHover | null): void;
  /** Buses the user dragged, with their new places. */
  onMoved?(positions: Position[]): void;
  /** The first frame is on screen. */
  onDrawn?(): void;
}

/** What a test or the benchmark can read back: the drawn places (map units), the selection, the zoom. */
export interface MapView {
  mode: RenderMode;
  positions(): Position[];
  selected(): number[];
  zoom(): number;
  /** A bus's place on screen (container pixels), for tests that hover it. */
  screenOf(bus: number): { x: number; y: number } | null;
  /** The colouring last given (what the map draws), for tests that check a view's colours reached it. */
  colouring(): MapColouring;
}

export interface MapEngine extends MapView {
  setPositions(positions: Position[], refit: boolean): void;
  setColouring(colouring: MapColouring, outaged: number | null, selectedBranch: number | null): void;
  /** Selects these buses and fits the view to them and their neighbours out to two branches. */
  selectBuses(buses: number[]): void;
  /** Fits the view to the selection (all of the grid when nothing is selected). */
  fitSelection(): void;
  fitAll(): void;
  destroy(): void;
}

export type EngineFactory = (container: HTMLElement, graph: GridGraph, positions: Position[], events: () => MapEvents) => MapEngine;
