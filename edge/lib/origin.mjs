// Talking to the origin: fetching pages for the cache, proxying what is not ours to
// personalize, fetching known visitors' profiles, posting event batches.

import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';

const HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export function hopless(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP.has(k)) out[k] = v;
  return out;
}

const ORIGIN_FIELDS = ['id', 'type', 'ts', 'visitor', 'item', 'value', 'query', 'path', 'category'];
const ID_OK = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * An event in the origin's /v1/events shape: its own fields kept, anything else the core
 * adds (slot, rule, experiment, variation on exposures) moved into `props`; an id the origin
 * would refuse is replaced by a stable hash of it.
 */
export function originEvent(e) {
  const out = {};
  const props = {};
  for (const [k, v] of Object.entries(e)) {
    if (ORIGIN_FIELDS.includes(k)) out[k] = v;
    else if (v !== null && v !== undefined && ['string', 'number', 'boolean'].includes(typeof v)) {
      props[k.slice(0, 64)] = typeof v === 'string' ? v.slice(0, 256) : v;
    }
  }
  if (typeof out.id !== 'string' || !ID_OK.test(out.id)) {
    out.id = 'h:' + createHash('sha256').update(String(out.id)).digest('hex').slice(0, 40);
  }
  if (Object.keys(props).length) out.props = props;
  return out;
}

export class Origin {
  constructor(base, { token = '', timeoutMs = 10000 } = {}) {
    this.base = new URL(base);
    this.mod = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.mod.Agent({ keepAlive: true, maxSockets: 64 });
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  target(pathAndQuery) {
    const prefix = this.base.pathname.replace(/\/$/, '');
    return {
      protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port,
      path: prefix + pathAndQuery, agent: this.agent,
    };
  }

  /** A buffered request: resolves {status, headers, body}; rejects on network errors. */
  request(method, pathAndQuery, headers = {}, body = null, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      const req = this.mod.request({ ...this.target(pathAndQuery), method, headers }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) });
        });
        res.on('error', reject);
      });
      // a hard deadline for the whole exchange, not just socket idleness
      const timer = setTimeout(
        () => req.destroy(new Error(`origin timeout after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => { clearTimeout(timer); reject(e); });
      req.end(body);
    });
  }

  /**
   * Fetches a page for the cache (identity encoding). The visitor's cookies go along, as
   * through any shared cache: a page that depends on them must say Vary: Cookie or private.
   */
  fetchPage(pathAndQuery, reqHeaders, etag) {
    const headers = { accept: reqHeaders.accept || 'text/html', 'accept-encoding': 'identity' };
    if (reqHeaders.cookie) headers.cookie = reqHeaders.cookie;
    if (reqHeaders['accept-language']) headers['accept-language'] = reqHeaders['accept-language'];
    if (reqHeaders['user-agent']) headers['user-agent'] = reqHeaders['user-agent'];
    if (reqHeaders.host) headers['x-forwarded-host'] = reqHeaders.host;
    if (etag) headers['if-none-match'] = etag;
    return this.request('GET', pathAndQuery, headers);
  }

  /** Streams a request through to the origin and the answer back, untouched. */
  proxy(req, res, onError) {
    const headers = hopless(req.headers);
    headers['x-forwarded-host'] = req.headers.host || '';
    const up = this.mod.request({ ...this.target(req.url), method: req.method, headers }, (ures) => {
      res.writeHead(ures.statusCode, hopless(ures.headers));
      ures.pipe(res);
    });
    up.setTimeout(this.timeoutMs, () => up.destroy(new Error('origin timeout')));
    up.on('error', (e) => onError(e));
    req.pipe(up);
  }

  authHeaders() {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** Posts a batch; only consented events are ever forwarded, so the batch says so. */
  async postEvents(events) {
    const body = Buffer.from(JSON.stringify({ events: events.map(originEvent),
      consent: { profile: true } }), 'utf8');
    const r = await this.request('POST', '/v1/events', {
      'content-type': 'application/json', 'content-length': body.length, ...this.authHeaders(),
    }, body);
    return r.status;
  }

  /** Posts consent records ({records: [...]}); resolves to the HTTP status. */
  async postConsents(records) {
    const body = Buffer.from(JSON.stringify({ records }), 'utf8');
    const r = await this.request('POST', '/v1/consent', {
      'content-type': 'application/json', 'content-length': body.length, ...this.authHeaders(),
    }, body);
    return r.status;
  }

  async fetchProfile(id, timeoutMs) {
    const r = await this.request('GET', `/v1/profiles/${encodeURIComponent(id)}`,
      { accept: 'application/json', ...this.authHeaders() }, null, timeoutMs);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`profile fetch answered ${r.status}`);
    return JSON.parse(r.body.toString('utf8'));
  }
}
