import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameDocument, needsPlotly, plotlyUrl } from '../../frontend/htmlframe.js';

test('plotly.js is only loaded for plotly figures', () => {
  assert.ok(needsPlotly('<div id="x" class="plotly-graph-div"></div>'));
  assert.ok(needsPlotly('<script>Plotly.newPlot("x", [])</script>'));
  assert.equal(needsPlotly('<table class="dataframe"></table>'), false);
});

test('the plotly path resolves to an absolute http(s) URL against the page', () => {
  const page = 'http://docs.example/en/auto_examples/plot_x.html';
  assert.equal(plotlyUrl('../_static/plotly/plotly.min.js', page), 'http://docs.example/en/_static/plotly/plotly.min.js');
  assert.equal(plotlyUrl('https://cdn.example/p.js', page), 'https://cdn.example/p.js');
  assert.equal(plotlyUrl('javascript:alert(1)', page), '');
  assert.equal(plotlyUrl('data:text/javascript,alert(1)', page), '');
});

test('the frame document holds the output, the height script and an escaped plotly tag', () => {
  const doc = frameDocument('<p>out</p>', 'https://cdn.example/p.js?a=1&b="2"');
  assert.match(doc, /^<!DOCTYPE html>/);
  assert.ok(doc.includes('<body><p>out</p></body></html>'));
  assert.ok(doc.includes('livegalleryFrameHeight'));
  assert.ok(doc.includes('<script src="https://cdn.example/p.js?a=1&amp;b=&quot;2&quot;"></script>'));
  assert.equal(frameDocument('<p>x</p>', '').includes('<script src='), false);
});
