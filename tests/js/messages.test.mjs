import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureMessage, formatDuration, httpMessage, parseRetryAfter, runErrorMessages } from '../../frontend/messages.js';

test('Retry-After: seconds, HTTP dates, junk', () => {
  assert.equal(parseRetryAfter('7'), 7);
  assert.equal(parseRetryAfter(' 2.5 '), 3);
  const now = Date.parse('Sat, 21 Nov 2026 12:00:00 GMT');
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now), 30);
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter(''), null);
  assert.equal(parseRetryAfter('soon'), null);
});

test('429 says busy and when to retry', () => {
  assert.equal(httpMessage(429, 'busy', 12), 'The code runner is busy; try again in 12 s.');
  assert.match(httpMessage(429, '', null), /busy; try again in a few seconds/);
  assert.equal(failureMessage({ type: 'http', status: 429, message: '', retryAfter: 3 }),
    'The code runner is busy; try again in 3 s.');
});

test('503 and network errors say the runner is unavailable', () => {
  assert.match(httpMessage(503, 'Docker is not reachable'), /^The code runner is unavailable/);
  assert.match(failureMessage({ type: 'network' }), /^The code runner is unavailable/);
});

test('400 and 413 show the server message', () => {
  assert.equal(httpMessage(400, 'cells must be a list of strings'),
    'The code runner rejected the request: cells must be a list of strings.');
  assert.equal(httpMessage(413, 'request body over 1 MiB.'), 'The code is too large to run: request body over 1 MiB.');
  assert.equal(httpMessage(413, ''), 'The code is too large to run.');
});

test('403 says the page may not use the runner', () => {
  assert.equal(httpMessage(403, 'origin not allowed'), 'This page is not allowed to use the code runner: origin not allowed.');
});

test('other statuses name the status', () => {
  assert.equal(httpMessage(500, 'boom'), 'The code runner failed (HTTP 500): boom.');
});

test('client-side timeout, lost connection, stop, garbled answer', () => {
  assert.match(failureMessage({ type: 'timeout', seconds: 60 }), /took too long to answer \(over 60 s\)/);
  assert.match(failureMessage({ type: 'lost' }), /connection to the code runner was lost/);
  assert.equal(failureMessage({ type: 'stopped' }), 'Run stopped.');
  assert.match(failureMessage({ type: 'protocol', message: 'no run result' }), /could not be read: no run result/);
});

test('each run error kind has its own status and cell message', () => {
  const expected = {
    exception: [/exception was raised in cell 3/, /raised an exception/],
    timeout: [/too long.*cell 3/, /time limit/],
    memory: [/too much memory.*cell 3/, /memory/],
    output_limit: [/too much output.*cell 3/, /output/],
    stopped: [/^Run stopped\.$/, /Stopped while running cell 3/],
    sandbox: [/server/, /sandbox/],
  };
  const seen = new Set();
  for (const [kind, [status, cell]] of Object.entries(expected)) {
    const m = runErrorMessages({ kind, message: '', traceback: '', cell: 2 }, 2);
    assert.match(m.status, status, kind);
    assert.match(m.cell, cell, kind);
    assert.match(m.notRun, /^Not run \(/, kind);
    seen.add(m.status);
  }
  assert.equal(seen.size, Object.keys(expected).length, 'status messages are distinct');
  assert.equal(runErrorMessages({ kind: 'exception' }, 0).notRun, 'Not run (an earlier cell failed)');
  assert.match(runErrorMessages({ kind: 'weird' }, 0).status, /failed in cell 1/);
});

test('durations read as seconds', () => {
  assert.equal(formatDuration(812), '0.8 s');
  assert.equal(formatDuration(1234), '1.2 s');
  assert.equal(formatDuration(125000), '2 min 5 s');
});
