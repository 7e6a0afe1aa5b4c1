// What travels through Redis: payloads that keep what JSON would lose, job
// data that only ever names our job types, job ids BullMQ accepts, chunk
// sizes in the hundreds, and URLs whose password never reaches a message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, jobData, packInit, readJobData, chunkJobId, decodeChunk, encodeResult, decodeResult } from '../../main/jobs/cluster/protocol';
import { parseRedisUrl } from '../../main/jobs/cluster/redis-url';
import { ClusterError } from '../../main/jobs/cluster/errors';
import { clusterChunkSize } from '../../main/services/n1';

test('payloads keep NaN, Infinity, null, doubles and typed arrays (with their -0) exactly', () => {
  const v = { a: new Float32Array([1.5, NaN, -0]), b: new Uint8Array([0, 255]), c: new Int32Array([-7]), x: 0.1 + 0.2, n: NaN, i: -Infinity, nul: null, rec: [{ branch: 3, maxLoading: null }] };
  const back = decode<typeof v>(encode(v));
  assert.ok(back.a instanceof Float32Array && back.b instanceof Uint8Array && back.c instanceof Int32Array);
  assert.ok(Object.is(back.a[2], -0) && Number.isNaN(back.a[1]) && Number.isNaN(back.n));
  // msgpack writes a plain -0 as the integer 0 (no record field's meaning rests on the sign of a zero).
  assert.ok(Object.is(decode(encode(-0)), 0));
  assert.equal(back.x, 0.30000000000000004);
  assert.deepEqual(back, v);
  const r = [{ branch: 1, severity: 2.5, minVm: NaN }];
  assert.deepEqual(decodeResult<'n1'>(encodeResult<'n1'>(r as never)), r);
});

test('job data names one of our job types, an init hash and a chunk; anything else is refused', () => {
  const init = packInit<'n1'>({ caseText: 'function mpc = x', fileName: 'x.m', mode: 'ac', kind: 'branch' });
  assert.match(init.hash, /^[0-9a-f]{64}$/);
  assert.equal(packInit<'n1'>({ caseText: 'function mpc = x', fileName: 'x.m', mode: 'ac', kind: 'branch' }).hash, init.hash, 'same init, same key');
  const d = readJobData(jobData('n1', init.hash, [4, 5, 6]));
  assert.deepEqual(decodeChunk<'n1'>(d), [4, 5, 6]);
  for (const bad of [null, 'rm -rf /', { v: 1, job: 'eval', init: init.hash, chunk: '' }, { v: 2, job: 'n1', init: init.hash, chunk: '' }, { v: 1, job: 'n1', init: 'zz', chunk: '' }, { v: 1, job: 'train', init: init.hash, chunk: '' }]) {
    assert.throws(() => readJobData(bad), (e: unknown) => e instanceof ClusterError && e.code === 'bad-job' && /not a GridRewire job/.test(e.message), JSON.stringify(bad));
  }
  assert.throws(() => decodeResult(42), /not what a GridRewire worker returns/);
});

test("job ids: run key and place, never a ':' (BullMQ refuses it)", () => {
  assert.equal(chunkJobId('3f2a', '0-99'), '3f2a_0-99');
  assert.throws(() => chunkJobId('a:b', '0-9'), /may not contain ':'/);
});

test('chunks of hundreds of outages, at least 8 a run, never more than the run', () => {
  assert.equal(clusterChunkSize(2896), 100);
  assert.equal(clusterChunkSize(16049), 500);
  assert.equal(clusterChunkSize(186), 24);
  for (let n = 1; n <= 40_000; n += 97) {
    const c = clusterChunkSize(n);
    assert.ok(c >= 1 && c <= Math.max(1, Math.ceil(n / 8)) && c <= 500, `${n}: ${c}`);
    if (n >= 800) assert.ok(c >= 100, `${n}: ${c}`);
  }
});

test('Redis URLs: redis:// and rediss:// (TLS) with a database number; the password is masked in every message', () => {
  const t = parseRedisUrl('rediss://user:pa55@redis.example.org:6380/2');
  assert.equal(t.tls, true);
  assert.equal(t.safe, 'rediss://user:***@redis.example.org:6380/2');
  assert.equal(parseRedisUrl('redis://127.0.0.1:6379').tls, false);
  for (const [url, msg] of [
    ['http://h:1', /must start with redis:\/\/ or rediss:\/\//],
    ['not a url', /is not a Redis URL/],
    ['redis://:pw@h:1/abc', /the path must be a database number/],
  ] as [string, RegExp][]) {
    assert.throws(() => parseRedisUrl(url), (e: unknown) => e instanceof ClusterError && msg.test(e.message) && !/pw@/.test(e.message), url);
  }
});
