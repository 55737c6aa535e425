// The reader's edits of one page: kept in this browser across reloads, opened
// from a link, marked on the cells, shared as a link, downloaded as a .py.
// Wires storage.js, share.js, download.js and page-text.js to the cells.

import { MessageLine, copyText } from './clipboard.js';
import { fileName, pyFile, saveFile } from './download.js';
import { pythonLink, readProse } from './page-text.js';
import { decodeEdits, payloadOf, shareLink } from './share.js';
import { EditStore, browserStorage, editedCells, sourceHash } from './storage.js';

const SAVE_DELAY_MS = 300;
const MARKS = { local: 'Edited', link: 'From a link' };
const DESCRIPTIONS = { local: 'Edited', link: 'Edited, from a link' };

export class EditsController {
  /** @param cells  the page's CellEditors; @param toolbar its Toolbar (for the message line) */
  constructor(doc, cells, toolbar) {
    this.doc = doc;
    this.win = doc.defaultView;
    this.cells = cells;
    this.originals = cells.map((c) => c.original);
    this.hash = sourceHash(this.originals);
    this.store = new EditStore(browserStorage(this.win), this.win.location.pathname, this.originals);
    this.message = new MessageLine(doc);
    toolbar.el.append(this.message.el);
    this.origins = cells.map(() => null); // per cell: null, 'local' or 'link'
    this.applying = false; // true while we set code ourselves (not a reader's change)
    this.timer = null;
    this.warned = false;
    this.win.addEventListener('pagehide', () => this.flush());
  }

  /** At page load: edits from a link in the URL, else those kept in this browser. */
  async start() {
    this.store.dropStale();
    const payload = payloadOf(this.win.location.hash);
    if (payload !== null) {
      let decoded;
      try {
        decoded = await decodeEdits(payload, this.cells.length);
      } catch {
        this.message.show('The edits in this link could not be read, so the example is shown as '
          + 'published.', 'warning');
        return;
      }
      await this.apply(decoded.edits, 'link');
      const other = decoded.hash !== this.hash
        ? ' They were made on another version of this example: other cells may have changed since.' : '';
      this.message.show(`Showing edits from a link.${other} Revert restores the original.`,
        other ? 'warning' : 'info');
      return;
    }
    const kept = this.store.load();
    if (Object.keys(kept).length) {
      await this.apply(kept, 'local');
      this.message.show('Your edits were kept in this browser. Revert restores the original.');
    }
  }

  async apply(edits, origin) {
    this.applying = true;
    try {
      await Promise.all(Object.entries(edits).map(([i, code]) => {
        const cell = this.cells[Number(i)];
        this.origins[cell.index] = code === cell.original ? null : origin;
        return cell.restore(code);
      }));
    } finally {
      this.applying = false;
    }
    this.cells.forEach((cell) => this.mark(cell));
  }

  /** A reader changed a cell: mark it, and keep the edits (a moment later). */
  onChange(cell) {
    if (this.applying) return;
    this.origins[cell.index] = cell.code === cell.original ? null : 'local';
    this.mark(cell);
    // From now on the reader's own edits (a link's included) are what a reload shows.
    this.dropFragment();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  get edits() {
    return editedCells(this.cells.map((c) => c.code), this.originals);
  }

  flush() {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    const outcome = this.store.save(this.edits);
    if ((outcome === 'full' || outcome === 'unavailable') && !this.warned) {
      this.warned = true;
      this.message.show(outcome === 'full'
        ? 'This browser\'s storage for this site is full: your edits will not be kept after a reload.'
        : 'This browser does not let the page keep your edits: they will be lost on reload.', 'warning');
    }
  }

  mark(cell) {
    const origin = this.origins[cell.index];
    let badge = cell.el.querySelector(':scope > .livegallery-mark');
    if (!origin) {
      if (badge) badge.remove();
      delete cell.el.dataset.livegalleryEdited;
      describe(cell, null);
      return;
    }
    if (!badge) {
      badge = this.doc.createElement('span');
      badge.className = 'livegallery-mark';
      cell.el.prepend(badge);
    }
    badge.textContent = MARKS[origin];
    cell.el.dataset.livegalleryEdited = origin;
    describe(cell, DESCRIPTIONS[origin]);
  }

  /** Revert: forget the kept edits, drop a link's edits from the address, unmark. */
  forget() {
    clearTimeout(this.timer);
    this.timer = null;
    this.store.clear();
    this.dropFragment();
    this.origins = this.cells.map(() => null);
    this.cells.forEach((cell) => this.mark(cell));
    this.message.clear();
  }

  /** The address without a link's edits (so a reload does not bring them back). */
  dropFragment() {
    if (payloadOf(this.win.location.hash) === null) return;
    const url = new URL(this.win.location.href);
    url.hash = '';
    this.win.history.replaceState(this.win.history.state, '', url.href);
  }

  /** Copy link: this page with the edits in its fragment, or a message saying why not. */
  async share() {
    const edits = this.edits;
    const count = Object.keys(edits).length;
    const made = await shareLink(this.win.location.href, edits, this.hash);
    if (made.tooLong) {
      this.message.show(`These edits need a link of ${made.tooLong.toLocaleString('en')} characters, `
        + `more than the ${made.limit.toLocaleString('en')} a link can safely carry. `
        + 'Use Download to share them as a file instead.', 'error');
      return made;
    }
    const what = count
      ? `A link to this example with your edits (${count} ${count === 1 ? 'cell' : 'cells'})`
      : 'A link to this example (no edits to carry)';
    if (await copyText(this.win, made.link)) {
      this.message.show(`${what} was copied to the clipboard.`);
    } else {
      this.message.showField(`${what}: the browser did not allow copying it, so copy it from here.`,
        made.link);
    }
    return made;
  }

  /** Download: the example with the edits as a sphinx-gallery .py file. */
  download() {
    const page = new URL(this.win.location.href);
    page.hash = '';
    const prose = readProse(this.doc, this.cells.map((c) => c.el));
    const text = pyFile({ ...prose, codes: this.cells.map((c) => c.code), source: page.href });
    const name = fileName(pythonLink(this.doc), page.pathname);
    saveFile(this.doc, name, text);
    this.message.show(`Downloaded ${name}.`);
    return { name, text };
  }
}

/** The editor's accessible description says the cell is edited (or drops it). */
function describe(cell, text) {
  const targets = cell.host ? [cell.host, ...cell.host.querySelectorAll('textarea, .ace_scroller')] : [];
  targets.forEach((el) => {
    if (text) el.setAttribute('aria-description', text);
    else el.removeAttribute('aria-description');
  });
}
