// The names of the Api's methods, without their schemas: what the preload
// bridge needs, so that zod stays out of its bundle. api.ts re-exports these
// and checks (at compile time and in test/integration/app-api-contract.test.ts)
// that the list is exactly the keys of its schemas.

export const API_METHODS = [
  'info', 'listCases', 'caseGraph', 'powerFlow', 'startN1', 'job', 'cancelJob', 'saveLayout', 'outage', 'listModels',
  'importFile', 'changeTables', 'renameCase', 'caseDependents', 'deleteCase', 'exportCase', 'n1Runs', 'n1Run',
  'explain', 'explainFidelity', 'mapLayout',
  'cluster',
  'datasets', 'datasetDefaults', 'startDataset', 'startTraining', 'trainingRuns', 'caseModels', 'modelDetail', 'compareModels',
  'startStudy', 'studies',
  'exportReport', 'reports', 'reportFile',
] as const;

/** Requests that carry a whole file (importFile): the loopback server reads bodies up to this size for them (bytes). */
export const LARGE_REQUEST_BYTES = 256 * 1024 * 1024;
export const LARGE_REQUESTS: readonly ApiMethod[] = ['importFile'];

export type ApiMethod = (typeof API_METHODS)[number];

export function isApiMethod(m: string): m is ApiMethod {
  return (API_METHODS as readonly string[]).includes(m);
}

/** The IPC channel the main process pushes Api events on (Electron). */
export const API_EVENT_CHANNEL = 'api:event';
