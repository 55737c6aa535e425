import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendBase, endpoints, httpEndpoint, parseConfig, wsEndpoint } from '../../frontend/config.js';
import { aceBasePath } from '../../frontend/ace-loader.js';

const PAGE = 'https://docs.example.org/stable/auto_examples/plot_demo.html?x=1#top';

test('empty backendUrl means the page origin', () => {
  const urls = endpoints(parseConfig('{"backendUrl": ""}'), PAGE);
  assert.equal(urls.run, 'https://docs.example.org/api/v1/run');
  assert.equal(urls.health, 'https://docs.example.org/api/v1/health');
  assert.equal(urls.stream, 'wss://docs.example.org/api/v1/stream');
});

test('http page gives ws, https gives wss', () => {
  const base = backendBase('', 'http://127.0.0.1:8000/auto_examples/a.html');
  assert.equal(base, 'http://127.0.0.1:8000/');
  assert.equal(wsEndpoint(base, 'api/v1/stream'), 'ws://127.0.0.1:8000/api/v1/stream');
  assert.equal(wsEndpoint('https://run.example.org/', 'api/v1/stream'), 'wss://run.example.org/api/v1/stream');
});

test('a path prefix is kept, with or without a trailing slash', () => {
  for (const url of ['https://run.example.org/livegallery/', 'https://run.example.org/livegallery']) {
    const urls = endpoints(parseConfig(JSON.stringify({ backendUrl: url })), PAGE);
    assert.equal(urls.run, 'https://run.example.org/livegallery/api/v1/run', url);
    assert.equal(urls.stream, 'wss://run.example.org/livegallery/api/v1/stream', url);
  }
});

test('a base without a path gets a slash; query and fragment are dropped', () => {
  assert.equal(backendBase('https://run.example.org', PAGE), 'https://run.example.org/');
  assert.equal(backendBase('https://run.example.org/p?token=1#x', PAGE), 'https://run.example.org/p/');
});

test('a relative backendUrl resolves against the page', () => {
  assert.equal(backendBase('/runner', PAGE), 'https://docs.example.org/runner/');
  assert.equal(httpEndpoint(backendBase('/runner/', PAGE), 'api/v1/run'), 'https://docs.example.org/runner/api/v1/run');
});

test('parseConfig fills defaults and rejects bad values', () => {
  const c = parseConfig('{"acePath": "../_static/ace/ace.js", "requestTimeout": "abc"}');
  assert.equal(c.backendUrl, '');
  assert.equal(c.acePath, '../_static/ace/ace.js');
  assert.equal(c.requestTimeout, 60);
  assert.equal(parseConfig('{"requestTimeout": 5}').requestTimeout, 5);
  assert.throws(() => parseConfig('{not json'));
});

test('Ace base path is the directory of acePath, relative to the page', () => {
  assert.equal(aceBasePath('../_static/ace/ace.js', PAGE), 'https://docs.example.org/stable/_static/ace/');
  assert.equal(aceBasePath('https://cdn.example.net/ace/1.45/ace.js', PAGE), 'https://cdn.example.net/ace/1.45/');
});
