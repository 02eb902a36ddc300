// The beacon endpoint, POST /_tailor/events: the tracking snippet's batches are checked
// field by field (a 400 names the problem), folded into the visitor's state at once (the
// next page reflects them) and, when consent allows, queued through the primary's journal.

import { readContext, isSecure, stateCookieHeaders, freshVisitorId } from './context.mjs';
import { parseEvents, EventError } from './events.mjs';
import { countFallback } from './metrics.mjs';
import { readBody, sendJson } from './respond.mjs';

export async function acceptEvents(worker, req, res) {
  const c = worker.stats.counters;
  const type = String(req.headers['content-type'] || 'text/plain').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') {
    c.events_rejected += 1;
    return sendJson(res, 415, { ok: false, error: 'content-type must be application/json or text/plain' });
  }
  let events;
  try {
    const body = await readBody(req, worker.cfg.eventsMaxBytes);
    events = parseEvents(body, { maxEvents: worker.cfg.eventsMaxCount,
      maxFutureSeconds: 300, maxAgeSeconds: 7 * 24 * 3600 }, Date.now());
  } catch (e) {
    c.events_rejected += 1;
    if (e.status === 413) {
      return sendJson(res, 413, { ok: false, error: e.message }, { connection: 'close' });
    }
    if (e instanceof EventError) return sendJson(res, 400, { ok: false, error: e.message });
    throw e;
  }
  if (!worker.py) return sendJson(res, 503, { ok: false, error: 'edge has no decision runtime' });
  const nowMs = Date.now();
  const url = new URL(req.headers.referer || 'http://edge.local/', 'http://edge.local');
  const ctx = readContext(req, url, worker.cfg, nowMs);
  ctx.page_slots = [];
  ctx.profile = null;
  const out = worker.py.handle({ op: 'events', request: ctx, events, now: Math.floor(nowMs / 1000),
    fresh_id: freshVisitorId() });
  if (out.error) {
    countFallback(worker.stats, `events: ${out.error}`);
    return sendJson(res, 503, { ok: false, error: 'events could not be processed' });
  }
  const forward = Array.isArray(out.forward) ? out.forward : [];
  if (forward.length) {
    const r = await worker.ipc.request({ t: 'journal', events: forward });
    if (!r.ok) return sendJson(res, 503, { ok: false, error: r.error }, { 'retry-after': '30' });
    c.events_forwarded += forward.length;
  }
  c.events_accepted += out.accepted || 0;
  const extra = {};
  const cookies = stateCookieHeaders(out, isSecure(req));
  if (cookies.length) extra['set-cookie'] = cookies;
  return sendJson(res, 202, { ok: true, accepted: out.accepted || 0, forwarded: forward.length,
    mode: out.mode, errors: out.errors || [] }, extra);
}
