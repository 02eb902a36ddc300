// Validates event batches from the tracking snippet. Accepts JSON sent as application/json
// or as text/plain (sendBeacon); a bad batch gets a 400 whose message names the problem.

export const EVENT_TYPES = new Set(['view', 'click', 'hover', 'dwell', 'scroll', 'add_to_cart',
  'remove_from_cart', 'purchase', 'search', 'exposure']);
const FIELDS = new Set(['id', 'type', 'ts', 'item', 'value', 'query', 'path']);

export class EventError extends Error {}

function optString(ev, name, max, where) {
  const v = ev[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new EventError(`${where}.${name}: must be a string or null`);
  if (v.length > max) throw new EventError(`${where}.${name}: longer than ${max} characters`);
  return v;
}

/**
 * Parses and validates a request body. Returns a list of clean events
 * ({id, type, ts (seconds), item, value, query, path}); throws EventError.
 */
export function parseEvents(body, limits, nowMs) {
  let doc;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EventError('body: not valid JSON');
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? doc.events : undefined;
  if (!Array.isArray(list)) throw new EventError('body: expected {"events": [...]} or a list');
  if (list.length === 0) throw new EventError('events: empty batch');
  if (list.length > limits.maxEvents) {
    throw new EventError(`events: ${list.length} events, at most ${limits.maxEvents} per batch`);
  }
  const nowS = nowMs / 1000;
  const seen = new Set();
  return list.map((ev, i) => {
    const where = `events[${i}]`;
    if (!ev || typeof ev !== 'object' || Array.isArray(ev)) {
      throw new EventError(`${where}: must be an object`);
    }
    for (const k of Object.keys(ev)) {
      if (!FIELDS.has(k)) throw new EventError(`${where}.${k}: unknown field`);
    }
    const id = ev.id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
      throw new EventError(`${where}.id: must be 1 to 64 characters of A-Z a-z 0-9 _ - . :`);
    }
    if (seen.has(id)) throw new EventError(`${where}.id: duplicate id in batch`);
    seen.add(id);
    if (!EVENT_TYPES.has(ev.type)) {
      throw new EventError(`${where}.type: must be one of ${[...EVENT_TYPES].join(', ')}`);
    }
    if (typeof ev.ts !== 'number' || !Number.isFinite(ev.ts) || ev.ts <= 0) {
      throw new EventError(`${where}.ts: must be a positive number (seconds or milliseconds)`);
    }
    const ts = Math.floor(ev.ts > 1e11 ? ev.ts / 1000 : ev.ts);
    if (ts > nowS + limits.maxFutureSeconds) throw new EventError(`${where}.ts: in the future`);
    if (ts < nowS - limits.maxAgeSeconds) throw new EventError(`${where}.ts: too old`);
    let value = ev.value;
    if (value === undefined) value = null;
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new EventError(`${where}.value: must be a finite number or null`);
    }
    return {
      id,
      type: ev.type,
      ts,
      item: optString(ev, 'item', 128, where),
      value,
      query: optString(ev, 'query', 256, where),
      path: optString(ev, 'path', 2048, where),
    };
  });
}
