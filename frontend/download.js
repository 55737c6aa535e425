// Download: the example, with the reader's edits, as a .py file in
// sphinx-gallery's own format, so it runs locally as is (`python file.py`) and
// sphinx-gallery can build it again:
//
//   """
//   Title
//   =====
//
//   The introduction.
//   """
//
//   # %%
//   # Text between cells, as comment lines.
//
//   <code of the cell>
//
// The page holds the code of each cell; the prose comes from the page as plain
// text (see page-text.js), since its reST source is not in the page.

const WIDTH = 79;

/** Wrap one paragraph of plain text (whitespace collapsed) to `width` columns. */
export function wrap(text, width = WIDTH) {
  const words = String(text).split(/\s+/).filter(Boolean);
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Lines of a prose block: paragraphs wrapped, headings underlined, a blank line between. */
function proseLines(blocks, width, underline) {
  const out = [];
  for (const block of blocks) {
    if (out.length) out.push('');
    if (block.kind === 'pre') {
      out.push('::', '', ...String(block.text).replace(/\n+$/, '').split('\n').map((l) => (l ? `    ${l}` : '')));
    } else if (block.kind === 'heading') {
      const title = wrap(block.text, Infinity)[0] || '';
      out.push(title, underline.repeat(Math.max(title.length, 1)));
    } else {
      out.push(...wrap(block.text, width));
    }
  }
  return out;
}

/** A Python string literal body safe inside """...""" (no escape sequences, no early end). */
export function docstringSafe(text) {
  return String(text).replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}

/**
 * The .py text.
 * @param {object} example  {title, intro: [block], texts: [[block]] (prose before each cell,
 *                           texts[0] unused), trailing: [block], codes: [str], source: url}
 *                           where a block is {kind: 'p'|'heading'|'pre', text}
 */
export function pyFile({ title, intro = [], texts = [], trailing = [], codes, source = '' }) {
  const doc = proseLines([{ kind: 'heading', text: title || 'Example' }], WIDTH, '=');
  const body = proseLines(intro, WIDTH, '-');
  if (body.length) doc.push('', ...body);
  if (source) doc.push('', ...wrap(`This copy was edited in the browser, from ${source}`));
  const parts = [`"""\n${docstringSafe(doc.join('\n'))}\n"""\n`];
  codes.forEach((code, i) => {
    const prose = i > 0 ? proseLines(texts[i] || [], WIDTH - 2, '-') : [];
    const comment = prose.map((l) => (l ? `# ${l}` : '#')).join('\n');
    const cell = String(code).replace(/\s+$/, '');
    parts.push(`# %%\n${comment ? `${comment}\n\n` : ''}${cell}\n`);
  });
  const tail = proseLines(trailing, WIDTH - 2, '-');
  if (tail.length) parts.push(`# %%\n${tail.map((l) => (l ? `# ${l}` : '#')).join('\n')}\n`);
  return parts.join('\n');
}

/**
 * The file name: the page's own "Download Python source code" link names the
 * example's file; without one, the page's name with .py.
 */
export function fileName(pythonLinkHref, pathname) {
  const fromLink = lastSegment(pythonLinkHref);
  if (fromLink && /\.py$/i.test(fromLink)) return fromLink;
  const page = lastSegment(pathname).replace(/\.html?$/i, '') || 'index';
  return `${page.replace(/[^\w.-]+/g, '_')}.py`;
}

function lastSegment(path) {
  if (!path) return '';
  let clean = String(path).split(/[?#]/)[0].replace(/\/+$/, '');
  try { clean = decodeURIComponent(clean); } catch { /* keep it encoded */ }
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/** Save text as a file: a Blob behind a temporary <a download>. */
export function saveFile(doc, name, text) {
  const win = doc.defaultView;
  const url = win.URL.createObjectURL(new win.Blob([text], { type: 'text/x-python' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL can go once it is read.
  win.setTimeout(() => win.URL.revokeObjectURL(url), 10_000);
}
