import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCells } from '../../frontend/transport.js';

const URLS = { run: 'http://h/api/v1/run', stream: 'ws://h/api/v1/stream' };
const OK = { ok: true, cells: [{ stdout: 'hi\n', stderr: '', images: [] }], error: null, duration_ms: 5 };
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A scriptable stand-in for the browser WebSocket. */
function fakeSocket(script) {
  return class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      FakeWebSocket.last = this;
      setTimeout(() => script(this), 0);
    }
    send(text) { this.sent.push(JSON.parse(text)); this.onsend?.(JSON.parse(text)); }
    close() { this.closed = true; }
    open() { this.onopen?.({}); }
    emit(obj) { this.onmessage?.({ data: JSON.stringify(obj) }); }
    drop() { this.onclose?.({ code: 1006 }); }
  };
}

function fakeFetch(respond) {
  const calls = [];
  const fn = async (url, init) => { calls.push({ url, init }); return respond(url, init); };
  fn.calls = calls;
  return fn;
}

const response = (status, body, headers = {}) => ({
  status,
  ok: status >= 200 && status < 300,
  headers: { get: (k) => headers[k] ?? null },
  json: async () => body,
});

const noFetch = fakeFetch(() => { throw new Error('fetch must not be used'); });

test('the WebSocket streams events, then resolves with the done result', async () => {
  const WS = fakeSocket((ws) => {
    ws.open();
    ws.emit({ type: 'stdout', cell: 0, data: 'hi\n' });
    ws.emit({ type: 'cell_done', cell: 0 });
    ws.emit({ type: 'done', result: OK });
  });
  const events = [];
  const outcome = await runCells(['print("hi")'], {
    urls: URLS, timeoutMs: 1000, onEvent: (e) => events.push(e), WebSocketImpl: WS, fetchImpl: noFetch,
  });
  assert.deepEqual(outcome, { result: OK });
  // The client asks for a done without the outputs it already got as events.
  assert.deepEqual(WS.last.sent, [{ cells: ['print("hi")'], done: 'summary' }]);
  assert.equal(WS.last.url, URLS.stream);
  assert.deepEqual(events.map((e) => e.type), ['stdout', 'cell_done']);
});

test('a socket that closes before opening falls back to POST api/v1/run', async () => {
  const WS = fakeSocket((ws) => ws.drop());
  const fetchImpl = fakeFetch(() => response(200, OK));
  let fellBack = false;
  const outcome = await runCells(['x = 1'], {
    urls: URLS, timeoutMs: 1000, WebSocketImpl: WS, fetchImpl, onFallback: () => { fellBack = true; },
  });
  assert.deepEqual(outcome, { result: OK });
  assert.ok(fellBack);
  assert.equal(fetchImpl.calls.length, 1);
  assert.equal(fetchImpl.calls[0].url, URLS.run);
  assert.equal(fetchImpl.calls[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(fetchImpl.calls[0].init.body), { cells: ['x = 1'] });
});

test('a socket that never opens falls back after the connect timeout', async () => {
  const WS = fakeSocket(() => {});
  const fetchImpl = fakeFetch(() => response(200, OK));
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, connectTimeoutMs: 20, WebSocketImpl: WS, fetchImpl });
  assert.deepEqual(outcome, { result: OK });
  assert.equal(WS.last.closed, true);
});

test('a server refusal over the socket is a failure, not a fallback', async () => {
  const WS = fakeSocket((ws) => {
    ws.open();
    ws.emit({ type: 'error', error: { kind: 'busy', message: 'all sandboxes busy' }, status: 429 });
  });
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: WS, fetchImpl: noFetch });
  assert.equal(outcome.failure.type, 'http');
  assert.equal(outcome.failure.status, 429);
  assert.equal(outcome.failure.message, 'all sandboxes busy');
  assert.equal(outcome.failure.retryAfter, null);
});

test('a busy refusal over the socket may say when to retry', async () => {
  const WS = fakeSocket((ws) => {
    ws.open();
    ws.emit({ type: 'error', error: { kind: 'busy', message: 'busy' }, status: 429, retry_after: 4 });
  });
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: WS, fetchImpl: noFetch });
  assert.equal(outcome.failure.retryAfter, 4);
});

