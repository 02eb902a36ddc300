// The page cache: what the origin allows a shared cache to keep, bounded in bytes (LRU).
// Entries hold the compiled (pre-split) page so a hit costs only a decision and a join.

/** Parses a Cache-Control header into {directive: value|true}. */
export function parseCacheControl(value) {
  const out = {};
  if (!value) return out;
  for (const part of String(value).split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!key) continue;
    let v = eq < 0 ? true : part.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
    out[key] = v;
  }
  return out;
}

/**
 * Freshness policy of one origin response for a shared cache, in seconds:
 * {store, ttl, swr, sie, mustRevalidate}. `store` is false for no-store, private,
 * Vary: * and Vary: Cookie. no-cache stores with ttl 0 (every use revalidates).
 */
export function policy(headers, defaultTtl = 0) {
  const cc = parseCacheControl(headers['cache-control']);
  const vary = String(headers['vary'] || '').toLowerCase();
  // a page that varies on cookies is per visitor: never shared from the cache
  const perVisitor = vary.trim() === '*' || vary.split(',').some((v) => v.trim() === 'cookie');
  if (cc['no-store'] || cc['private'] || perVisitor) return { store: false };
  let ttl = defaultTtl;
  if (typeof cc['s-maxage'] === 'number') ttl = cc['s-maxage'];
  else if (typeof cc['max-age'] === 'number') ttl = cc['max-age'];
  else if (headers['expires']) {
    const exp = Date.parse(headers['expires']);
    const date = headers['date'] ? Date.parse(headers['date']) : Date.now();
    if (!Number.isNaN(exp)) ttl = Math.max(0, Math.round((exp - date) / 1000));
  }
  if (cc['no-cache']) ttl = 0;
  const mustRevalidate = Boolean(cc['must-revalidate'] || cc['proxy-revalidate']);
  return {
    store: true,
    ttl,
    swr: mustRevalidate ? 0 : Number(cc['stale-while-revalidate'] || 0),
    sie: mustRevalidate ? 0 : Number(cc['stale-if-error'] || 0),
    mustRevalidate,
  };
}

/** Header names of a Vary list that change the cached representation (key material). */
export function varyNames(headers) {
  const vary = String(headers['vary'] || '');
  return vary.split(',').map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'accept-encoding' && s !== 'cookie').sort();
}

export class PageCache {
  constructor(maxBytes) {
    this.maxBytes = maxBytes;
    this.bytes = 0;
    this.map = new Map();
    this.varies = new Map(); // base key -> vary header names seen for it
    this.hits = 0;
    this.misses = 0;
    this.stale = 0;
    this.evictions = 0;
  }

  /** The full key of a request: the URL plus the values of the headers the page varies on. */
  key(url, reqHeaders) {
    const names = this.varies.get(url);
    if (!names || names.length === 0) return url;
    return url + '\n' + names.map((n) => `${n}=${reqHeaders[n] || ''}`).join('\n');
  }

  get(key) {
    const e = this.map.get(key);
    if (!e) return null;
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  /** Stores an entry {size, ...}; entries larger than a quarter of the cache are not kept. */
  set(key, url, names, entry) {
    this.varies.set(url, names);
    this.delete(key);
    if (entry.size > this.maxBytes / 4) return false;
    this.map.set(key, entry);
    this.bytes += entry.size;
    while (this.bytes > this.maxBytes && this.map.size > 0) {
      const oldest = this.map.keys().next().value;
      this.delete(oldest);
      this.evictions += 1;
    }
    return true;
  }

  delete(key) {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.size;
  }

  /** Freshness state of an entry at `nowMs`: "fresh" | "swr" | "stale". */
  static state(entry, nowMs) {
    const age = (nowMs - entry.storedAt) / 1000;
    if (age < entry.policy.ttl) return 'fresh';
    if (age < entry.policy.ttl + entry.policy.swr) return 'swr';
    return 'stale';
  }

  /** Whether a stale entry may still be served because the origin failed. */
  static usableOnError(entry, nowMs) {
    const age = (nowMs - entry.storedAt) / 1000;
    return age < entry.policy.ttl + Math.max(entry.policy.sie, entry.policy.swr);
  }

  stats() {
    return { entries: this.map.size, bytes: this.bytes, max_bytes: this.maxBytes,
      hits: this.hits, misses: this.misses, stale: this.stale, evictions: this.evictions };
  }
}
