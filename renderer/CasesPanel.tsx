// The cases the app can open: bundled ones, then the analyst's imported
// ones with their import date. Import MATPOWER case files (and change tables
// for the open case) from a file dialog or by dropping them on the window;
// rename, delete (after saying what goes with the case) and export.

import { useState } from 'react';
import type { CaseDependentsView, CaseInfo } from '../main/api';
import { api } from './api';

export interface CasesPanelProps {
  cases: CaseInfo[];
  active: string | null;
  onOpen(key: string): void;
  /** Files to import (from the dialog here, or dropped on the window). */
  onImport(files: File[]): void;
  /** The list changed (rename, delete). */
  onChanged(): void;
  onError(message: string): void;
}

const date = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

export function CasesPanel({ cases, active, onOpen, onImport, onChanged, onError }: CasesPanelProps) {
  const [renaming, setRenaming] = useState<{ key: string; name: string } | null>(null);
  const [deleting, setDeleting] = useState<{ info: CaseInfo; deps: CaseDependentsView } | null>(null);
  const bundled = cases.filter((c) => c.source === 'bundled'), imported = cases.filter((c) => c.source === 'stored');
  const act = (p: Promise<unknown>) => p.then(onChanged, (e: Error) => onError(e.message));

  async function askDelete(info: CaseInfo) {
    try { setDeleting({ info, deps: await api.caseDependents({ name: info.key }) }); } catch (e) { onError((e as Error).message); }
  }
  async function exportCase(info: CaseInfo) {
    try {
      const { fileName, text } = await api.exportCase({ name: info.key });
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
      const a = document.createElement('a');
      a.href = url; a.download = fileName; a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) { onError((e as Error).message); }
  }

  const item = (c: CaseInfo) => (
    <div key={c.key} className={`case-item${c.key === active ? ' active' : ''}`}>
      {renaming?.key === c.key ? (
        <form className="rename" onSubmit={(e) => { e.preventDefault(); act(api.renameCase({ name: c.key, newName: renaming.name.trim() })); setRenaming(null); }}>
          <input autoFocus value={renaming.name} onChange={(e) => setRenaming({ key: c.key, name: e.target.value })} aria-label="new name" data-testid="rename-input" />
          <button type="submit" disabled={!renaming.name.trim()}>Save</button>
          <button type="button" onClick={() => setRenaming(null)}>Cancel</button>
        </form>
      ) : (
        <button className="open" onClick={() => onOpen(c.key)} data-testid={`case-${c.key}`} title={c.file}>
          {c.name}<br />
          <small>{c.buses} buses · {c.branches} branches · {c.gens} gens{c.importedAt ? ` · imported ${date(c.importedAt)}` : ''}</small>
        </button>
      )}
      {renaming?.key !== c.key && (
        <span className="case-actions">
          <button title="export as MATPOWER text" onClick={() => exportCase(c)} data-testid={`export-${c.key}`}>⇩</button>
          {c.source === 'stored' && <>
            <button title="rename" onClick={() => setRenaming({ key: c.key, name: c.name })} data-testid={`rename-${c.key}`}>✎</button>
            <button title="delete" onClick={() => askDelete(c)} data-testid={`delete-${c.key}`}>✕</button>
          </>}
        </span>
      )}
      {deleting?.info.key === c.key && (
        <div className="confirm" role="alertdialog" data-testid="delete-confirm">
          <p>Delete <b>{c.name}</b>{describe(deleting.deps)}?</p>
          <button className="danger" onClick={() => { act(api.deleteCase({ name: c.key })); setDeleting(null); }} data-testid="delete-yes">Delete</button>
          <button onClick={() => setDeleting(null)}>Keep</button>
        </div>
      )}
    </div>
  );

  return (
    <section className="panel cases">
      <div className="cases-head">
        <h2>Cases</h2>
        <label className="import" title="import MATPOWER case files, or change tables for the open case (or drop them on the window)">
          Import…
          <input type="file" accept=".m,text/plain" multiple data-testid="import-input"
            onChange={(e) => { const files = [...(e.target.files ?? [])]; e.target.value = ''; if (files.length) onImport(files); }} />
        </label>
      </div>
      {imported.length > 0 && <><h3>Imported</h3>{imported.map(item)}</>}
      <h3>Bundled</h3>
      {bundled.map(item)}
    </section>
  );
}

/** ' with 2 N-1 runs, 1 dataset and its layout' (models are kept). */
function describe(d: CaseDependentsView): string {
  const parts: string[] = [];
  const n = (k: number, one: string, many = `${one}s`) => { if (k > 0) parts.push(`${k} ${k === 1 ? one : many}`); };
  n(d.n1Runs, 'N-1 run');
  n(d.datasets, 'dataset');
  n(d.changeSets, 'change table');
  if (d.layoutBuses > 0) parts.push('its map layout');
  const what = parts.length ? ` with ${parts.slice(0, -1).join(', ')}${parts.length > 1 ? ' and ' : ''}${parts[parts.length - 1]}` : '';
  return d.models > 0 ? `${what} (its ${d.models} model${d.models > 1 ? 's stay' : ' stays'}, without ${d.models > 1 ? 'their' : 'its'} dataset)` : what;
}
