// Per-cell results, built either from streamed events or from a final result
// object, in one shape so the two can be compared. Pure: no DOM.
//
// A cell result is {stdout: str, stderr: str, images: [{mime, data}], html: [str]};
// a cell outcome is {state: 'done'|'failed'|'not-run'|'pending', error?}.
//
// The stream's final result may be a summary (asked for with "done": "summary"):
// no "cells", since every output came as an event; "cells_reported" instead.

export const emptyCell = () => ({ stdout: '', stderr: '', images: [], html: [] });

/** A fresh streaming state for n cells. `current` is the cell running now (-1 before any). */
export function createRun(n) {
  return { cells: Array.from({ length: n }, emptyCell), current: -1, lastStarted: -1, finished: false, result: null };
}

/**
 * Fold one server event into the run (mutates and returns it). Unknown
 * events and out-of-range cells are ignored so a newer server cannot break us.
 */
export function applyEvent(run, event) {
  if (!event || typeof event !== 'object') return run;
  if (event.type === 'done') {
    run.finished = true;
    run.result = event.result || null;
    run.current = -1;
    return run;
  }
  const i = event.cell;
  if (!Number.isInteger(i) || i < 0 || i >= run.cells.length) return run;
  const cell = run.cells[i];
  switch (event.type) {
    case 'stdout':
    case 'stderr':
      cell[event.type] += String(event.data ?? '');
      markStarted(run, i);
      break;
    case 'image':
      cell.images.push({ mime: event.mime || 'image/png', data: String(event.data ?? '') });
      markStarted(run, i);
      break;
    case 'html':
      cell.html.push(String(event.data ?? ''));
      markStarted(run, i);
      break;
    case 'cell_done':
      markStarted(run, i);
      // The next cell starts as soon as this one is done.
      run.current = i + 1 < run.cells.length ? i + 1 : -1;
      if (run.current >= 0) run.lastStarted = Math.max(run.lastStarted, run.current);
      break;
    default:
      break;
  }
  return run;
}

function markStarted(run, i) {
  run.lastStarted = Math.max(run.lastStarted, i);
  if (run.current < i) run.current = i;
}

/** The per-cell results a final result object holds, padded to n cells. */
export function cellsFromResult(result, n) {
  const given = (result && Array.isArray(result.cells)) ? result.cells : [];
  return Array.from({ length: n }, (_, i) => {
    const c = given[i];
    if (!c) return emptyCell();
    return {
      stdout: String(c.stdout ?? ''),
      stderr: String(c.stderr ?? ''),
      images: (c.images || []).map((im) => ({ mime: im.mime || 'image/png', data: String(im.data ?? '') })),
      html: (Array.isArray(c.html) ? c.html : []).map((h) => String(h ?? '')),
    };
  });
}

/** Whether a result carries its outputs, or is a summary of what was streamed. */
export function hasOutputs(result) {
  return Boolean(result && Array.isArray(result.cells));
}

/** How many cells a result has a record for (ran, or began). */
export function cellsReported(result) {
  if (hasOutputs(result)) return result.cells.length;
  const n = result && result.cells_reported;
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** True when two lists of cell results hold the same text and images. */
export function sameCells(a, b) {
  if (a.length !== b.length) return false;
  return a.every((x, i) => x.stdout === b[i].stdout && x.stderr === b[i].stderr
    && x.images.length === b[i].images.length
    && x.images.every((im, k) => im.mime === b[i].images[k].mime && im.data === b[i].images[k].data)
    && x.html.length === b[i].html.length && x.html.every((h, k) => h === b[i].html[k]));
}

/**
 * Which cell an ok:false result failed in: error.cell when the server knows,
 * else the last cell that started (from the result's cells, or from streaming).
 */
export function failingCell(result, n, lastStarted = -1) {
  const error = result && result.error;
  if (error && Number.isInteger(error.cell) && error.cell >= 0 && error.cell < n) return error.cell;
  const ran = cellsReported(result) - 1;
  return Math.min(Math.max(ran, lastStarted, 0), Math.max(n - 1, 0));
}

/** The outcome of every cell once a result is known. */
export function cellOutcomes(result, n, lastStarted = -1) {
  if (result && result.ok) return Array.from({ length: n }, () => ({ state: 'done' }));
  const failed = failingCell(result, n, lastStarted);
  const error = (result && result.error) || { kind: 'sandbox', message: '', traceback: '', cell: null };
  return Array.from({ length: n }, (_, i) => {
    if (i < failed) return { state: 'done' };
    if (i === failed) return { state: 'failed', error };
    return { state: 'not-run' };
  });
}
