import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchSandboxVersions, normalizeName, versionDifferences, versionNote } from '../../frontend/versions.js';
import { parseConfig } from '../../frontend/config.js';
import { requestBody } from '../../frontend/transport.js';

test('names compare as PEP 503 normalised names', () => {
  assert.equal(normalizeName('Scikit_Image'), 'scikit-image');
  assert.equal(normalizeName('zope.interface'), 'zope-interface');
  assert.deepEqual(versionDifferences({ scikit_image: '0.26.0' }, { 'scikit-image': '0.26.0' }), []);
});

test('a differing version names the package and both versions', () => {
  const diffs = versionDifferences({ 'scikit-image': '0.25.2', numpy: '2.4.6' },
    { 'scikit-image': '0.26.0', numpy: '2.4.6', scipy: '1.0' });
  assert.deepEqual(diffs, [{ name: 'scikit-image', expected: '0.25.2', actual: '0.26.0' }]);
  assert.equal(versionNote(diffs),
    'This example was built with scikit-image 0.25.2; the live sandbox runs 0.26.0, so results may differ.');
});

test('a package the sandbox lacks is named as missing', () => {
  const diffs = versionDifferences({ pandas: '2.2.0' }, { numpy: '2.4.6' });
  assert.deepEqual(diffs, [{ name: 'pandas', expected: '2.2.0', actual: null }]);
  assert.match(versionNote(diffs), /built with pandas 2\.2\.0; the live sandbox does not have pandas/);
});

test('several differences are listed in one note, sorted', () => {
  const note = versionNote(versionDifferences({ numpy: '1', pandas: '2' }, { numpy: '3' }));
  assert.match(note, /numpy 1 \(sandbox: 3\), pandas 2 \(sandbox: not installed\)\.$/);
});

test('nothing is said when versions match or the sandbox is unknown', () => {
  assert.deepEqual(versionDifferences({ numpy: '2' }, { numpy: '2' }), []);
  assert.deepEqual(versionDifferences({ numpy: '2' }, {}), []);
  assert.deepEqual(versionDifferences({ numpy: '2' }, null), []);
  assert.deepEqual(versionDifferences({}, { numpy: '3' }), []);
  assert.equal(versionNote([]), '');
});

test('health versions: read from the body, null when the backend is down or odd', async () => {
  const ok = async () => ({ status: 200, json: async () => ({ versions: { numpy: '2' } }) });
  assert.deepEqual(await fetchSandboxVersions('http://h/api/v1/health', ok), { numpy: '2' });
  const down = async () => { throw new TypeError('Failed to fetch'); };
  assert.equal(await fetchSandboxVersions('http://h/api/v1/health', down), null);
  const html = async () => ({ status: 502, json: async () => { throw new SyntaxError('<html>'); } });
  assert.equal(await fetchSandboxVersions('http://h/api/v1/health', html), null);
  const old = async () => ({ status: 200, json: async () => ({ status: 'ok' }) });
  assert.equal(await fetchSandboxVersions('http://h/api/v1/health', old), null);
  assert.equal(await fetchSandboxVersions('http://h/api/v1/health', undefined), null);
});

test('config keeps string maps of files and expected versions only', () => {
  const config = parseConfig(JSON.stringify({ files: { 'a.py': 'N = 1', 'b.py': 3 }, expectedVersions: ['x'] }));
  assert.deepEqual(config.files, { 'a.py': 'N = 1' });
  assert.deepEqual(config.expectedVersions, {});
  assert.deepEqual(parseConfig('{}').files, {});
});

test('a run sends files only when there are some', () => {
  assert.deepEqual(JSON.parse(requestBody(['1'], {})), { cells: ['1'] });
  assert.deepEqual(JSON.parse(requestBody(['1'], undefined)), { cells: ['1'] });
  assert.deepEqual(JSON.parse(requestBody(['1'], { 'a.py': 'N = 1' })), { cells: ['1'], files: { 'a.py': 'N = 1' } });
});
