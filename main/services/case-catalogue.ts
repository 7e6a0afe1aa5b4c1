// The cases the app can open: the bundled MATPOWER files of resources/cases
// and the cases imported into the store, each addressed by a stable key (a
// bundled case by its name, 'case30'; a stored one by its id, 'stored:12').
// Bundled texts are read once; parsed cases are kept in a bounded cache.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseInfo } from '../api';
import { ApiError } from '../api';
import type { Case } from '../core/grid/case';
import { parseMatpower } from '../core/grid/matpower';
import type { Store } from '../store';
import { sha256 } from '../store';
import { LruCache } from './lru';

const STORED = /^stored:(\d+)$/;

export const storedKey = (id: number): string => `stored:${id}`;

interface Bundled {
  file: string;
  text: string;
  hash: string;
  counts: { buses: number; branches: number; gens: number; name: string };
}

export interface CatalogueOptions {
  /** Folder of bundled MATPOWER cases. */
  casesDir: string;
  store?: Store;
  /** Parsed cases kept in memory (least recently used go first). */
  parsedCases?: number;
}

export class CaseCatalogue {
  private readonly bundled = new Map<string, Bundled>();
  private readonly parsed: LruCache<string, Case>;
  private readonly storedIds = new Map<string, number>();

  constructor(private readonly opts: CatalogueOptions) {
    this.parsed = new LruCache(opts.parsedCases ?? 8);
  }

  get store(): Store | undefined {
    return this.opts.store;
  }

  /** Bundled cases (by file name), then stored cases that are not a bundled text. */
  list(): CaseInfo[] {
    const keys = this.bundledKeys();
    const bundled = keys.map((key) => this.bundledInfo(key));
    const bundledHashes = new Set(keys.map((k) => this.bundledEntry(k).hash));
    const stored: CaseInfo[] = (this.opts.store?.cases.list() ?? []).filter((s) => !bundledHashes.has(s.hash)).map((s) => ({
      key: storedKey(s.id), name: s.name, source: 'stored', storedId: s.id, file: s.sourceFile ?? `${s.name}.m`,
      buses: s.nbus, branches: s.nbranch, gens: s.ngen, importedAt: s.importedAt,
    }));
    return [...bundled, ...stored];
  }

  /** The parsed case behind a key; ApiError naming `name` for an unknown key. */
  get(key: string): Case {
    return this.parsed.getOrCreate(key, () => {
      const id = this.storedIdOfKey(key);
      return id !== null ? this.requireStore().cases.getParsed(id) : parseMatpower(this.bundledEntry(key).text, this.bundledEntry(key).file);
    });
  }

  /** The case file's text exactly as read (bundled) or imported (stored). */
  text(key: string): string {
    const id = this.storedIdOfKey(key);
    return id !== null ? this.requireStore().cases.getText(id) : this.bundledEntry(key).text;
  }

  /** The file name the case came from, for messages and the store. */
  fileName(key: string): string {
    const id = this.storedIdOfKey(key);
    if (id === null) return this.bundledEntry(key).file;
    const s = this.requireStore().cases.get(id)!;
    return s.sourceFile ?? `${s.name}.m`;
  }

  /** The case's id in the store if it is there (nothing is written), else null. */
  storedId(key: string): number | null {
    const id = this.storedIdOfKey(key);
    if (id !== null || !this.opts.store) return id;
    const known = this.storedIds.get(key);
    if (known !== undefined) return known;
    const found = this.opts.store.cases.findByHash(this.bundledEntry(key).hash);
    if (found) this.storedIds.set(key, found.id);
    return found?.id ?? null;
  }

  /** The case's id in the store, importing a bundled case on first use; null without a store. */
  importToStore(key: string): number | null {
    if (!this.opts.store) return null;
    const id = this.storedId(key);
    if (id !== null) return id;
    const b = this.bundledEntry(key);
    const imported = this.opts.store.cases.import({ text: b.text, parsed: this.get(key), sourceFile: b.file }).id;
    this.storedIds.set(key, imported);
    return imported;
  }

  /** The key a stored case is listed under: the bundled case's when it is a bundled text, else 'stored:<id>'. */
  keyOfStored(id: number): string {
    const s = this.opts.store?.cases.get(id);
    if (s) for (const key of this.bundledKeys()) if (this.bundledEntry(key).hash === s.hash) return key;
    return storedKey(id);
  }

  /** Drops what is cached of a key (after a rename or delete of its stored case). */
  forget(key: string): void {
    this.parsed.delete(key);
    this.storedIds.delete(key);
  }

  private bundledKeys(): string[] {
    return readdirSync(this.opts.casesDir).filter((f) => f.startsWith('case') && f.endsWith('.m')).sort().map((f) => f.slice(0, -2));
  }

  private bundledInfo(key: string): CaseInfo {
    const b = this.bundledEntry(key);
    return { key, source: 'bundled', storedId: this.storedId(key), file: b.file, ...b.counts, importedAt: null };
  }

  /** A bundled file, read (and parsed for its counts) once. */
  private bundledEntry(key: string): Bundled {
    const hit = this.bundled.get(key);
    if (hit) return hit;
    const file = `${key}.m`;
    if (!this.bundledKeys().includes(key)) throw new ApiError(`no bundled case named '${key}'`, 'name');
    const text = readFileSync(join(this.opts.casesDir, file), 'utf8');
    const c = parseMatpower(text, file);
    this.parsed.set(key, c);
    const entry: Bundled = { file, text, hash: sha256(text), counts: { name: c.name, buses: c.bus.length, branches: c.branch.length, gens: c.gen.length } };
    this.bundled.set(key, entry);
    return entry;
  }

  /** The stored id a 'stored:<id>' key names (checked to exist), or null for a bundled key. */
  private storedIdOfKey(key: string): number | null {
    const m = STORED.exec(key);
    if (!m) return null;
    const id = Number(m[1]);
    if (!this.opts.store?.cases.get(id)) throw new ApiError(`no case with id ${id} in the store (key '${key}')`, 'name');
    return id;
  }

  private requireStore(): Store {
    return this.opts.store!;
  }
}
