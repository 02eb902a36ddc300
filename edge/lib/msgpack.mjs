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
