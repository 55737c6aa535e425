import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, cellOutcomes, cellsFromResult, cellsReported, createRun, failingCell, hasOutputs, sameCells } from '../../frontend/results.js';

const PNG = 'iVBORw0KGgo=';

// A three-cell run where cell 1 raises: what the server streams, then its final result.
const result = {
  ok: false,
  cells: [
    { stdout: 'hello\nworld\n', stderr: 'a warning\n', images: [{ mime: 'image/png', data: PNG }] },
    { stdout: 'before\n', stderr: '', images: [] },
  ],
  error: { kind: 'exception', message: 'ZeroDivisionError: division by zero', traceback: 'Traceback...\nZeroDivisionError', cell: 1 },
  duration_ms: 420.5,
};
const events = [
  { type: 'stdout', cell: 0, data: 'hello\n' },
  { type: 'stderr', cell: 0, data: 'a warning\n' },
  { type: 'stdout', cell: 0, data: 'world\n' },
  { type: 'image', cell: 0, mime: 'image/png', data: PNG },
  { type: 'cell_done', cell: 0 },
  { type: 'stdout', cell: 1, data: 'before\n' },
  { type: 'done', result },
];

test('streamed events reproduce the per-cell results of the done result', () => {
  const run = createRun(3);
  events.forEach((e) => applyEvent(run, e));
  assert.deepEqual(run.cells, cellsFromResult(result, 3));
  assert.ok(sameCells(run.cells, cellsFromResult(result, 3)));
  assert.equal(run.finished, true);
  assert.equal(run.result, result);
  assert.equal(run.lastStarted, 1);
});

test('a missed chunk makes the streamed cells differ from the result', () => {
  const run = createRun(3);
  events.filter((e) => e.data !== 'world\n').forEach((e) => applyEvent(run, e));
  assert.equal(sameCells(run.cells, cellsFromResult(result, 3)), false);
});

test('cell_done moves the current cell on', () => {
  const run = createRun(2);
  applyEvent(run, { type: 'cell_done', cell: 0 });
  assert.equal(run.current, 1);
  assert.equal(run.lastStarted, 1);
  applyEvent(run, { type: 'cell_done', cell: 1 });
  assert.equal(run.current, -1);
});

test('unknown events and out-of-range cells are ignored', () => {
  const run = createRun(1);
  applyEvent(run, { type: 'stdout', cell: 5, data: 'x' });
  applyEvent(run, { type: 'progress', cell: 0 });
  applyEvent(run, null);
  assert.deepEqual(run.cells, [{ stdout: '', stderr: '', images: [], html: [] }]);
});

test('the failing cell is marked failed and the cells after it not run', () => {
  const outcomes = cellOutcomes(result, 3);
  assert.deepEqual(outcomes.map((o) => o.state), ['done', 'failed', 'not-run']);
  assert.equal(outcomes[1].error.kind, 'exception');
});

test('without error.cell, the last cell that started is the failing one', () => {
  const timeout = { ok: false, cells: [{ stdout: '', stderr: '', images: [] }, { stdout: 'x', stderr: '', images: [] }],
    error: { kind: 'timeout', message: 'time limit', traceback: '', cell: null } };
  assert.equal(failingCell(timeout, 4), 1);
  assert.equal(failingCell(timeout, 4, 2), 2, 'streaming knew a later cell had started');
  assert.deepEqual(cellOutcomes(timeout, 4).map((o) => o.state), ['done', 'failed', 'not-run', 'not-run']);
  assert.equal(failingCell({ ok: false, cells: [], error: { kind: 'sandbox', cell: null } }, 3), 0);
});

test('an ok result marks every cell done', () => {
  assert.deepEqual(cellOutcomes({ ok: true, cells: [], error: null }, 2).map((o) => o.state), ['done', 'done']);
});

test('html outputs are collected per cell, in order, and compared', () => {
  const run = createRun(2);
  applyEvent(run, { type: 'html', cell: 1, data: '<b>one</b>' });
  applyEvent(run, { type: 'html', cell: 1, data: '<i>two</i>' });
  assert.deepEqual(run.cells[1].html, ['<b>one</b>', '<i>two</i>']);
  assert.equal(run.lastStarted, 1);
  const full = { ok: true, cells: [{ stdout: '', stderr: '', images: [] }, { stdout: '', stderr: '', images: [], html: ['<b>one</b>', '<i>two</i>'] }] };
  const final = cellsFromResult(full, 2);
  assert.deepEqual(final[0].html, []); // a result from a server before html outputs
  assert.ok(sameCells(run.cells, final));
  final[1].html[1] = '<i>changed</i>';
  assert.equal(sameCells(run.cells, final), false);
});

test('a summary done result carries no outputs but says how many cells it reported', () => {
  const summary = { ok: false, error: { kind: 'exception', message: 'E', traceback: '', cell: null }, duration_ms: 3, cells_reported: 2 };
  assert.equal(hasOutputs(summary), false);
  assert.equal(cellsReported(summary), 2);
  assert.equal(failingCell(summary, 3), 1);
  assert.equal(hasOutputs(result), true);
  assert.equal(cellsReported(result), 2);
  assert.equal(cellsReported({ ok: true, cells_reported: 'x' }), 0);
});
