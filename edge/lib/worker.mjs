// One edge worker: an HTTP server with its own Pyodide. Pages come from the cache
// pre-split; a request is context reading, one crossing into Python and a join. Anything
// failing in reading, deciding or rendering serves the page with its defaults (counted).

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { readContext, isSecure, stateCookieHeaders, freshVisitorId } from './context.mjs';
import { joinPage } from './splitter.mjs';
import { Origin, hopless } from './origin.mjs';
import { Pages } from './pages.mjs';
import { Profiles } from './profiles.mjs';
import { acceptEvents } from './beacon.mjs';
import { loadPublicKey } from './bundle.mjs';
import { acceptBundle } from './admin.mjs';
import { newStats, observeDecision, countFallback, probe } from './metrics.mjs';
import { StaticFiles } from './static.mjs';
import { PyHost } from './pyhost.mjs';
import { Ipc } from './ipc.mjs';
import { DecisionCache } from './decisions.mjs';
import { PageEvents } from './forward.mjs';
import { sendJson, bearerOk } from './respond.mjs';
import { Privacy } from './privacy.mjs';
import { warmUp } from './warmup.mjs';
import { TRACE, trace as traceAs } from './trace.mjs';

const trace = (stage) => traceAs(process.pid, stage);

export class Worker {
  constructor(cfg) {
    this.cfg = cfg;
    this.stats = newStats();
    this.ipc = new Ipc(process, (msg) => this.onPrimary(msg));
    this.origin = new Origin(cfg.origin, { token: cfg.originToken, timeoutMs: cfg.originTimeoutMs });
    this.pages = new Pages(this.origin, this.stats, { maxBytes: cfg.cacheBytes,
      defaultTtl: cfg.defaultTtl });
    this.profiles = new Profiles(this.origin, this.stats, { timeoutMs: cfg.profileTimeoutMs,
      ttlMs: cfg.profileTtlMs, max: cfg.profileCacheMax });
    this.publicKey = cfg.publicKey ? loadPublicKey(cfg.publicKey) : null;
    this.files = new StaticFiles(cfg.staticRoots);
    this.decisions = new DecisionCache({ ttlMs: cfg.decisionCacheMs ?? 30000 });
    this.privacy = new Privacy(this);
    this.pageEvents = new PageEvents(this.ipc);
    this.py = null;
    this.startedAt = Date.now();
  }

  async start() {
    trace('worker up');
    this.serving = false;
    this.servingNow = new Promise((resolve) => { this.markServing = resolve; });
    // the pool's first worker takes connections at once: a request that arrives while the
    // snapshot restores fetches its page meanwhile and waits (bounded) for the decision
    const starting = PyHost.start(this.cfg);
    starting.catch(() => {});
    if (this.cfg.earlyListen) await this.listen();
    // ask for the live bundle now: it arrives while the snapshot restores
    const ask = () => this.ipc.request({ t: 'hello', pid: process.pid }, 60000).catch(() => null);
    let hello = ask();
    try {
      this.py = await starting;
      trace('pyodide ready');
    } catch (e) {
      // no Python: every page is served with its defaults (and counted) rather than failing
      process.stderr.write(`tailor edge worker ${process.pid}: Pyodide failed to start: ${e?.stack || e}\n`);
      this.pyError = String(e?.message || e);
    }
    // take the live bundle from the primary before serving, so all workers agree
    for (;;) {
      const init = (await hello) || await this.ipc.request({ t: 'hello', pid: process.pid });
      trace('bundle received');
      if (init.bundle && this.py && !this.py.holds(init.bundle)) {
        this.install(init.bundle.payload, init.bundle.version, init.bundle.json);
      }
      trace('bundle installed');
      const go = await this.ipc.request({ t: 'ready', version: this.version() });
      if (go.ok) break;
      hello = ask();
    }
    if (!this.server) await this.listen();
    this.serving = true;
    this.markServing();
    trace('serving');
    this.ipc.send({ t: 'listening', pid: process.pid });
    if (this.py && this.cfg.warmupDecisions > 0) {
      // after the first page is answered (a cold decision must not delay it), or after a
      // second without traffic
      this.warmPending = setTimeout(() => this.startWarmUp(), 1000);
      this.warmPending.unref?.();
    }
  }

