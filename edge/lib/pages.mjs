// Getting a page for a request: from the cache when fresh, revalidated with ETags when
// stale, served stale while revalidating or when the origin fails, as the origin's
// Cache-Control allows. Concurrent misses for one page share one origin fetch.

import { PageCache, policy, varyNames } from './cache.mjs';
import { compilePage } from './splitter.mjs';
import { hopless } from './origin.mjs';

const DROP = new Set(['set-cookie', 'content-length', 'content-encoding', 'age', 'date']);

function isHtml(headers) {
  return /^\s*text\/html\b/i.test(String(headers['content-type'] || ''));
}

function storedHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(hopless(headers))) if (!DROP.has(k)) out[k] = v;
  return out;
}

export class Pages {
  constructor(origin, stats, { maxBytes, defaultTtl = 0 }) {
    this.origin = origin;
    this.stats = stats;
    this.cache = new PageCache(maxBytes);
    this.defaultTtl = defaultTtl;
    this.inflight = new Map();
  }

  /**
   * Resolves {entry} for an HTML page (entry.page is compiled) or {raw: {status, headers,
   * body}} for anything else to pass through untouched; rejects when the origin failed and
   * nothing cached may be served.
   */
  async get(pathAndQuery, reqHeaders) {
    const key = this.cache.key(pathAndQuery, reqHeaders);
    const entry = this.cache.get(key);
    const now = Date.now();
    if (entry) {
      const state = PageCache.state(entry, now);
      if (state === 'fresh') { this.cache.hits += 1; return { entry, cache: 'hit' }; }
      if (state === 'swr') {
        this.cache.stale += 1;
        this.revalidate(key, pathAndQuery, reqHeaders, entry).catch(() => {});
        return { entry, cache: 'stale' };
      }
    }
    this.cache.misses += 1;
    try {
      return await this.revalidate(key, pathAndQuery, reqHeaders, entry);
    } catch (err) {
      this.stats.counters.errors_origin += 1;
      if (entry && PageCache.usableOnError(entry, now)) return { entry, cache: 'stale-if-error' };
      throw err;
    }
  }

  revalidate(key, pathAndQuery, reqHeaders, entry) {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetch(key, pathAndQuery, reqHeaders, entry)
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  async fetch(key, pathAndQuery, reqHeaders, entry) {
    const etag = entry ? entry.etag : null;
    const r = await this.origin.fetchPage(pathAndQuery, reqHeaders, etag);
    const now = Date.now();
    if (r.status === 304 && entry) {
      entry.storedAt = now;
      entry.policy = policy(r.headers, this.defaultTtl);
      if (r.headers.etag) entry.etag = r.headers.etag;
      return { entry, cache: 'revalidated' };
    }
    if (r.status >= 500) {
      const err = new Error(`origin answered ${r.status}`);
      err.response = r;
      if (entry) throw err;
      return { raw: r };
    }
    if (r.status !== 200 || !isHtml(r.headers)) return { raw: r };
    const pol = policy(r.headers, this.defaultTtl);
    const page = compilePage(r.body.toString('utf8'));
    const fresh = {
      status: 200, headers: storedHeaders(r.headers), page, etag: r.headers.etag || null,
      storedAt: now, policy: pol, size: page.whole.length * 2 + 512,
      // a per-visitor (unstored) page keeps the origin's cookies for this visitor
      setCookie: pol.store ? null : r.headers['set-cookie'] || null,
    };
    const names = varyNames(r.headers);
    const fullKey = names.length ? this.cache.key(pathAndQuery, reqHeaders) : key;
    if (pol.store && (pol.ttl > 0 || fresh.etag || pol.sie > 0)) {
      this.cache.set(names.length ? rekey(pathAndQuery, names, reqHeaders) : fullKey,
        pathAndQuery, names, fresh);
    } else if (entry) {
      this.cache.delete(key);
    }
    return { entry: fresh, cache: 'miss' };
  }
}

function rekey(url, names, reqHeaders) {
  return url + '\n' + names.map((n) => `${n}=${reqHeaders[n] || ''}`).join('\n');
}
