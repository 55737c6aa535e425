import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64Utf8 } from '../../frontend/source.js';

const encode = (s) => Buffer.from(s, 'utf8').toString('base64');

test('ASCII round-trips', () => {
  const code = 'import numpy as np\nprint(np.arange(3))\n';
  assert.equal(decodeBase64Utf8(encode(code)), code);
});

test('non-ASCII and emoji decode as UTF-8, not Latin-1', () => {
  for (const code of ['print("café, naïve, 東京")', 'title = "µm² → Å"', 'print("🎉 done 👩‍🔬")']) {
    assert.equal(decodeBase64Utf8(encode(code)), code);
  }
});

test('whitespace inside the base64 is ignored', () => {
  const b64 = encode('x = "ü" * 40\n');
  assert.equal(decodeBase64Utf8(`${b64.slice(0, 8)}\n ${b64.slice(8)}`), 'x = "ü" * 40\n');
});

test('empty input is empty code', () => {
  assert.equal(decodeBase64Utf8(''), '');
});
