// Small HTTP helpers shared by the worker's routes: bounded body reading, JSON answers,
// bearer-token checks.

import { timingSafeEqual } from 'node:crypto';

export function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        const e = new Error(`body larger than ${limit} bytes`);
        e.status = 413;
        req.removeAllListeners('data');
        req.resume(); // drain the rest; the 413 closes the connection
        reject(e);
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export function sendJson(res, status, obj, extra = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length,
    'cache-control': 'no-store', ...extra });
  res.end(body);
}

/** True when `header` is `Bearer <token>` (compared in constant time); never for no token. */
export function bearerOk(header, token) {
  if (!token) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header || '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
