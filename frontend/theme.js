// Which colour scheme the page shows, across the themes we support:
// pydata-sphinx-theme sets html[data-theme="light"|"dark"]; furo sets
// body[data-theme="light"|"dark"|"auto"] where auto follows the OS; themes
// with neither (alabaster) are light whatever the OS prefers.

export function isDark(doc) {
  const html = doc.documentElement.dataset.theme;
  const body = doc.body && doc.body.dataset.theme;
  const chosen = body || html;
  if (chosen === 'dark') return true;
  if (chosen === 'auto') {
    const media = doc.defaultView.matchMedia && doc.defaultView.matchMedia('(prefers-color-scheme: dark)');
    return Boolean(media && media.matches);
  }
  return false;
}

/** Call onChange(dark) whenever the page's scheme changes (theme switcher or OS). */
export function watchScheme(doc, onChange) {
  let last = isDark(doc);
  const check = () => {
    const now = isDark(doc);
    if (now !== last) { last = now; onChange(now); }
  };
  const observer = new doc.defaultView.MutationObserver(check);
  const options = { attributes: true, attributeFilter: ['data-theme'] };
  observer.observe(doc.documentElement, options);
  if (doc.body) observer.observe(doc.body, options);
  doc.defaultView.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', check);
}
