// main/cli.ts's one error mapping: which errors are the user's (one line,
// exit 2) and which are bugs (stack trace, exit 70), and the words for each
// errno code, from real failing calls where a test can make them fail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userErrorLine } from '../../main/cli';
import { describeFileError, FileError, withIntent } from '../../main/cli/fs-errors';
import { UsageError } from '../../main/cli/args';
import { StoreError } from '../../main/store';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
};

test('real fs errors become one line naming the path and the cause', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-cli-errors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), 'x');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'x'), 'x');
  const cases: [() => unknown, RegExp][] = [
    [() => readFileSync(join(dir, 'missing.m')), /^cannot open .*missing\.m: no such file or folder \(ENOENT\)$/],
    [() => openSync(join(dir, 'no', 'out.csv'), 'w'), /^cannot open .*no\/out\.csv: no such file or folder \(ENOENT\)$/],
    [() => withIntent('write', join(dir, 'no', 'out.csv'), () => openSync(join(dir, 'no', 'out.csv'), 'w')), /^cannot write .*no\/out\.csv: the folder .*\/no does not exist \(ENOENT\)$/],
    [() => openSync(join(dir, 'file', 'x'), 'r'), /: a part of the path is a file, not a folder \(ENOTDIR\)$/],
    [() => withIntent('read', dir, () => readFileSync(dir)), /^cannot read .*gr-cli-errors-\w+: it is a folder, not a file \(EISDIR\)$/],
    [() => mkdirSync(join(dir, 'sub')), /^cannot create the folder .*sub: it already exists \(EEXIST\)$/],
    [() => rmSync(join(dir, 'sub'), { recursive: false }), /sub/],
  ];
  for (const [fn, re] of cases) {
    const line = userErrorLine(thrown(fn));
    assert.ok(line, 'a user error');
    assert.match(line!, re);
    assert.doesNotMatch(line!, /\n/);
  }
});

test('codes a test cannot provoke safely still get words; an unknown code keeps Node\'s', () => {
  const e = (code: string, message = `${code}: something, open '/x'`) => ({ code, syscall: 'write', path: '/data/out.csv', message });
  assert.equal(describeFileError(e('EDQUOT')), 'cannot write /data/out.csv: the disk quota is used up (EDQUOT)');
  assert.equal(describeFileError(e('ENFILE')), 'cannot write /data/out.csv: too many open files on this system (ENFILE)');
  assert.equal(describeFileError(e('EWHATEVER', 'EWHATEVER: a new kind of trouble, write')), 'cannot write /data/out.csv: a new kind of trouble (EWHATEVER)');
  assert.equal(new FileError({ code: 'ENOSPC', syscall: 'write', message: 'ENOSPC: no space left on device, write' }, 'write', '/dev/full').message,
    'cannot write /dev/full: no space left on the device (ENOSPC)');
});

test('named errors keep their message; plain errors are bugs and keep their stack', () => {
  assert.equal(userErrorLine(new UsageError('--mode must be ac or dc')), '--mode must be ac or dc');
  assert.equal(userErrorLine(new StoreError('BUSY', 'g.db is busy')), 'g.db is busy');
  for (const bug of [new Error('boom'), new TypeError('x is undefined'), new RangeError('bad length'), 'a string', null]) assert.equal(userErrorLine(bug), null);
  const worker = Object.assign(new Error('Worker initialization failure: EMFILE'), { code: 'ERR_WORKER_INIT_FAILED' });
  assert.equal(userErrorLine(worker), 'cannot start a worker thread: too many open files in this process (raise the limit with ulimit -n) (EMFILE); try fewer --workers');
});
