// The browser build: a module Web Worker that runs the same core wheel and bundle as the
// edge, from files the edge serves (/_tailor/pyodide/ and /_tailor/dist/), and answers with
// the same glue calls. Messages: {id, op, args} -> {id, result} or {id, error}, with op one
// of init(baseUrl) | configure(json) | prepare(Uint8Array, version) | commit(version) |
// handle(json). Decisions come back as the same JSON strings the edge gets.

let pyodide = null;
let glue = null;

async function init(baseUrl) {
  const base = new URL(baseUrl, self.location.href).href; // Pyodide wants absolute URLs
  const { loadPyodide } = await import(`${base}pyodide/pyodide.mjs`);
  pyodide = await loadPyodide({
    indexURL: `${base}pyodide/`,
    lockFileURL: `${base}dist/pyodide-lock.json`,
    packageBaseUrl: `${base}dist/`,
  });
  const problems = [];
  await pyodide.loadPackage(['msgpack', 'tailor-core'],
    { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
  if (problems.length) throw new Error(`loading the core wheel: ${problems.join('; ')}`);
  glue = pyodide.pyimport('edge.glue');
  return pyodide.runPython('import core; core.__version__');
}

const ops = {
  init: (base) => init(base || '/_tailor/'),
  configure: (json) => glue.configure(json),
  prepare: (bytes, version) => glue.prepare(bytes, version),
  commit: (version) => glue.commit(version),
  handle: (json) => glue.handle(json),
};

self.onmessage = async (event) => {
  const { id, op, args = [] } = event.data || {};
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    if (op !== 'init' && !glue) throw new Error('call init first');
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (e) {
    self.postMessage({ id, error: String(e?.message || e) });
  }
};
