// livegallery entry point: makes the sphinx-gallery example on this page
// editable and runnable. Loaded by the Sphinx extension as an ES module.

import { readConfig, endpoints } from './config.js';
import { loadAce } from './ace-loader.js';
import { CellEditor } from './editor.js';
import { LiveOutput, hideBuildOutputs, restoreBuildOutputs } from './outputs.js';
import { listenForFrameHeights } from './htmlframe.js';
import { failureMessage, runErrorMessages } from './messages.js';
import { applyEvent, cellOutcomes, cellsFromResult, createRun, failingCell, hasOutputs, sameCells } from './results.js';
import { runCells } from './transport.js';
import { isDark, watchScheme } from './theme.js';
import { Toolbar } from './toolbar.js';
import { EditsController } from './edits.js';
import { addCompareToggles, clearCompare } from './compare.js';
import { fetchSandboxVersions, versionDifferences, versionNote } from './versions.js';

const ACE_FAILED = 'The code editor could not be loaded; cells are edited as plain text.';
const SESSION_KEY = 'livegallery-session';

/** The tab's session token (sessionStorage: kept across this tab's pages, no other tab). */
function storedSession() {
  try { return globalThis.sessionStorage?.getItem(SESSION_KEY) || null; } catch { return null; }
}

function storeSession(token) {
  try {
    if (typeof token === 'string' && token) globalThis.sessionStorage?.setItem(SESSION_KEY, token);
  } catch { /* storage disabled: the next run simply gets a fresh sandbox */ }
}
const SHOW_FAILED = 'Something went wrong showing the result of this run.';

class LivePage {
  constructor(doc, config, cellEls) {
    this.doc = doc;
    this.config = config;
    this.urls = endpoints(config, doc.location.href);
    this.abort = null; // AbortController of the run in progress, if any
    this.toolbar = new Toolbar(doc, {
      onRun: () => this.run(),
      onStop: () => this.stop(),
      onRevert: () => this.revert(),
      onShare: () => this.edits.share(),
      onDownload: () => this.edits.download(),
    });
    const env = {
      loadAce: () => loadAce(doc, config.acePath),
      onRun: () => this.run(),
      onFallback: () => this.toolbar.notice(ACE_FAILED),
      isDark: () => isDark(doc),
      onChange: (cell) => this.edits.onChange(cell),
    };
    this.cells = cellEls.map((el, i) => new CellEditor(el, i, env));
    this.edits = new EditsController(doc, this.cells, this.toolbar);
    this.outputs = cellEls.map((el, i) => new LiveOutput(el, i, config.plotlyPath));
    listenForFrameHeights(doc);
    toolbarAnchor(doc, cellEls[0]).before(this.toolbar.el);
    watchScheme(doc, (dark) => this.cells.forEach((c) => c.setDark(dark)));
    this.setState('idle');
    // Kept or linked edits open in their editors; a run waits for them (never fails).
    this.restored = this.edits.start().catch((err) => console.error('livegallery: edits not restored', err));
    this.checkVersions();
  }

  /** Say so before any run when the sandbox's packages differ from the page's. */
  async checkVersions() {
    const expected = this.config.expectedVersions;
    if (!Object.keys(expected).length) return;
    const sandbox = await fetchSandboxVersions(this.urls.health, globalThis.fetch?.bind(globalThis));
    this.toolbar.versionNote(versionNote(versionDifferences(expected, sandbox)));
  }

  setState(state) {
    this.doc.documentElement.dataset.livegalleryState = state;
    this.toolbar.el.dataset.livegalleryState = state;
  }

  /** Run every cell in order with the current edits; one run at a time. */
  async run() {
    if (this.abort) return;
    this.abort = new AbortController();
    // Whatever goes wrong from here on, Run must come back.
    try {
      await this.restored;
      // Running counts as a first use: get the editor ready for what comes next.
      loadAce(this.doc, this.config.acePath).catch(() => {});
      const codes = this.cells.map((c) => c.code);
      this.resetOutputs();
      hideBuildOutputs(this.doc);
      const run = createRun(codes.length);
      const started = performance.now();
      this.toolbar.setRunning(true);
      this.toolbar.status.running(started);
      this.setState('running');
      this.markRunning(0);
      const outcome = await runCells(codes, {
        urls: this.urls,
        session: storedSession(),
        timeoutMs: this.config.requestTimeout * 1000,
        signal: this.abort.signal,
        onEvent: (event) => this.onEvent(run, event),
        files: this.config.files,
      });
      this.markRunning(-1);
      if (outcome.result) storeSession(outcome.result.session);
      if (outcome.result) this.showResult(outcome.result, run, performance.now() - started);
      else this.showFailure(outcome.failure);
      addCompareToggles(this.doc, this.outputs);
    } catch (err) {
      console.error('livegallery: showing the run failed', err);
      this.markRunning(-1);
      this.toolbar.status.error(SHOW_FAILED);
      this.setState('error');
    } finally {
      this.abort = null;
      this.toolbar.setRunning(false);
    }
  }

