import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditStore, KEY_PREFIX, browserStorage, editedCells, parseStored, sourceHash, storageKey } from '../../frontend/storage.js';

/** A Map-backed Storage with an optional byte quota, as a browser's localStorage behaves. */
class MemoryStorage {
  constructor(quota = Infinity) { this.map = new Map(); this.quota = quota; }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) {
    const size = [...this.map].reduce((n, [a, b]) => n + (a === k ? 0 : a.length + b.length), 0) + k.length + v.length;
    if (size > this.quota) {
      const err = new Error('The quota has been exceeded.');
      err.name = 'QuotaExceededError';
      throw err;
    }
    this.map.set(k, String(v));
  }
  removeItem(k) { this.map.delete(k); }
}

const ORIGINALS = ['import numpy as np\n', 'print(np.pi)\n', 'x = "é ✓"\n'];

test('the source hash changes with any change to any cell, and with how cells are split', () => {
  const h = sourceHash(ORIGINALS);
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.equal(sourceHash([...ORIGINALS]), h);
  assert.notEqual(sourceHash(['import numpy as np\n', 'print(np.pi) \n', ORIGINALS[2]]), h);
  assert.notEqual(sourceHash(['ab', 'c']), sourceHash(['a', 'bc']));
  assert.notEqual(sourceHash(ORIGINALS.slice(0, 2)), h);
  // FNV-1a 64 of the bytes of "[]", as computed by a 4-line Python FNV-1a.
  assert.equal(sourceHash([]), '09612b07b5ecb5a5');
});

test('keys name the page and the version of its example', () => {
  const key = storageKey('/docs/auto_examples/plot_x.html', 'abc');
  assert.equal(key, `${KEY_PREFIX}/docs/auto_examples/plot_x.html:abc`);
});

test('only cells that differ from the original are edits', () => {
  assert.deepEqual(editedCells(['a', 'B', 'c'], ['a', 'b', 'c']), { 1: 'B' });
  assert.deepEqual(editedCells(['a'], ['a']), {});
});

test('stored values are validated: wrong version, shape, indices or types are dropped', () => {
  assert.deepEqual(parseStored('{"v":1,"cells":{"0":"x","2":"z"}}', 3), { 0: 'x', 2: 'z' });
  assert.deepEqual(parseStored('{"v":1,"cells":{"3":"x","-1":"y","a":"z","1":5}}', 3), {});
  assert.deepEqual(parseStored('{"v":2,"cells":{"0":"x"}}', 3), {});
  assert.deepEqual(parseStored('not json', 3), {});
  assert.deepEqual(parseStored('null', 3), {});
});

test('save, load and clear round trip; an empty set of edits removes the entry', () => {
  const storage = new MemoryStorage();
  const store = new EditStore(storage, '/p.html', ORIGINALS);
  assert.deepEqual(store.load(), {});
  assert.equal(store.save({ 1: 'print("edited")\n' }), 'saved');
  assert.deepEqual(new EditStore(storage, '/p.html', ORIGINALS).load(), { 1: 'print("edited")\n' });
  assert.equal(store.save({}), 'cleared');
  assert.equal(storage.length, 0);
  store.save({ 0: 'x' });
  assert.equal(store.clear(), true);
  assert.equal(storage.length, 0);
});

test('edits of another version of the example are not loaded, and are dropped', () => {
  const storage = new MemoryStorage();
  new EditStore(storage, '/p.html', ORIGINALS).save({ 0: 'old edit' });
  new EditStore(storage, '/other.html', ORIGINALS).save({ 0: 'other page' });
  new EditStore(storage, '/p.html:x', ORIGINALS).save({ 0: 'odd path' });
  const rebuilt = new EditStore(storage, '/p.html', ['import numpy as np\n', 'print(np.e)\n', ORIGINALS[2]]);
  assert.deepEqual(rebuilt.load(), {});
  assert.equal(rebuilt.dropStale(), 1);
  assert.equal(storage.length, 2);
  assert.deepEqual(new EditStore(storage, '/other.html', ORIGINALS).load(), { 0: 'other page' });
});

test('a full storage says so instead of throwing', () => {
  const store = new EditStore(new MemoryStorage(200), '/p.html', ORIGINALS);
  assert.equal(store.save({ 0: 'x'.repeat(500) }), 'full');
  assert.deepEqual(store.load(), {});
  assert.equal(store.save({ 0: 'x' }), 'saved');
});

test('disabled storage (SecurityError on access) gives no storage, and a store that does nothing', () => {
  const win = {};
  Object.defineProperty(win, 'localStorage', {
    get() { const e = new Error('Access is denied for this document.'); e.name = 'SecurityError'; throw e; },
  });
  assert.equal(browserStorage(win), null);
  const store = new EditStore(browserStorage(win), '/p.html', ORIGINALS);
  assert.equal(store.available, false);
  assert.deepEqual(store.load(), {});
  assert.equal(store.save({ 0: 'x' }), 'unavailable');
  assert.equal(store.clear(), false);
  assert.equal(store.dropStale(), 0);
  // Storage whose every method throws (Safari private mode of old) is survived too.
  const hostile = { get length() { throw new Error('no'); }, getItem() { throw new Error('no'); },
    setItem() { throw new Error('no'); }, removeItem() { throw new Error('no'); } };
  const s2 = new EditStore(hostile, '/p.html', ORIGINALS);
  assert.deepEqual(s2.load(), {});
  assert.equal(s2.save({ 0: 'x' }), 'unavailable');
  assert.equal(s2.dropStale(), 0);
});
