// Human messages for everything that can go wrong. Pure: no DOM, no globals
// except Date for Retry-After dates (overridable for tests).

const UNAVAILABLE = 'The code runner is unavailable right now; please try again later.';

/** Cell numbers shown to readers are 1-based; indices in the protocol are 0-based. */
export const cellLabel = (index) => `cell ${index + 1}`;

/**
 * Seconds to wait from a Retry-After header value (delta-seconds or an HTTP
 * date), rounded up, never negative; null when absent or unparseable.
 */
export function parseRetryAfter(value, nowMs = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - nowMs) / 1000));
}

/** "The code runner is busy; try again in N s." */
export function busyMessage(retryAfterSeconds) {
  return retryAfterSeconds === null || retryAfterSeconds === undefined
    ? 'The code runner is busy; try again in a few seconds.'
    : `The code runner is busy; try again in ${retryAfterSeconds} s.`;
}

/**
 * The message for a run that produced no result. `failure` is one of
 *   {type: 'http', status, message, retryAfter}  a refusal (HTTP or WebSocket "error" event)
 *   {type: 'network'}                            nothing answered
 *   {type: 'lost'}                               the connection dropped mid-run
 *   {type: 'timeout', seconds}                   no answer within the client-side limit
 *   {type: 'stopped'}                            the reader pressed Stop
 *   {type: 'protocol', message}                  an answer we could not understand
 */
export function failureMessage(failure) {
  switch (failure.type) {
    case 'http':
      return httpMessage(failure.status, failure.message, failure.retryAfter);
    case 'network':
      return UNAVAILABLE;
    case 'lost':
      return 'The connection to the code runner was lost before the run finished.';
    case 'timeout':
      return `The code runner took too long to answer (over ${failure.seconds} s); please try again later.`;
    case 'stopped':
      return 'Run stopped.';
    case 'protocol':
      return `The code runner sent an answer that could not be read${detail(failure.message)}.`;
    default:
      return 'The run failed for an unknown reason.';
  }
}

/** The message for a non-200 status with the server's {"error": {"message"}} text. */
export function httpMessage(status, serverMessage, retryAfter = null) {
  const message = (serverMessage || '').trim();
  if (status === 429) return busyMessage(retryAfter);
  if (status === 503 || status === 502 || status === 504) return UNAVAILABLE;
  if (status === 413) return `The code is too large to run${detail(message)}.`;
  if (status === 403) return `This page is not allowed to use the code runner${detail(message)}.`;
  if (status === 400) return `The code runner rejected the request${detail(message)}.`;
  return `The code runner failed (HTTP ${status})${detail(message)}.`;
}

function detail(message) {
  const text = (message || '').trim().replace(/\.$/, '');
  return text ? `: ${text}` : '';
}

const RUN_ERRORS = {
  exception: (c) => ({
    status: `An exception was raised in ${c}.`,
    cell: 'This cell raised an exception:',
  }),
  timeout: (c) => ({
    status: `The run took too long and was stopped in ${c}.`,
    cell: 'Stopped: the run reached its time limit while running this cell.',
  }),
  memory: (c) => ({
    status: `The run used too much memory and was stopped in ${c}.`,
    cell: 'Stopped: this cell used more memory than allowed.',
  }),
  output_limit: (c) => ({
    status: `The run produced too much output and was stopped in ${c}.`,
    cell: 'Stopped: this cell produced more output than allowed.',
  }),
  stopped: (c) => ({
    status: 'Run stopped.',
    cell: `Stopped while running ${c}.`,
  }),
  sandbox: () => ({
    status: 'The code runner failed to run the example (a problem on the server, not in the code).',
    cell: 'Not finished: the sandbox running the code failed.',
  }),
};

/**
 * Messages for an ok:false result's error: {status, cell, notRun}. `status`
 * goes in the toolbar, `cell` under the failing cell, `notRun` under each later cell.
 */
export function runErrorMessages(error, cellIndex) {
  const make = RUN_ERRORS[error && error.kind];
  const label = cellLabel(cellIndex);
  const messages = make
    ? make(label)
    : { status: `The run failed in ${label}.`, cell: 'The run failed here.' };
  const notRun = error && error.kind === 'exception'
    ? 'Not run (an earlier cell failed)'
    : error && error.kind === 'stopped'
      ? 'Not run (the run was stopped)'
      : 'Not run (the run ended early)';
  return { ...messages, notRun };
}

/** "0.8 s", "12.3 s", "2 min 5 s". */
export function formatDuration(ms) {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.floor(seconds - minutes * 60)} s`;
}
