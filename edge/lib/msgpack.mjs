// Minimal msgpack decoder: enough to read the bundle envelope and header in JS so the
// signature is checked before any byte reaches Python. bin values come back as Buffers.

export function decode(buf) {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  const st = { pos: 0 };
  const value = read(b, st);
  if (st.pos !== b.length) throw new Error('msgpack: trailing bytes');
  return value;
}

function need(b, st, n) {
  if (st.pos + n > b.length) throw new Error('msgpack: truncated');
}

function readMap(b, st, n) {
  const out = {};
  for (let i = 0; i < n; i++) {
    const k = read(b, st);
    const key = String(k);
    if (key === '__proto__') throw new Error('msgpack: refusing a __proto__ key');
    out[key] = read(b, st);
  }
  return out;
}

function readArr(b, st, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = read(b, st);
  return out;
}

function str(b, st, n) {
  need(b, st, n);
  const s = b.toString('utf8', st.pos, st.pos + n);
  st.pos += n;
  return s;
}

function bin(b, st, n) {
  need(b, st, n);
  const out = b.subarray(st.pos, st.pos + n);
  st.pos += n;
  return out;
}

function read(b, st) {
  need(b, st, 1);
  const t = b[st.pos++];
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  if ((t & 0xf0) === 0x80) return readMap(b, st, t & 0x0f);
  if ((t & 0xf0) === 0x90) return readArr(b, st, t & 0x0f);
  if ((t & 0xe0) === 0xa0) return str(b, st, t & 0x1f);
  let v;
  switch (t) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: need(b, st, 1); v = b.readUInt8(st.pos); st.pos += 1; return bin(b, st, v);
    case 0xc5: need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return bin(b, st, v);
    case 0xc6: need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return bin(b, st, v);
    case 0xca: need(b, st, 4); v = b.readFloatBE(st.pos); st.pos += 4; return v;
    case 0xcb: need(b, st, 8); v = b.readDoubleBE(st.pos); st.pos += 8; return v;
    case 0xcc: need(b, st, 1); v = b.readUInt8(st.pos); st.pos += 1; return v;
    case 0xcd: need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return v;
    case 0xce: need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return v;
    case 0xcf: need(b, st, 8); v = Number(b.readBigUInt64BE(st.pos)); st.pos += 8; return v;
    case 0xd0: need(b, st, 1); v = b.readInt8(st.pos); st.pos += 1; return v;
    case 0xd1: need(b, st, 2); v = b.readInt16BE(st.pos); st.pos += 2; return v;
    case 0xd2: need(b, st, 4); v = b.readInt32BE(st.pos); st.pos += 4; return v;
    case 0xd3: need(b, st, 8); v = Number(b.readBigInt64BE(st.pos)); st.pos += 8; return v;
    case 0xd9: need(b, st, 1); v = b.readUInt8(st.pos); st.pos += 1; return str(b, st, v);
    case 0xda: need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return str(b, st, v);
    case 0xdb: need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return str(b, st, v);
    case 0xdc: need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return readArr(b, st, v);
    case 0xdd: need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return readArr(b, st, v);
    case 0xde: need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return readMap(b, st, v);
    case 0xdf: need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return readMap(b, st, v);
    default: throw new Error(`msgpack: unsupported type 0x${t.toString(16)}`);
  }
}

/** The marker key of a bin value in `toJson` output: {"\u0000b": [offset, length]}. */
export const BIN_KEY = '\u0000b';

class NotJson extends Error {}

/**
 * A msgpack document as JSON text plus one buffer holding its bin values, so Python can
 * read it with the C json module (much faster in Pyodide than the pure-Python msgpack)
 * and get the same values back: bin as {BIN_KEY: [offset, length]} into `blobs`, floats
 * always with a fraction or exponent (so 1.0 stays a float), NaN/Infinity as Python's json
 * reads them. Returns null for what JSON cannot carry exactly (non-string map keys,
 * integers beyond 2^53, a key equal to BIN_KEY): the caller then sends the msgpack as is.
 */
export function toJson(buf) {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  const st = { pos: 0, bins: [], binBytes: 0 };
  let text;
  try {
    text = jsonOf(b, st);
    if (st.pos !== b.length) return null;
  } catch (e) {
    if (e instanceof NotJson) return null;
    throw e;
  }
  return { text, blobs: Buffer.concat(st.bins, st.binBytes) };
}

function jsonFloat(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function jsonInt(v) {
  if (!Number.isSafeInteger(v)) throw new NotJson('integer beyond 2^53');
  return String(v);
}

function jsonBin(b, st, n) {
  const data = bin(b, st, n);
  st.bins.push(data);
  const at = st.binBytes;
  st.binBytes += data.length;
  return `{"\\u0000b":[${at},${data.length}]}`;
}

function jsonMap(b, st, n) {
  const parts = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = b[st.pos];
    const isStr = (t & 0xe0) === 0xa0 || t === 0xd9 || t === 0xda || t === 0xdb;
    if (!isStr) throw new NotJson('non-string map key');
    const key = read(b, st);
    if (key === BIN_KEY) throw new NotJson('reserved key');
    parts[i] = `${JSON.stringify(key)}:${jsonOf(b, st)}`;
  }
  return `{${parts.join(',')}}`;
}

function jsonArr(b, st, n) {
  const parts = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = jsonOf(b, st);
  return `[${parts.join(',')}]`;
}

function jsonOf(b, st) {
  need(b, st, 1);
  const t = b[st.pos];
  if (t <= 0x7f || t >= 0xe0) { st.pos += 1; return String(t <= 0x7f ? t : t - 0x100); }
  if ((t & 0xf0) === 0x80) { st.pos += 1; return jsonMap(b, st, t & 0x0f); }
  if ((t & 0xf0) === 0x90) { st.pos += 1; return jsonArr(b, st, t & 0x0f); }
  let v;
  switch (t) {
    case 0xc4: st.pos += 1; need(b, st, 1); v = b.readUInt8(st.pos); st.pos += 1; return jsonBin(b, st, v);
    case 0xc5: st.pos += 1; need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return jsonBin(b, st, v);
    case 0xc6: st.pos += 1; need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return jsonBin(b, st, v);
    case 0xca: case 0xcb: return jsonFloat(read(b, st));
    case 0xcf: st.pos += 1; need(b, st, 8); v = b.readBigUInt64BE(st.pos); st.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NotJson('integer beyond 2^53');
      return String(v);
    case 0xd3: st.pos += 1; need(b, st, 8); v = b.readBigInt64BE(st.pos); st.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new NotJson('integer beyond 2^53');
      }
      return String(v);
    case 0xdc: st.pos += 1; need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return jsonArr(b, st, v);
    case 0xdd: st.pos += 1; need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return jsonArr(b, st, v);
    case 0xde: st.pos += 1; need(b, st, 2); v = b.readUInt16BE(st.pos); st.pos += 2; return jsonMap(b, st, v);
    case 0xdf: st.pos += 1; need(b, st, 4); v = b.readUInt32BE(st.pos); st.pos += 4; return jsonMap(b, st, v);
    default: {
      v = read(b, st); // nil, booleans, strings, the other integers
      if (typeof v === 'number') return jsonInt(v);
      // invalid UTF-8 decodes to U+FFFD here but is an error in Python: let Python decide
      if (typeof v === 'string' && v.includes('\ufffd')) throw new NotJson('replacement char');
      return JSON.stringify(v);
    }
  }
}
