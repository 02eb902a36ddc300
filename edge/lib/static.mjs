// Files the edge serves itself: the tracking snippet and, for the browser build, the
// Pyodide runtime and the edge artifact (wheels, lock file) with the right MIME types.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const MIME = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.zip': 'application/zip',
  '.whl': 'application/zip', '.html': 'text/html; charset=utf-8', '.map': 'application/json',
  '.ts': 'text/plain; charset=utf-8', '.bin': 'application/octet-stream',
  '.tar': 'application/x-tar', '.msgpack': 'application/octet-stream',
};

export class StaticFiles {
  constructor(roots) {
    this.roots = roots; // url prefix -> absolute directory
    this.cache = new Map();
  }

  /** Reads (once) and returns {body, gz, type, etag} for a URL path, or null. */
  lookup(urlPath) {
    const hit = this.cache.get(urlPath);
    if (hit !== undefined) return hit;
    let found = null;
    for (const [prefix, dir] of Object.entries(this.roots)) {
      if (!urlPath.startsWith(prefix)) continue;
      let rel;
      try { rel = decodeURIComponent(urlPath.slice(prefix.length)); } catch { return null; }
      const file = path.resolve(dir, '.' + path.sep + rel);
      if (!file.startsWith(path.resolve(dir) + path.sep)) return null;
      try {
        const st = statSync(file);
        if (!st.isFile()) return null;
        const body = readFileSync(file);
        const type = MIME[path.extname(file)] || 'application/octet-stream';
        const compressible = /javascript|json|text|wasm/.test(type) && body.length > 512;
        found = { body, gz: compressible ? gzipSync(body, { level: 9 }) : null, type,
          etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"` };
      } catch {
        return null;
      }
      break;
    }
    if (found && this.cache.size < 256) this.cache.set(urlPath, found);
    return found;
  }

  /** Serves a file; returns false when there is none. */
  serve(req, res, urlPath, maxAge = 300) {
    const f = this.lookup(urlPath);
    if (!f) return false;
    const headers = { 'content-type': f.type, 'cache-control': `public, max-age=${maxAge}`,
      etag: f.etag, vary: 'Accept-Encoding', 'cross-origin-resource-policy': 'same-origin' };
    if (req.headers['if-none-match'] === f.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    let body = f.body;
    if (f.gz && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
      body = f.gz;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
