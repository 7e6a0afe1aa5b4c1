// The names of the Api's methods, without their schemas: what the preload
// bridge needs, so that zod stays out of its bundle. api.ts re-exports these
// and checks (at compile time and in test/integration/app-api-contract.test.ts)
// that the list is exactly the keys of its schemas.

export const API_METHODS = [
  'info', 'listCases', 'caseGraph', 'powerFlow', 'startN1', 'job', 'cancelJob', 'saveLayout', 'outage', 'listModels',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

export function isApiMethod(m: string): m is ApiMethod {
  return (API_METHODS as readonly string[]).includes(m);
}
