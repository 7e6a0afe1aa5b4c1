// Bad input at the command line's edges, tried as a new user would with the
// bundled CLI and real files: an --csv path that cannot be written (checked
// before any power flow), --workers above the core count, an empty --db, and
// file-system errors of every kind. Each gives one line and exit 2, never a
// stack trace, and loses nothing (no run created, an old CSV kept).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, cli } from '../helpers/cli';
import { CASES } from '../helpers/shared';
import { asNobodyUnavailable, cliAsNobody, cliOnReadOnlyMount, immutableUnavailable, readOnlyMountUnavailable, setImmutable, tempDirFor } from '../helpers/read-only';

const CASE14 = join(CASES, 'case14.m');
const cores = availableParallelism();

type T = { after: (fn: () => void) => void };

function tempDir(t: T): string {
  const dir = tempDirFor('gr-cli-edges-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An empty folder that even root cannot write to, made writable again before it is removed. */
function immutableDir(t: T): string {
  const dir = tempDirFor('gr-cli-edges-');
  setImmutable(dir, true);
  t.after(() => {
    setImmutable(dir, false);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Exit 2 and exactly one line on stderr (no progress line: nothing was computed; no stack trace). */
function oneLine(r: { code: number; stdout: string; stderr: string }, re: RegExp, what: string): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.equal(lines.length, 1, `${what}: one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], re, what);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
}

test('n1 --csv into a missing folder, a folder, or through a file: one line before any power flow, no run stored', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'x');
  const bad: [string, RegExp][] = [
    [join(dir, 'missing', 'out.csv'), /^gridrewire n1: cannot write .*missing\/out\.csv: the folder .*missing does not exist \(ENOENT\)$/],
    [dir, /^gridrewire n1: cannot write .*gr-cli-edges-\w+: it is a folder, not a file \(EISDIR\)$/],
    [join(dir, 'a-file', 'out.csv'), /^gridrewire n1: cannot write .*a-file\/out\.csv: a part of the path is a file, not a folder \(ENOTDIR\)$/],
  ];
  for (const [csv, re] of bad) {
    const db = join(dir, 'runs.db');
    oneLine(cli(['n1', CASE14, '--csv', csv]), re, `--csv ${csv}`);
    oneLine(cli(['n1', CASE14, '--csv', csv, '--db', db]), re, `--csv ${csv} --db`);
    assert.equal(existsSync(db), false, 'the database was not even created');
  }
  assert.deepEqual(readdirSync(dir).sort(), ['a-file']);
});

test('n1 --csv in a read-only place (immutable folder, read-only mount, no permission): one line, nothing created', async (t) => {
  await t.test('chattr +i folder (EPERM, even for root)', { skip: immutableUnavailable ?? false }, (t) => {
    const dir = immutableDir(t);
    const db = join(tempDir(t), 'runs.db');
    oneLine(cli(['n1', CASE14, '--csv', join(dir, 'out.csv'), '--db', db]), /^gridrewire n1: cannot write .*out\.csv: operation not permitted .*\(EPERM\)$/, 'immutable folder');
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(existsSync(db), false, 'no run: the database was not created');
  });
  await t.test('read-only bind mount (EROFS)', { skip: readOnlyMountUnavailable ?? false }, (t) => {
    const dir = tempDir(t);
    oneLine(cliOnReadOnlyMount(dir, ['n1', CASE14, '--csv', join(dir, 'out.csv')]), /^gridrewire n1: cannot write .*out\.csv: the file system is read-only \(EROFS\)$/, 'read-only mount');
    assert.deepEqual(readdirSync(dir), []);
  });
  await t.test('a folder user nobody may not write (EACCES)', { skip: asNobodyUnavailable ?? false }, (t) => {
    const dir = tempDir(t);
    chmodSync(dir, 0o555);
    oneLine(cliAsNobody(['n1', CASE14, '--csv', join(dir, 'out.csv')]), /^gridrewire n1: cannot write .*out\.csv: permission denied \(EACCES\)$/, 'no permission');
    assert.deepEqual(readdirSync(dir), []);
  });
});

test('n1 --csv: a run that fails keeps an existing CSV as it was and removes one it created', (t) => {
  const dir = tempDir(t);
  const heavy = join(dir, 'heavy.m');
  writeFileSync(heavy, readFileSync(CASE14, 'utf8').replace(/mpc\.bus = \[([\s\S]*?)\];/, (m) => m.replace(/^(\s*\d+\s+\d+\s+)([\d.]+)/gm, (_s, a, pd) => `${a}${Number(pd) * 10}`)));
  const old = join(dir, 'old.csv');
  writeFileSync(old, 'yesterday,s,results\r\n');
  const r = cli(['n1', heavy, '--csv', old, '--quiet']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /base case does not converge/);
  assert.equal(readFileSync(old, 'utf8'), 'yesterday,s,results\r\n');
  const fresh = join(dir, 'fresh.csv');
  assert.equal(cli(['n1', heavy, '--csv', fresh, '--quiet']).code, 2);
  assert.equal(existsSync(fresh), false);
});

test('n1 --csv naming the case file or the database is refused before it could overwrite them', (t) => {
  const dir = tempDir(t);
  const caseCopy = join(dir, 'case14.m');
  writeFileSync(caseCopy, readFileSync(CASE14));
  const db = join(dir, 'g.db');
  oneLine(cli(['n1', caseCopy, '--csv', caseCopy]), /--csv .*case14\.m is the case file; writing there would overwrite it/, 'csv = case');
  assert.deepEqual(readFileSync(caseCopy), readFileSync(CASE14));
  // The database does not exist yet: it would have been created empty, then overwritten by the CSV.
  oneLine(cli(['n1', caseCopy, '--db', db, '--csv', join(dir, '.', 'g.db')]), /is the database; writing there would overwrite it/, 'csv = db');
  assert.equal(existsSync(db), false);
});

test('n1 --csv on a full disk (/dev/full): the results are printed and stored first, then one line', (t) => {
  const db = join(tempDir(t), 'g.db');
  const r = cli(['n1', CASE14, '--csv', '/dev/full', '--db', db, '--quiet']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /verdicts: /);
  assert.match(r.stdout, /stored as run 1/);
  assert.match(r.stderr.trim().split('\n').pop()!, /^gridrewire n1: cannot write \/dev\/full: no space left on the device \(ENOSPC\)$/);
  const runs = JSON.parse(cli(['runs', '--db', db, '--json']).stdout).runs;
  assert.equal(runs[0].status, 'done');
  assert.equal(runs[0].done, 20);
});

test('--workers above the core count is capped with a note, for every command that takes it', (t) => {
  const n = cores + 62;
  const note = new RegExp(`^gridrewire (\\w+): --workers ${n} is more than the ${cores} cores? of this machine; using ${cores}$`, 'm');
  const r = cli(['n1', CASE14, '--workers', String(n), '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, note);
  assert.ok(JSON.parse(r.stdout).workers <= cores);
  // The others stop right after the note (an unusable --db), so nothing heavy runs.
  const db = '/dev/null/x.db';
  const others: string[][] = [
    ['dataset', CASE14, '--random', '2', '--db', db], ['train', '--db', db, '--dataset', '1'], ['predict', '--db', db, '--model', '1', CASE14],
    ['compare', '--db', db, '--dataset', '1'], ['demo', '--db', db], ['n1', '--resume', '1', '--db', db],
  ];
  for (const args of others) {
    const o = cli([...args, '--workers', String(n)]);
    const m = note.exec(o.stderr);
    assert.ok(m, `${args[0]}: ${o.stderr}`);
    assert.equal(m![1], args[0]);
    assert.equal(o.code, 2);
  }
  assert.doesNotMatch(cli(['n1', CASE14, '--workers', String(cores), '--quiet', '--json']).stderr, /more than/);
  const zero = cli(['n1', CASE14, '--workers', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--workers needs a whole number of at least 1, got 0/);
});

test("--db '' is refused by every command that takes --db, and nothing is created", (t) => {
  const before = readdirSync(ROOT).sort();
  const commands: string[][] = [
    ['n1', CASE14], ['n1', '--resume', '1'], ['runs'], ['dataset', CASE14, '--random', '2'], ['train', '--dataset', '1'],
    ['predict', '--model', '1', CASE14], ['compare', '--dataset', '1'], ['demo'],
  ];
  for (const args of commands) {
    oneLine(cli([...args, '--db', '']), /^gridrewire \w+: --db needs a value, got an empty one$/, `${args[0]} --db ''`);
    oneLine(cli([...args, '--db=']), /--db needs a value, got an empty one/, `${args[0]} --db=`);
  }
  assert.deepEqual(readdirSync(ROOT).sort(), before, 'no file appeared in the working folder');
});

test('file-system errors on inputs are one line with the path and the cause, exit 2', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'x');
  mkdirSync(join(dir, 'folder.m'));
  oneLine(cli(['n1', join(dir, 'folder.m')]), /^gridrewire n1: .*folder\.m.*it is a folder, not a case file$/, 'case is a folder');
  oneLine(cli(['pf', join(dir, 'folder.m')]), /it is a folder, not a case file/, 'pf: case is a folder');
  oneLine(cli(['n1', join(dir, 'a-file', 'case.m')]), /^gridrewire n1: cannot find .*a-file\/case\.m: a part of the path is a file, not a folder \(ENOTDIR\)$/, 'case under a file');
  oneLine(cli(['n1', CASE14, '--contingencies', dir]), /it is a folder, not a case file/, 'table is a folder');
  await t.test('an unreadable case file (EACCES)', { skip: asNobodyUnavailable ?? false }, () => {
    const secret = join(dir, 'secret.m');
    writeFileSync(secret, readFileSync(CASE14));
    chmodSync(secret, 0o600);
    oneLine(cliAsNobody(['pf', secret]), /^gridrewire pf: cannot open .*secret\.m: permission denied \(EACCES\)$/, 'unreadable case');
  });
});

test('too many open files (EMFILE), reading the case or starting a worker thread: one line, exit 2', () => {
  // Lowest fd limits first: below some limit Node cannot even load the CLI (its own error,
  // before our code runs); from there until the command succeeds, every failure must be ours,
  // in one line. Which file meets the limit first (the case, worker.js, a worker's pipes)
  // depends on the limit.
  const seen: string[] = [];
  for (const args of [['pf', CASE14], ['n1', CASE14, '--workers', '2', '--quiet', '--json']]) {
    for (let limit = 12; limit <= 64; limit++) {
      const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "$@"`, 'sh', process.execPath, BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
      if (r.status === 0) break;
      if (!r.stderr.startsWith('gridrewire')) continue; // Node itself could not start
      const lines = r.stderr.trim().split('\n');
      assert.equal(r.status, 2, `${args[0]}, limit ${limit}: ${r.stderr}`);
      assert.equal(lines.length, 1, `${args[0]}, limit ${limit}: ${r.stderr}`);
      assert.match(lines[0], /^gridrewire \w+: cannot (open|read|start a worker thread)\b.*: too many open files in this process \(raise the limit with ulimit -n\) \(EMFILE\)/, `${args[0]}, limit ${limit}`);
      seen.push(lines[0]);
    }
  }
  assert.ok(seen.length > 0, 'some fd limit let the CLI start but not finish');
});

test('a reader that stops early (gridrewire pf --json | head -c 1) ends the command quietly', () => {
  // Output larger than a pipe's buffer, so the write meets the closed pipe.
  const r = spawnSync('sh', ['-c', '"$@" | head -c 1 >/dev/null', 'sh', process.execPath, BIN, 'pf', join(CASES, 'case2383wp.m'), '--json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
});
