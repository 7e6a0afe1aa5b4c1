// The map's layout job (core/map/layout.ts) in a worker thread: set up once
// with the grid's graph, then each chunk runs a slice of the work and says
// where it stands, so that the app can show progress. Positions are sent
// twice: when the draft is ready, and at the end.

import { MultilevelLayout, type LayoutGraph, type LayoutOptions, type LayoutStatus } from '../core/map/layout';
import type { JobHandler } from './types';

export type LayoutInit = LayoutGraph & LayoutOptions;

export interface LayoutChunk {
  /** About how many node-iterations to run (see MultilevelLayout.step). */
  work: number;
}

export interface LayoutStepResult {
  status: LayoutStatus;
  /** Per bus index x, y: on the step the draft became ready and on the last one; null otherwise. */
  positions: Float64Array | null;
}

export const layoutHandler: JobHandler<'layout'> = (init) => {
  const layout = new MultilevelLayout(init, init);
  let draftSent = false;
  return ({ work }) => {
    const status = layout.step(work);
    const send = status.done || (status.draftReady && !draftSent);
    if (status.draftReady) draftSent = true;
    return { status, positions: send ? layout.positions() : null };
  };
};
