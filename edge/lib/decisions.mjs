// Caches what repeats: a contextual decision (no consent to profile, no state cookie, no
// known visitor) depends only on the page and the visitor's context, so identical contexts
// within a short TTL reuse it without crossing into Python. Conditions that read `now` at
// finer than the TTL could see a decision up to `ttlMs` old; hour-level context is in the key.

export class DecisionCache {
  constructor({ ttlMs = 30000, max = 5000 } = {}) {
    this.ttlMs = ttlMs;
    this.max = max;
    this.map = new Map();
    this.hits = 0;
    this.misses = 0;
  }

  /** The cache key of a request context, or null when the request may not use the cache. */
  static key(version, ctx, search) {
    if (ctx.cookies.tailor_s || ctx.known_id) return null;
    const c = ctx.consent;
    return `${version}|${ctx.path}|${search}|${ctx.device}|${ctx.country}|${ctx.language}|` +
      `${ctx.referrer}|${ctx.local_hour}|${ctx.weekday}|${c.tcf}|${c.gpc}|${c.cookie}|` +
      ctx.page_slots.join(',');
  }

  get(key, nowMs) {
    const e = this.map.get(key);
    if (!e || e.until <= nowMs) {
      if (e) this.map.delete(key);
      this.misses += 1;
      return null;
    }
    this.hits += 1;
    return e.out;
  }

  /** Stores a decision if it is purely contextual (nothing to set, nothing to forward). */
  put(key, out, nowMs) {
    if (out.mode !== 'contextual' || out.set_cookie || (out.forward && out.forward.length)) return;
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value);
    this.map.set(key, { out, until: nowMs + this.ttlMs });
  }

  stats() {
    return { entries: this.map.size, hits: this.hits, misses: this.misses };
  }
}
