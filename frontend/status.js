// The toolbar's status line: "Running… 1.2 s" with a ticking clock, then
// "Done in 0.8 s" or an error. The ticking seconds are aria-hidden so screen
// readers hear "Running…" once instead of ten updates a second.

import { formatDuration } from './messages.js';

export class Status {
  constructor(doc) {
    this.doc = doc;
    this.el = doc.createElement('span');
    this.el.className = 'livegallery-status';
    this.el.setAttribute('role', 'status');
    this.el.setAttribute('aria-live', 'polite');
    this.text = doc.createElement('span');
    this.text.className = 'livegallery-status-text';
    this.clock = doc.createElement('span');
    this.clock.className = 'livegallery-elapsed';
    this.clock.setAttribute('aria-hidden', 'true');
    this.el.append(this.text, this.clock);
    this.timer = null;
  }

  running(startedAt = performance.now()) {
    this.show('Running…', 'running');
    const tick = () => { this.clock.textContent = ` ${formatDuration(performance.now() - startedAt)}`; };
    tick();
    this.timer = setInterval(tick, 100);
  }

  done(ms) { this.show(`Done in ${formatDuration(ms)}`, 'done'); }

  error(message) { this.show(message, 'error'); }

  clear() { this.show('', 'idle'); }

  show(message, kind) {
    clearInterval(this.timer);
    this.timer = null;
    this.clock.textContent = '';
    this.text.textContent = message;
    this.el.dataset.kind = kind;
  }
}
