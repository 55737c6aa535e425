// Sending cells to the backend. The WebSocket stream is tried first so outputs
// show up live; when it cannot even open (no WebSocket support, a proxy that
// drops upgrades), the same cells go to POST api/v1/run instead.
//
// runCells resolves (never rejects) to {result} (the backend's run result,
// ok or not) or {failure} (see messages.failureMessage for the shapes).
// No DOM access: WebSocket, fetch and timers come in through options so Node
// tests can fake them.
//
// Sessions: a result carries `session`, a token for the reader's sandbox. Passed
// back as opts.session, it goes both in the body and as the `session` query
// parameter (a proxy in front of several hosts routes on it); the server runs
// the cells in that sandbox if it still exists, else in a fresh one.

import { parseRetryAfter } from './messages.js';

/**
 * @param {string[]} cells   the Python source of every cell, in order
 * @param {object}   opts    {urls: {run, stream}, session, timeoutMs, signal (Stop),
 *                            onEvent, files (helper modules), WebSocketImpl, fetchImpl,
 *                            connectTimeoutMs, stopGraceMs}
 */
export async function runCells(cells, opts) {
  const o = {
    onEvent: () => {},
    WebSocketImpl: globalThis.WebSocket,
    fetchImpl: globalThis.fetch && globalThis.fetch.bind(globalThis),
    connectTimeoutMs: 8000,
    stopGraceMs: 5000,
    ...opts,
  };
  if (o.signal && o.signal.aborted) return { failure: { type: 'stopped' } };
  const viaSocket = await runOverSocket(cells, o);
  if (!viaSocket.fallback) return viaSocket;
  o.onFallback?.();
  return runOverHttp(cells, o);
}

/** `url` with the session token as its `session` query parameter (none: unchanged). */
export function withSession(url, session) {
  if (!session || !url) return url;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}session=${encodeURIComponent(session)}`;
}

/** The request body: the cells, the session token when there is one, and `extra`. */
/** Resolves to {result}, {failure}, or {fallback: true} when the socket never opened. */
export function runOverSocket(cells, o) {
  return new Promise((resolve) => {
    if (!o.WebSocketImpl || !o.urls.stream) { resolve({ fallback: true }); return; }
    let ws;
    try {
      ws = new o.WebSocketImpl(withSession(o.urls.stream, o.session));
    } catch {
      resolve({ fallback: true });
      return;
    }
    let opened = false;
    let settled = false;
    let stopping = false;
    const timers = [];
    const later = (ms, fn) => timers.push(setTimeout(fn, ms));

    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      o.signal?.removeEventListener('abort', onAbort);
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try { ws.close(); } catch { /* already closed */ }
      resolve(outcome);
    };
    const sendStop = () => {
      if (stopping) return;
      stopping = true;
      try { ws.send(JSON.stringify({ type: 'stop' })); } catch { /* closing anyway below */ }
    };
    // Stop: ask the server to kill the run and wait for its "done" (error kind
    // "stopped"); give up waiting after a grace period.
    function onAbort() {
      if (!opened) { settle({ failure: { type: 'stopped' } }); return; }
      sendStop();
      later(o.stopGraceMs, () => settle({ failure: { type: 'stopped' } }));
    }
    o.signal?.addEventListener('abort', onAbort);

    later(o.connectTimeoutMs, () => { if (!opened) settle({ fallback: true }); });
    later(o.timeoutMs, () => {
      if (opened) sendStop();
      settle({ failure: { type: 'timeout', seconds: Math.round(o.timeoutMs / 1000) } });
    });

    ws.onopen = () => {
      opened = true;
      // Every output comes as an event: the final result need not repeat them.
      ws.send(requestBody(cells, o.files, { done: 'summary' }, o.session));
    };
    ws.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (!event || typeof event !== 'object') return;
      if (event.type === 'done') settle(resultOutcome(event.result));
      else if (event.type === 'error') settle({ failure: refusal(event) });
      else o.onEvent(event);
    };
    // An error is always followed by close; close decides what it meant.
    ws.onerror = () => {};
    ws.onclose = () => {
      if (!opened) settle({ fallback: true });
      else settle({ failure: { type: stopping ? 'stopped' : 'lost' } });
    };
  });
}

/** The run request: the cells, `extra` fields, and the helper modules they import
 * when there are any. */
/** The run request: helper ``files`` and the tab's ``session`` only when there are some. */
export function requestBody(cells, files, extra = {}, session = null) {
  const body = { cells, ...extra };
  if (files && typeof files === 'object' && Object.keys(files).length > 0) body.files = files;
  if (session) body.session = session;
  return JSON.stringify(body);
}

/** A WebSocket {"type": "error"} event as the same failure an HTTP refusal gives. */
function refusal(event) {
  const error = event.error || {};
  const retry = event.retry_after ?? error.retry_after ?? null;
  return {
    type: 'http',
    status: Number(event.status) || 500,
    kind: error.kind || '',
    message: error.message || '',
    retryAfter: retry === null ? null : parseRetryAfter(retry),
  };
}

function resultOutcome(result) {
  if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
    return { failure: { type: 'protocol', message: 'no run result' } };
  }
  return { result };
}

/** POST api/v1/run with a client-side timeout; Stop aborts the request. */
export async function runOverHttp(cells, o) {
  if (!o.fetchImpl) return { failure: { type: 'network' } };
  const controller = new AbortController();
  let why = null;
  const abort = (reason) => { why = why || reason; controller.abort(); };
  const onAbort = () => abort('stopped');
  o.signal?.addEventListener('abort', onAbort);
  const timer = setTimeout(() => abort('timeout'), o.timeoutMs);
  try {
    const response = await o.fetchImpl(withSession(o.urls.run, o.session), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: requestBody(cells, o.files, {}, o.session),
      signal: controller.signal,
    });
    const body = await response.json().catch(() => null);
    if (why) return abortedOutcome(why, o);
    if (response.status !== 200) {
      return {
        failure: {
          type: 'http',
          status: response.status,
          kind: body?.error?.kind || '',
          message: body?.error?.message || '',
          retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
        },
      };
    }
    return resultOutcome(body);
  } catch {
    return why ? abortedOutcome(why, o) : { failure: { type: 'network' } };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

function abortedOutcome(why, o) {
  return why === 'timeout'
    ? { failure: { type: 'timeout', seconds: Math.round(o.timeoutMs / 1000) } }
    : { failure: { type: 'stopped' } };
}
