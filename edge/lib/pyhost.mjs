// The worker's Python: Pyodide with the core restored from the artifact's snapshot, and
// the glue's entry points. Requests cross once: one JSON string in, one JSON string out.

import { loadTailor } from '../pyodide_loader.mjs';

export class PyHost {
  static async start(cfg) {
    const pyodide = await loadTailor({ artifactDir: cfg.artifactDir, useSnapshot: cfg.useSnapshot });
    const glue = pyodide.pyimport('edge.glue');
    const host = new PyHost(pyodide, glue);
    host.call('configure', JSON.stringify({ cookie_key_hex: cfg.cookieKeyHex,
      debug_raise: Boolean(cfg.debugHooks) }));
    return host;
  }

  constructor(pyodide, glue) {
    this.pyodide = pyodide;
    this.glue = glue;
    this.handleFn = glue.handle;
    this.version = 0;
    this.start = pyodide.tailorStart;
  }

  call(name, ...args) {
    const fn = this.glue[name];
    try {
      return fn(...args);
    } finally {
      fn.destroy?.();
    }
  }

  /** The single per-request crossing; never throws (errors come back as {error}). */
  handle(message) {
    try {
      return JSON.parse(this.handleFn(JSON.stringify(message)));
    } catch (e) {
      return { error: `crossing failed: ${e?.message || e}` };
    }
  }

  prepare(payload, version) {
    const view = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    return JSON.parse(this.call('prepare', view, version));
  }

  commit(version) {
    const r = JSON.parse(this.call('commit', version));
    if (r.ok) this.version = r.version;
    return r;
  }

  abort() {
    return JSON.parse(this.call('abort'));
  }
}
