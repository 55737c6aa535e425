// One code cell: its original source, its Edit button, and the editor that
// replaces the highlighted <pre> in place when the reader edits (Ace, or a
// plain <textarea> when Ace cannot load). The highlight markup is only hidden,
// so Revert can bring it back untouched.

import { decodeBase64Utf8 } from './source.js';

const HIDDEN = 'livegallery-hidden';

export const aceTheme = (dark) => (dark ? 'ace/theme/github_dark' : 'ace/theme/github_light_default');

export class CellEditor {
  /**
   * @param {Element} el     the div.livegallery-cell wrapper
   * @param {number}  index  0-based position of the cell in the example
   * @param {object}  env    {loadAce: () => Promise<ace>, onRun, onFallback, isDark: () => bool,
   *                          onChange?: (cell) => void (the reader changed the code)}
   */
  constructor(el, index, env) {
    this.el = el;
    this.index = index;
    this.env = env;
    this.doc = el.ownerDocument;
    this.original = readSource(el);
    // The outer div.highlight-<lang> (or whatever holds the <pre>) is what we hide.
    this.highlight = el.querySelector('[class*="highlight-"]') || el.querySelector('div.highlight, pre');
    this.generation = 0; // bumped by revert, so a late Ace load does not mount
    this.ace = null; // Ace editor instance
    this.textarea = null; // fallback editor
    this.host = null; // element the editor lives in
    this.activating = null;
    this.initial = null; // code to open the editor with instead of the original (kept edits)
    this.quiet = false; // open without taking focus (restoring edits at page load)
    this.button = this.makeEditButton();
    el.classList.add('livegallery-ready');
    el.addEventListener('click', (e) => this.onClick(e));
  }

  get label() { return `cell ${this.index + 1}`; }

  /** The code to run: the reader's edits, or the original source if not edited. */
  get code() {
    if (this.ace) return this.ace.getValue();
    if (this.textarea) return this.textarea.value;
    return this.original;
  }

  get active() { return Boolean(this.host); }

  makeEditButton() {
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.className = 'livegallery-edit';
    button.textContent = 'Edit';
    button.setAttribute('aria-label', `Edit ${this.label}`);
    button.addEventListener('click', (e) => {
      e.stopPropagation();
      this.activate();
    });
    this.el.appendChild(button);
    return button;
  }

  onClick(event) {
    if (this.active || this.activating) return;
    if (!this.highlight || !this.highlight.contains(event.target)) return;
    // Leave copy buttons, links and text selections (copying code) alone.
    if (event.target.closest('button, a, input, select, textarea')) return;
    const selection = this.doc.defaultView.getSelection();
    if (selection && String(selection).trim()) return;
    this.activate({ x: event.clientX, y: event.clientY });
  }

  /** Open the editor on `code` without moving focus (edits kept or from a link). */
  restore(code) {
    if (this.active) {
      this.setCode(code);
      return Promise.resolve();
    }
    this.initial = code;
    return this.activate(null, true);
  }

  setCode(code) {
    if (this.ace) this.ace.session.setValue(code);
    else if (this.textarea) {
      this.textarea.value = code;
      this.textarea.dispatchEvent(new Event('input')); // refit its rows
    }
  }

  changed() {
    if (this.env.onChange) this.env.onChange(this);
  }

  /**
   * Turn the cell into an editor (once); focus it, at the clicked point if
   * given, unless quiet. A reader's click during a quiet opening still focuses.
   */
  activate(at = null, quiet = false) {
    this.quiet = quiet;
    if (this.active) { this.focus(); return Promise.resolve(); }
    if (!this.activating) {
      const generation = this.generation;
      const current = () => generation === this.generation && !this.active;
      this.activating = this.env.loadAce()
        .then((ace) => { if (current()) this.mountAce(ace, at); },
          () => { this.env.onFallback(); if (current()) this.mountTextarea(); })
        .finally(() => { this.activating = null; });
    }
    return this.activating;
  }

  mountHost(tag) {
    const host = this.doc.createElement(tag);
    host.className = 'livegallery-editor';
    if (this.highlight) {
      this.highlight.after(host);
      this.highlight.classList.add(HIDDEN);
    } else {
      this.el.prepend(host);
    }
    this.button.hidden = true;
    this.host = host;
    this.el.classList.add('livegallery-editing');
    return host;
  }

  mountAce(ace, at) {
    const pre = this.el.querySelector('pre');
    // The editor takes the page's code font, read while the <pre> is still shown.
    const style = pre ? this.doc.defaultView.getComputedStyle(pre) : null;
    const fontSize = style ? style.fontSize : '14px';
    const fontFamily = style ? style.fontFamily : 'monospace';
    const host = this.mountHost('div');
    const editor = ace.edit(host, {
      mode: 'ace/mode/python',
      theme: aceTheme(this.env.isDark()),
      value: this.initial ?? this.original,
      minLines: 1,
      maxLines: Infinity, // height follows the code
      fontSize,
      fontFamily,
      showPrintMargin: false,
      highlightActiveLine: false,
      useWorker: false,
      tabSize: 4,
      useSoftTabs: true,
      // Ace rewrites its input's aria-label ("Cursor at row N"); this prefixes it.
      textInputAriaLabel: `Code of ${this.label}`,
      // Tab leaves the editor: Enter starts editing, Escape stops (Ace >= 1.23).
      enableKeyboardAccessibility: true,
    });
    editor.clearSelection();
    editor.commands.addCommand({
      name: 'livegalleryRun',
      bindKey: { win: 'Shift-Enter|Ctrl-Enter', mac: 'Shift-Enter|Command-Enter|Ctrl-Enter' },
      exec: () => this.env.onRun(),
    });
    editor.session.on('change', () => this.changed());
    this.ace = editor;
    editor.resize(true);
    if (at) {
      const pos = editor.renderer.screenToTextCoordinates(at.x, at.y);
      editor.moveCursorToPosition(pos);
    }
    if (!this.quiet) this.focus();
  }

  mountTextarea() {
    const area = this.mountHost('textarea');
    area.classList.add('livegallery-textarea');
    area.value = this.initial ?? this.original;
    area.spellcheck = false;
    area.setAttribute('autocapitalize', 'off');
    area.setAttribute('autocomplete', 'off');
    area.setAttribute('aria-label', `Code of ${this.label}`);
    area.wrap = 'off';
    const fit = () => { area.rows = Math.max(1, area.value.split('\n').length); };
    fit();
    area.addEventListener('input', fit);
    area.addEventListener('input', () => this.changed());
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.shiftKey || e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.env.onRun();
      }
    });
    this.textarea = area;
    if (!this.quiet) this.focus();
  }

  focus() {
    if (this.ace) this.ace.focus();
    else if (this.textarea) this.textarea.focus();
  }

  setDark(dark) {
    if (this.ace) this.ace.setTheme(aceTheme(dark));
  }

  /** Back to the original highlighted code: drop the editor and its edits. */
  revert() {
    this.generation += 1;
    if (this.ace) this.ace.destroy();
    if (this.host) this.host.remove();
    this.ace = this.textarea = this.host = null;
    this.initial = null;
    this.quiet = false;
    if (this.highlight) this.highlight.classList.remove(HIDDEN);
    this.button.hidden = false;
    this.el.classList.remove('livegallery-editing');
  }
}

function readSource(el) {
  const encoded = el.dataset.livegallerySource;
  try {
    if (encoded) return decodeBase64Utf8(encoded);
  } catch { /* fall through to the rendered text */ }
  // A malformed attribute should not make the cell unrunnable.
  const pre = el.querySelector('pre');
  return pre ? pre.textContent : '';
}
