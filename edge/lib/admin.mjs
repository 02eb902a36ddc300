// The admin endpoint, PUT /_tailor/admin/bundle: a bearer token, a size limit, then the
// envelope, Ed25519 signature and header checked in JS before the primary swaps the bundle
// across all workers. A rejected bundle gets a 4xx naming why; the live one keeps serving.

import { verifyBundle, BundleRejected } from './bundle.mjs';
import { readBody, sendJson, bearerOk } from './respond.mjs';

export async function acceptBundle(worker, req, res, url) {
  if (!bearerOk(req.headers.authorization, worker.cfg.adminToken)) {
    return sendJson(res, 401, { ok: false, version: null, error: 'missing or wrong bearer token' },
      { 'www-authenticate': 'Bearer' });
  }
  const rollback = url.searchParams.get('rollback') === '1';
  let verified;
  try {
    if (!worker.publicKey) throw new BundleRejected(503, 'edge has no public key configured');
    const body = await readBody(req, worker.cfg.bundleMaxBytes);
    verified = verifyBundle(body, worker.publicKey);
    verified.raw = body;
  } catch (e) {
    if (!(e instanceof BundleRejected) && e.status !== 413) throw e;
    worker.ipc.send({ t: 'rejected' });
    const extra = e.status === 413 ? { connection: 'close' } : {};
    return sendJson(res, e.status || 400, { ok: false, version: null, error: e.message }, extra);
  }
  const r = await worker.ipc.request({ t: 'swap', raw: verified.raw, payload: verified.payload,
    version: verified.header.version, rollback }, 120000);
  return sendJson(res, r.status, r.body);
}
