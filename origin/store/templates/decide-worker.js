/* The browser build of the decision: the same core wheel and glue the edge runs, loaded in a
   Web Worker from files the edge serves (/_tailor/pyodide/ and /_tailor/dist/). Post
   {payload: Uint8Array, version, cookie_key_hex, message}; get {ok, out} back, where `out`
   is exactly what the edge's glue.handle(message) answers. */
let glue = null;

async function boot() {
  const base = self.location.origin;
  const { loadPyodide } = await import(base + '/_tailor/pyodide/pyodide.mjs');
  const py = await loadPyodide({ indexURL: base + '/_tailor/pyodide/',
    lockFileURL: base + '/_tailor/dist/pyodide-lock.json' });
  await py.loadPackage('tailor-core');
  glue = py.pyimport('edge.glue');
}

self.onmessage = async (ev) => {
  try {
    if (!glue) await boot();
    const m = ev.data;
    JSON.parse(glue.configure(JSON.stringify({ cookie_key_hex: m.cookie_key_hex })));
    const prepared = JSON.parse(glue.prepare(m.payload, m.version));
    if (!prepared.ok) throw new Error(prepared.error);
    const committed = JSON.parse(glue.commit(m.version));
    if (!committed.ok) throw new Error(committed.error);
    const out = JSON.parse(glue.handle(JSON.stringify(m.message)));
    self.postMessage({ ok: true, out });
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
