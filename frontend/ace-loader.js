// Ace is loaded lazily, the first time a reader edits or runs, so example pages
// stay as light as plain sphinx-gallery ones. One load per page, shared.

let loading = null;

/** The directory Ace should fetch its modes and themes from: beside ace.js. */
export function aceBasePath(acePath, pageUrl) {
  return new URL('.', new URL(acePath, pageUrl)).href;
}

/**
 * Resolve to the global `ace` once ace.js has loaded (rejects if it cannot
 * load within timeoutMs). A failed load is not retried: editing falls back
 * to plain text boxes for the rest of the page's life.
 */
export function loadAce(doc, acePath, timeoutMs = 20000) {
  if (loading) return loading;
  const win = doc.defaultView;
  loading = new Promise((resolve, reject) => {
    const ready = () => {
      win.ace.config.set('basePath', aceBasePath(acePath, doc.baseURI));
      resolve(win.ace);
    };
    if (win.ace && win.ace.edit) { ready(); return; }
    const script = doc.createElement('script');
    script.src = acePath;
    script.async = true;
    const timer = setTimeout(() => reject(new Error('Ace took too long to load')), timeoutMs);
    script.onload = () => {
      clearTimeout(timer);
      if (win.ace && win.ace.edit) ready();
      else reject(new Error('ace.js loaded but defined no editor'));
    };
    script.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`could not load ${acePath}`));
    };
    doc.head.appendChild(script);
  });
  return loading;
}