  stop() {
    if (this.abort) this.abort.abort();
  }

  onEvent(run, event) {
    applyEvent(run, event);
    const out = this.outputs[event.cell];
    if (out) {
      if (event.type === 'stdout' || event.type === 'stderr') out.appendText(event.type, String(event.data ?? ''));
      else if (event.type === 'image') out.appendImage(event);
      else if (event.type === 'html') out.appendHtml(event.data);
    }
    this.markRunning(run.current);
  }

  markRunning(index) {
    this.cells.forEach((c, i) => c.el.classList.toggle('livegallery-cell-running', i === index));
  }

  showResult(result, run, elapsedMs) {
    const n = this.cells.length;
    // A whole result (POST, or an older server) is authoritative: redraw only if the
    // stream missed something. A summary says the stream carried every output.
    if (hasOutputs(result)) {
      const final = cellsFromResult(result, n);
      if (!sameCells(run.cells, final)) this.outputs.forEach((out, i) => out.render(final[i]));
    }
    const failed = failingCell(result, n, run.lastStarted);
    const messages = result.ok ? null : runErrorMessages(result.error, failed);
    cellOutcomes(result, n, run.lastStarted).forEach((outcome, i) => {
      const out = this.outputs[i];
      if (outcome.state === 'failed') out.showError(outcome.error, messages.cell);
      else if (outcome.state === 'not-run') out.showNotRun(messages.notRun);
      else {
        out.showEmptyIfReplacing();
        if (out.box) out.setState('done');
      }
    });
    if (result.ok) {
      this.toolbar.status.done(elapsedMs);
      this.setState('done');
    } else {
      this.toolbar.status.error(messages.status);
      this.setState('error');
    }
  }

  showFailure(failure) {
    // With nothing new to show, keep the build-time outputs in view.
    if (!this.outputs.some((o) => o.box)) restoreBuildOutputs(this.doc);
    this.toolbar.status.error(failureMessage(failure));
    this.setState('error');
  }

  resetOutputs() {
    clearCompare(this.doc);
    restoreBuildOutputs(this.doc);
    this.outputs = this.cells.map((c, i) => new LiveOutput(c.el, i, this.config.plotlyPath));
  }

  /** Original code and build-time outputs back, status cleared. */
  revert() {
    if (this.abort) return;
    this.cells.forEach((c) => c.revert());
    this.edits.forget();
    this.resetOutputs();
    this.toolbar.status.clear();
    this.setState('idle');
  }
}

/**
 * The toolbar goes before the first cell, or before its build-time outputs
 * when sphinx-gallery put those first (examples with few blocks).
 */
function toolbarAnchor(doc, firstCell) {
  const output = doc.querySelector('.livegallery-output-0');
  const outputFirst = output && (output.compareDocumentPosition(firstCell) & Node.DOCUMENT_POSITION_FOLLOWING);
  return outputFirst ? output : firstCell;
}

/** Set up the page; returns the LivePage, or null on pages without cells or config. */
export function start(doc) {
  let config;
  try {
    config = readConfig(doc);
  } catch (err) {
    console.error('livegallery: unreadable #livegallery-config', err);
    return null;
  }
  if (!config) return null;
  const cellEls = [...doc.querySelectorAll('div.livegallery-cell[data-livegallery-cell]')]
    .sort((a, b) => Number(a.dataset.livegalleryCell) - Number(b.dataset.livegalleryCell));
  if (!cellEls.length) return null;
  return new LivePage(doc, config, cellEls);
}

if (typeof document !== 'undefined') {
  const go = () => start(document);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
}
