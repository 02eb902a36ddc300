// The worker's Python: Pyodide with the core restored from the artifact's snapshot, and
// the glue's entry points. Requests cross once: one string in, one string out. Pages use a
// compact form (fields joined by control characters, slot HTML returned raw) that costs
// less to build, parse and move than JSON both ways (see bench/edge_crossing.py); anything
// else, and any page whose text holds a separator, crosses as JSON.

import { loadTailor } from '../pyodide_loader.mjs';
import { toJson } from './msgpack.mjs';

export class PyHost {
  static async start(cfg) {
    const preferSnapshot = cfg.bundleSnapshot || null;
    const pyodide = await loadTailor({ artifactDir: cfg.artifactDir, useSnapshot: cfg.useSnapshot,
      preferSnapshot });
    const glue = pyodide.pyimport('edge.glue');
    const host = new PyHost(pyodide, glue);
    if (pyodide.tailorStart.source === 'preferred') {
      // restored with the live bundle already committed (edge/lib/bundle_snapshot.mjs)
      host.version = host.call('version');
      host.bundleSha = preferSnapshot.sha;
    }
    host.call('configure', JSON.stringify({ cookie_key_hex: cfg.cookieKeyHex,
      debug_raise: Boolean(cfg.debugHooks) }));
    return host;
  }

  constructor(pyodide, glue) {
    this.pyodide = pyodide;
    this.glue = glue;
    this.handleFn = glue.handle;
    this.compactFn = glue.handle_compact;
    this.version = 0;
    this.bundleSha = null;
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

  /** A page decision: {slots, set_cookie, forward, mode, ...} or {error}; never throws. */
  page(ctx, now, freshId, debugRaise = false) {
    const wire = compactRequest(ctx, now, freshId, debugRaise);
    if (wire === null) {
      return this.handle({ op: 'page', request: ctx, now, fresh_id: freshId, debug_raise: debugRaise });
    }
    try {
      return parseAnswer(this.compactFn(wire));
    } catch (e) {
      return { error: `crossing failed: ${e?.message || e}` };
    }
  }

  /**
   * Stages a verified payload. It is converted to JSON + blobs in JS first (msgpack.mjs
   * `toJson`), which Python's C json reads several times faster than its pure-Python
   * msgpack; a payload JSON cannot carry exactly goes across as msgpack. `json` is that
   * conversion when the primary made it already (null: none possible).
   */
  prepare(payload, version, json) {
    let fast = null;
    try {
      fast = json === undefined ? toJson(payload) : json && { text: json.text, blobs: Buffer.from(json.blobs) };
    } catch {
      fast = null; // undecodable: the msgpack path rejects it with the reason
    }
    const data = fast ? fast.blobs : payload;
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (fast) return JSON.parse(this.call('prepare', view, version, fast.text));
    return JSON.parse(this.call('prepare', view, version));
  }

  commit(version) {
    const r = JSON.parse(this.call('commit', version));
    if (r.ok) {
      this.version = r.version;
      this.bundleSha = null;
    }
    return r;
  }

  /** Drops the proxies this host holds into Python (before a memory snapshot). */
  release() {
    for (const proxy of [this.handleFn, this.compactFn, this.glue]) proxy.destroy?.();
  }

  /** Whether this exact bundle ({version, sha}) is already live (restored with it). */
  holds(bundle) {
    return Boolean(bundle.sha) && bundle.sha === this.bundleSha && bundle.version === this.version;
  }

  abort() {
    return JSON.parse(this.call('abort'));
  }
}

const SEP = /[\x1d\x1e\x1f]/;

function str(v) { return v === null || v === undefined ? '' : String(v); }

/**
 * The page message in glue.py's compact form (fields joined by \x1f, in `_compact_message`
 * order), or null when some text holds a separator (then the message crosses as JSON).
 */
export function compactRequest(ctx, now, freshId, debugRaise) {
  const c = ctx.consent;
  const q = ctx.query;
  let hasQuery = false;
  for (const _ in q) { hasQuery = true; break; }
  for (const name of ctx.page_slots) if (SEP.test(name)) return null;
  const fields = [
    'page', String(now), freshId, debugRaise ? '1' : '', ctx.path,
    hasQuery ? JSON.stringify(q) : '', ctx.device, str(ctx.country), str(ctx.language),
    str(ctx.referrer), String(ctx.local_hour), String(ctx.weekday), str(c.tcf), c.gpc ? '1' : '',
    str(c.cookie), str(ctx.cookies.tailor_s), '',
    ctx.profile ? JSON.stringify(ctx.profile) : '', str(ctx.known_id), '',
  ];
  for (const f of fields) if (SEP.test(f)) return null;
  fields[16] = ctx.page_slots.join('\x1e');
  return fields.join('\x1f');
}

/** glue.py's compact answer: JSON of the small fields, a newline, then raw slot HTML. */
export function parseAnswer(text) {
  const nl = text.indexOf('\n');
  const out = JSON.parse(nl < 0 ? text : text.slice(0, nl));
  if (out.error) return out;
  const slots = out.slots || {};
  if (nl >= 0 && nl + 1 < text.length) {
    for (const pair of text.slice(nl + 1).split('\x1e')) {
      const k = pair.indexOf('\x1d');
      slots[pair.slice(0, k)] = pair.slice(k + 1);
    }
  }
  out.slots = slots;
  return out;
}
