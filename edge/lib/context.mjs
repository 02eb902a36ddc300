// Reads the visitor's context from request headers: cookies, device class, country,
// language, referrer and local time. Small caches keep repeated User-Agents cheap.

import { randomUUID } from 'node:crypto';

const WANTED = new Set(['tailor_s', 'tailor_consent', 'euconsent-v2', 'tailor_tz', 'tailor_cr']);

/** The cookies Tailor reads, from a Cookie header (other cookies are ignored). */
export function readCookies(header) {
  const out = {};
  if (!header) return out;
  for (const part of String(header).split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!WANTED.has(name)) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    try { v = decodeURIComponent(v); } catch { /* keep raw */ }
    out[name] = v;
  }
  return out;
}

/** The id a new visitor gets when Python finds no readable state cookie (32 hex digits). */
export function freshVisitorId() {
  return randomUUID().replace(/-/g, '');
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure when the visitor is on TLS. */
export function setCookie(name, value, { secure, maxAge = 31536000, httpOnly = true }) {
  let c = `${name}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax`;
  if (httpOnly) c += '; HttpOnly';
  if (secure) c += '; Secure';
  return c;
}

/** Set-Cookie headers for the decision's state cookie: set, deleted (""), or none. */
export function stateCookieHeaders(out, secure) {
  if (out.set_cookie === '') return [setCookie('tailor_s', '', { secure, maxAge: 0 })];
  if (typeof out.set_cookie === 'string') return [setCookie('tailor_s', out.set_cookie, { secure })];
  return [];
}

/** True when the visitor reached us over TLS (directly or through a proxy saying so). */
export function isSecure(req) {
  if (req.socket && req.socket.encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && proto.split(',')[0].trim().toLowerCase() === 'https';
}

const BOT = /bot|crawl|spider|slurp|bingpreview|facebookexternalhit|headlesschrome|lighthouse/i;
const TABLET = /ipad|tablet|playbook|silk|kindle|(android(?!.*mobile))/i;
const MOBILE = /mobi|iphone|ipod|android|blackberry|opera mini|iemobile|windows phone/i;
const deviceCache = new Map();

/** Device class from a User-Agent: "bot" | "tablet" | "mobile" | "desktop". */
export function deviceClass(ua) {
  if (!ua) return 'desktop';
  const hit = deviceCache.get(ua);
  if (hit) return hit;
  let d = 'desktop';
  if (BOT.test(ua)) d = 'bot';
  else if (TABLET.test(ua)) d = 'tablet';
  else if (MOBILE.test(ua)) d = 'mobile';
  if (deviceCache.size > 5000) deviceCache.clear();
  deviceCache.set(ua, d);
  return d;
}

/** Primary language subtag of Accept-Language ("de-CH,de;q=0.9" -> "de"), or null. */
export function language(header) {
  if (!header) return null;
  let best = null;
  let bestQ = -1;
  for (const part of String(header).split(',')) {
    const [tag, ...params] = part.trim().split(';');
    if (!tag || tag === '*') continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > bestQ) { best = tag; bestQ = q; }
  }
  return best ? best.split('-')[0].toLowerCase().slice(0, 8) : null;
}

/** Standard-time UTC offsets (minutes) of some countries, used when no tz cookie is set. */
export const COUNTRY_OFFSETS = {
  GB: 0, IE: 0, PT: 0, IS: 0, DE: 60, FR: 60, ES: 60, IT: 60, NL: 60, BE: 60, AT: 60,
  CH: 60, SE: 60, NO: 60, DK: 60, PL: 60, CZ: 60, FI: 120, GR: 120, RO: 120, UA: 120,
  TR: 180, RU: 180, AE: 240, IN: 330, CN: 480, SG: 480, HK: 480, JP: 540, KR: 540,
  AU: 600, NZ: 720, US: -300, CA: -300, MX: -360, BR: -180, AR: -180, CL: -240, ZA: 120,
};

/** Local hour and weekday from an offset in minutes east of UTC. */
export function localTime(nowMs, offsetMinutes) {
  const d = new Date(nowMs + offsetMinutes * 60000);
  return { local_hour: d.getUTCHours(), weekday: (d.getUTCDay() + 6) % 7 };
}

function tzOffset(cookies, country, defaultOffset) {
  const raw = cookies.tailor_tz;
  if (raw !== undefined && /^-?\d{1,4}$/.test(raw)) {
    const v = Number(raw);
    if (v >= -840 && v <= 840) return v;
  }
  if (country && country in COUNTRY_OFFSETS) return COUNTRY_OFFSETS[country];
  return defaultOffset;
}

function referrer(value) {
  if (!value) return null;
  return String(value).slice(0, 512);
}

/**
 * The Request map of docs/contracts.md (minus page_slots and profile, which the caller
 * adds) plus the cookies the core reads.
 */
export function readContext(req, url, cfg, nowMs) {
  const h = req.headers;
  const cookies = readCookies(h.cookie);
  let country = h[cfg.countryHeader];
  country = typeof country === 'string' && /^[A-Za-z]{2}$/.test(country.trim())
    ? country.trim().toUpperCase() : null;
  const query = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const t = localTime(nowMs, tzOffset(cookies, country, cfg.defaultTzOffset || 0));
  return {
    path: url.pathname,
    query,
    device: deviceClass(h['user-agent']),
    country,
    language: language(h['accept-language']),
    referrer: referrer(h.referer),
    local_hour: t.local_hour,
    weekday: t.weekday,
    consent: {
      tcf: cookies['euconsent-v2'] || null,
      gpc: h['sec-gpc'] === '1',
      cookie: cookies.tailor_consent || null,
    },
    attributes: {},
    cookies: { tailor_s: cookies.tailor_s || null, tailor_consent: cookies.tailor_consent || null },
    recorded: cookies.tailor_cr || null,
  };
}