test('Stop sends {"type": "stop"} and resolves with the stopped result', async () => {
  const stopped = { ok: false, cells: [], error: { kind: 'stopped', message: '', traceback: '', cell: 0 }, duration_ms: 1 };
  const WS = fakeSocket((ws) => {
    ws.onsend = (msg) => { if (msg.type === 'stop') ws.emit({ type: 'done', result: stopped }); };
    ws.open();
  });
  const controller = new AbortController();
  const pending = runCells(['while True: pass'], {
    urls: URLS, timeoutMs: 10000, stopGraceMs: 200, signal: controller.signal, WebSocketImpl: WS, fetchImpl: noFetch,
  });
  await tick(); await tick();
  controller.abort();
  const outcome = await pending;
  assert.deepEqual(WS.last.sent[1], { type: 'stop' });
  assert.deepEqual(outcome, { result: stopped });
});

test('a socket dropped mid-run is a lost connection', async () => {
  const WS = fakeSocket((ws) => { ws.open(); ws.emit({ type: 'stdout', cell: 0, data: 'x' }); ws.drop(); });
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: WS, fetchImpl: noFetch });
  assert.deepEqual(outcome, { failure: { type: 'lost' } });
});

test('no answer over the socket within the timeout asks the server to stop', async () => {
  const WS = fakeSocket((ws) => ws.open());
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 30, WebSocketImpl: WS, fetchImpl: noFetch });
  assert.deepEqual(outcome, { failure: { type: 'timeout', seconds: 0 } });
  assert.deepEqual(WS.last.sent.at(-1), { type: 'stop' });
});

test('HTTP fallback: 429 with Retry-After, 413 with the server message', async () => {
  const busy = fakeFetch(() => response(429, { error: { kind: 'busy', message: 'busy' } }, { 'Retry-After': '9' }));
  let outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: null, fetchImpl: busy });
  assert.deepEqual(outcome.failure, { type: 'http', status: 429, kind: 'busy', message: 'busy', retryAfter: 9 });
  const big = fakeFetch(() => response(413, { error: { kind: 'too_large', message: 'body over 1 MiB' } }));
  outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: null, fetchImpl: big });
  assert.equal(outcome.failure.status, 413);
  assert.equal(outcome.failure.message, 'body over 1 MiB');
});

test('HTTP fallback: network error, timeout, stop, unreadable body', async () => {
  const down = fakeFetch(() => { throw new TypeError('Failed to fetch'); });
  assert.deepEqual(await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: null, fetchImpl: down }),
    { failure: { type: 'network' } });

  // A fetch that only ends when aborted, as a real one does.
  const hang = fakeFetch((url, init) => new Promise((_, reject) => {
    init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  }));
  assert.deepEqual(await runCells(['x'], { urls: URLS, timeoutMs: 20, WebSocketImpl: null, fetchImpl: hang }),
    { failure: { type: 'timeout', seconds: 0 } });

  const controller = new AbortController();
  const pending = runCells(['x'], { urls: URLS, timeoutMs: 1000, signal: controller.signal, WebSocketImpl: null, fetchImpl: hang });
  await tick();
  controller.abort();
  assert.deepEqual(await pending, { failure: { type: 'stopped' } });

  const garbled = fakeFetch(() => response(200, { something: 'else' }));
  const outcome = await runCells(['x'], { urls: URLS, timeoutMs: 1000, WebSocketImpl: null, fetchImpl: garbled });
  assert.equal(outcome.failure.type, 'protocol');
});

test('a session token goes back as query parameter and in the body, over both transports', async () => {
  const token = 'node-1.Ab_c-9';
  const WS = fakeSocket((ws) => { ws.open(); ws.emit({ type: 'done', result: { ...OK, session: token } }); });
  const outcome = await runCells(['x'], { urls: URLS, session: token, timeoutMs: 1000, WebSocketImpl: WS, fetchImpl: noFetch });
  assert.equal(outcome.result.session, token);
  assert.equal(WS.last.url, `${URLS.stream}?session=${token}`);
  assert.deepEqual(WS.last.sent, [{ cells: ['x'], done: 'summary', session: token }]);

  const fetchImpl = fakeFetch(() => response(200, OK));
  await runCells(['y'], { urls: { run: 'http://h/api/v1/run?x=1' }, session: 'a b', timeoutMs: 1000, WebSocketImpl: null, fetchImpl });
  assert.equal(fetchImpl.calls[0].url, 'http://h/api/v1/run?x=1&session=a%20b');
  assert.deepEqual(JSON.parse(fetchImpl.calls[0].init.body), { cells: ['y'], session: 'a b' });
});

test('without a session nothing is added', async () => {
  const fetchImpl = fakeFetch(() => response(200, OK));
  await runCells(['y'], { urls: URLS, session: null, timeoutMs: 1000, WebSocketImpl: null, fetchImpl });
  assert.equal(fetchImpl.calls[0].url, URLS.run);
  assert.deepEqual(JSON.parse(fetchImpl.calls[0].init.body), { cells: ['y'] });
});
