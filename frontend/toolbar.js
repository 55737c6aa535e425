// The one toolbar of an example page: Run (which becomes Stop during a run),
// Revert, Copy link, Download, a keyboard hint, a status line, and room for
// notices.

import { Status } from './status.js';

export class Toolbar {
  constructor(doc, { onRun, onStop, onRevert, onShare, onDownload }) {
    this.doc = doc;
    this.el = doc.createElement('div');
    this.el.className = 'livegallery-toolbar';
    this.el.setAttribute('role', 'region');
    this.el.setAttribute('aria-label', 'Run this example');

    this.runButton = this.button('livegallery-run', 'Run', '▶');
    this.runButton.addEventListener('click', () => (this.running ? onStop() : onRun()));
    this.revertButton = this.button('livegallery-revert', 'Revert', '↺');
    this.revertButton.addEventListener('click', () => onRevert());
    this.shareButton = this.button('livegallery-share', 'Copy link', '↗');
    this.shareButton.addEventListener('click', () => onShare());
    this.downloadButton = this.button('livegallery-download', 'Download', '↓');
    this.downloadButton.addEventListener('click', () => onDownload());

    const hint = doc.createElement('span');
    hint.className = 'livegallery-hint';
    hint.textContent = 'Click a cell to edit it; Shift+Enter or Ctrl+Enter runs the example.';

    this.status = new Status(doc);
    this.el.append(this.runButton, this.revertButton, this.shareButton, this.downloadButton,
      this.status.el, hint);
    this.running = false;
  }

  /** A real <button> whose accessible name is exactly `text` (the icon is aria-hidden). */
  button(className, text, icon) {
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.className = `livegallery-button ${className}`;
    const glyph = this.doc.createElement('span');
    glyph.className = 'livegallery-icon';
    glyph.setAttribute('aria-hidden', 'true');
    glyph.textContent = icon;
    const label = this.doc.createElement('span');
    label.className = 'livegallery-label';
    label.textContent = text;
    button.append(glyph, label);
    return button;
  }

  /** Run turns into Stop (same element, so keyboard focus stays on it). */
  setRunning(running) {
    this.running = running;
    this.runButton.querySelector('.livegallery-icon').textContent = running ? '■' : '▶';
    this.runButton.querySelector('.livegallery-label').textContent = running ? 'Stop' : 'Run';
    this.runButton.classList.toggle('livegallery-stop', running);
    this.revertButton.disabled = running;
  }

  /** A small one-off notice (e.g. the code editor could not load). */
  notice(message) {
    if (this.el.querySelector('.livegallery-notice')) return;
    const p = this.doc.createElement('p');
    p.className = 'livegallery-notice';
    p.textContent = message;
    this.el.appendChild(p);
  }
}
