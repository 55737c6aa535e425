// Live outputs under each cell. Everything from the backend goes into the
// page as text nodes or <img src="data:..."> only, never as HTML: stdout and
// tracebacks may well contain markup. HTML outputs go into sandboxed iframes
// (htmlframe.js), never into the page's DOM.

import { createHtmlFrame } from './htmlframe.js';

const SUPERSEDED = 'livegallery-superseded';
const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']);

/** Hide the build-time outputs of every cell (for the duration of a live run and after it). */
export function hideBuildOutputs(doc) {
  doc.querySelectorAll('.livegallery-output').forEach((el) => el.classList.add(SUPERSEDED));
}

/** Remove every live output and bring the build-time outputs back (Revert). */
export function restoreBuildOutputs(doc) {
  doc.querySelectorAll('.livegallery-run-output').forEach((el) => el.remove());
  doc.querySelectorAll(`.livegallery-output.${SUPERSEDED}`).forEach((el) => el.classList.remove(SUPERSEDED));
}

/** The live output container of one cell, created in the page on first use. */
export class LiveOutput {
  constructor(cellEl, index, plotlyPath = '') {
    this.cellEl = cellEl;
    this.index = index;
    this.plotlyPath = plotlyPath;
    this.doc = cellEl.ownerDocument;
    this.box = null;
    this.figures = 0;
    this.frames = 0;
    this.last = null; // {stream, pre} of the text block being appended to
  }

  /**
   * sphinx-gallery sometimes puts a cell's outputs before its code, so new
   * outputs go where the old ones start; after the cell when it had none.
   */
  ensure() {
    if (this.box) return this.box;
    const box = this.doc.createElement('div');
    box.className = 'livegallery-run-output';
    box.dataset.livegalleryCell = String(this.index);
    const label = this.doc.createElement('p');
    label.className = 'livegallery-run-label';
    label.textContent = 'Live output';
    box.appendChild(label);
    const first = this.doc.querySelector(`.livegallery-output-${this.index}`);
    if (first) first.before(box);
    else this.cellEl.after(box);
    this.box = box;
    return box;
  }

  setState(state) {
    this.ensure().dataset.livegalleryStatus = state;
  }

  /** Append streamed text; consecutive chunks of one stream share a <pre>. */
  appendText(stream, text) {
    if (!text) return;
    if (!this.last || this.last.stream !== stream || !this.last.pre.isConnected) {
      const pre = this.doc.createElement('pre');
      pre.className = `livegallery-${stream}`;
      if (stream === 'stderr') pre.setAttribute('aria-label', 'Error output');
      pre.appendChild(this.doc.createTextNode(''));
      this.ensure().appendChild(pre);
      this.last = { stream, pre };
    }
    this.last.pre.lastChild.appendData(text);
  }

  appendImage(image) {
    const mime = IMAGE_MIMES.has(image.mime) ? image.mime : 'image/png';
    const data = String(image.data || '').replace(/[^A-Za-z0-9+/=]/g, '');
    this.figures += 1;
    const img = this.doc.createElement('img');
    img.className = 'livegallery-figure';
    img.alt = `Figure ${this.figures} of cell ${this.index + 1}`;
    img.src = `data:${mime};base64,${data}`;
    this.ensure().appendChild(img);
    this.last = null;
  }

  /** An untrusted HTML output, in a sandboxed iframe of its own. */
  appendHtml(html) {
    this.frames += 1;
    const frame = createHtmlFrame(this.doc, String(html ?? ''), {
      plotlyPath: this.plotlyPath,
      title: `HTML output ${this.frames} of cell ${this.index + 1}`,
    });
    this.ensure().appendChild(frame);
    this.last = null;
  }

  /** Replace whatever was streamed with a complete cell result. */
  render(cell) {
    this.clear();
    this.appendText('stdout', cell.stdout);
    this.appendText('stderr', cell.stderr);
    cell.images.forEach((image) => this.appendImage(image));
    cell.html.forEach((html) => this.appendHtml(html));
  }

  clear() {
    if (!this.box) return;
    this.box.querySelectorAll(':scope > :not(.livegallery-run-label)').forEach((el) => el.remove());
    this.figures = 0;
    this.frames = 0;
    this.last = null;
  }

  /** The failing cell: a human message and, for exceptions, the traceback. */
  showError(error, message) {
    const alert = this.doc.createElement('div');
    alert.className = `livegallery-error livegallery-error-${safeKind(error.kind)}`;
    alert.setAttribute('role', 'alert');
    const p = this.doc.createElement('p');
    p.className = 'livegallery-error-message';
    p.textContent = message;
    alert.appendChild(p);
    const traceback = String(error.traceback || '').trimEnd();
    const detail = String(error.message || '').trim();
    if (traceback || (error.kind === 'exception' && detail)) {
      const pre = this.doc.createElement('pre');
      pre.className = 'livegallery-traceback';
      pre.textContent = traceback || detail;
      alert.appendChild(pre);
    } else if (detail) {
      const more = this.doc.createElement('p');
      more.className = 'livegallery-error-detail';
      more.textContent = detail;
      alert.appendChild(more);
    }
    this.ensure().appendChild(alert);
    this.setState('failed');
    this.last = null;
  }

  showNotRun(message) {
    const p = this.doc.createElement('p');
    p.className = 'livegallery-not-run';
    p.textContent = message;
    this.ensure().appendChild(p);
    this.setState('not-run');
  }

  /** A cell that ran without output still says so when it hid build-time outputs. */
  showEmptyIfReplacing() {
    if (this.box || !this.doc.querySelector(`.livegallery-output-${this.index}`)) return;
    const p = this.doc.createElement('p');
    p.className = 'livegallery-no-output';
    p.textContent = 'No output this time.';
    this.ensure().appendChild(p);
  }
}

function safeKind(kind) {
  return /^[a-z_]+$/.test(kind || '') ? kind : 'unknown';
}