  async listen() {
    this.server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      this.route(req, res).catch((e) => this.internalError(res, e));
    });
    await new Promise((resolve) => this.server.listen(this.cfg.port, this.cfg.host, resolve));
    trace('listening');
  }

  /** Resolves once the worker serves on the pool's bundle, or after `startWaitMs`; true
   * when it serves. Requests that arrive during start-up wait here, not in the kernel. */
  untilServing() {
    if (this.serving) return true;
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(resolve, this.cfg.startWaitMs); });
    return Promise.race([this.servingNow, late]).then(() => {
      clearTimeout(timer);
      return this.serving;
    });
  }

  startWarmUp() {
    if (!this.warmPending) return;
    if (this.warmPending !== true) clearTimeout(this.warmPending);
    this.warmPending = null;
    setImmediate(async () => {
      this.warmup = await warmUp(this.py, this.cfg, this.cfg.warmupDecisions);
      if (this.warmup) trace(`warmed up (${this.warmup.decisions} decisions)`);
      else this.warmPending = true; // no bundle yet: the first one committed starts it
    });
  }

  version() { return this.py ? this.py.version : 0; }

  /** Stops accepting connections, lets in-flight requests finish (bounded), then exits. */
  stop() {
    const done = () => process.exit(0);
    if (!this.server) return done();
    this.server.close(done);
    this.server.closeIdleConnections?.();
    setTimeout(done, 3000).unref();
  }

  install(payload, version, json) {
    const p = this.py.prepare(Buffer.from(payload), version, json);
    if (!p.ok) {
      process.stderr.write(`tailor edge worker ${process.pid}: stored bundle rejected: ${p.error}\n`);
      return false;
    }
    return this.py.commit(version).ok;
  }

  /** Messages from the primary: two-phase bundle swaps and stats collection. */
  onPrimary(msg) {
    if (msg.t === 'prepare') {
      if (!this.py) return { ok: false, error: `worker has no Python: ${this.pyError}` };
      return this.py.prepare(Buffer.from(msg.payload), msg.version, msg.json);
    }
    if (msg.t === 'commit') {
      const r = this.py.commit(msg.version);
      if (r.ok && this.warmPending === true) this.startWarmUp();
      return r;
    }
    if (msg.t === 'abort') return this.py ? this.py.abort() : { ok: true };
    if (msg.t === 'collect') {
      return { pid: process.pid, version: this.version(), serving: this.serving, stats: this.stats,
        cache: this.pages.cache.stats(), decisions: this.decisions.stats(), rss: process.memoryUsage().rss,
        uptime_s: (Date.now() - this.startedAt) / 1000, pyodide: this.py ? this.py.start : null,
        python_error: this.pyError || null, warmup: this.warmup || null };
    }
    return { ok: false, error: `unknown message ${msg.t}` };
  }

  internalError(res, e) {
    process.stderr.write(`tailor edge: ${e?.stack || e}\n`);
    if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal edge error' });
    else res.destroy();
  }

  async route(req, res) {
    const url = new URL(req.url, 'http://edge.local');
    const p = url.pathname;
    if (p.startsWith('/_tailor/')) return this.routeTailor(req, res, url);
    // non-GET and authenticated requests are the origin's business, untouched
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.authorization) {
      return this.passThrough(req, res);
    }
    return this.page(req, res, url);
  }

  async routeTailor(req, res, url) {
    const p = url.pathname;
    const c = this.stats.counters;
    if (p === '/_tailor/health' || p === '/_tailor/metrics') {
      c.requests_other += 1;
      return this.figures(req, res, p);
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && this.files.serve(req, res, p)) {
      c.requests_other += 1;
      return undefined;
    }
    // the rest needs the decision runtime: during start-up it waits as a page does
    if (!this.serving && !(await this.untilServing())) {
      return sendJson(res, 503, { ok: false, error: 'edge is starting' }, { 'retry-after': '1' });
    }
    if (p === '/_tailor/events') {
      c.requests_events += 1;
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'use POST' });
      return acceptEvents(this, req, res);
    }
    if (p === '/_tailor/admin/bundle') {
      c.requests_admin += 1;
      if (req.method !== 'PUT') return sendJson(res, 405, { ok: false, error: 'use PUT' });
      return acceptBundle(this, req, res, url);
    }
    if (await this.privacy.route(req, res, url)) return undefined;
    c.requests_other += 1;
    return sendJson(res, 404, { ok: false, error: `no such edge resource ${p}` });
  }

  /** Health and Prometheus metrics; with a metrics token the figures are for the scraper
   * only, and health without it is a public readiness probe. */
  async figures(req, res, p) {
    const open = !this.cfg.metricsToken || bearerOk(req.headers.authorization, this.cfg.metricsToken);
    if (!open && p === '/_tailor/metrics') {
      return sendJson(res, 401, { ok: false, error: 'missing or wrong bearer token' },
        { 'www-authenticate': 'Bearer' });
    }
    const r = await this.ipc.request({ t: p === '/_tailor/health' ? 'health' : 'metrics' });
    if (p === '/_tailor/health') return sendJson(res, 200, open ? r.body : probe(r.body));
    const body = Buffer.from(r.body);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length,
      'cache-control': 'no-store' });
    return res.end(body);
  }

  passThrough(req, res) {
    this.stats.counters.requests_passthrough += 1;
    this.origin.proxy(req, res, (e) => {
      this.stats.counters.errors_origin += 1;
      if (!res.headersSent) sendJson(res, 502, { ok: false, error: `origin unreachable: ${e.message}` });
      else res.destroy();
    });
  }

  async page(req, res, url) {
    const first = TRACE && !this.served;
    if (first) {
      this.served = true;
      trace('first page request');
    }
    let got;
    try {
      const fetching = this.pages.get(url.pathname + url.search, req.headers);
      // during start-up the page's fetch overlaps the wait for Python; past the wait it is
      // served with its defaults (counted) rather than held longer
      if (!this.serving) {
        fetching.catch(() => {});
        await this.untilServing();
      }
      got = await fetching;
      if (first) trace('first page fetched');
    } catch (e) {
      if (e.response) got = { raw: e.response };
      else return sendJson(res, 502, { ok: false, error: `origin unreachable: ${e.message}` });
    }
    if (got.raw) {
      this.stats.counters.requests_passthrough += 1;
      const r = got.raw;
      const headers = hopless(r.headers);
      headers['content-length'] = r.body.length;
      res.writeHead(r.status, headers);
      return res.end(req.method === 'HEAD' ? undefined : r.body);
    }
    this.stats.counters.requests_page += 1;
    const entry = got.entry;
    const headers = { ...entry.headers, 'x-tailor-cache': got.cache };
    if (entry.setCookie) headers['set-cookie'] = [...entry.setCookie];
    if (entry.page.slots.length === 0) {
      headers['content-length'] = entry.page.whole.length;
      res.writeHead(200, headers);
      return res.end(req.method === 'HEAD' ? undefined : entry.page.whole);
    }
    const mode = this.cfg.debugHooks ? req.headers['x-tailor-debug'] : undefined;
    let fills = null;
    if (mode !== 'bypass') fills = await this.personalize(req, url, entry, headers, mode);
    if (first) trace('first page decided');
    let body;
    const tj = performance.now();
    try {
      body = joinPage(entry.page, fills);
      if (fills) {
        this.stats.timing.join_us += (performance.now() - tj) * 1000;
        this.stats.timing.join_n += 1;
      }
    } catch (e) {
      countFallback(this.stats, `render: ${e.message}`);
      body = joinPage(entry.page, null);
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    if (this.warmPending && fills) this.startWarmUp();
  }

  /** Decides the page's slots; sets response headers; null (defaults) on any failure. */
  async personalize(req, url, entry, headers, mode) {
    const t0 = performance.now();
    let out;
    let ctx;
    let tc = 0;
    let tx = 0;
    const starting = !this.serving; // past the start-up wait: the page keeps its defaults
    try {
      if (starting) throw new Error('starting');
      if (!this.py) throw new Error('python unavailable');
      const nowMs = Date.now();
      ctx = readContext(req, url, this.cfg, nowMs);
      ctx.page_slots = entry.page.slotNames;
      const known = req.headers[this.cfg.knownIdHeader];
      if (typeof known === 'string' && known) ctx.known_id = known.slice(0, 64);
      const knownId = ctx.known_id || this.profiles.knownFor(ctx.cookies.tailor_s);
      ctx.profile = null;
      if (knownId) {
        const cached = this.profiles.cached(knownId, nowMs);
        ctx.profile = cached !== undefined ? cached : await this.profiles.get(knownId, nowMs);
      }
      const now = Math.floor(nowMs / 1000);
      const raise = mode === 'raise';
      let freshId = null; // a new visitor's id, drawn only when Python decides
      const dkey = mode ? null : DecisionCache.key(this.py.version, ctx, url.search);
      const cached = dkey && this.decisions.get(dkey, nowMs);
      if (cached) {
        out = cached;
      } else {
        freshId = freshVisitorId();
        tc = performance.now();
        out = this.py.page(ctx, now, freshId, raise);
        tx = performance.now();
        if (dkey && !out.error) this.decisions.put(dkey, out, nowMs);
      }
      if (!out.error && out.needs_profile && out.known_id && ctx.profile === null && !knownId) {
        const profile = await this.profiles.get(out.known_id, nowMs);
        if (profile) {
          ctx.profile = profile;
          out = this.py.page(ctx, now, freshId ?? freshVisitorId(), raise);
        }
      }
    } catch (e) {
      out = { error: starting ? 'starting' : `read: ${e?.message || e}` };
    }
    const ms = performance.now() - t0;
    observeDecision(this.stats, ms);
    headers['server-timing'] = `decide;dur=${ms.toFixed(3)}`;
    headers['cache-control'] = 'private, no-cache';
    headers.vary = headers.vary ? `${headers.vary}, Cookie` : 'Cookie';
    delete headers.etag;
    delete headers['last-modified'];
    delete headers.expires;
    if (out.error) {
      countFallback(this.stats, out.error);
      headers['x-tailor-fallback'] = '1';
      return null;
    }
    this.stats.counters.requests_personalized += 1;
    if (tc) {
      const t = this.stats.timing;
      t.n += 1;
      t.context_us += (tc - t0) * 1000;
      t.crossing_us += (tx - tc) * 1000;
      t.python_us += out.py_us || 0;
    }
    const secure = isSecure(req);
    const cookies = stateCookieHeaders(out, secure);
    if (cookies.length) headers['set-cookie'] = [...(headers['set-cookie'] || []), ...cookies];
    headers['x-tailor-mode'] = out.mode;
    headers['x-tailor-version'] = String(out.version);
    if (this.cfg.debugHooks) headers['x-tailor-segments'] = (out.segments || []).join(',');
    if (ctx.cookies.tailor_consent && ctx.cookies.tailor_consent !== ctx.recorded) {
      try { this.privacy.seen(req, ctx, out, headers); } catch (e) { countFallback(this.stats, `consent: ${e.message}`); }
    }
    if (out.known_id) this.profiles.remember(out.set_cookie || ctx.cookies.tailor_s, out.known_id);
    if (Array.isArray(out.forward) && out.forward.length) {
      this.stats.counters.events_forwarded += out.forward.length;
      this.pageEvents.add(out.forward);
    }
    return out.slots;
  }
}
