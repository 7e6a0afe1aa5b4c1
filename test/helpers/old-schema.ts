// A database file as an older version of the app left it: the first
// `version` migrations applied by hand, the application id set, and the
// user_version saying so. Migration tests fill it with rows of that era and
// then open it with today's store.

import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS } from '../../main/store/migrations';

export function databaseAtVersion(path: string, version: number): Database.Database {
  if (!(version >= 1 && version <= MIGRATIONS.length)) throw new Error(`no schema version ${version} (1 to ${MIGRATIONS.length})`);
  const raw = new Database(path);
  for (const m of MIGRATIONS.slice(0, version)) raw.exec(m.sql);
  raw.pragma(`application_id = ${APPLICATION_ID}`);
  raw.pragma(`user_version = ${version}`);
  return raw;
}
