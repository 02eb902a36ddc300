// The visitor's privacy controls, answered by the edge because only the edge can verify its
// signed state cookie: what is held (GET /_tailor/state), reset, opt out, export and erase
// (POST /_tailor/privacy/*), and consent choices (POST /_tailor/consent). Export and
// erasure act on the visitor id inside the verified cookie only, and reach the origin with
// the edge's token, so nobody can ask for someone else's data and the origin needs no key.

import { readContext, setCookie, isSecure, freshVisitorId } from './context.mjs';
import { readBody, sendJson } from './respond.mjs';

const CONSENT_MAX = 200;
const CONSENT_RE = /^[A-Za-z0-9.,;=*_-]{1,200}$/;
const YEAR = 31536000;

/** True when a state-changing POST comes from another site (a CSRF attempt). */
export function crossSite(req) {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return Boolean(origin);
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** The `tailor_consent` cookie: readable by page scripts (the snippet honours it). */
export function consentCookie(value, secure) {
  return setCookie('tailor_consent', encodeURIComponent(value), { secure, httpOnly: false });
}

/** Remembers which consent choice the edge has recorded for this browser. */
export function recordedCookie(value, secure) {
  return setCookie('tailor_cr', encodeURIComponent(value), { secure });
}

export function clearState(secure) {
  return setCookie('tailor_s', '', { secure, maxAge: 0 });
}

/**
 * A consent record in the origin's /v1/consent shape. `profile` and `purposes` are what the
 * core's consent resolution makes of the choice (`choiceOutcome`), never parsed here.
 */
export function consentRecord(visitor, choice, ctx, outcome, source) {
  return { visitor, ts: Math.floor(Date.now() / 1000), profile: outcome.profile,
    purposes: outcome.purposes,
    tcf: ctx.consent.tcf ? String(ctx.consent.tcf).slice(0, 4096) : null,
    gpc: Boolean(ctx.consent.gpc), source: `${source}:${choice}`.slice(0, 64) };
}

export class Privacy {
  constructor(worker, { batchMs = 100, remember = 20000 } = {}) {
    this.w = worker;
    this.batchMs = batchMs;
    this.remember = remember;
    this.recorded = new Map(); // visitor -> the choice last recorded from this worker
    this.pending = [];
    this.timer = null;
  }

  /** Handles /_tailor/state, /_tailor/privacy/* and /_tailor/consent; false otherwise. */
  async route(req, res, url) {
    const p = url.pathname;
    if (p !== '/_tailor/state' && p !== '/_tailor/consent' && !p.startsWith('/_tailor/privacy/')) {
      return false;
    }
    this.w.stats.counters.requests_privacy += 1;
    const want = p === '/_tailor/state' ? 'GET' : 'POST';
    if (req.method !== want) {
      sendJson(res, 405, { ok: false, error: `use ${want}` }, { allow: want });
      return true;
    }
    if (want === 'POST' && crossSite(req)) {
      sendJson(res, 403, { ok: false, error: 'cross-site request refused' });
      return true;
    }
    if (!this.w.py) {
      sendJson(res, 503, { ok: false, error: 'edge has no decision runtime' });
      return true;
    }
    const action = p === '/_tailor/state' ? 'state' : p === '/_tailor/consent' ? 'consent'
      : p.slice('/_tailor/privacy/'.length);
    const fn = { state: this.state, consent: this.consent, reset: this.reset,
      optout: this.optout, export: this.export, erase: this.erase }[action];
    if (!fn) {
      sendJson(res, 404, { ok: false, error: `no such privacy action ${action}` });
      return true;
    }
    await fn.call(this, req, res);
    return true;
  }

  context(req) {
    const nowMs = Date.now();
    const url = new URL(req.headers.referer || 'http://edge.local/', 'http://edge.local');
    const ctx = readContext(req, url, this.w.cfg, nowMs);
    ctx.page_slots = [];
    ctx.profile = null;
    return { ctx, now: Math.floor(nowMs / 1000) };
  }

  /** The summary computed in Python with the core ({error} on failure). */
  summary(req) {
    const { ctx, now } = this.context(req);
    return this.w.py.handle({ op: 'state', request: ctx, now, fresh_id: '-' });
  }

  /**
   * What the core makes of a consent choice for this request (with its GPC and TC string):
   * whether it allows profile decisions, and the purposes it records.
   */
  choiceOutcome(ctx, choice) {
    const probe = { consent: { ...ctx.consent, cookie: choice } };
    const r = this.w.py.handle({ op: 'consent', request: probe, now: Math.floor(Date.now() / 1000),
      fresh_id: '-' });
    if (r.error) throw new Error(r.error);
    return { profile: r.profile, purposes: r.purposes };
  }

  /** The visitor id inside the verified state cookie, or null. */
  visitor(req) {
    const s = this.summary(req);
    if (s.error) throw new Error(s.error);
    return s.has_state ? s.visitor : null;
  }

  async state(req, res) {
    const s = this.summary(req);
    if (s.error) return sendJson(res, 503, { ok: false, error: 'state could not be read' });
    const note = s.has_state ? undefined
      : 'this browser holds no valid personalization cookie from this site';
    return sendJson(res, 200, { ok: true, ...s, note });
  }

  async reset(req, res) {
    return sendJson(res, 200, { ok: true, reset: true },
      { 'set-cookie': [clearState(isSecure(req))] });
  }

  async optout(req, res) {
    const secure = isSecure(req);
    const { ctx } = this.context(req);
    const visitor = this.visitor(req);
    if (visitor) {
      this.record(consentRecord(visitor, 'denied', ctx, { profile: false, purposes: [] },
        'optout'));
    }
    return sendJson(res, 200, { ok: true, consent: 'denied', recorded: Boolean(visitor) }, {
      'set-cookie': [consentCookie('denied', secure), recordedCookie('denied', secure),
        clearState(secure)] });
  }

  async export(req, res) {
    const visitor = this.visitor(req);
    if (!visitor) {
      return sendJson(res, 404, { ok: false, error: 'no personalization cookie: nothing is held',
        events: [] });
    }
    let r;
    try {
      r = await this.w.origin.request('GET', `/v1/subjects/${encodeURIComponent(visitor)}`,
        { accept: 'application/json', ...this.w.origin.authHeaders() });
    } catch (e) {
      return sendJson(res, 502, { ok: false, error: `origin unreachable: ${e.message}` });
    }
    if (r.status !== 200) {
      return sendJson(res, 502, { ok: false, error: `origin answered ${r.status}` });
    }
    const held = JSON.parse(r.body.toString('utf8'));
    return sendJson(res, 200, { ok: true, visitor, ...held },
      { 'content-disposition': 'attachment; filename="my-data.json"' });
  }

  async erase(req, res) {
    const visitor = this.visitor(req);
    const clear = { 'set-cookie': [clearState(isSecure(req))] };
    if (!visitor) {
      return sendJson(res, 404, { ok: false, erased: false,
        error: 'no personalization cookie to erase' }, clear);
    }
    this.forget(visitor);
    const r = await this.w.ipc.request({ t: 'erase', visitor }, 30000)
      .catch((e) => ({ ok: false, error: e.message }));
    if (!r.ok) return sendJson(res, 502, { ok: false, erased: false, error: r.error }, clear);
    return sendJson(res, 200, { ok: true, erased: true, visitor, deleted: r.deleted,
      dropped_at_edge: r.dropped }, clear);
  }

  /** The banner's choice: sets the consent cookie and records the choice at the origin. */
  async consent(req, res) {
    let choice;
    try {
      const body = JSON.parse((await readBody(req, 4096)).toString('utf8') || '{}');
      choice = body && body.consent;
    } catch (e) {
      if (e.status === 413) {
        return sendJson(res, 413, { ok: false, error: e.message }, { connection: 'close' });
      }
      choice = undefined;
    }
    if (typeof choice !== 'string' || !CONSENT_RE.test(choice)) {
      return sendJson(res, 400, { ok: false, error: 'consent must be "granted", "denied" or a ' +
        'consent cookie value (docs/contracts.md)' });
    }
    const secure = isSecure(req);
    const { ctx } = this.context(req);
    const visitor = this.visitor(req);
    const cookies = [consentCookie(choice, secure), recordedCookie(choice, secure)];
    if (visitor) this.record(consentRecord(visitor, choice, ctx, this.choiceOutcome(ctx, choice),
      'banner'));
    if (choice === 'denied') cookies.push(clearState(secure));
    return sendJson(res, 200, { ok: true, consent: choice, recorded: Boolean(visitor) },
      { 'set-cookie': cookies });
  }

  /**
   * A page request carrying a consent choice this browser has not had recorded: record it
   * for the visitor the page is decided for (or the one in the cookie) and remember it.
   */
  seen(req, ctx, out, headers) {
    const choice = ctx.cookies.tailor_consent;
    if (!choice || choice === ctx.recorded || choice.length > CONSENT_MAX) return;
    let visitor = out.visitor || null;
    if (!visitor && ctx.cookies.tailor_s) {
      const s = this.w.py.handle({ op: 'state', request: ctx, now: Math.floor(Date.now() / 1000),
        fresh_id: freshVisitorId() });
      visitor = s.has_state ? s.visitor : null;
    }
    if (!visitor) return; // nobody to record it for (and no cookie without consent)
    // the page's own answer says what this choice allows: its consent cookie is the choice
    this.record(consentRecord(visitor, choice, ctx, out.consent, 'cookie'));
    headers['set-cookie'] = [...(headers['set-cookie'] || []), recordedCookie(choice, isSecure(req))];
  }

  /**
   * Queues a consent record for the primary (batched: one message per `batchMs`), once per
   * visitor and choice: a client that drops cookies must not send one per request.
   */
  record(rec) {
    const choice = rec.source.slice(rec.source.indexOf(':') + 1);
    if (this.recorded.get(rec.visitor) === choice) return;
    this.recorded.delete(rec.visitor);
    this.recorded.set(rec.visitor, choice);
    if (this.recorded.size > this.remember) this.recorded.delete(this.recorded.keys().next().value);
    this.pending.push(rec);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.batchMs);
      this.timer.unref?.();
    }
  }

  flush() {
    this.timer = null;
    const records = this.pending;
    this.pending = [];
    if (records.length) this.w.ipc.request({ t: 'consents', records }).catch(() => {});
  }

  /** Forgets what this worker holds of an erased visitor. */
  forget(visitor) {
    this.recorded.delete(visitor);
    this.w.pageEvents?.forget(visitor);
    this.pending = this.pending.filter((r) => r.visitor !== visitor);
  }
}
