// MATPOWER files in and out: case reader and writer, change tables.

export { parseMatpower } from './parse-case';
export { writeMatpower, formatNumber } from './write';
export { parseChangeTable } from './parse-chgtab';
export { applyChanges, swapAreaZone, changeLabels } from './apply-changes';
export { contingenciesFromTable, type Contingency } from './contingencies';
export { CaseParseError, ChangeTableError } from './errors';
export * from './idx-ct';
export { rowLocation, locateNetworkError } from './locate';
