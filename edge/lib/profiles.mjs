// Long-term profiles of signed-in visitors, fetched from the origin with a tight timeout,
// cached per visitor (bounded in time and count) and failing open: a slow or down origin
// costs at most one timeout per visitor per `failTtlMs`, and the page is decided without it.

export class Profiles {
  constructor(origin, stats, { timeoutMs = 50, ttlMs = 300000, failTtlMs = 10000, max = 10000 } = {}) {
    this.origin = origin;
    this.stats = stats;
    this.timeoutMs = timeoutMs;
    this.ttlMs = ttlMs;
    this.failTtlMs = failTtlMs;
    this.max = max;
    this.cache = new Map(); // known id -> {profile, until}
    this.byCookie = new Map(); // state cookie value -> known id (skips a second crossing)
  }

  /** The cached profile (or null) if still valid, else undefined. */
  cached(id, nowMs) {
    const e = this.cache.get(id);
    if (!e) return undefined;
    if (e.until <= nowMs) { this.cache.delete(id); return undefined; }
    return e.profile;
  }

  put(id, profile, untilMs) {
    this.cache.delete(id);
    this.cache.set(id, { profile, until: untilMs });
    if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value);
  }

  /** Remembers which known visitor a state cookie belongs to (bounded). */
  remember(cookieValue, id) {
    if (!cookieValue || !id) return;
    this.byCookie.set(cookieValue, id);
    if (this.byCookie.size > this.max) this.byCookie.delete(this.byCookie.keys().next().value);
  }

  knownFor(cookieValue) {
    return cookieValue ? this.byCookie.get(cookieValue) : undefined;
  }

  /** The profile for `id`, from cache or the origin; null when unavailable (fail open). */
  async get(id, nowMs) {
    const hit = this.cached(id, nowMs);
    if (hit !== undefined) return hit;
    this.stats.counters.profile_fetches += 1;
    try {
      const doc = await this.origin.fetchProfile(id, this.timeoutMs);
      const profile = doc ? normalize(doc) : null;
      let until = nowMs + this.ttlMs;
      if (profile && profile.expires_at) until = Math.min(until, profile.expires_at * 1000);
      this.put(id, profile, Math.max(until, nowMs + 1000));
      return profile;
    } catch {
      this.stats.counters.profile_failures += 1;
      this.put(id, null, nowMs + this.failTtlMs);
      return null;
    }
  }
}

function normalize(doc) {
  const p = doc.profile && typeof doc.profile === 'object' ? doc.profile : doc;
  return {
    segments: Array.isArray(p.segments) ? p.segments.filter((s) => typeof s === 'string') : [],
    propensities: p.propensities && typeof p.propensities === 'object' ? p.propensities : {},
    candidates: Array.isArray(p.candidates) ? p.candidates.filter((s) => typeof s === 'string') : [],
    expires_at: Number.isInteger(p.expires_at) ? p.expires_at : 0,
  };
}
