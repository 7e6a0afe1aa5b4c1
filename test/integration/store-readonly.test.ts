// A database that cannot be written can still be read (`runs`, `predict`),
// with real files made truly read-only for root: an immutable folder or file
// (chattr +i), a read-only mount, or another user (nobody) under chmod. The
// file is never changed and nothing is created next to it; a command that
// must write refuses in one line, saying why, before any work.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, cli } from '../helpers/cli';
import { CASES } from '../helpers/shared';
import {
  NOBODY, asNobodyUnavailable, cliAsNobody, cliOnReadOnlyMount, immutableUnavailable, readOnlyMountUnavailable, setImmutable, tempDirFor, type Run,
} from '../helpers/read-only';
import { openStore, StoreError } from '../../main/store';

const CASE14 = join(CASES, 'case14.m');
type T = { after: (fn: () => void) => void };

const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const listing = (dir: string) => readdirSync(dir).sort();
const privateCopies = () => readdirSync(tmpdir()).filter((f) => f.startsWith('gridrewire-readonly-')).sort();

/** A real database (an N-1 run, a dataset and a trained model), made by the CLI, and what reading it gives. */
function makeDb(t: T): { dir: string; db: string; runs: string; predict: string } {
  const dir = tempDirFor('gr-store-ro-');
  const db = join(dir, 'work.db');
  t.after(() => {
    if (immutableUnavailable === null) for (const p of [dir, db]) if (existsSync(p)) setImmutable(p, false);
    rmSync(dir, { recursive: true, force: true });
  });
  const ok = (r: Run, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  ok(cli(['n1', CASE14, '--db', db, '--quiet']), 'n1');
  ok(cli(['dataset', CASE14, '--random', '4', '--seed', '1', '--workers', '1', '--db', db, '--quiet']), 'dataset');
  ok(cli(['train', '--db', db, '--dataset', '1', '--epochs', '1', '--hidden', '4', '--workers', '1', '--quiet']), 'train');
  const runs = runsOf(cli(['runs', '--db', db, '--json']));
  const predict = predictionsOf(cli(['predict', '--db', db, '--model', '1', CASE14, '--json']));
  // Read-only connections cannot checkpoint, so they leave an empty -wal and a -shm behind; the
  // last writer to close removes them. Start from that state: the database file alone.
  openStore(db).close();
  assert.deepEqual(listing(dir), ['work.db']);
  return { dir, db, runs, predict };
}

const runsOf = (r: Run) => {
  assert.equal(r.code, 0, `runs: ${r.stderr}`);
  return JSON.stringify(JSON.parse(r.stdout).runs);
};
const predictionsOf = (r: Run) => {
  assert.equal(r.code, 0, `predict: ${r.stderr}`);
  return JSON.stringify(JSON.parse(r.stdout).contingencies); // not 'seconds': timings vary
};

/** runs and predict read what a writable open reads; the folder and the file are as they were. */
function readsTheSame(base: ReturnType<typeof makeDb>, runCli: (args: string[]) => Run): void {
  const before = { files: listing(base.dir), hash: hash(base.db), copies: privateCopies() };
  assert.equal(runsOf(runCli(['runs', '--db', base.db, '--json'])), base.runs);
  const text = runCli(['runs', '--db', base.db]);
  assert.match(text.stdout, /^1\s+case14\s+ac\s+branch\s+done\s+20\/20/m);
  assert.equal(predictionsOf(runCli(['predict', '--db', base.db, '--model', '1', CASE14, '--json'])), base.predict);
  assert.deepEqual(listing(base.dir), before.files, 'nothing created next to the database (no -wal, no -shm)');
  assert.equal(hash(base.db), before.hash, 'the database is unchanged');
  assert.deepEqual(privateCopies(), before.copies, 'a private copy is removed when the store closes');
}

/** A command that must write refuses at once, in one line saying why. */
function refusesToWrite(base: ReturnType<typeof makeDb>, runCli: (args: string[]) => Run, why: RegExp): void {
  for (const args of [['n1', CASE14, '--db', base.db], ['dataset', CASE14, '--random', '2', '--db', base.db], ['train', '--db', base.db, '--dataset', '1']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${args[0]}: one line and no progress (nothing computed):\n${r.stderr}`);
    assert.match(lines[0], new RegExp(`^gridrewire ${args[0]}: .*work\\.db cannot be written: ${why.source}; make it writable, or choose another file with --db$`));
  }
}

test('an immutable folder (chattr +i): runs and predict read it, n1/dataset/train refuse saying why', { skip: immutableUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  setImmutable(base.dir, true);
  readsTheSame(base, (a) => cli(a));
  refusesToWrite(base, (a) => cli(a), /its folder .* is immutable or locked \(EPERM\)/);
});

test('an immutable file in a writable folder: read through a private copy, no -shm left to block its owner', { skip: immutableUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  setImmutable(base.db, true);
  readsTheSame(base, (a) => cli(a));
  refusesToWrite(base, (a) => cli(a), /the file is immutable or locked \(EPERM\)/);
  setImmutable(base.db, false);
  const w = cli(['n1', CASE14, '--db', base.db, '--quiet', '--mode', 'dc']);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /stored as run 2/);
});

test('a read-only mount (EROFS): runs and predict read it, writes refuse', { skip: readOnlyMountUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  readsTheSame(base, (a) => cliOnReadOnlyMount(base.dir, a));
  refusesToWrite(base, (a) => cliOnReadOnlyMount(base.dir, a), /the file is on a read-only file system \(EROFS\)/);
});

test("another user's database (chmod, as nobody): readable, never touched", { skip: asNobodyUnavailable ?? false }, (t) => {
  const base = makeDb(t); // root's folder (0755) and file (0644): nobody may read both, write neither
  readsTheSame(base, cliAsNobody);
  refusesToWrite(base, cliAsNobody, /the file is not writable by this user \(EACCES\)/);
});

test("nobody's own read-only (0444) file: reading leaves no -shm, so making it writable again is enough to write", { skip: asNobodyUnavailable ?? false }, (t) => {
  // SQLite would create -wal and -shm with the file's mode (0444) when reading in place; the
  // owner's next write would then fail with "attempt to write a readonly database".
  const base = makeDb(t);
  chownSync(base.dir, NOBODY, NOBODY);
  chownSync(base.db, NOBODY, NOBODY);
  chmodSync(base.db, 0o444);
  readsTheSame(base, cliAsNobody);
  chmodSync(base.db, 0o644);
  const w = cliAsNobody(['n1', CASE14, '--db', base.db, '--quiet', '--mode', 'dc']);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /stored as run 2/);
});

/** A run committed to the -wal only: the writer was killed before any checkpoint. */
function killedWriter(db: string): void {
  const script = `const { openStore } = require('./main/store');
    const s = openStore(process.argv[1]);
    s.n1.createRun({ caseId: s.cases.list()[0].id, mode: 'dc', kind: 'branch', elements: [1], options: {} }, 1);
    process.kill(process.pid, 'SIGKILL');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, db], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  assert.ok(existsSync(db + '-wal') && existsSync(db + '-shm'), 'the killed writer left its -wal and -shm');
}

test('a WAL that was never checkpointed, in an immutable folder: read with it (in place, or from a copy without -shm)', { skip: immutableUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  killedWriter(base.db);
  const runs = () => (JSON.parse(cli(['runs', '--db', base.db, '--json']).stdout).runs as { id: number }[]).map((r) => r.id).sort();
  setImmutable(base.dir, true);
  // -wal and -shm there: SQLite reads in place (a private heap index when -shm cannot be written).
  const before = listing(base.dir);
  assert.deepEqual(runs(), [1, 2], 'run 2 lives only in the -wal');
  assert.deepEqual(listing(base.dir), before);
  // Only the -wal (its -shm lost): no connection can be open, so a private copy of both is read.
  setImmutable(base.dir, false);
  unlinkSync(base.db + '-shm');
  const hashes = [hash(base.db), hash(base.db + '-wal')];
  setImmutable(base.dir, true);
  assert.deepEqual(runs(), [1, 2]);
  assert.deepEqual([hash(base.db), hash(base.db + '-wal')], hashes);
  assert.equal(existsSync(base.db + '-shm'), false);
});

test('no room for the private copy: runs says exactly why it cannot read, and what to do', { skip: readOnlyMountUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  const small = tempDirFor('gr-store-ro-tmp-');
  t.after(() => rmSync(small, { recursive: true, force: true }));
  // In its own mount namespace: a 64 KB temp folder and the database's folder read-only.
  const script = 'mount -t tmpfs -o size=64k tmpfs "$1" && mount --bind "$2" "$2" && mount -o remount,ro,bind "$2" "$2" && shift 2 && exec "$@"';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', small, base.dir, process.execPath, BIN, 'runs', '--db', base.db], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: small } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr.trim(), new RegExp(
    `^gridrewire runs: ${base.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read in place: its folder .* is on a read-only file system \\(EROFS\\), ` +
    'and SQLite must create work\\.db-shm next to a WAL database to read it; a private copy needs \\d+ MB in .*, which has 0 MB free\\. ' +
    'Make the folder writable, or copy the database \\(with its -wal file, if any\\) somewhere writable and open the copy\\.$'));
});

