import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, gunzipText, gzipText, toJson } from '../../main/store/json';

test('non-finite numbers and -0 survive, where plain JSON would turn them into null or 0', () => {
  const doc = { qmax: Infinity, qmin: -Infinity, f1: NaN, zero: -0, nested: [1, [NaN, { x: -Infinity }]], s: 'Inf', n: null };
  assert.equal(JSON.stringify(doc).includes('null,"n"'), false); // sanity: plain JSON loses them ...
  assert.match(JSON.stringify({ a: NaN }), /null/);
  const back = fromJson<typeof doc>(toJson(doc));
  assert.deepEqual(back, doc); // deepEqual uses Object.is: NaN equals NaN, -0 differs from 0
  assert.ok(Object.is(back.zero, -0));
  assert.equal(back.s, 'Inf'); // strings are not numbers
  // Still JSON that any reader can parse.
  assert.deepEqual(JSON.parse(toJson({ a: Infinity })), { a: { $num: 'Infinity' } });
});

test('an object that only looks like a tag is kept when it has other keys', () => {
  const doc = { a: { $num: 'NaN', other: 1 } };
  assert.deepEqual(fromJson(toJson(doc)), doc);
});

test('gzip text round-trips unicode exactly and a damaged blob is CORRUPT', () => {
  const text = 'mpc.bus_name = {\n\t\'Ærø – 東京\';\n};\r\n' + 'x'.repeat(5000);
  const gz = gzipText(text);
  assert.ok(gz.length < text.length / 5);
  assert.equal(gunzipText(gz), text);
  assert.throws(() => gunzipText(Buffer.from('nope')), (e: unknown) => (e as { code?: string }).code === 'CORRUPT');
  assert.throws(() => fromJson('{oops'), (e: unknown) => (e as { code?: string }).code === 'CORRUPT');
});
