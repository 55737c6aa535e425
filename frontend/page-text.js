// The prose of an example page, as plain text, for the downloaded .py: the
// title (<h1>), the introduction before the first cell, the text before each
// later cell and after the last one. Outputs, our own controls and
// sphinx-gallery's footer (timing, download links, signature) are left out.

const PROSE = 'p, h2, h3, h4, h5, h6, li, dt, dd, pre';
const SKIP = [
  '.livegallery-cell', '.livegallery-output', '.livegallery-run-output', '.livegallery-toolbar',
  '.sphx-glr-script-out', '.sphx-glr-download-link-note', '.sphx-glr-timing',
  '.sphx-glr-footer', '.sphx-glr-signature', '.headerlink', 'nav', 'script', 'style',
].join(', ');

const follows = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);

/** The text of an element without its heading permalinks ("#", "¶"). */
function textOf(el, keepLines) {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.headerlink').forEach((a) => a.remove());
  const text = copy.textContent || '';
  return keepLines ? text : text.replace(/\s+/g, ' ').trim();
}

function block(el) {
  if (el.matches('pre')) return { kind: 'pre', text: textOf(el, true) };
  if (/^H[2-6]$/.test(el.tagName)) return { kind: 'heading', text: textOf(el) };
  return { kind: 'p', text: textOf(el) };
}

/**
 * {title, intro, texts, trailing} of the page whose cells (in order) are cellEls.
 * texts[i] is the prose just before cell i (texts[0] is the intro).
 */
export function readProse(doc, cellEls) {
  const h1 = doc.querySelector('main h1, article h1, h1');
  const root = (h1 && h1.closest('section')) || doc.querySelector('article, main') || doc.body;
  const texts = cellEls.map(() => []);
  const trailing = [];
  const end = root.querySelector('.sphx-glr-timing, .sphx-glr-footer');
  for (const el of root.querySelectorAll(PROSE)) {
    if (el.closest(SKIP) || el.parentElement.closest(PROSE)) continue;
    if (h1 && !follows(h1, el)) continue;
    if (end && !follows(el, end)) continue;
    const b = block(el);
    if (!b.text.trim()) continue;
    // The prose belongs before the first cell that follows it.
    const next = cellEls.findIndex((cell) => follows(el, cell));
    (next === -1 ? trailing : texts[next]).push(b);
  }
  return { title: h1 ? textOf(h1) : '', intro: texts[0] || [], texts, trailing };
}

/** The href of the page's "Download Python source code" link, if any. */
export function pythonLink(doc) {
  const a = doc.querySelector('.sphx-glr-download-python a[href$=".py"], a.download[href$=".py"]');
  return a ? a.getAttribute('href') : '';
}
