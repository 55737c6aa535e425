// HTML outputs (a _repr_html_, a plotly figure, a matplotlib animation) are
// untrusted: a reader's code wrote them. Each one is shown in its own iframe
// with sandbox="allow-scripts" and no allow-same-origin, so its scripts run
// in an opaque origin and can reach neither the page's DOM, nor its cookies
// or storage, nor the backend with the page's origin. The only thing the
// page accepts from a frame is its height, from a tiny script added here.

const MIN_HEIGHT = 24;
const MAX_HEIGHT = 20000;
const FRAMES = 'iframe.livegallery-html';

/** Whether an html output needs plotly.js (a figure from plotly's to_html). */
export function needsPlotly(html) {
  return /class="plotly-graph-div"|Plotly\.newPlot/.test(html);
}

/**
 * The absolute URL of plotly.js, resolved against the page now: the frame
 * then does not depend on inheriting the page's base URL (an about:srcdoc
 * document does, but a relative URL in it is easy to break). Only http(s).
 */
export function plotlyUrl(path, pageUrl) {
  try {
    const url = new URL(path, pageUrl);
    return (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : '';
  } catch {
    return '';
  }
}

const escapeAttr = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// Runs inside the frame: posts the document's height whenever it changes.
const RESIZE_SCRIPT = `(function () {
  var last = -1;
  function send() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) { last = h; parent.postMessage({ livegalleryFrameHeight: h }, '*'); }
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.documentElement);
  addEventListener('load', send);
  addEventListener('DOMContentLoaded', send);
})();`;

/** The frame's whole document: the output, plotly.js when it needs it, the height script. */
export function frameDocument(html, plotly) {
  const head = [
    '<!DOCTYPE html><html><head><meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    '<style>html{color-scheme:light}body{margin:0;padding:4px;background:#fff;color:#000;',
    'font:14px/1.4 system-ui,sans-serif;overflow-x:auto}</style>',
    `<script>${RESIZE_SCRIPT}</script>`,
    plotly ? `<script src="${escapeAttr(plotly)}"></script>` : '',
    '</head><body>',
  ];
  return `${head.join('')}${html}</body></html>`;
}

/** A sandboxed iframe showing `html`; `plotlyPath` is where plotly.js comes from. */
export function createHtmlFrame(doc, html, { plotlyPath, title }) {
  const frame = doc.createElement('iframe');
  frame.className = 'livegallery-html';
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.title = title;
  const plotly = needsPlotly(html) ? plotlyUrl(plotlyPath, doc.baseURI) : '';
  frame.srcdoc = frameDocument(html, plotly);
  return frame;
}

/**
 * Let frames size themselves: a message counts only when it comes from the
 * window of one of the page's html frames, and only its height is read.
 * Returns a function that removes the listener.
 */
export function listenForFrameHeights(doc) {
  const win = doc.defaultView;
  const onMessage = (event) => {
    const height = event.data && event.data.livegalleryFrameHeight;
    if (typeof height !== 'number' || !Number.isFinite(height)) return;
    const frame = [...doc.querySelectorAll(FRAMES)].find((f) => f.contentWindow === event.source);
    if (!frame) return;
    const clamped = Math.min(Math.max(Math.ceil(height), MIN_HEIGHT), MAX_HEIGHT);
    frame.style.height = `${clamped}px`;
  };
  win.addEventListener('message', onMessage);
  return () => win.removeEventListener('message', onMessage);
}
