import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { docstringSafe, fileName, pyFile, wrap } from '../../frontend/download.js';

const EXAMPLE = {
  title: 'Thresholding the "camera" image',
  intro: [{ kind: 'p', text: 'Otsu’s method picks the threshold. A backslash \\n and """ quotes too.' }],
  texts: [[], [{ kind: 'heading', text: 'The histogram' }, { kind: 'p', text: 'Grey levels. '.repeat(12) }], []],
  trailing: [],
  codes: ['import sys\nprint("one")\n', 'x = 2  # %% not a separator here\nprint("two", x)', '\nprint("""three""")\n\n'],
  source: 'https://docs.example.org/plot_x.html',
};

/** Run Python on the text: the file must run as is and print what its cells print. */
function runPython(text) {
  return execFileSync('python3', ['-'], { input: text, encoding: 'utf-8' });
}

test('the .py starts with the title docstring, then the cells separated by # %%', () => {
  const text = pyFile(EXAMPLE);
  const lines = text.split('\n');
  assert.equal(lines[0], '"""');
  assert.equal(lines[1], 'Thresholding the "camera" image');
  assert.equal(lines[2], '='.repeat(lines[1].length));
  assert.equal(text.match(/^# %%$/gm).length, 3);
  assert.ok(text.includes('# The histogram\n# -------------\n#\n# Grey levels.'));
  assert.ok(text.includes('print("""three""")\n'));
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n\n'));
  // Every comment line is at most 79 columns.
  assert.ok(lines.filter((l) => l.startsWith('# ')).every((l) => l.length <= 79));
});

test('the .py runs as is: docstring quotes and backslashes cannot end it early', () => {
  const out = runPython(pyFile(EXAMPLE) + '\nimport __main__\nprint(repr(__main__.__doc__.splitlines()[4]))\n');
  const lines = out.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['one', 'two 2', 'three']);
  // The docstring reads back as the page's text.
  assert.equal(lines[3], repr('Otsu’s method picks the threshold. A backslash \\n and """ quotes too.'));
});

function repr(s) {
  return `'${s.replace(/\\/g, '\\\\')}'`;
}

test('docstringSafe escapes what would end or change a """ string', () => {
  assert.equal(docstringSafe('a """ b \\ c'), 'a \\"\\"\\" b \\\\ c');
  assert.equal(docstringSafe('""""'), '\\"\\"\\""');
});

test('a page without prose still gives a valid file', () => {
  const text = pyFile({ title: '', codes: ['print(1)'] });
  assert.ok(text.startsWith('"""\nExample\n=======\n"""\n'));
  assert.equal(runPython(text), '1\n');
});

test('wrap keeps words whole and lines short', () => {
  assert.deepEqual(wrap('aa bb cc', 5), ['aa bb', 'cc']);
  assert.deepEqual(wrap('  many   spaces\n here ', 80), ['many spaces here']);
  assert.deepEqual(wrap('averyveryverylongword x', 5), ['averyveryverylongword', 'x']);
});

test('the file is named after the example: the page\'s .py link, else the page', () => {
  assert.equal(fileName('../_downloads/21e6f1/plot_camera_threshold.py', '/a/plot_other.html'), 'plot_camera_threshold.py');
  assert.equal(fileName('', '/docs/auto_examples/plot_x.html'), 'plot_x.py');
  assert.equal(fileName(null, '/docs/auto_examples/plot_x/'), 'plot_x.py');
  assert.equal(fileName('../_downloads/x/notebook.ipynb', '/p/plot y.html'), 'plot_y.py');
  assert.equal(fileName('', '/'), 'index.py');
});
