// Small HTTP helpers shared by the worker's routes: bounded body reading, JSON answers.

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
