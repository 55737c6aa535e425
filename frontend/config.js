// Page configuration and backend endpoint URLs. Pure functions, except
// readConfig, which reads the JSON the Sphinx extension writes into the page.

export const DEFAULTS = Object.freeze({
  backendUrl: '',
  acePath: '_static/ace/ace.js',
  plotlyPath: '',
  requestTimeout: 60,
  version: '',
});

/** Parse the config JSON text, filling defaults; throws on malformed JSON. */
export function parseConfig(text) {
  const raw = JSON.parse(text || '{}');
  const config = { ...DEFAULTS };
  if (raw && typeof raw === 'object') {
    if (typeof raw.backendUrl === 'string') config.backendUrl = raw.backendUrl.trim();
    if (typeof raw.acePath === 'string' && raw.acePath) config.acePath = raw.acePath;
    if (typeof raw.plotlyPath === 'string') config.plotlyPath = raw.plotlyPath;
    const timeout = Number(raw.requestTimeout);
    if (Number.isFinite(timeout) && timeout > 0) config.requestTimeout = timeout;
    if (typeof raw.version === 'string') config.version = raw.version;
  }
  return config;
}

/** The config of this page, or null when the page carries none (not a livegallery page). */
export function readConfig(doc) {
  const el = doc.getElementById('livegallery-config');
  if (!el) return null;
  return parseConfig(el.textContent);
}

/**
 * The backend base URL, always ending in "/" so that endpoint paths resolve
 * under it: "" → the page's origin; "https://h/prefix" → "https://h/prefix/".
 * Query and fragment are dropped since endpoints are appended as paths.
 */
export function backendBase(backendUrl, pageUrl) {
  const page = new URL(pageUrl);
  const base = backendUrl ? new URL(backendUrl, page) : new URL('/', page.origin);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base.href;
}

/** The http(s) URL of an endpoint such as "api/v1/run". */
export function httpEndpoint(base, path) {
  return new URL(path, base).href;
}

/** The ws(s) URL of an endpoint: http → ws, https → wss. */
export function wsEndpoint(base, path) {
  const url = new URL(path, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** Every URL the front end talks to, from the config and the page address. */
export function endpoints(config, pageUrl) {
  const base = backendBase(config.backendUrl, pageUrl);
  return {
    base,
    run: httpEndpoint(base, 'api/v1/run'),
    health: httpEndpoint(base, 'api/v1/health'),
    stream: wsEndpoint(base, 'api/v1/stream'),
  };
}
