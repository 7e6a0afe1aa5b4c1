// Which engine draws a grid, and how. Small grids: Cytoscape's canvas
// renderer, with labels and shapes. Large grids: the canvas engine
// (canvas-engine.ts), whose first frame and gestures do not grow with
// Cytoscape's per-element costs (the map benchmark measured Cytoscape at
// several seconds to a first frame of case9241pegase). `?map=` in the page's
// address forces one, for the benchmark's comparison:
//   cytoscape  Cytoscape's canvas renderer as is
//   lod        Cytoscape with level-of-detail settings (the last frame moved as a
//              texture while the view moves, no motion blur, one pixel per CSS pixel)
//   webgl      Cytoscape's experimental WebGL renderer (where WebGL 2 exists; else lod)
//   canvas     the canvas engine

export type RenderMode = 'cytoscape' | 'cytoscape-lod' | 'cytoscape-webgl' | 'canvas2d';

/** From this many elements (buses + drawn branches) on, the canvas engine draws. */
export const LARGE_GRID = 2500;

/**
 * The mode for a grid of `elements`, honouring `?map=` in the page's query
 * (`search`) when it names one that can run here. No DOM here (tested in Node):
 * the page passes its query and whether it has WebGL 2.
 */
export function renderModeFor(elements: number, search: string, webgl2: () => boolean): RenderMode {
  switch (new URLSearchParams(search).get('map')) {
    case 'cytoscape': return 'cytoscape';
    case 'lod': return 'cytoscape-lod';
    case 'webgl': return webgl2() ? 'cytoscape-webgl' : 'cytoscape-lod';
    case 'canvas': return 'canvas2d';
    default: return elements >= LARGE_GRID ? 'canvas2d' : 'cytoscape';
  }
}

/** Cytoscape options of a Cytoscape mode. */
export function cytoscapeOptions(mode: RenderMode): Record<string, unknown> {
  switch (mode) {
    case 'cytoscape-lod':
      return { textureOnViewport: true, motionBlur: false, pixelRatio: 1 };
    case 'cytoscape-webgl':
      return { renderer: { name: 'canvas', webgl: true }, motionBlur: false, pixelRatio: 1 };
    default:
      return {};
  }
}
