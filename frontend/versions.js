// Version match you can see: the page carries the versions its example was built
// with (config.expectedVersions); the backend's health says what the sandbox runs.
// When a package differs, or the sandbox lacks it, the toolbar says so before any run.
// Pure functions except fetchSandboxVersions, which takes its fetch as an argument.

/** PEP 503 normalised distribution name: "Scikit_Image" and "scikit-image" are one. */
export function normalizeName(name) {
  return String(name).toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * [{name, expected, actual}] for every expected package whose sandbox version differs
 * (actual null: not installed there). Empty when the sandbox's versions are unknown.
 */
export function versionDifferences(expected, sandbox) {
  if (!isVersionMap(expected) || !isVersionMap(sandbox) || !Object.keys(sandbox).length) return [];
  const installed = new Map(Object.entries(sandbox).map(([name, v]) => [normalizeName(name), String(v)]));
  return Object.entries(expected)
    .map(([name, version]) => ({ name, expected: String(version), actual: installed.get(normalizeName(name)) ?? null }))
    .filter((d) => d.actual !== d.expected)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The sentence the reader sees, or '' when nothing differs. */
export function versionNote(differences) {
  if (!differences.length) return '';
  if (differences.length === 1) {
    const [d] = differences;
    const runs = d.actual === null ? `does not have ${d.name}` : `runs ${d.actual}`;
    return `This example was built with ${d.name} ${d.expected}; the live sandbox ${runs}, so results may differ.`;
  }
  const list = differences
    .map((d) => `${d.name} ${d.expected} (sandbox: ${d.actual === null ? 'not installed' : d.actual})`)
    .join(', ');
  return `This example was built with package versions the live sandbox does not run, so results may differ: ${list}.`;
}

function isVersionMap(value) {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The sandbox's {distribution: version} from GET health, or null when the backend
 * cannot say (down, refusing, not JSON, too slow): the page then stays silent.
 */
export async function fetchSandboxVersions(healthUrl, fetchImpl, timeoutMs = 10000) {
  if (!fetchImpl) return null;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(healthUrl, { headers: { Accept: 'application/json' }, signal: controller.signal });
    const body = await response.json();
    return isVersionMap(body?.versions) ? body.versions : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