test('the store API: a file that cannot be written opens read-only and says why; requireWrite refuses it', { skip: immutableUnavailable ?? false }, (t) => {
  const base = makeDb(t);
  setImmutable(base.dir, true);
  const copies = privateCopies();
  const s = openStore(base.db);
  assert.equal(s.readonly, true);
  assert.match(s.readonlyReason ?? '', /^its folder .* is immutable or locked \(EPERM\)$/);
  assert.equal(s.n1.listRuns().length, 1);
  assert.equal(privateCopies().length, copies.length + 1, 'read from a private copy');
  assert.throws(() => s.n1.deleteRun(1), (e: unknown) => e instanceof StoreError && e.code === 'READ_ONLY' && /cannot be written: its folder .* is immutable/.test(e.message));
  s.close();
  assert.deepEqual(privateCopies(), copies);
  assert.throws(() => openStore(base.db, { requireWrite: true }), (e: unknown) => e instanceof StoreError && e.code === 'READ_ONLY' && /work\.db cannot be written: its folder/.test(e.message));
  // Asked for read-only, the reason stays null: nothing unexpected happened.
  const r = openStore(base.db, { readonly: true });
  assert.equal(r.readonlyReason, null);
  r.close();
});

test('the private copy goes when the process ends without closing the store, and when the server is stopped', { skip: immutableUnavailable ?? false }, async (t) => {
  const base = makeDb(t);
  setImmutable(base.dir, true);
  const copies = privateCopies();
  const script = `const { openStore } = require('./main/store');
    const s = openStore(process.argv[1], { readonly: true });
    if (s.n1.listRuns().length !== 1) throw new Error('not read');
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, base.db], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(privateCopies(), copies, 'removed at process exit');
  // The loopback server, stopped with SIGTERM (as Ctrl+C or a service manager would).
  const server = spawn(process.execPath, [join(ROOT, 'out', 'main', 'server.js'), '--db', base.db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (c) => { out += c; if (/serving on/.test(out)) resolve(); });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  assert.match(out, /work is kept in .*work\.db \(read-only: its folder .* is immutable or locked \(EPERM\); new work cannot be saved\)/);
  assert.equal(privateCopies().length, copies.length + 1);
  const code = await new Promise<number | null>((resolve) => { server.removeAllListeners('exit'); server.on('exit', resolve); server.kill('SIGTERM'); });
  assert.equal(code, 0);
  assert.deepEqual(privateCopies(), copies, 'removed when the server stops');
});
