// The analyst's own cases: import MATPOWER case files and change tables into
// the store, rename and delete them (saying what goes with them), export a
// case back to MATPOWER text. An import is checked whole before anything is
// written (the reader, then the network checks every solver relies on), and
// written in one transaction: a refused file leaves the store as it was.

import type { CaseDependentsView, CaseInfo, ChangeTableInfo } from '../api';
import { ApiError } from '../api';
import type { Case, ChangeTable } from '../core/grid/case';
import { compile } from '../core/grid/network';
import { CaseParseError, contingenciesFromTable, locateNetworkError, parseChangeTable, parseMatpower, writeMatpower } from '../core/grid/matpower';
import type { Store } from '../store';
import type { CaseCatalogue } from './case-catalogue';

export interface ImportedFile {
  kind: 'case' | 'changeTable';
  /** The case (a case file), or the case the table was linked to (a change table). */
  case: CaseInfo;
  changeTable: ChangeTableInfo | null;
  /** False when the same content was already there (nothing new was written). */
  created: boolean;
}

export class CaseLibrary {
  constructor(private readonly catalogue: CaseCatalogue, private readonly store: Store | undefined) {}

  /**
   * Imports one file: a case, or a change table for the case `forCase`
   * (told apart by what the file assigns). Throws CaseParseError (file:line:column)
   * for a file the reader or the network checks refuse.
   */
  importFile(fileName: string, text: string, forCase?: string): ImportedFile {
    const store = this.requireStore();
    const parsed = readCaseOrTable(fileName, text);
    if (parsed.kind === 'changeTable') return this.importTable(store, fileName, text, parsed.table, forCase);
    const { id, created } = store.cases.import({ text, parsed: parsed.case, sourceFile: fileName });
    return { kind: 'case', case: this.info(this.catalogue.keyOfStored(id)), changeTable: null, created };
  }

  /** Change tables kept for a case. */
  changeTables(key: string): ChangeTableInfo[] {
    const id = this.catalogue.storedId(key);
    if (id === null || !this.store) return [];
    return this.store.changeSets.list({ caseId: id }).map((t) => ({ id: t.id, name: t.name, kind: t.kind, file: t.sourceFile ?? `${t.name}.m`, importedAt: t.importedAt }));
  }

  rename(key: string, newName: string): CaseInfo {
    const id = this.importedId(key, 'renamed');
    this.requireStore().cases.rename(id, newName);
    this.catalogue.forget(key);
    return this.info(key);
  }

  /** What a delete would take with it. */
  dependents(key: string): CaseDependentsView {
    return this.requireStore().cases.dependents(this.importedId(key, 'deleted'));
  }

  /** Deletes an imported case and what depends on it; returns what went. */
  delete(key: string): CaseDependentsView {
    const id = this.importedId(key, 'deleted');
    const store = this.requireStore();
    const gone = store.transaction(() => {
      const d = store.cases.dependents(id);
      store.cases.delete(id);
      return d;
    });
    this.catalogue.forget(key);
    return gone;
  }

  /** The case as MATPOWER text (the writer's exact round trip; converted numbers, original statements noted). */
  exportCase(key: string): { fileName: string; text: string } {
    const c = this.catalogue.get(key);
    return { fileName: `${c.name}.m`, text: writeMatpower(c) };
  }

  private importTable(store: Store, fileName: string, text: string, table: ChangeTable, forCase: string | undefined): ImportedFile {
    if (!forCase) throw new ApiError(`${fileName} is a change table: open the case it belongs to first, then import it`, 'forCase');
    const c = this.catalogue.get(forCase);
    const kind = contingencyTable(c, table) ? 'contingencies' : 'scenarios';
    // The case goes to the store with its table (a bundled case on first use): one transaction.
    const imported = store.transaction(() => {
      const caseId = this.catalogue.importToStore(forCase)!;
      return store.changeSets.import({ text, name: table.name, kind, caseId, sourceFile: fileName, parsed: table });
    });
    const t = store.changeSets.get(imported.id)!;
    return {
      kind: 'changeTable', case: this.info(forCase), created: imported.created,
      changeTable: { id: t.id, name: t.name, kind: t.kind, file: t.sourceFile ?? fileName, importedAt: t.importedAt },
    };
  }

  /** The stored id of an imported case; bundled cases are the app's and stay as they are. */
  private importedId(key: string, what: string): number {
    const info = this.info(key);
    if (info.source !== 'stored' || info.storedId === null) throw new ApiError(`${info.name} is bundled with the app and cannot be ${what}; import a copy of its file to have your own`, 'name');
    return info.storedId;
  }

  private info(key: string): CaseInfo {
    const found = this.catalogue.list().find((c) => c.key === key);
    if (!found) throw new ApiError(`no case '${key}'`, 'name');
    return found;
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('this app runs without a database: cases cannot be imported');
    return this.store;
  }
}

/**
 * A case file or a change table, told apart by what it assigns (mpc.bus = ...
 * or chgtab = ...). A case is also compiled, so that a case no solver can use
 * (a zero-impedance branch, an island without a reference bus) is refused at
 * its file:line:column now rather than when it is first solved.
 */
function readCaseOrTable(fileName: string, text: string): { kind: 'case'; case: Case } | { kind: 'changeTable'; table: ChangeTable } {
  let c: Case;
  try {
    c = parseMatpower(text, fileName);
  } catch (caseError) {
    if (!(caseError instanceof CaseParseError)) throw caseError;
    try {
      return { kind: 'changeTable', table: parseChangeTable(text, fileName) };
    } catch {
      throw caseError; // neither: the case reader's message says what and where
    }
  }
  try {
    compile(c);
  } catch (e) {
    throw locateNetworkError(e, text, fileName);
  }
  return { kind: 'case', case: c };
}

/** A table whose every change set takes branches or generators out of service (contab_*.m), checked against the case. */
function contingencyTable(c: Case, t: ChangeTable): boolean {
  try {
    return contingenciesFromTable(c, t).length > 0;
  } catch {
    return false;
  }
}
