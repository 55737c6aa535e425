// Messages of the Copy link / Download / kept-edits features, in one line of
// the toolbar, and copying a link: the async clipboard API where the browser
// allows it, otherwise a selected read-only field the reader copies from.
// Not role=status (the toolbar's run status has that role): a polite live
// region, so screen readers still hear each message once.

export class MessageLine {
  constructor(doc) {
    this.doc = doc;
    this.el = doc.createElement('div');
    this.el.className = 'livegallery-message';
    this.el.setAttribute('aria-live', 'polite');
    this.el.hidden = true;
  }

  /** Show a message (kind: info, warning, error); replaces the previous one. */
  show(text, kind = 'info') {
    this.el.replaceChildren();
    const p = this.doc.createElement('p');
    p.className = 'livegallery-message-text';
    p.textContent = text;
    this.el.append(p);
    this.el.dataset.kind = kind;
    this.el.hidden = false;
    return p;
  }

  /** A message with the link in a selected read-only field (the clipboard refused). */
  showField(text, link) {
    this.show(text, 'info');
    const field = this.doc.createElement('input');
    field.type = 'text';
    field.readOnly = true;
    field.className = 'livegallery-link-field';
    field.value = link;
    field.setAttribute('aria-label', 'Link to these edits');
    field.addEventListener('focus', () => field.select());
    this.el.append(field);
    field.focus();
    field.select();
    return field;
  }

  clear() {
    this.el.replaceChildren();
    this.el.hidden = true;
    delete this.el.dataset.kind;
  }
}

/** Put text on the clipboard; resolves true, or false when the browser refuses. */
export async function copyText(win, text) {
  try {
    if (!win.navigator.clipboard || !win.isSecureContext) return false;
    await win.navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // NotAllowedError: permission denied, or the page lost focus
  }
}
