import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import {
  LinkError, MAX_DECODED_BYTES, MAX_LINK_LENGTH, decodeEdits, encodeEdits, fromBase64Url,
  linkFor, payloadOf, shareLink, toBase64Url,
} from '../../frontend/share.js';

const PAGE = 'https://docs.example.org/auto_examples/plot_x.html?v=2#some-heading';
const EDITS = { 0: 'import numpy as np\nprint("é ✓ \\u00e9")\n', 2: 'x = 1 / 3\n' };

test('edits survive the trip through a link', async () => {
  const made = await shareLink(PAGE, EDITS, 'abc123');
  assert.ok(made.link);
  const url = new URL(made.link);
  // The page is the same (query kept); only the fragment carries the edits.
  assert.equal(`${url.origin}${url.pathname}${url.search}`, 'https://docs.example.org/auto_examples/plot_x.html?v=2');
  const payload = payloadOf(url.hash);
  assert.match(payload, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeEdits(payload, 3), { edits: EDITS, hash: 'abc123' });
});

test('the payload is raw deflate of the JSON, readable by any zlib', async () => {
  const payload = await encodeEdits(EDITS, 'h');
  const json = inflateRawSync(Buffer.from(fromBase64Url(payload))).toString('utf-8');
  assert.deepEqual(JSON.parse(json), { v: 1, h: 'h', cells: EDITS });
});

test('base64url round trip over every byte value', () => {
  const bytes = new Uint8Array(256 * 3).map((_, i) => i % 256);
  const text = toBase64Url(bytes);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(fromBase64Url(text), bytes);
});

test('no edits: the link is the page itself, without a fragment', async () => {
  assert.deepEqual(await shareLink(PAGE, {}, 'h'), { link: 'https://docs.example.org/auto_examples/plot_x.html?v=2' });
});

test('edits beyond the bound give tooLong, never a link', async () => {
  // Random text does not compress: 9,000 hex-ish characters make a link of more than 8,000.
  const big = { 1: randomBytes(7000).toString('base64') };
  const made = await shareLink(PAGE, big, 'h');
  assert.equal(made.link, undefined);
  assert.equal(made.limit, MAX_LINK_LENGTH);
  assert.ok(made.tooLong > MAX_LINK_LENGTH, made.tooLong);
  // Just under the bound is a link; the bound is on the whole link.
  const small = { 1: randomBytes(4000).toString('base64') };
  const ok = await shareLink(PAGE, small, 'h');
  assert.ok(ok.link.length <= MAX_LINK_LENGTH, ok.link.length);
  assert.deepEqual((await shareLink(PAGE, small, 'h', ok.link.length - 1)).tooLong, ok.link.length);
  // Repetitive code compresses well: a long but ordinary edit still fits.
  const long = { 0: 'print("hello")\n'.repeat(2000) };
  assert.ok((await shareLink(PAGE, long, 'h')).link);
});

test('the fragment is ours only when it starts with livegallery=', () => {
  assert.equal(payloadOf('#livegallery=abc'), 'abc');
  assert.equal(payloadOf('livegallery=abc'), 'abc');
  assert.equal(payloadOf('#livegallery='), '');
  assert.equal(payloadOf('#some-heading'), null);
  assert.equal(payloadOf(''), null);
  assert.equal(linkFor('https://h/p.html#x', ''), 'https://h/p.html');
});

test('malformed payloads are refused with LinkError, not anything else', async () => {
  const valid = await encodeEdits(EDITS, 'h');
  const notJson = toBase64Url(new Uint8Array(await new Response(
    new Blob([new TextEncoder().encode('{not json')]).stream().pipeThrough(new CompressionStream('deflate-raw')),
  ).arrayBuffer()));
  const wrongShape = toBase64Url(new Uint8Array(await new Response(
    new Blob([new TextEncoder().encode('{"v":2,"cells":{}}')]).stream().pipeThrough(new CompressionStream('deflate-raw')),
  ).arrayBuffer()));
  for (const bad of ['!!!', 'a b', valid.slice(0, valid.length / 2), 'AAAA', '', notJson, wrongShape]) {
    await assert.rejects(decodeEdits(bad, 3), LinkError, `payload ${JSON.stringify(bad.slice(0, 20))}`);
  }
});

test('cells beyond the example and non-string codes in a link are ignored', async () => {
  const payload = await encodeEdits({ 0: 'a', 5: 'b', 1: 7 }, 'h');
  assert.deepEqual((await decodeEdits(payload, 2)).edits, { 0: 'a' });
});

test('a decompression bomb is refused', async () => {
  // 4 MB of zeros deflate to a few KB: a short link that would expand past the limit.
  const bomb = new Uint8Array(await new Response(
    new Blob([new Uint8Array(MAX_DECODED_BYTES * 8)]).stream().pipeThrough(new CompressionStream('deflate-raw')),
  ).arrayBuffer());
  assert.ok(bomb.length < 10_000, bomb.length);
  await assert.rejects(decodeEdits(toBase64Url(bomb), 3), /too large/);
});
